use barometer_domain::{CycleLabel, CycleStatus};
use barometer_store::{StoreError, assemblies, cycles};
use barometer_test_support::backend_tests;

use crate::support::{assembly, cycle_def, day, seed};

backend_tests! {
    fn a_cycle_and_its_questionnaire_round_trip(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let stored = cycles::find(&mut conn, &def.label).unwrap().unwrap();
        assert_eq!(stored.definition, def, "what is read back is what was written, in order");
        assert_eq!(stored.status, CycleStatus::Open);
        let list = cycles::list(&mut conn).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].label.as_str(), "2025");
        assert!(cycles::find(&mut conn, &CycleLabel::parse("1999").unwrap()).unwrap().is_none());
    }

    fn the_cycle_cache_answers_the_cycle_with_the_assembly_and_rereads_a_changed_cycle(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let cache = cycles::CycleCache::default();
        let pam = assembly("PAM", "2021-12-01");
        let (first, found) = cache.find_with_assembly(&mut conn, &def.label, &pam.code).unwrap().expect("the cycle");
        assert_eq!((first.definition.clone(), found), (def.clone(), Some(pam.clone())));
        let unknown = assembly("NOBODY", "2021-12-01").code;
        let (again, found) = cache.find_with_assembly(&mut conn, &def.label, &unknown).unwrap().expect("the cycle");
        assert_eq!(found, None, "not on the roster");
        assert!(std::sync::Arc::ptr_eq(&first, &again), "an unchanged cycle comes from the cache");
        assert!(cache.find_with_assembly(&mut conn, &CycleLabel::parse("1999").unwrap(), &pam.code).unwrap().is_none());
        cycles::set_window(&mut conn, &def.label, day("2025-01-10"), day("2025-04-30")).unwrap();
        let (moved, _) = cache.find_with_assembly(&mut conn, &def.label, &pam.code).unwrap().expect("the cycle");
        assert_eq!((moved.definition.opens_on, moved.definition.closes_on), (day("2025-01-10"), day("2025-04-30")), "a changed row is read afresh");
    }

    fn duplicate_cycles_and_assemblies_are_conflicts(db) {
        let mut conn = db.conn();
        seed(&mut conn);
        let again = cycles::insert(&mut conn, &cycle_def("2025"), CycleStatus::Draft, "test");
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let dup = assemblies::insert(&mut conn, &assembly("PAM", "2022-01-01"), "test");
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        // Nothing of the failed writes is left behind.
        assert_eq!(cycles::list(&mut conn).unwrap().len(), 1);
        assert_eq!(assemblies::find(&mut conn, &assembly("PAM", "2021-12-01").code).unwrap().unwrap().joined_on, day("2021-12-01"));
    }

    fn status_moves_only_forward(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        cycles::set_status(&mut conn, &def.label, CycleStatus::Closed, "test").unwrap();
        let back = cycles::set_status(&mut conn, &def.label, CycleStatus::Draft, "test");
        assert!(matches!(back, Err(StoreError::Conflict(_))), "{back:?}");
        assert_eq!(cycles::find(&mut conn, &def.label).unwrap().unwrap().status, CycleStatus::Closed);
        let history = barometer_store::audit::history(&mut conn, "cycle", "2025").unwrap();
        assert_eq!(history.iter().map(|h| h.action.as_str()).collect::<Vec<_>>(), ["cycle.create", "cycle.status"]);
    }

    fn members_are_those_on_the_roster_when_the_cycle_opens(db) {
        let mut conn = db.conn();
        seed(&mut conn);
        assemblies::insert(&mut conn, &assembly("NEWPA", "2025-02-01"), "test").unwrap();
        let members: Vec<_> = assemblies::members_on(&mut conn, day("2025-01-15")).unwrap().into_iter().map(|a| a.code.to_string()).collect();
        assert_eq!(members, ["PACE", "PAM"]);
        assert_eq!(assemblies::members_on(&mut conn, day("2026-01-15")).unwrap().len(), 3);
    }
}
