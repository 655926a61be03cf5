use barometer_domain::response::{ActivityInput, LocationInput, Purpose};
use barometer_domain::{AssemblyCode, ResponseInput, ResponseStatus};
use barometer_store::responses::{self, Save, StoredResponse};
use barometer_store::{StoreError, audit};
use barometer_test_support::backend_tests;
use diesel::{Connection, RunQueryDsl};

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

    fn an_activity_sent_again_without_its_id_keeps_its_identity(db) {
        use barometer_domain::ActivityStatus;
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let save = |conn: &mut barometer_store::DbConn, activities: Vec<ActivityInput>| {
            let content = ResponseInput::new(vec!["victims".into()], vec![], activities, String::new()).validate(&def, Purpose::Submit).unwrap();
            responses::save(conn, Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Submitted, expected_version: None, actor: "test" }).unwrap()
        };
        let mut a = activity("A");
        a.themes = vec!["youth-pve".into(), "victims".into()];
        let first = save(&mut conn, vec![a.clone(), activity("B")]);
        let (a_id, b_id) = (first.content.activities[0].id.clone().unwrap(), first.content.activities[1].id.clone().unwrap());
        barometer_store::calendar::set_status(&mut conn, &a_id, ActivityStatus::Confirmed, false, "secretariat").unwrap();

        // The whole answer again without ids: B changed, A repeated exactly (its themes in
        // another order) and then once more.
        let mut b = activity("B (amended)");
        b.partners = vec!["UNODC".into()];
        let mut a_again = a.clone();
        a_again.themes.reverse();
        let second = save(&mut conn, vec![b, a_again, a]);
        let ids: Vec<&str> = second.content.activities.iter().map(|x| x.id.as_deref().unwrap()).collect();
        assert_eq!(ids[1], a_id, "the repeated activity keeps its identity");
        assert_eq!(second.content.activities[1].status, ActivityStatus::Confirmed, "and the status the Secretariat set");
        assert!(ids[0] != b_id && ids[2] != a_id && ids[0] != ids[2], "a changed activity and a second copy are new: {ids:?}");
        assert_eq!(second.content.activities[2].status, ActivityStatus::Planned);
        let found = responses::find(&mut conn, &def.label, &pam).unwrap().unwrap();
        assert_eq!(found, second, "the answer is what a fresh read finds");
        assert!(barometer_store::calendar::owner(&mut conn, &b_id).unwrap().is_none(), "the old B is gone");
    }

    // `save_over` outside a transaction: on PostgreSQL an amendment with unchanged lists is one
    // statement (no transaction), anything more opens its own; on SQLite it always opens one.
    fn a_save_over_outside_a_transaction_is_atomic_and_guarded_by_its_version(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let input = |themes: Vec<&str>, activities: Vec<ActivityInput>, comment: &str| {
            ResponseInput::new(themes.into_iter().map(String::from).collect(), vec!["sahel".into(), "global".into()], activities, comment.into())
                .validate(&def, Purpose::Submit)
                .unwrap()
        };
        let save = |content, expected_version| Save { cycle: &def.label, assembly: &pam, content, status: ResponseStatus::Submitted, expected_version, actor: "test" };
        let first = input(vec!["victims", "youth-pve"], vec![activity("A"), activity("B")], "first");
        responses::save(&mut conn, save(&first, None)).unwrap();
        let v1 = responses::find(&mut conn, &def.label, &pam).unwrap().unwrap();
        let entries = |conn: &mut barometer_store::DbConn| audit::history(conn, "response", "2025/PAM").unwrap().len();

        // The same lists (activities sent again without their ids), another comment.
        let same = input(vec!["victims", "youth-pve"], vec![activity("A"), activity("B")], "second");
        let v2 = responses::save_over(&mut conn, save(&same, Some(1)), Some(&v1)).unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.content.comment, "second");
        assert_eq!(v2.content.activities.iter().map(|a| &a.id).collect::<Vec<_>>(), v1.content.activities.iter().map(|a| &a.id).collect::<Vec<_>>());
        assert_eq!(responses::find(&mut conn, &def.label, &pam).unwrap().unwrap(), v2, "the answer is what a fresh read finds");
        let history = audit::history(&mut conn, "response", "2025/PAM").unwrap();
        assert_eq!(history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), ["response.submit", "response.amend"]);
        let after: serde_json::Value = serde_json::from_str(history[1].after_json.as_deref().unwrap()).unwrap();
        assert_eq!((after["version"].as_i64(), after["content"]["comment"].as_str()), (Some(2), Some("second")), "the audit entry is the amendment");

        // Written over a stale read (v1, while v2 is stored): refused, and nothing is written,
        // whether the lists are the same (one statement on PostgreSQL) or not.
        let changed = input(vec!["ai-tech"], vec![activity("C")], "third");
        for content in [&same, &changed] {
            let stale = responses::save_over(&mut conn, save(content, None), Some(&v1));
            assert!(matches!(stale, Err(StoreError::VersionConflict { current: 2, .. })), "{stale:?}");
            assert_eq!(responses::find(&mut conn, &def.label, &pam).unwrap().unwrap(), v2, "nothing changed");
            assert_eq!(entries(&mut conn), 2, "no audit entry");
        }

        // Changed lists with a bad activity id: refused after the themes were rewritten, and
        // those are rolled back, as the write was one transaction.
        let mut forged = activity("Forged");
        forged.id = Some("00000000-0000-4000-8000-000000000000".into());
        let bad = input(vec!["ai-tech"], vec![forged], "fourth");
        let result = responses::save_over(&mut conn, save(&bad, None), Some(&v2));
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
        assert_eq!(responses::find(&mut conn, &def.label, &pam).unwrap().unwrap(), v2, "the whole write rolled back");

        // Changed lists: written whole.
        let v3 = responses::save_over(&mut conn, save(&changed, Some(2)), Some(&v2)).unwrap();
        assert_eq!(v3.version, 3);
        assert_eq!(responses::find(&mut conn, &def.label, &pam).unwrap().unwrap(), v3);
        assert_eq!(entries(&mut conn), 3);
    }

    // Concurrent submissions that change only the response's row are written together (one
    // statement on PostgreSQL): each gets what it would have got alone.
    fn amendments_written_together_each_get_their_own_answer(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let (pam, pace) = (AssemblyCode::parse("PAM").unwrap(), AssemblyCode::parse("PACE").unwrap());
        let content = |comment: &str| {
            ResponseInput::new(vec!["victims".into(), "youth-pve".into()], vec!["sahel".into()], vec![activity("A"), activity("B")], comment.into())
                .validate(&def, Purpose::Submit)
                .unwrap()
        };
        let first = content("first");
        for assembly in [&pam, &pace] {
            responses::save(&mut conn, Save { cycle: &def.label, assembly, content: &first, status: ResponseStatus::Submitted, expected_version: None, actor: "test" }).unwrap();
        }
        let read = |conn: &mut barometer_store::DbConn, assembly: &AssemblyCode| responses::find(conn, &def.label, assembly).unwrap().unwrap();
        let (pam_v1, pace_v1) = (read(&mut conn, &pam), read(&mut conn, &pace));
        let (second, third) = (content("second"), content("third"));
        let amend_from = |assembly, content, expected_version, existing: &mut Option<StoredResponse>| {
            responses::Amendment::of(Save { cycle: &def.label, assembly, content, status: ResponseStatus::Submitted, expected_version, actor: "focal" }, existing)
        };
        let amend = |assembly, content, expected_version, existing: &StoredResponse| {
            let mut read = Some(existing.clone());
            let amendment = amend_from(assembly, content, expected_version, &mut read);
            if let Ok(Some(_)) = &amendment {
                assert!(read.is_none(), "an amendment takes the response it amends");
            } else {
                assert_eq!(read.as_ref(), Some(existing), "what is not amended is left as it was");
            }
            amendment
        };
        // Not amendments: other lists, or a version other than the one read, or no response yet.
        let other_lists = ResponseInput::new(vec!["ai-tech".into()], vec!["sahel".into()], vec![], "x".into()).validate(&def, Purpose::Submit).unwrap();
        assert!(amend(&pam, &other_lists, None, &pam_v1).unwrap().is_none(), "changed lists go through save_over");
        assert!(matches!(amend(&pam, &second, Some(7), &pam_v1), Err(StoreError::VersionConflict { expected: 7, current: 1 })));
        assert!(amend_from(&pam, &second, None, &mut None).unwrap().is_none(), "a first save goes through save_over");

        let batch = vec![
            amend(&pam, &second, Some(1), &pam_v1).unwrap().unwrap(),
            amend(&pace, &second, None, &pace_v1).unwrap().unwrap(),
            // Made from the same read of PAM as the first: it must not overwrite it unseen.
            amend(&pam, &third, None, &pam_v1).unwrap().unwrap(),
        ];
        let answers = conn.transaction(|conn| Ok::<_, StoreError>(responses::amend_all(conn, batch))).unwrap();
        let pam_v2 = answers[0].as_ref().expect("PAM amended");
        let pace_v2 = answers[1].as_ref().expect("PACE amended");
        assert!(matches!(answers[2], Err(StoreError::VersionConflict { expected: 1, current: 2 })), "{:?}", answers[2]);
        for (stored, assembly) in [(pam_v2, &pam), (pace_v2, &pace)] {
            assert_eq!((stored.version, stored.content.comment.as_str()), (2, "second"));
            assert_eq!(&read(&mut conn, assembly), stored, "the answer is what a fresh read finds");
            let history = audit::history(&mut conn, "response", &format!("2025/{assembly}")).unwrap();
            assert_eq!(history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), ["response.submit", "response.amend"], "{assembly}");
            assert_eq!(history[1].actor, "focal");
            let after: serde_json::Value = serde_json::from_str(history[1].after_json.as_deref().unwrap()).unwrap();
            assert_eq!(after["content"]["comment"].as_str(), Some("second"), "the audit entry is the amendment");
        }
        assert_ne!(pam_v2.receipt, pam_v1.receipt, "a new submission, a new receipt");
        assert_eq!(pam_v2.content.activities, pam_v1.content.activities, "the activities keep their ids and statuses");
    }

    // What the survey's write reads first: one statement on PostgreSQL, the same answer on both.
    fn the_cycle_the_assembly_and_the_response_are_read_together(db) {
        use barometer_store::{assemblies, cycles};
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let (cycle_cache, lists) = (cycles::CycleCache::default(), responses::ListsCache::default());
        let cache = (&cycle_cache, &lists);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let pam_row = assemblies::find(&mut conn, &pam).unwrap().expect("PAM is seeded");
        let ((cycle, member), response) = responses::find_with_cycle(&mut conn, cache, &def.label, &pam).unwrap().expect("the cycle");
        assert_eq!((&cycle.definition, member.as_ref(), response), (&def, Some(&pam_row), None), "before the first save");
        let nobody = AssemblyCode::parse("NOBODY").unwrap();
        let ((_, member), response) = responses::find_with_cycle(&mut conn, cache, &def.label, &nobody).unwrap().expect("the cycle");
        assert_eq!((member, response), (None, None), "not on the roster");
        let unknown = barometer_domain::CycleLabel::parse("1999").unwrap();
        assert!(responses::find_with_cycle(&mut conn, cache, &unknown, &pam).unwrap().is_none());

        let mut a = activity("A");
        a.regions = vec!["sahel".into(), "global".into()];
        a.themes = vec!["youth-pve".into(), "victims".into()];
        let content = ResponseInput::new(vec!["victims".into(), "youth-pve".into()], vec!["sahel".into(), "global".into()], vec![a, activity("B")], "c".into())
            .validate(&def, Purpose::Submit)
            .unwrap();
        responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Submitted, expected_version: None, actor: "test" }).unwrap();
        let ((again, _), response) = responses::find_with_cycle(&mut conn, cache, &def.label, &pam).unwrap().expect("the cycle");
        assert_eq!(response, responses::find(&mut conn, &def.label, &pam).unwrap(), "the response as `find` reads it");
        assert!(std::sync::Arc::ptr_eq(&cycle, &again), "an unchanged cycle comes from the cache");
        cycles::set_window(&mut conn, &def.label, def.opens_on, def.closes_on + chrono::Duration::days(7)).unwrap();
        let ((moved, _), _) = responses::find_with_cycle(&mut conn, cache, &def.label, &pam).unwrap().expect("the cycle");
        assert_eq!(moved.definition.closes_on, def.closes_on + chrono::Duration::days(7), "a changed cycle is read afresh");
    }

    // The survey's write path keeps the lists of the responses it read (PostgreSQL), and its
    // statement leaves them out while the response's row is the one they came from. Every change
    // to them moves the row: a save its version, an activity's status its `updated_at`.
    fn the_lists_held_for_the_write_path_are_read_again_whenever_the_row_moves(db) {
        use barometer_domain::ActivityStatus;
        use barometer_store::{Backend, calendar, cycles};
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let (cycle_cache, lists) = (cycles::CycleCache::default(), responses::ListsCache::default());
        let pam = AssemblyCode::parse("PAM").unwrap();
        let read = |conn: &mut barometer_store::DbConn| responses::find_with_cycle(conn, (&cycle_cache, &lists), &def.label, &pam).unwrap().expect("the cycle").1;
        let save = |conn: &mut barometer_store::DbConn, input: ResponseInput| {
            let content = input.validate(&def, Purpose::Submit).unwrap();
            responses::save(conn, Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Submitted, expected_version: None, actor: "test" }).unwrap()
        };
        let postgres = conn.backend() == Backend::Postgres;

        let first = save(&mut conn, ResponseInput::new(vec!["victims".into()], vec!["sahel".into()], vec![activity("A"), activity("B")], "one".into()));
        assert_eq!(read(&mut conn).as_ref(), Some(&first), "the first read gathers the lists");
        assert_eq!(lists.len(), usize::from(postgres), "held on PostgreSQL only");
        assert_eq!(read(&mut conn).as_ref(), Some(&first), "a read of the held lists");

        // A save with other lists: a new version.
        let mut kept = activity("A, renamed");
        kept.id = first.content.activities[0].id.clone();
        let second = save(&mut conn, ResponseInput::new(vec!["youth-pve".into(), "victims".into()], vec![], vec![kept], "two".into()));
        assert_eq!(second.version, first.version + 1);
        assert_eq!(read(&mut conn).as_ref(), Some(&second), "after a save");
        assert_eq!(read(&mut conn).as_ref(), Some(&second), "held again");

        // An activity's status: the same version, a new `updated_at`.
        let id = second.content.activities[0].id.clone().unwrap();
        calendar::set_status(&mut conn, &id, ActivityStatus::Cancelled, false, "secretariat").unwrap();
        let now = responses::find(&mut conn, &def.label, &pam).unwrap().unwrap();
        assert_eq!((now.version, now.content.activities[0].status), (second.version, ActivityStatus::Cancelled));
        assert_eq!(read(&mut conn), Some(now.clone()), "after a change of status");

        // Only the row's own columns are still read on every use. A change to the lists that
        // moved neither (no write of barometer's does that) shows that they are held.
        diesel::sql_query(format!("UPDATE activities SET title = 'changed behind the row' WHERE id = '{id}'")).execute(&mut *conn).unwrap();
        let held = read(&mut conn).unwrap();
        let stored = responses::find(&mut conn, &def.label, &pam).unwrap().unwrap();
        assert_eq!(stored.content.activities[0].title, "changed behind the row");
        assert_eq!(held.content.activities[0].title, if postgres { "A, renamed" } else { "changed behind the row" });
        assert_eq!(held.content.comment, "two", "the row itself is read");

        // Another cache (another instance) reads everything.
        let other = responses::ListsCache::default();
        let fresh = responses::find_with_cycle(&mut conn, (&cycle_cache, &other), &def.label, &pam).unwrap().unwrap().1;
        assert_eq!(fresh, Some(stored));

        // A write answers with what it stored, row and lists: held at once, the next read
        // gathers nothing.
        let mut again = activity("A, third");
        again.id = Some(id.clone());
        let third = save(&mut conn, ResponseInput::new(vec!["victims".into()], vec![], vec![again], "three".into()));
        lists.remember(&third);
        assert_eq!(read(&mut conn).as_ref(), Some(&third));
        diesel::sql_query(format!("UPDATE activities SET title = 'changed behind again' WHERE id = '{id}'")).execute(&mut *conn).unwrap();
        let held = read(&mut conn).unwrap();
        assert_eq!(held.content.activities[0].title, if postgres { "A, third" } else { "changed behind again" });

        // A write that leaves the lists as held (only the comment changes) keeps them held, under
        // the row's new version: the very next read gathers nothing.
        let mut same = activity("A, third");
        same.id = Some(id.clone());
        let fourth = save(&mut conn, ResponseInput::new(vec!["victims".into()], vec![], vec![same], "four".into()));
        assert_eq!((fourth.version, fourth.content.activities[0].title.as_str()), (third.version + 1, "A, third"));
        lists.remember(&fourth);
        diesel::sql_query(format!("UPDATE activities SET title = 'changed behind a third time' WHERE id = '{id}'")).execute(&mut *conn).unwrap();
        let held = read(&mut conn).unwrap();
        if postgres {
            assert_eq!(held, fourth, "held whole after a write that kept the lists");
        } else {
            assert_eq!(held.content.activities[0].title, "changed behind a third time");
        }
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

backend_tests! {
    // `save` answers with what it wrote instead of reading it back, and writes only what changed:
    // after every kind of change its answer must equal a fresh read, and the audit entry must hold
    // that same response.
    fn what_a_save_answers_is_what_a_fresh_read_finds(db) {
        use barometer_domain::ActivityStatus;
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let check = |conn: &mut barometer_store::DbConn, saved: &responses::StoredResponse, step: &str| {
            let found = responses::find(conn, &def.label, &pam).unwrap().expect("stored");
            assert_eq!(saved, &found, "{step}: the answer differs from a fresh read");
            let last = audit::history(conn, "response", "2025/PAM").unwrap().pop().expect("audited");
            let after: serde_json::Value = serde_json::from_str(last.after_json.as_deref().expect("after")).unwrap();
            assert_eq!(after["content"], serde_json::to_value(&found.content).unwrap(), "{step}: the audit entry");
            assert_eq!(after["version"], found.version, "{step}: the audit entry's version");
        };
        let save = |conn: &mut barometer_store::DbConn, input: &ResponseInput, status: ResponseStatus| {
            let purpose = if status == ResponseStatus::Submitted { Purpose::Submit } else { Purpose::Draft };
            let content = input.validate(&def, purpose).unwrap();
            responses::save(conn, Save { cycle: &def.label, assembly: &pam, content: &content, status, expected_version: None, actor: "test" }).unwrap()
        };

        // Regions and an activity's codes out of code order; two activities.
        let mut first = activity("Conference");
        first.themes = vec!["youth-pve".into(), "ai-tech".into()];
        first.regions = vec!["sahel".into(), "africa".into()];
        let mut input = ResponseInput::new(
            vec!["victims".into(), "youth-pve".into()],
            vec!["sahel".into(), "global".into(), "africa".into()],
            vec![first, activity("Workshop")],
            "first".into(),
        );
        let saved = save(&mut conn, &input, ResponseStatus::Draft);
        check(&mut conn, &saved, "a new draft");
        let ids: Vec<String> = saved.content.activities.iter().map(|a| a.id.clone().unwrap()).collect();

        // The same again, submitted: nothing of the lists changes.
        for (a, id) in input.activities.iter_mut().zip(&ids) {
            a.id = Some(id.clone());
        }
        let saved = save(&mut conn, &input, ResponseStatus::Submitted);
        check(&mut conn, &saved, "submitted unchanged");

        // The Secretariat confirms the first activity; an amendment that does not mention a
        // status keeps it, one that reorders, retitles and recodes the activities is stored so.
        barometer_store::calendar::set_status(&mut conn, &ids[0], ActivityStatus::Confirmed, false, "secretariat").unwrap();
        input.activities.reverse();
        input.activities[1].title = "Conference (amended)".into();
        input.activities[1].themes = vec!["victims".into()];
        input.activities[0].regions = vec!["global".into(), "sahel".into()];
        input.themes = vec!["youth-pve".into(), "victims".into(), "ai-tech".into()];
        input.regions = vec!["global".into()];
        let saved = save(&mut conn, &input, ResponseStatus::Submitted);
        check(&mut conn, &saved, "amended");
        assert_eq!(saved.content.activities[1].status, ActivityStatus::Confirmed, "the Secretariat's status is kept");

        // The assembly says the first activity was held; one activity is removed, one is added.
        input.activities[1].status = Some("held".into());
        input.activities.remove(0);
        input.activities.push(activity("Seminar"));
        let saved = save(&mut conn, &input, ResponseStatus::Submitted);
        check(&mut conn, &saved, "status, removal and addition");
        assert_eq!(saved.content.activities[0].status, ActivityStatus::Held);
        assert_eq!(saved.content.activities.len(), 2);

        // Back to a draft with no activities at all.
        input.activities.clear();
        let saved = save(&mut conn, &input, ResponseStatus::Draft);
        check(&mut conn, &saved, "all activities removed");
    }
}

backend_tests! {
    // Results caches trust the fingerprint to change with anything the results depend on.
    fn the_results_fingerprint_moves_with_every_change_that_matters(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let (pam, pace) = (AssemblyCode::parse("PAM").unwrap(), AssemblyCode::parse("PACE").unwrap());
        // The cached read's path takes it with the caller's token, in one statement on PostgreSQL:
        // it must be the same fingerprint at every step (or the cache would be filled twice).
        let new_token = barometer_store::auth::NewToken {
            kind: barometer_store::auth::TokenKind::Api,
            role: barometer_domain::Role::Analyst,
            assembly: None,
            cycle: None,
            user_id: None,
            label: "test",
            expires_at: None,
        };
        let (token_id, token) = barometer_store::auth::create_token(&mut conn, new_token, "test").unwrap();
        let fingerprint = |conn: &mut barometer_store::DbConn| {
            let alone = responses::results_fingerprint(conn, &def.label).unwrap().expect("the cycle exists");
            let (principal, with_token) = barometer_store::auth::verify_token_with_fingerprint(conn, &token, &def.label).unwrap();
            assert_eq!(principal.map(|p| p.token_id), Some(token_id.clone()), "the token is verified as well");
            assert_eq!(with_token.as_ref(), Some(&alone), "read with the token, the fingerprint is the same");
            alone
        };
        let unknown = barometer_domain::CycleLabel::parse("1999").unwrap();
        assert_eq!(barometer_store::auth::verify_token_with_fingerprint(&mut conn, &token, &unknown).unwrap().1, None, "no such cycle");
        assert_eq!(barometer_store::auth::verify_token_with_fingerprint(&mut conn, "not-a-token", &def.label).unwrap().0, None, "no such token");
        let input = ResponseInput::new(vec!["victims".into()], vec!["sahel".into()], vec![], String::new());
        let content = input.validate(&def, Purpose::Submit).unwrap();
        let save = |conn: &mut barometer_store::DbConn, assembly: &AssemblyCode, status: ResponseStatus| {
            responses::save(conn, Save { cycle: &def.label, assembly, content: &content, status, expected_version: None, actor: "test" }).unwrap()
        };
        let mut seen = vec![fingerprint(&mut conn)];
        assert_eq!(fingerprint(&mut conn), seen[0], "reading changes nothing");
        let expect_new = |conn: &mut barometer_store::DbConn, seen: &mut Vec<String>, step: &str| {
            let now = fingerprint(conn);
            assert_ne!(seen.last(), Some(&now), "{step}: the fingerprint did not move");
            seen.push(now);
        };

        save(&mut conn, &pam, ResponseStatus::Draft);
        assert_eq!(&fingerprint(&mut conn), seen.last().unwrap(), "a draft is not in the results");
        save(&mut conn, &pam, ResponseStatus::Submitted);
        expect_new(&mut conn, &mut seen, "a submission");
        save(&mut conn, &pam, ResponseStatus::Submitted);
        expect_new(&mut conn, &mut seen, "an amendment");
        let pam_v3 = seen.last().cloned().unwrap();
        // PAM (version 3) is withdrawn; PACE reaches version 3 and submits it: the count and the
        // version sum are what they were, the latest change is not.
        save(&mut conn, &pam, ResponseStatus::Draft);
        expect_new(&mut conn, &mut seen, "a withdrawal");
        // Nothing is submitted again, as at the start: the same results, the same fingerprint.
        assert_eq!(seen.last(), seen.first(), "a withdrawal back to no submission");
        save(&mut conn, &pace, ResponseStatus::Draft);
        save(&mut conn, &pace, ResponseStatus::Draft);
        let pace_v3 = save(&mut conn, &pace, ResponseStatus::Submitted);
        assert_eq!(pace_v3.version, 3);
        expect_new(&mut conn, &mut seen, "another assembly's submission of the same version");
        assert_ne!(seen.last(), Some(&pam_v3), "PACE's version 3 is not PAM's");
        barometer_store::assemblies::insert(&mut conn, &crate::support::assembly("APF", "2021-12-01"), "test").unwrap();
        expect_new(&mut conn, &mut seen, "an assembly joining the roster");
        barometer_store::cycles::set_status(&mut conn, &def.label, barometer_domain::CycleStatus::Closed, "test").unwrap();
        expect_new(&mut conn, &mut seen, "the cycle closing");
    }
}

backend_tests! {
    // An amendment made from held data without reading first is written only where the token,
    // the cycle's row, the assembly's dates and the response's row are all still the ones it was
    // made from; otherwise nothing of it is written and it is answered as a conflict.
    fn a_guarded_amendment_is_written_only_where_everything_it_rests_on_holds(db) {
        use barometer_domain::{ActivityStatus, Role};
        use barometer_store::auth::{self, NewToken, TokenKind};
        use barometer_store::{assemblies, calendar, cycles};
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let content = |comment: &str| {
            ResponseInput::new(vec!["victims".into()], vec!["sahel".into()], vec![activity("A")], comment.into()).validate(&def, Purpose::Submit).unwrap()
        };
        let first = content("first");
        responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &first, status: ResponseStatus::Submitted, expected_version: None, actor: "test" }).unwrap();
        let new = |label| NewToken { kind: TokenKind::Invitation, role: Role::FocalPoint, assembly: Some(&pam), cycle: Some(&def.label), user_id: None, label, expires_at: None };
        let (token_id, _) = auth::create_token(&mut conn, new("t"), "test").unwrap();
        let (other_token, _) = auth::create_token(&mut conn, new("u"), "test").unwrap();
        let cycle = cycles::find(&mut conn, &def.label).unwrap().unwrap();
        let member = assemblies::find(&mut conn, &pam).unwrap().unwrap();
        let guard = responses::Guard { token_id: token_id.clone(), cycle_updated_at: cycle.updated_at, joined_on: member.joined_on, left_on: member.left_on };
        let second = content("second");
        // Amends the response as `read` holds it, guarded by `guard`: the answer.
        let amend = |conn: &mut barometer_store::DbConn, read: &StoredResponse, guard: responses::Guard| {
            let save = Save { cycle: &def.label, assembly: &pam, content: &second, status: ResponseStatus::Submitted, expected_version: None, actor: "focal" };
            let amendment = responses::Amendment::of(save, &mut Some(read.clone())).unwrap().expect("an amendment");
            conn.transaction(|conn| Ok::<_, StoreError>(responses::amend_all(conn, vec![amendment.guarded(guard)]))).unwrap().pop().unwrap()
        };
        let find = |conn: &mut barometer_store::DbConn| responses::find(conn, &def.label, &pam).unwrap().unwrap();
        let read = find(&mut conn);
        let minute = chrono::Duration::minutes(1);
        let day = chrono::Days::new(1);
        let broken: Vec<(&str, responses::Guard)> = vec![
            ("another token", responses::Guard { token_id: other_token.clone(), ..guard.clone() }),
            ("an unknown token", responses::Guard { token_id: "nobody".into(), ..guard.clone() }),
            ("another cycle row", responses::Guard { cycle_updated_at: cycle.updated_at - minute, ..guard.clone() }),
            ("other joining date", responses::Guard { joined_on: member.joined_on + day, ..guard.clone() }),
            ("a leaving date", responses::Guard { left_on: Some(member.joined_on + day), ..guard.clone() }),
        ];
        // Revoking the other token makes its guard fail for that reason too; the cases above hold
        // without it, as the right token passes below.
        auth::revoke_token(&mut conn, &other_token, "test").unwrap();
        for (what, guard) in broken {
            let answer = amend(&mut conn, &read, guard);
            assert!(matches!(answer, Err(StoreError::VersionConflict { expected: 1, current: 1 })), "{what}: {answer:?}");
            assert_eq!(find(&mut conn), read, "{what}: nothing written");
            assert_eq!(audit::history(&mut conn, "response", "2025/PAM").unwrap().len(), 1, "{what}: no audit entry");
        }
        // The response's row moved without a new version (an activity's status, set by the
        // Secretariat): an amendment from the read before is stale.
        let activity = read.content.activities[0].id.clone().unwrap();
        calendar::set_status(&mut conn, &activity, ActivityStatus::Confirmed, false, "secretariat").unwrap();
        let moved = find(&mut conn);
        assert_eq!(moved.version, read.version);
        assert!(matches!(amend(&mut conn, &read, guard.clone()), Err(StoreError::VersionConflict { expected: 1, current: 1 })));
        assert_eq!(find(&mut conn), moved, "the stale amendment wrote nothing");
        // From the row as it now is, with the right guard: written, and what a fresh read finds.
        let written = amend(&mut conn, &moved, guard.clone()).expect("written");
        assert_eq!((written.version, written.content.comment.as_str()), (2, "second"));
        assert_eq!(written.content.activities[0].status, ActivityStatus::Confirmed);
        assert_eq!(find(&mut conn), written);
        // An expired token fails its guard; so does a revoked one.
        diesel::sql_query(format!("UPDATE api_tokens SET expires_at = '2001-01-01 00:00:00' WHERE id = '{token_id}'")).execute(&mut *conn).unwrap();
        assert!(matches!(amend(&mut conn, &written, guard.clone()), Err(StoreError::VersionConflict { expected: 2, current: 2 })));
        diesel::sql_query(format!("UPDATE api_tokens SET expires_at = NULL WHERE id = '{token_id}'")).execute(&mut *conn).unwrap();
        auth::revoke_token(&mut conn, &token_id, "test").unwrap();
        assert!(matches!(amend(&mut conn, &written, guard.clone()), Err(StoreError::VersionConflict { expected: 2, current: 2 })));
        assert_eq!(find(&mut conn), written);
        assert_eq!(audit::history(&mut conn, "response", "2025/PAM").unwrap().len(), 2, "the submission and one amendment");
    }
}

backend_tests! {
    // A write made from a read taken before an activity's status was set (the row moved, its
    // version did not) writes nothing and says so (`moved`), whether it is an amendment or a
    // save that rewrites the lists: answered, and held, it would carry the old status.
    fn a_write_from_a_read_before_an_activitys_status_changed_is_refused_as_moved(db) {
        use barometer_domain::ActivityStatus;
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let content = |themes: Vec<String>, comment: &str| {
            ResponseInput::new(themes, vec!["sahel".into()], vec![activity("A")], comment.into()).validate(&def, Purpose::Submit).unwrap()
        };
        let first = content(vec!["victims".into()], "first");
        responses::save(&mut conn, Save { cycle: &def.label, assembly: &pam, content: &first, status: ResponseStatus::Submitted, expected_version: None, actor: "test" }).unwrap();
        let find = |conn: &mut barometer_store::DbConn| responses::find(conn, &def.label, &pam).unwrap().unwrap();
        let stale = find(&mut conn);
        let activity = stale.content.activities[0].id.clone().unwrap();
        calendar_status(&mut conn, &activity, ActivityStatus::Confirmed);
        let moved = find(&mut conn);
        assert_eq!((moved.version, moved.content.activities[0].status), (1, ActivityStatus::Confirmed));

        let same_lists = content(vec!["victims".into()], "amended");
        let save = |content| Save { cycle: &def.label, assembly: &pam, content, status: ResponseStatus::Submitted, expected_version: Some(1), actor: "focal" };
        let amendment = responses::Amendment::of(save(&same_lists), &mut Some(stale.clone())).unwrap().expect("an amendment");
        let answer = conn.transaction(|conn| Ok::<_, StoreError>(responses::amend_all(conn, vec![amendment]))).unwrap().pop().unwrap();
        assert!(answer.as_ref().is_err_and(responses::moved), "{answer:?}");
        let other_lists = content(vec!["victims".into(), "youth-pve".into()], "rewritten");
        let answer = responses::save_over(&mut conn, save(&other_lists), Some(&stale));
        assert!(answer.as_ref().is_err_and(responses::moved), "{answer:?}");
        assert_eq!(find(&mut conn), moved, "neither wrote anything");
        assert!(!responses::moved(&StoreError::VersionConflict { expected: 1, current: 2 }), "a newer version is a conflict");

        // From a fresh read both go through, and keep the status.
        let written = responses::save_over(&mut conn, save(&other_lists), Some(&moved)).unwrap();
        assert_eq!((written.version, written.content.activities[0].status), (2, ActivityStatus::Confirmed));
        assert_eq!(find(&mut conn), written);
        assert_eq!(audit::history(&mut conn, "response", "2025/PAM").unwrap().len(), 2);
    }
}

fn calendar_status(conn: &mut barometer_store::DbConn, activity: &str, status: barometer_domain::ActivityStatus) {
    barometer_store::calendar::set_status(conn, activity, status, false, "secretariat").unwrap();
}
