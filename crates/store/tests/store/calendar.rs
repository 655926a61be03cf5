//! The calendar's storage: entries, Secretariat events, activity status (and how an amendment
//! treats a status the Secretariat set), joint-initiative marks and private feed tokens.

use barometer_domain::calendar::joint::Mark;
use barometer_domain::calendar::{EventInput, Source};
use barometer_domain::response::{ActivityInput, LocationInput, Purpose};
use barometer_domain::{ActivityStatus, AssemblyCode, CycleDefinition, ResponseInput, ResponseStatus, Role};
use barometer_store::auth::{self, Principal, TokenKind};
use barometer_store::calendar;
use barometer_store::responses::{self, Save, StoredResponse};
use barometer_store::{DbConn, audit};
use barometer_test_support::backend_tests;

use crate::support::seed;

fn activity(title: &str, starts_on: &str) -> ActivityInput {
    ActivityInput {
        title: title.into(),
        kind: "conference".into(),
        starts_on: starts_on.into(),
        location: Some(LocationInput { city: "Rome".into(), country: "ITA".into() }),
        themes: vec!["youth-pve".into()],
        regions: vec!["sahel".into()],
        partners: vec!["UNOCT".into()],
        ..Default::default()
    }
}

fn save(conn: &mut DbConn, def: &CycleDefinition, code: &str, activities: Vec<ActivityInput>, status: ResponseStatus) -> StoredResponse {
    let assembly = AssemblyCode::parse(code).unwrap();
    let input = ResponseInput::new(vec!["youth-pve".into()], vec!["sahel".into()], activities, String::new());
    let content = input.validate(def, Purpose::Submit).unwrap();
    responses::save(conn, Save { cycle: &def.label, assembly: &assembly, content: &content, status, expected_version: None, actor: "test" })
        .unwrap()
}

fn event() -> EventInput {
    EventInput {
        title: "Seventh Meeting of the Coordination Mechanism".into(),
        kind: "mechanism-meeting".into(),
        starts_on: "2025-06-12".into(),
        city: Some("Madrid".into()),
        country: Some("ESP".into()),
        themes: vec!["youth-pve".into()],
        ..EventInput::default()
    }
}

backend_tests! {
    fn entries_are_submitted_activities_and_secretariat_events(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        save(&mut conn, &def, "PAM", vec![activity("Submitted conference", "2025-03-10")], ResponseStatus::Submitted);
        save(&mut conn, &def, "PACE", vec![activity("Draft workshop", "2025-03-12")], ResponseStatus::Draft);
        let id = calendar::insert_event(&mut conn, &event().validate().unwrap(), "user:sec").unwrap();

        let entries = calendar::entries(&mut conn).unwrap();
        let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Submitted conference", "Seventh Meeting of the Coordination Mechanism"], "drafts stay out; sorted by date");
        let activity = &entries[0];
        assert_eq!((activity.source, activity.assembly.as_ref().map(AssemblyCode::as_str)), (Source::Activity, Some("PAM")));
        assert_eq!(activity.themes[0].as_str(), "youth-pve");
        assert_eq!(activity.regions[0].as_str(), "sahel");
        assert_eq!(activity.partners, ["UNOCT"]);
        assert_eq!(activity.location.as_ref().unwrap().city.as_deref(), Some("Rome"));
        let event = &entries[1];
        assert_eq!((event.source, event.id.as_str(), event.kind.as_str()), (Source::Event, id.as_str(), "mechanism-meeting"));
        assert_eq!(event.assembly, None);
        assert_eq!(event.themes[0].as_str(), "youth-pve");

        let history = audit::history(&mut conn, "calendar_event", &id).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!((history[0].action.as_str(), history[0].actor.as_str()), ("event.create", "user:sec"));
        assert!(calendar::event_exists(&mut conn, "Seventh Meeting of the Coordination Mechanism", "2025-06-12".parse().unwrap()).unwrap());
    }

    fn a_status_the_secretariat_set_survives_an_amendment_that_does_not_change_it(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let saved = save(&mut conn, &def, "PAM", vec![activity("Conference", "2025-03-10")], ResponseStatus::Submitted);
        let id = saved.content.activities[0].id.clone().unwrap();

        calendar::set_status(&mut conn, &id, ActivityStatus::Confirmed, false, "user:sec").unwrap();
        // The assembly amends the title and sends no status (the default, planned): kept.
        let mut amended = activity("Conference (amended)", "2025-03-10");
        amended.id = Some(id.clone());
        let after = save(&mut conn, &def, "PAM", vec![amended.clone()], ResponseStatus::Submitted);
        assert_eq!(after.content.activities[0].status, ActivityStatus::Confirmed);
        assert_eq!(after.content.activities[0].title, "Conference (amended)");

        // The assembly changes the status itself: its word wins.
        amended.status = Some("cancelled".into());
        let after = save(&mut conn, &def, "PAM", vec![amended.clone()], ResponseStatus::Submitted);
        assert_eq!(after.content.activities[0].status, ActivityStatus::Cancelled);

        // The Secretariat sets it again; the assembly sends back what it last said: kept.
        calendar::set_status(&mut conn, &id, ActivityStatus::Held, false, "user:sec").unwrap();
        let after = save(&mut conn, &def, "PAM", vec![amended.clone()], ResponseStatus::Submitted);
        assert_eq!(after.content.activities[0].status, ActivityStatus::Held);

        // A change by the assembly through the status route becomes what it reported.
        calendar::set_status(&mut conn, &id, ActivityStatus::Confirmed, true, "token:fp").unwrap();
        amended.status = Some("confirmed".into());
        let after = save(&mut conn, &def, "PAM", vec![amended], ResponseStatus::Submitted);
        assert_eq!(after.content.activities[0].status, ActivityStatus::Confirmed);

        let history = audit::history(&mut conn, "activity", &id).unwrap();
        assert_eq!(history.iter().filter(|r| r.action == "activity.status").count(), 3);
        assert!(history[0].before_json.as_deref().unwrap().contains("planned"));
        assert_eq!(calendar::owner(&mut conn, &id).unwrap().unwrap().0, calendar::Owner::Assembly(AssemblyCode::parse("PAM").unwrap()));
        assert!(calendar::set_status(&mut conn, "no-such-id", ActivityStatus::Held, false, "x").is_err());
    }

    fn marks_are_kept_by_key_and_audited(db) {
        let mut conn = db.conn();
        assert!(calendar::marks(&mut conn).unwrap().is_empty());
        calendar::set_mark(&mut conn, "a+b", Mark::Proposed, "user:sec").unwrap();
        calendar::set_mark(&mut conn, "a+b", Mark::Dismissed, "user:sec").unwrap();
        calendar::set_mark(&mut conn, "c+d", Mark::Agreed, "user:sec").unwrap();
        let marks = calendar::marks(&mut conn).unwrap();
        assert_eq!(marks.get("a+b"), Some(&Mark::Dismissed));
        assert_eq!(marks.get("c+d"), Some(&Mark::Agreed));
        let history = audit::history(&mut conn, "joint_initiative", "a+b").unwrap();
        assert_eq!(history.len(), 2);
        assert!(history[1].before_json.as_deref().unwrap().contains("proposed"));
    }

    fn a_feed_token_is_one_per_person_and_revocable(db) {
        let mut conn = db.conn();
        seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let principal = Principal { token_id: "s".into(), kind: TokenKind::Session, role: Role::FocalPoint, assembly: Some(pam), cycle: None, user_id: None };
        assert_eq!(calendar::feed_created(&mut conn, &principal).unwrap(), None);
        let first = calendar::issue_feed(&mut conn, &principal, "token:s").unwrap();
        let verified = auth::verify_token(&mut conn, &first).unwrap().unwrap();
        assert_eq!((verified.kind, verified.role), (TokenKind::Calendar, Role::FocalPoint));
        assert!(calendar::feed_created(&mut conn, &principal).unwrap().is_some());

        let second = calendar::issue_feed(&mut conn, &principal, "token:s").unwrap();
        assert_ne!(first, second);
        assert!(auth::verify_token(&mut conn, &first).unwrap().is_none(), "regenerating revokes the old URL");
        assert!(auth::verify_token(&mut conn, &second).unwrap().is_some());

        // Another person's feed is untouched by this one's revocation.
        let secretariat = Principal { token_id: "t".into(), kind: TokenKind::Session, role: Role::Secretariat, assembly: None, cycle: None, user_id: None };
        let theirs = calendar::issue_feed(&mut conn, &secretariat, "token:t").unwrap();
        assert_eq!(calendar::revoke_feed(&mut conn, &principal, "token:s").unwrap(), 1);
        assert!(auth::verify_token(&mut conn, &second).unwrap().is_none());
        assert!(auth::verify_token(&mut conn, &theirs).unwrap().is_some());
        assert_eq!(calendar::feed_created(&mut conn, &principal).unwrap(), None);
        assert_eq!(calendar::revoke_feed(&mut conn, &principal, "token:s").unwrap(), 0);
    }
}
