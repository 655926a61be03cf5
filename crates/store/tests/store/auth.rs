use barometer_domain::{AssemblyCode, Role};
use barometer_store::StoreError;
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_test_support::backend_tests;
use diesel::prelude::*;

use crate::support::seed;

fn api_token(role: Role, assembly: Option<&AssemblyCode>) -> NewToken<'_> {
    NewToken { kind: TokenKind::Api, role, assembly, cycle: None, user_id: None, label: "test", expires_at: None }
}

backend_tests! {
    fn tokens_are_stored_hashed_and_can_be_revoked(db) {
        let mut conn = db.conn();
        let (id, token) = auth::create_token(&mut conn, api_token(Role::Secretariat, None), "test").unwrap();
        assert!(token.starts_with("bar_") && token.len() > 40);
        let stored: Vec<String> = barometer_store::schema::api_tokens::table.select(barometer_store::schema::api_tokens::token_hash).load(&mut *conn).unwrap();
        assert!(!stored.iter().any(|h| h.contains(&token[4..])), "the clear token is never stored");
        let principal = auth::verify_token(&mut conn, &token).unwrap().expect("valid");
        assert_eq!(principal.role, Role::Secretariat);
        assert!(auth::verify_token(&mut conn, "bar_wrong").unwrap().is_none());
        auth::revoke_token(&mut conn, &id, "test").unwrap();
        assert!(auth::verify_token(&mut conn, &token).unwrap().is_none(), "revoked tokens stop working");
    }

    fn focal_point_tokens_are_bound_to_one_assembly(db) {
        let mut conn = db.conn();
        seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let (_, token) = auth::create_token(&mut conn, api_token(Role::FocalPoint, Some(&pam)), "test").unwrap();
        assert_eq!(auth::verify_token(&mut conn, &token).unwrap().unwrap().assembly, Some(pam));
        let unbound = auth::create_token(&mut conn, api_token(Role::FocalPoint, None), "test");
        assert!(matches!(unbound, Err(StoreError::Invalid(_))));
    }

    fn passwords_are_checked_against_argon2id_hashes(db) {
        let mut conn = db.conn();
        let user = auth::create_user(&mut conn, " Sec@Example.org ", "correct horse battery", Role::Secretariat, None, "test").unwrap();
        assert_eq!(user.email, "sec@example.org");
        let hash: String = barometer_store::schema::users::table.select(barometer_store::schema::users::password_hash).first(&mut *conn).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(auth::verify_password(&mut conn, "sec@example.org", "correct horse battery").unwrap().is_some());
        assert!(auth::verify_password(&mut conn, "sec@example.org", "wrong password!!").unwrap().is_none());
        assert!(auth::verify_password(&mut conn, "nobody@example.org", "correct horse battery").unwrap().is_none());
        let short = auth::create_user(&mut conn, "a@example.org", "short", Role::Analyst, None, "test");
        match short {
            Err(StoreError::Invalid(e)) => assert!(e.get("password").is_some()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(auth::create_user(&mut conn, "SEC@example.org", "another long password", Role::Analyst, None, "test"), Err(StoreError::Conflict(_))));
    }

    fn the_secret_key_is_generated_once_and_shared(db) {
        let mut a = db.conn();
        let mut b = db.fresh_conn();
        let first = barometer_store::settings::secret_key(&mut a).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(barometer_store::settings::secret_key(&mut b).unwrap(), first);
    }
}

backend_tests! {
    // The cached reads' check, for many requests at once: each answer is the one its request would
    // get alone, in the requests' order, with each cycle's fingerprint as read for it alone.
    fn a_batch_of_token_checks_answers_each_request_as_if_alone(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let other = crate::support::cycle_def("2024");
        barometer_store::cycles::insert(&mut conn, &other, barometer_domain::CycleStatus::Closed, "test").unwrap();
        let pam = AssemblyCode::parse("PAM").unwrap();
        let (_, analyst) = auth::create_token(&mut conn, api_token(Role::Analyst, None), "test").unwrap();
        let (_, focal) = auth::create_token(&mut conn, api_token(Role::FocalPoint, Some(&pam)), "test").unwrap();
        let (revoked_id, revoked) = auth::create_token(&mut conn, api_token(Role::Secretariat, None), "test").unwrap();
        auth::revoke_token(&mut conn, &revoked_id, "test").unwrap();
        let unknown = barometer_domain::CycleLabel::parse("1999").unwrap();
        let checks: Vec<auth::TokenCheck> = [
            (analyst.as_str(), Some(&def.label)),
            ("bar_not_a_token", Some(&def.label)),
            (focal.as_str(), Some(&other.label)),
            (analyst.as_str(), Some(&unknown)),
            (revoked.as_str(), Some(&def.label)),
            (focal.as_str(), Some(&def.label)),
            (analyst.as_str(), Some(&other.label)),
            // A token alone, as every request but a cached read checks it.
            (focal.as_str(), None),
            ("bar_not_a_token", None),
        ]
        .into_iter()
        .map(|(token, cycle)| auth::TokenCheck { token: token.to_owned(), cycle: cycle.cloned() })
        .collect();
        let alone = |conn: &mut barometer_store::DbConn, check: &auth::TokenCheck| {
            let principal = auth::verify_token(conn, &check.token).unwrap();
            let fingerprint = check.cycle.as_ref().and_then(|cycle| barometer_store::responses::results_fingerprint(conn, cycle).unwrap());
            (principal.map(|p| (p.role, p.assembly)), fingerprint)
        };
        let expected: Vec<_> = checks.iter().map(|c| alone(&mut conn, c)).collect();
        // The two cycles' fingerprints differ, and the unknown cycle has none: the batch cannot
        // pass by giving every request the first one's.
        assert_ne!(expected[0].1, expected[2].1);
        assert_eq!(expected[3].1, None);
        assert_eq!(expected[1].0, None, "an unknown token");
        assert_eq!(expected[4].0, None, "a revoked token");
        assert_eq!(expected[5].0, Some((Role::FocalPoint, Some(pam.clone()))));
        let batched: Vec<_> = auth::verify_tokens(&mut conn, &checks)
            .unwrap()
            .into_iter()
            .map(|answer| answer.map(|(p, fp)| (p.map(|p| (p.role, p.assembly)), fp)).unwrap())
            .collect();
        assert_eq!(batched, expected);
        assert_eq!(expected[7], (Some((Role::FocalPoint, Some(pam.clone()))), None), "no cycle asked, no fingerprint");
        // One at a time, as a batch of one.
        for (check, expected) in checks.iter().zip(&expected) {
            let one = auth::verify_tokens(&mut conn, std::slice::from_ref(check)).unwrap().pop().unwrap().unwrap();
            assert_eq!(&(one.0.map(|p| (p.role, p.assembly)), one.1), expected);
            if let Some(cycle) = &check.cycle {
                let (p, fp) = auth::verify_token_with_fingerprint(&mut conn, &check.token, cycle).unwrap();
                assert_eq!(&(p.map(|p| (p.role, p.assembly)), fp), expected);
            }
        }
        drop(conn);

        // Through the batcher, from many threads at once: each gets its own answer.
        let batcher = barometer_store::batch::Batcher::new(db.pool().clone(), "test-reads", |conn, checks| auth::verify_tokens(conn, &checks));
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let (batcher, checks, expected) = (batcher.clone(), &checks, &expected);
                    scope.spawn(move || {
                        for round in 0..20 {
                            let i = (t + round) % checks.len();
                            let (p, fp) = batcher.ask_blocking(checks[i].clone()).unwrap().unwrap();
                            assert_eq!(&(p.map(|p| (p.role, p.assembly)), fp), &expected[i], "request {i}");
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
        });
    }
}

backend_tests! {
    // The survey's batched read, with the caller's token checked in the same statement (an
    // unkeyed submission on PostgreSQL): each principal is the one `verify_token` gives, and each
    // finding the one `find_with_cycle` gives, whatever the token, in the reads' order.
    fn a_batch_of_reads_checks_each_token_as_if_alone(db) {
        use barometer_domain::response::Purpose;
        use barometer_domain::{CycleLabel, ResponseInput, ResponseStatus};
        use barometer_store::responses::{self, Read, Save};
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let content = ResponseInput::new(vec!["victims".into()], vec!["sahel".into()], vec![], "c".into()).validate(&def, Purpose::Draft).unwrap();
        let save = Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Draft, expected_version: None, actor: "test" };
        responses::save(&mut conn, save).unwrap();
        let (_, focal) = auth::create_token(&mut conn, api_token(Role::FocalPoint, Some(&pam)), "test").unwrap();
        let (_, analyst) = auth::create_token(&mut conn, api_token(Role::Analyst, None), "test").unwrap();
        let (revoked_id, revoked) = auth::create_token(&mut conn, api_token(Role::Secretariat, None), "test").unwrap();
        auth::revoke_token(&mut conn, &revoked_id, "test").unwrap();
        let past = Some(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1));
        let (_, expired) = auth::create_token(&mut conn, NewToken { expires_at: past, ..api_token(Role::FocalPoint, Some(&pam)) }, "test").unwrap();
        let (nobody, unknown) = (AssemblyCode::parse("NOBODY").unwrap(), CycleLabel::parse("1999").unwrap());
        let reads: Vec<Read> = [
            (Some(focal.as_str()), &def.label, &pam),
            (Some("bar_not_a_token"), &def.label, &pam),
            (Some(revoked.as_str()), &def.label, &pam),
            (Some(expired.as_str()), &def.label, &pam),
            (None, &def.label, &pam),
            (Some(analyst.as_str()), &unknown, &pam),
            (Some(focal.as_str()), &def.label, &nobody),
        ]
        .into_iter()
        .map(|(token, cycle, assembly)| Read { token: token.map(str::to_owned), cycle: cycle.clone(), assembly: assembly.clone() })
        .collect();
        let (cycles, lists) = (barometer_store::cycles::CycleCache::default(), responses::ListsCache::default());
        // What each answer is compared by: the principal's role and assembly, and the cycle's
        // definition, the assembly on the roster and the response found.
        type Seen = (Option<(Role, Option<AssemblyCode>)>, Option<(barometer_domain::CycleDefinition, Option<barometer_domain::Assembly>, Option<responses::StoredResponse>)>);
        let seen = |(principal, found): responses::ReadAnswer| -> Seen {
            (principal.map(|p| (p.role, p.assembly)), found.map(|((cycle, member), response)| (cycle.definition.clone(), member, response)))
        };
        let expected: Vec<Seen> = reads
            .iter()
            .map(|read| {
                let principal = read.token.as_deref().and_then(|t| auth::verify_token(&mut conn, t).unwrap());
                seen((principal, responses::find_with_cycle(&mut conn, (&cycles, &lists), &read.cycle, &read.assembly).unwrap()))
            })
            .collect();
        // The expectations tell the cases apart, so that a batch cannot pass by answering the
        // first read's principal, or none, to every read.
        assert_eq!(expected[0].0, Some((Role::FocalPoint, Some(pam.clone()))));
        assert!(expected[0].1.as_ref().is_some_and(|(_, member, response)| member.is_some() && response.is_some()), "PAM's saved response");
        assert_eq!((expected[1].0.clone(), expected[2].0.clone(), expected[3].0.clone(), expected[4].0.clone()), (None, None, None, None), "unknown, revoked, expired, none");
        assert_eq!(expected[5], (Some((Role::Analyst, None)), None), "no such cycle");
        assert!(expected[6].1.as_ref().is_some_and(|(_, member, response)| member.is_none() && response.is_none()), "not on the roster");
        let batched: Vec<Seen> = responses::find_all_with_cycle(&mut conn, (&cycles, &lists), &reads).unwrap().into_iter().map(|a| seen(a.unwrap())).collect();
        assert_eq!(batched, expected);
        // With held lists dropped, so that the statement gathers them again.
        let (cycles, lists) = (barometer_store::cycles::CycleCache::default(), responses::ListsCache::default());
        let fresh: Vec<Seen> = responses::find_all_with_cycle(&mut conn, (&cycles, &lists), &reads).unwrap().into_iter().map(|a| seen(a.unwrap())).collect();
        assert_eq!(fresh, expected);
    }
}

/// On PostgreSQL each batched statement is planned once per connection, whatever the size of its
/// batches: planned anew at each execution (PostgreSQL's choice for statements whose arrays it
/// can see), the planning cost as much as the execution (see `db::POSTGRES_SETTINGS`).
#[test]
fn postgres_plans_the_batched_statements_once_per_connection() {
    use barometer_store::DbConn;
    use barometer_store::cycles::CycleCache;
    use diesel::sql_types::BigInt;

    let Some(db) = barometer_test_support::TestDb::postgres() else { return };
    let mut conn = db.fresh_conn();
    let def = seed(&mut conn);
    let pam = AssemblyCode::parse("PAM").unwrap();
    let (_, token) = auth::create_token(&mut conn, api_token(Role::FocalPoint, Some(&pam)), "test").unwrap();
    let (cycles, lists) = (CycleCache::default(), barometer_store::responses::ListsCache::default());
    // Batches of 1 to 12 requests, each size twice: PostgreSQL's default would make a plan for
    // each of the first executions, and go on making them for the sizes it can see.
    for size in (1..=12).chain(1..=12) {
        let checks: Vec<auth::TokenCheck> =
            (0..size).map(|i| auth::TokenCheck { token: token.clone(), cycle: (i % 2 == 0).then(|| def.label.clone()) }).collect();
        for answer in auth::verify_tokens(&mut conn, &checks).unwrap() {
            assert_eq!(answer.unwrap().0.map(|p| p.role), Some(Role::FocalPoint));
        }
        // Half of the reads check a token too, as an unkeyed submission's does.
        let reads: Vec<_> = (0..size)
            .map(|i| barometer_store::responses::Read {
                token: (i % 2 == 0).then(|| token.clone()),
                cycle: def.label.clone(),
                assembly: pam.clone(),
            })
            .collect();
        for (i, found) in
            barometer_store::responses::find_all_with_cycle(&mut conn, (&cycles, &lists), &reads).unwrap().into_iter().enumerate()
        {
            let (principal, found) = found.unwrap();
            assert!(found.is_some(), "the seeded cycle is found");
            assert_eq!(principal.map(|p| p.role), (i % 2 == 0).then_some(Role::FocalPoint));
        }
    }
    #[derive(QueryableByName)]
    struct Plans {
        #[diesel(sql_type = BigInt)]
        statements: i64,
        #[diesel(sql_type = BigInt)]
        generic: i64,
        #[diesel(sql_type = BigInt)]
        custom: i64,
    }
    let DbConn::Postgres(pg) = &mut conn else { unreachable!("a PostgreSQL test") };
    let plans: Plans = diesel::sql_query(
        "SELECT count(*) AS statements, COALESCE(sum(generic_plans), 0)::int8 AS generic, COALESCE(sum(custom_plans), 0)::int8 AS custom \
         FROM pg_prepared_statements WHERE statement LIKE 'WITH q AS (SELECT * FROM unnest(%'",
    )
    .get_result(pg)
    .unwrap();
    assert_eq!(plans.statements, 2, "the token check and the survey's read, each prepared once");
    assert_eq!(plans.custom, 0, "no statement is planned for the values of one execution");
    assert_eq!(plans.generic, 2 * 24, "every execution of either ran the one plan made for all values");
}
