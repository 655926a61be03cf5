use barometer_domain::response::{ActivityInput, LocationInput, Purpose};
use barometer_domain::{AssemblyCode, ResponseInput, ResponseStatus};
use barometer_store::responses::{self, Save};
use barometer_store::{StoreError, audit};
use barometer_test_support::backend_tests;

use crate::support::seed;

fn activity(title: &str) -> ActivityInput {
    ActivityInput {
        title: title.into(),
        kind: "conference".into(),
        starts_on: "2025-03-10".into(),
        ends_on: Some("2025-03-11".into()),
        location: Some(LocationInput { city: "Rome".into(), country: "ITA".into() }),
        themes: vec!["youth-pve".into()],
        regions: vec!["sahel".into()],
        partners: vec!["UNOCT".into()],
        ..Default::default()
    }
}

backend_tests! {
    fn a_response_is_saved_whole_and_versioned(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let input = ResponseInput::new(vec!["victims".into(), "youth-pve".into()], vec!["sahel".into(), "global".into()], vec![activity("Conference")], "first".into());
        let content = input.validate(&def, Purpose::Draft).unwrap();
        let saved = responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Draft, expected_version: Some(0), actor: "test" }).unwrap();
        assert_eq!(saved.version, 1);
        assert_eq!(saved.status, ResponseStatus::Draft);
        assert_eq!(saved.content.themes, content.themes, "ranked order is kept");
        assert_eq!(saved.content.activities[0].title, "Conference");
        assert_eq!(saved.content.activities[0].partners, ["UNOCT"]);
        let id = saved.content.activities[0].id.clone().expect("an id is assigned");

        // A second save that keeps the activity's id keeps its identity and bumps the version.
        let mut second = input.clone();
        second.activities[0].id = Some(id.clone());
        second.activities[0].title = "Conference (amended)".into();
        second.activities.push(activity("Workshop"));
        let content = second.validate(&def, Purpose::Submit).unwrap();
        let submitted = responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Submitted, expected_version: Some(1), actor: "test" }).unwrap();
        assert_eq!(submitted.version, 2);
        assert_eq!(submitted.status, ResponseStatus::Submitted);
        assert_eq!(submitted.content.activities[0].id.as_deref(), Some(id.as_str()));
        assert_eq!(submitted.content.activities[0].title, "Conference (amended)");
        assert_eq!(submitted.content.activities.len(), 2);
        let receipt = submitted.receipt.clone().expect("a receipt on submit");
        assert!(receipt.starts_with("2025-PAM-V2-"), "{receipt}");
        assert!(submitted.submitted_at.is_some());

        let history = audit::history(&mut conn, "response", "2025/PAM").unwrap();
        assert_eq!(history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), ["response.save", "response.submit"]);
        assert_eq!(responses::submitted(&mut conn, &def.label).unwrap().len(), 1);
    }

    fn a_stale_version_is_refused_and_changes_nothing(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let first = ResponseInput::new(vec!["victims".into()], vec![], vec![], String::new()).validate(&def, Purpose::Draft).unwrap();
        responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &first, status: ResponseStatus::Draft, expected_version: None, actor: "test" }).unwrap();
        let other = ResponseInput::new(vec!["ai-tech".into()], vec![], vec![], String::new()).validate(&def, Purpose::Draft).unwrap();
        let stale = responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &other, status: ResponseStatus::Draft, expected_version: Some(0), actor: "test" });
        assert!(matches!(stale, Err(StoreError::VersionConflict { expected: 0, current: 1 })), "{stale:?}");
        let stored = responses::find(&mut conn, &def.label, &pam).unwrap().unwrap();
        assert_eq!(stored.version, 1);
        assert_eq!(stored.content.themes[0].as_str(), "victims");
    }

    fn unknown_activity_ids_are_refused_and_roll_back(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let mut forged = activity("Forged");
        forged.id = Some("00000000-0000-4000-8000-000000000000".into());
        let content = ResponseInput::new(vec!["victims".into()], vec![], vec![forged], String::new()).validate(&def, Purpose::Draft).unwrap();
        let result = responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Draft, expected_version: None, actor: "test" });
        match result {
            Err(StoreError::Invalid(errors)) => assert!(errors.get("activities[0].id").is_some(), "{errors}"),
            other => panic!("expected an invalid-input error, got {other:?}"),
        }
        assert!(responses::find(&mut conn, &def.label, &pam).unwrap().is_none(), "the whole save rolled back");
    }

    fn removed_activities_are_deleted_and_the_tracker_sees_each_status(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let two = ResponseInput::new(vec!["victims".into()], vec![], vec![activity("A"), activity("B")], String::new()).validate(&def, Purpose::Draft).unwrap();
        let saved = responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &two, status: ResponseStatus::Draft, expected_version: None, actor: "test" }).unwrap();
        let mut keep_b = ResponseInput::new(vec!["victims".into()], vec![], vec![activity("B")], String::new());
        keep_b.activities[0].id = saved.content.activities[1].id.clone();
        let one = keep_b.validate(&def, Purpose::Draft).unwrap();
        let after = responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &one, status: ResponseStatus::Draft, expected_version: None, actor: "test" }).unwrap();
        assert_eq!(after.content.activities.len(), 1);
        assert_eq!(after.content.activities[0].id, saved.content.activities[1].id);
        let tracker = responses::statuses(&mut conn, &def.label).unwrap();
        assert_eq!(tracker.len(), 1);
        assert_eq!((tracker[0].assembly.as_str(), tracker[0].status), ("PAM", ResponseStatus::Draft));
        assert!(responses::submitted(&mut conn, &def.label).unwrap().is_empty(), "drafts are not results");
    }
}
