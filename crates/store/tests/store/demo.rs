use barometer_domain::{CycleLabel, ResponseStatus};
use barometer_store::{cycles, demo, responses};
use barometer_test_support::backend_tests;

use crate::support::day;

backend_tests! {
    fn the_demo_loads_once_and_a_reload_changes_nothing(db) {
        let mut conn = db.conn();
        let set = barometer_domain::demo::dataset().unwrap();
        assert!(demo::is_empty(&mut conn).unwrap());
        let first = demo::load(&mut conn, &set, day("2026-11-22")).unwrap();
        assert_eq!(first.assemblies, 17);
        assert_eq!(first.cycles, 3);
        assert_eq!(first.events, set.events.len());
        assert!(first.events >= 3);
        let again = demo::load(&mut conn, &set, day("2026-11-22")).unwrap();
        assert!(again.is_empty(), "second load added {again:?}");

        let label = CycleLabel::parse("2025").unwrap();
        assert_eq!(responses::submitted(&mut conn, &label).unwrap().len(), 13);
        let statuses = responses::statuses(&mut conn, &label).unwrap();
        assert_eq!(statuses.iter().filter(|s| s.status == ResponseStatus::Draft).count(), 2);

        // The open cycle is open on the day it was loaded.
        let open = cycles::list(&mut conn).unwrap().into_iter().find(|c| c.status == barometer_domain::CycleStatus::Open).unwrap();
        assert!(open.opens_on <= day("2026-11-22") && day("2026-11-22") <= open.closes_on, "{open:?}");
    }
}
