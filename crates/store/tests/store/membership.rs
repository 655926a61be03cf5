//! Rate-limit counters, challenges, meetings, the Presidency, requests and their decisions.

use barometer_domain::AssemblyCode;
use barometer_domain::membership::{Decision, Meeting, Presidency, RequestInput};
use barometer_store::rate_limit::{self, Limit, Verdict};
use barometer_store::{challenges, meetings, membership, notifications};
use barometer_test_support::backend_tests;

use crate::support::{assembly, day};

fn ipu() -> barometer_domain::membership::ValidRequest {
    RequestInput {
        assembly_name: "Inter-Parliamentary Union".into(),
        members: "180 parliaments".into(),
        relevance: "Counter-terrorism programme".into(),
        contact_email: "ct@ipu.example".into(),
    }
    .validate()
    .unwrap()
}

backend_tests! {
    fn a_fixed_window_allows_max_events_then_says_how_long_to_wait(db) {
        let mut conn = db.conn();
        let limit = Limit { max: 3, window_secs: 60 };
        let t0 = 1_700_000_020; // 40 s into a minute window (1_699_999_980 is a multiple of 60)
        for _ in 0..3 {
            assert_eq!(rate_limit::hit_at(&mut conn, "test", "198.51.100.1", limit, t0).unwrap(), Verdict::Allowed);
        }
        assert_eq!(rate_limit::hit_at(&mut conn, "test", "198.51.100.1", limit, t0 + 5).unwrap(), Verdict::Limited { retry_after_secs: 15 });
        assert_eq!(rate_limit::check_at(&mut conn, "test", "198.51.100.1", limit, t0 + 5).unwrap(), Verdict::Limited { retry_after_secs: 15 });
        // Other keys and other buckets count apart; the next window starts afresh.
        assert_eq!(rate_limit::hit_at(&mut conn, "test", "198.51.100.2", limit, t0).unwrap(), Verdict::Allowed);
        assert_eq!(rate_limit::hit_at(&mut conn, "other", "198.51.100.1", limit, t0).unwrap(), Verdict::Allowed);
        assert_eq!(rate_limit::check_at(&mut conn, "test", "198.51.100.1", limit, t0 + 20).unwrap(), Verdict::Allowed);
        // A second connection (another instance) sees the same counter.
        let mut other = db.fresh_conn();
        assert!(rate_limit::check_at(&mut other, "test", "198.51.100.1", limit, t0 + 1).unwrap().is_limited());
        // Old windows are swept.
        assert_eq!(rate_limit::sweep(&mut conn, t0 + 3600).unwrap(), 3);
    }

    fn a_challenge_is_answered_once_and_not_after_it_expires(db) {
        let mut conn = db.conn();
        let id = challenges::issue(&mut conn, "12", barometer_store::now() + chrono::Duration::minutes(5)).unwrap();
        assert_eq!(challenges::take(&mut conn, &id).unwrap().as_deref(), Some("12"));
        assert_eq!(challenges::take(&mut conn, &id).unwrap(), None, "one use");
        let old = challenges::issue(&mut conn, "7", barometer_store::now() - chrono::Duration::minutes(1)).unwrap();
        assert_eq!(challenges::take(&mut conn, &old).unwrap(), None, "expired");
    }

    fn the_presidency_passes_and_the_next_regular_meeting_is_found(db) {
        let mut conn = db.conn();
        for code in ["PAM", "OSCE-PA"] {
            barometer_store::assemblies::insert(&mut conn, &assembly(code, "2021-12-01"), "test").unwrap();
        }
        let term = |code: &str, from: &str| Presidency { assembly: AssemblyCode::parse(code).unwrap(), starts_on: day(from), ends_on: None };
        meetings::record_presidency(&mut conn, &term("OSCE-PA", "2022-01-01"), "test").unwrap();
        meetings::record_presidency(&mut conn, &term("PAM", "2024-12-06"), "test").unwrap();
        let all = meetings::presidencies(&mut conn).unwrap();
        assert_eq!(all[0].ends_on, Some(day("2024-12-05")), "the earlier term ends the day before");
        assert_eq!(meetings::presidency_on(&mut conn, day("2024-12-05")).unwrap().unwrap().assembly.as_str(), "OSCE-PA");
        assert_eq!(meetings::presidency_on(&mut conn, day("2025-01-01")).unwrap().unwrap().assembly.as_str(), "PAM");
        let unknown = meetings::record_presidency(&mut conn, &term("NOPE", "2026-01-01"), "test");
        assert!(matches!(unknown, Err(barometer_store::StoreError::Invalid(_))));

        let meeting = |number, date: &str, regular| Meeting { number, date: day(date), venue: "Rome".into(), online: false, regular };
        meetings::insert(&mut conn, &meeting(6, "2024-12-06", true), "test").unwrap();
        meetings::insert(&mut conn, &meeting(7, "2025-03-01", false), "test").unwrap();
        meetings::insert(&mut conn, &meeting(8, "2025-06-12", true), "test").unwrap();
        assert!(matches!(meetings::insert(&mut conn, &meeting(8, "2025-07-01", true), "test"), Err(barometer_store::StoreError::Conflict(_))));
        assert_eq!(meetings::next_regular(&mut conn, day("2024-12-06")).unwrap().unwrap().number, 6);
        assert_eq!(meetings::next_regular(&mut conn, day("2024-12-07")).unwrap().unwrap().number, 8, "the extraordinary meeting is skipped");
        assert!(meetings::next_regular(&mut conn, day("2025-06-13")).unwrap().is_none());
    }

    fn a_request_is_notified_put_on_the_agenda_and_admitted_from_the_meeting_date(db) {
        let mut conn = db.conn();
        for code in ["PAM", "PACE"] {
            barometer_store::assemblies::insert(&mut conn, &assembly(code, "2021-12-01"), "test").unwrap();
        }
        let request = membership::create(&mut conn, &ipu(), "fr", None, "public:form").unwrap();
        assert!(matches!(membership::create(&mut conn, &ipu(), "en", None, "public:form"), Err(barometer_store::StoreError::Conflict(_))));
        let (to, emails) = membership::notify(&mut conn, &request.id, day("2025-01-10"), "Subject", "Body", "secretariat").unwrap();
        assert_eq!(to.iter().map(AssemblyCode::as_str).collect::<Vec<_>>(), ["PACE", "PAM"]);
        assert_eq!(emails, 0, "no addresses known yet");
        assert_eq!(notifications::unread_count(&mut conn, &AssemblyCode::parse("PAM").unwrap()).unwrap(), 1);

        let seventh = Meeting { number: 7, date: day("2025-06-12"), venue: "Geneva".into(), online: false, regular: true };
        meetings::insert(&mut conn, &seventh, "test").unwrap();
        assert_eq!(membership::agenda(&mut conn, &seventh, day("2025-01-10")).unwrap()[0].id, request.id);
        let deferred = membership::decide(&mut conn, &request.id, &seventh, Decision::Deferred, None, "secretariat").unwrap();
        assert_eq!(deferred.status.as_str(), "deferred");
        let eighth = Meeting { number: 8, date: day("2025-12-01"), venue: "Online".into(), online: true, regular: true };
        meetings::insert(&mut conn, &eighth, "test").unwrap();
        assert_eq!(membership::agenda(&mut conn, &eighth, day("2025-07-01")).unwrap().len(), 1, "a deferred request goes to the next meeting");
        let code = AssemblyCode::parse("IPU").unwrap();
        let admitted = membership::decide(&mut conn, &request.id, &eighth, Decision::Admitted, Some(&code), "secretariat").unwrap();
        assert_eq!((admitted.status.as_str(), admitted.meeting), ("admitted", Some(8)));
        let ipu = barometer_store::assemblies::find(&mut conn, &code).unwrap().unwrap();
        assert_eq!(ipu.joined_on, day("2025-12-01"));
        assert!(!ipu.is_member_on(day("2025-11-30")) && ipu.is_member_on(day("2026-01-15")));
        assert_eq!(barometer_store::assemblies::email_recipients(&mut conn, &code).unwrap(), ["ct@ipu.example"]);
        let actions: Vec<String> =
            barometer_store::audit::history(&mut conn, membership::ENTITY, &request.id).unwrap().into_iter().map(|r| r.action).collect();
        assert_eq!(actions, ["membership_request.submit", "membership_request.notify", "membership_request.decide", "membership_request.decide"]);
    }
}
