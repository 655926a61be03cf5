//! Submissions written without reading first (PostgreSQL; `crate::held` in the web crate): the
//! second submission through a token is written from what the first one's checks rested on,
//! guarded by all of it. Every change to what it rests on must send it the full way, with the
//! answer the full way gives, and nothing written by the way that could not confirm it.
//!
//! The same requests run on SQLite, where every submission goes the full way: both backends
//! must give the same answers. On PostgreSQL the tests also count which way each submission
//! went, so that a held write that silently stopped being tried fails them.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::{ActivityStatus, CycleLabel, CycleStatus, Role};
use barometer_store::Backend;
use barometer_test_support::{TestDb, async_backend_tests};
use barometer_web::{AppState, HeldStats};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::support::{bearer, error_code, json, load_demo, state, token};

const EP: &str = "/api/v1/cycles/2026/responses/EP";

fn answer(comment: &str) -> Value {
    json!({
        "themes": ["youth-pve", "ai-tech"],
        "regions": ["mena"],
        "activities": [{
            "title": "Seminar on victims' rights", "kind": "workshop",
            "starts_on": "2026-06-10", "ends_on": "2026-06-11",
            "location": {"city": "Vienna", "country": "AUT"}, "online": false,
            "themes": ["victims"], "regions": ["europe"], "partners": ["OSCE"]
        }],
        "comment": comment
    })
}

fn submit(token: &str, body: &Value) -> TestRequest {
    TestRequest::post().uri(&format!("{EP}/submit")).insert_header(bearer(token)).set_json(body)
}

fn sql(db: &TestDb, statement: &str) {
    diesel::sql_query(statement).execute(&mut *db.conn()).unwrap();
}

/// EP's stored version and the number of its audit entries: what a refused write must leave.
fn stored(db: &TestDb) -> (Option<i32>, usize) {
    let (cycle, ep) = (CycleLabel::parse("2026").unwrap(), barometer_domain::AssemblyCode::parse("EP").unwrap());
    let version = barometer_store::responses::find(&mut db.conn(), &cycle, &ep).unwrap().map(|r| r.version);
    (version, barometer_store::audit::history(&mut db.conn(), "response", "2026/EP").unwrap().len())
}

/// The counts of ways taken, as they must have moved on `backend`: on PostgreSQL by
/// (`written`, `fell_back`); on SQLite never.
fn moved(backend: Backend, before: HeldStats, written: u64, fell_back: u64) -> HeldStats {
    match backend {
        Backend::Postgres => HeldStats { written: before.written + written, fell_back: before.fell_back + fell_back },
        Backend::Sqlite => before,
    }
}

/// Submits `comment` through `token` and checks that it was written from held data (on
/// PostgreSQL): the token has just made a full submission, so the next one needs no read.
async fn held_write<S, B>(app: &S, st: &AppState, token: &str, comment: &str) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    held_write_of(app, st, token, answer(comment)).await
}

/// [`held_write`] of `sent`.
async fn held_write_of<S, B>(app: &S, st: &AppState, token: &str, sent: Value) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let before = st.held.stats();
    let (status, body) = json(app, submit(token, &sent)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["comment"], sent["comment"]);
    assert_eq!(st.held.stats(), moved(st.backend().unwrap(), before, 1, 0), "written without reading first");
    body
}

async_backend_tests! {
    async fn a_submission_written_without_reading_answers_and_stores_what_the_full_way_does(db) {
        load_demo(&db);
        let st = state(&db);
        let backend = st.backend().unwrap();
        let app = test::init_service(barometer_web::configure(st.clone())).await;
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let start = st.held.stats();
        let (status, first) = json(&app, submit(&ep, &answer("first"))).await;
        assert_eq!((status, first["version"].as_i64()), (StatusCode::OK, Some(1)), "{first}");
        assert_eq!(st.held.stats(), start, "nothing held before the first submission");

        let second = held_write(&app, &st, &ep, "second").await;
        assert_eq!(second["version"], 2);
        assert!(second["receipt"].as_str().unwrap().starts_with("2026-EP-V2-"), "{second}");
        assert_eq!(second["activities"], first["activities"], "the activity keeps its id and its status");
        // What it answered is what is stored, as a fresh instance reads it.
        let fresh = test::init_service(barometer_web::configure(state(&db))).await;
        let (_, read) = json(&fresh, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        assert_eq!(read, second);
        let _ = held_write(&app, &st, &ep, "third").await;
        // Its audit entries chain: each one's record before is the one before's record after.
        let history = barometer_store::audit::history(&mut db.conn(), "response", "2026/EP").unwrap();
        assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["response.submit", "response.amend", "response.amend"]);
        for pair in history.windows(2) {
            assert_eq!(pair[1].before_json, pair[0].after_json);
        }
        // A submission that changes the lists is made the full way, and is right.
        let before = st.held.stats();
        let mut changed = answer("fourth");
        changed["themes"] = json!(["cyber"]);
        let (status, body) = json(&app, submit(&ep, &changed)).await;
        assert_eq!((status, body["themes"].clone(), body["version"].as_i64()), (StatusCode::OK, json!(["cyber"]), Some(4)), "{body}");
        assert_eq!(st.held.stats(), moved(backend, before, 0, 1));
        changed["comment"] = json!("fifth");
        let fifth = held_write_of(&app, &st, &ep, changed).await;
        assert_eq!((fifth["themes"].clone(), fifth["version"].as_i64()), (json!(["cyber"]), Some(5)));
    }

    async fn every_change_that_a_held_write_rests_on_sends_it_the_full_way(db) {
        load_demo(&db);
        let st = state(&db);
        let backend = st.backend().unwrap();
        let app = test::init_service(barometer_web::configure(st.clone())).await;
        let other_instance = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let mut ep = token(&db, Role::FocalPoint, Some("EP"));
        let (status, first) = json(&app, submit(&ep, &answer("first"))).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let _ = held_write(&app, &st, &ep, "held").await;

        // A refusal the held data would not give, then the full way's answer, nothing written.
        macro_rules! refused {
            ($what:literal, $request:expr, $status:expr, $code:literal) => {{
                let (before, kept) = (st.held.stats(), stored(&db));
                let (status, body) = json(&app, $request).await;
                assert_eq!((status, error_code(&body)), ($status, $code), "{}: {body}", $what);
                assert_eq!(stored(&db), kept, "{}: nothing written", $what);
                assert_eq!(st.held.stats(), moved(backend, before, 0, 1), "{}: tried from held data, then the full way", $what);
            }};
        }

        // The version the client states is not the stored one.
        refused!("a stale If-Match", submit(&ep, &answer("stale")).insert_header(("If-Match", "1")), StatusCode::CONFLICT, "version_conflict");
        // A body the full way refuses.
        let mut invalid = answer("invalid");
        invalid["themes"] = json!(["martian-threats"]);
        refused!("an invalid body", submit(&ep, &invalid), StatusCode::UNPROCESSABLE_ENTITY, "invalid_content");
        let _ = held_write(&app, &st, &ep, "again").await;

        // Written through another instance: made again over it, its record before the other's.
        let (status, theirs) = json(&other_instance, submit(&ep, &answer("from the other instance"))).await;
        assert_eq!(status, StatusCode::OK, "{theirs}");
        let before = st.held.stats();
        let (status, ours) = json(&app, submit(&ep, &answer("ours"))).await;
        assert_eq!((status, ours["version"].as_i64()), (StatusCode::OK, Some(theirs["version"].as_i64().unwrap() + 1)), "{ours}");
        assert_eq!(st.held.stats(), moved(backend, before, 0, 1));
        let history = barometer_store::audit::history(&mut db.conn(), "response", "2026/EP").unwrap();
        let last: Value = serde_json::from_str(history.last().unwrap().before_json.as_deref().unwrap()).unwrap();
        assert_eq!(last["content"]["comment"], "from the other instance");
        let _ = held_write(&app, &st, &ep, "again").await;

        // The Secretariat sets an activity's status: the row moves, its version does not.
        let activity = ours["activities"][0]["id"].as_str().unwrap().to_owned();
        barometer_store::calendar::set_status(&mut db.conn(), &activity, ActivityStatus::Cancelled, false, "test").unwrap();
        let before = st.held.stats();
        let (status, body) = json(&app, submit(&ep, &answer("after the status"))).await;
        assert_eq!((status, body["activities"][0]["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{body}");
        assert_eq!(st.held.stats(), moved(backend, before, 0, 1));
        let _ = held_write(&app, &st, &ep, "again").await;

        // The token is revoked, through another instance.
        let token_id = barometer_store::auth::verify_token(&mut db.conn(), &ep).unwrap().unwrap().token_id;
        barometer_store::auth::revoke_token(&mut db.conn(), &token_id, "test").unwrap();
        refused!("a revoked token", submit(&ep, &answer("revoked")), StatusCode::UNAUTHORIZED, "unauthenticated");
        ep = token(&db, Role::FocalPoint, Some("EP"));
        let (status, _) = json(&app, submit(&ep, &answer("new token"))).await;
        assert_eq!(status, StatusCode::OK);
        let _ = held_write(&app, &st, &ep, "again").await;

        // The token expires.
        let token_id = barometer_store::auth::verify_token(&mut db.conn(), &ep).unwrap().unwrap().token_id;
        sql(&db, &format!("UPDATE api_tokens SET expires_at = '2001-01-01 00:00:00' WHERE id = '{token_id}'"));
        refused!("an expired token", submit(&ep, &answer("expired")), StatusCode::UNAUTHORIZED, "unauthenticated");
        ep = token(&db, Role::FocalPoint, Some("EP"));
        let (status, _) = json(&app, submit(&ep, &answer("new token"))).await;
        assert_eq!(status, StatusCode::OK);
        let _ = held_write(&app, &st, &ep, "again").await;

        // The same token sent as a session cookie is not a bearer token: no held way, 401.
        let (before, kept) = (st.held.stats(), stored(&db));
        let cookie = TestRequest::post()
            .uri(&format!("{EP}/submit"))
            .cookie(actix_web::cookie::Cookie::new("barometer_session", ep.clone()))
            .set_json(answer("as a cookie"));
        let (status, _) = json(&app, cookie).await;
        assert_eq!((status, stored(&db), st.held.stats()), (StatusCode::UNAUTHORIZED, kept, before));
        // Another assembly's focal point, whose token is held for its own response, and the
        // roles that may not submit: each answered as the access matrix says, twice, and never
        // from held data.
        let pam = token(&db, Role::FocalPoint, Some("PAM"));
        let pam_own = TestRequest::post().uri("/api/v1/cycles/2026/responses/PAM/submit").insert_header(bearer(&pam)).set_json(answer("ours"));
        let (status, body) = json(&app, pam_own).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (before, kept) = (st.held.stats(), stored(&db));
        let (analyst, secretariat_token) = (token(&db, Role::Analyst, None), secretariat.clone());
        for (who, request, expected) in [
            ("PAM's focal point", Some(pam.as_str()), StatusCode::NOT_FOUND),
            ("an analyst", Some(analyst.as_str()), StatusCode::FORBIDDEN),
            ("the Secretariat", Some(secretariat_token.as_str()), StatusCode::FORBIDDEN),
            ("anonymous", None, StatusCode::UNAUTHORIZED),
        ] {
            for _ in 0..2 {
                let req = match request {
                    Some(t) => submit(t, &answer("not ours")),
                    None => TestRequest::post().uri(&format!("{EP}/submit")).set_json(answer("not ours")),
                };
                let (status, body) = json(&app, req).await;
                assert_eq!((status, stored(&db), st.held.stats()), (expected, kept, before), "{who}: {body}");
            }
        }

        // The assembly leaves the roster before the cycle opens.
        sql(&db, "UPDATE assemblies SET left_on = '2020-01-01' WHERE code = 'EP'");
        refused!("an assembly no longer a member", submit(&ep, &answer("left")), StatusCode::NOT_FOUND, "not_found");
        sql(&db, "UPDATE assemblies SET left_on = NULL WHERE code = 'EP'");
        let (status, _) = json(&app, submit(&ep, &answer("back"))).await;
        assert_eq!(status, StatusCode::OK);
        let _ = held_write(&app, &st, &ep, "again").await;

        // The cycle's window moves so that today is outside it.
        let cycle = CycleLabel::parse("2026").unwrap();
        let now = barometer_store::cycles::find(&mut db.conn(), &cycle).unwrap().unwrap();
        let today = chrono::Utc::now().date_naive();
        barometer_store::cycles::set_window(&mut db.conn(), &cycle, today - chrono::Days::new(30), today - chrono::Days::new(1)).unwrap();
        refused!("a window that has closed", submit(&ep, &answer("late")), StatusCode::CONFLICT, "cycle_closed");
        barometer_store::cycles::set_window(&mut db.conn(), &cycle, now.definition.opens_on, now.definition.closes_on).unwrap();
        let (status, _) = json(&app, submit(&ep, &answer("in time"))).await;
        assert_eq!(status, StatusCode::OK);
        let _ = held_write(&app, &st, &ep, "again").await;

        // The Secretariat closes the cycle.
        let (status, body) = json(&app, TestRequest::post().uri("/api/v1/cycles/2026/status").insert_header(bearer(&secretariat)).set_json(json!({"status": "closed"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(barometer_store::cycles::find(&mut db.conn(), &cycle).unwrap().unwrap().status, CycleStatus::Closed);
        refused!("a closed cycle", submit(&ep, &answer("closed")), StatusCode::CONFLICT, "cycle_closed");
    }
}
