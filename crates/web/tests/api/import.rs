//! Importing past answers through the API: all or nothing, each problem located, idempotent.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::Role;
use barometer_test_support::async_backend_tests;

use crate::support::{bearer, error_code, json, load_demo, state, token};

fn upload(body: &str, token: &str, query: &str) -> TestRequest {
    TestRequest::post()
        .uri(&format!("/api/v1/cycles/2026/import{query}"))
        .insert_header(bearer(token))
        .insert_header(("content-type", "text/csv"))
        .set_payload(body.to_owned())
}

async_backend_tests! {
    async fn an_import_is_all_or_nothing_and_a_second_one_changes_nothing(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let bad = "assembly,theme_1,regions\nEP,youth-pve,mena\nAPU,martian-threats,sahel\n";
        let (status, body) = json(&app, upload(bad, &secretariat, "")).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"));
        assert!(body["error"]["fields"]["responses row 3, column theme_1"].is_string(), "{body}");
        let (_, ep) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/responses/EP").insert_header(bearer(&secretariat))).await;
        assert_eq!(ep["status"], "not_started", "the good row was not stored either");

        let good = "assembly,theme_1,theme_2,regions\nEP,youth-pve,new-tech,mena\nAPU,cbrn,,sahel\n";
        let (status, body) = json(&app, upload(good, &secretariat, "?map=new-tech%3Dai-tech&dry_run=true")).await;
        assert_eq!((status, body["valid"].as_i64(), body["created"].as_i64()), (StatusCode::OK, Some(2), Some(0)), "{body}");
        let (status, body) = json(&app, upload(good, &secretariat, "?map=new-tech%3Dai-tech")).await;
        assert_eq!((status, body["created"].as_i64()), (StatusCode::OK, Some(2)), "{body}");
        let (_, body) = json(&app, upload(good, &secretariat, "?map=new-tech%3Dai-tech")).await;
        assert_eq!((body["created"].as_i64(), body["unchanged"].as_i64()), (Some(0), Some(2)));
        let (_, ep) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/responses/EP").insert_header(bearer(&secretariat))).await;
        assert_eq!((ep["status"].as_str(), ep["version"].as_i64(), ep["themes"][1].as_str()), (Some("submitted"), Some(1), Some("ai-tech")));

        let analyst = token(&db, Role::Analyst, None);
        let (status, _) = json(&app, upload(good, &analyst, "")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// Holds the SQLite writer inside a job until released; the job then runs `then` before it
/// commits. Returns the release handle and the job's thread.
fn hold_writer(
    state: &barometer_web::AppState,
    then: impl FnOnce(&mut barometer_store::DbConn) -> Result<(), barometer_store::StoreError> + Send + 'static,
) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started, has_started) = std::sync::mpsc::channel::<()>();
    let writer = state.writer.clone();
    let handle = std::thread::spawn(move || {
        writer
            .write(move |conn| {
                started.send(()).unwrap();
                released.recv().unwrap();
                then(conn)
            })
            .unwrap();
    });
    has_started.recv().unwrap();
    (release, handle)
}

/// Waits (up to 20 s) until `n` jobs wait in the SQLite writer's queue.
async fn until_queued(state: &barometer_web::AppState, n: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while state.writer.stats().waiting < n {
        assert!(std::time::Instant::now() < deadline, "the import never joined the writer's queue");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

const GOOD: &str = "assembly,theme_1,regions\nEP,youth-pve,mena\nAPU,cbrn,sahel\n";

/// Imports `GOOD` through the API on SQLite while a job holds the writer, releasing it (the job
/// then runs `then`) once the import waits in the writer's queue. Answers the import's status
/// and body, and EP's response as stored afterwards.
async fn import_behind_a_held_writer(
    then: impl FnOnce(&mut barometer_store::DbConn) -> Result<(), barometer_store::StoreError> + Send + 'static,
) -> (StatusCode, serde_json::Value, serde_json::Value) {
    let db = barometer_test_support::TestDb::sqlite();
    load_demo(&db);
    let state = state(&db);
    let app = test::init_service(barometer_web::configure(state.clone())).await;
    let secretariat = token(&db, Role::Secretariat, None);

    let (release, held) = hold_writer(&state, then);
    let import = actix_web::rt::spawn(async move {
        let (status, body) = json(&app, upload(GOOD, &secretariat, "")).await;
        (status, body, app, secretariat)
    });
    until_queued(&state, 1).await;
    release.send(()).unwrap();
    held.join().unwrap();
    let (status, body, app, secretariat) = import.await.unwrap();
    let (_, ep) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/responses/EP").insert_header(bearer(&secretariat))).await;
    (status, body, ep)
}

/// On SQLite an import is one more job for the single writer: it waits its turn behind the
/// submissions rather than competing with them for the database's write lock (where it could be
/// refused as busy, or hold up a worker's only blocking thread while it waits).
#[actix_web::test]
async fn sqlite_an_import_takes_its_turn_in_the_writer() {
    let (status, body, ep) = import_behind_a_held_writer(|_| Ok(())).await;
    assert_eq!((status, body["created"].as_i64()), (StatusCode::OK, Some(2)), "{body}");
    assert_eq!(ep["status"], "submitted");
}

/// The file is checked outside the writer; a change to the cycle's members before its turn
/// refuses it whole, with nothing stored.
#[actix_web::test]
async fn sqlite_an_import_is_refused_when_the_members_change_while_it_waits() {
    let newcomer = barometer_domain::Assembly {
        code: barometer_domain::AssemblyCode::parse("NEWPA").unwrap(),
        name: "A new assembly".into(),
        joined_on: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        left_on: None,
    };
    let (status, body, ep) = import_behind_a_held_writer(move |conn| barometer_store::assemblies::insert(conn, &newcomer, "test")).await;
    assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("send the file again"), "{body}");
    assert_eq!(ep["status"], "not_started", "nothing was stored");
}
