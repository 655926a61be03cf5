//! The web service's protections, one test each: cookies, the body limit, absolute links from
//! `BAROMETER_BASE_URL` only, tokens stored as hashes, and logs without secrets or personal data.
//! (Security headers are checked on every answer of the access matrix and in `health.rs`.)

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::Role;
use barometer_store::auth::TokenKind;
use barometer_test_support::{TestDb, async_backend_tests};
use barometer_web::{AppState, WebConfig};
use diesel::prelude::*;
use serde_json::json;

use crate::support::{CSRF, bearer, browser, call, error_code, form_body, json, load_demo, session, sign_in_link, state, token};

fn state_with(db: &TestDb, config: WebConfig) -> AppState {
    AppState::new(db.pool().clone(), config)
}

fn cookie<B>(res: &actix_web::dev::ServiceResponse<B>, name: &str) -> Option<actix_web::cookie::Cookie<'static>> {
    res.response().cookies().find(|c| c.name() == name).map(|c| c.into_owned())
}

/// Every token row as stored, as text.
fn stored_token_rows(db: &TestDb) -> Vec<String> {
    use barometer_store::schema::api_tokens::dsl::*;
    let rows: Vec<(String, String, String, Option<String>, String)> =
        api_tokens.select((id, token_hash, kind, assembly_code, label)).load(&mut *db.conn()).unwrap();
    rows.into_iter().map(|r| format!("{r:?}")).collect()
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

async_backend_tests! {
    async fn session_and_form_cookies_are_http_only_lax_and_secure_over_https(db) {
        load_demo(&db);
        for (base, secure) in [("http://barometer.test", false), ("https://barometer.example.org", true)] {
            let app = test::init_service(barometer_web::configure(state_with(&db, WebConfig::new("127.0.0.1:0", base)))).await;
            let link = sign_in_link(&db, Role::FocalPoint, Some("EP"), TokenKind::Invitation);
            let res = test::call_service(&app, TestRequest::get().uri(&format!("/i/{link}")).to_request()).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            let s = cookie(&res, "barometer_session").expect("a session cookie");
            assert_eq!(s.http_only(), Some(true), "{base}: the session cookie is HttpOnly");
            assert_eq!(s.same_site(), Some(SameSite::Lax), "{base}: the session cookie is SameSite=Lax");
            assert_eq!(s.secure().unwrap_or(false), secure, "{base}: Secure exactly when served over https");
            assert_eq!(s.path(), Some("/"));

            let csrf = cookie(&res, "barometer_csrf").expect("a CSRF cookie on a first page visit");
            assert_eq!(csrf.http_only(), Some(true), "{base}: the CSRF cookie is HttpOnly");
            assert_eq!(csrf.same_site(), Some(SameSite::Strict));
            assert_eq!(csrf.secure().unwrap_or(false), secure, "{base}: the CSRF cookie is Secure over https");

            let res = test::call_service(&app, TestRequest::get().uri("/lang/fr").to_request()).await;
            let lang = cookie(&res, "barometer_lang").expect("a language cookie");
            assert_eq!(lang.secure().unwrap_or(false), secure, "{base}: the language cookie is Secure over https");

            // The API and the probes set no cookie at all.
            let res = test::call_service(&app, TestRequest::get().uri("/api/v1/cycles").insert_header(bearer(&link)).to_request()).await;
            assert_eq!(res.status(), StatusCode::OK);
            assert!(res.response().cookies().next().is_none(), "an API answer sets no cookie");
        }
    }

    async fn the_body_limit_is_configurable_and_answers_413_on_every_body_path(db) {
        load_demo(&db);
        let mut config = WebConfig::new("127.0.0.1:0", "http://barometer.test");
        config.json_limit = 4 * 1024;
        let app = test::init_service(barometer_web::configure(state_with(&db, config))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let big_comment = "x".repeat(6 * 1024);
        let requests = [
            TestRequest::put().uri("/api/v1/cycles/2026/responses/EP").insert_header(bearer(&ep))
                .set_json(json!({"themes": [], "regions": [], "activities": [], "comment": big_comment})),
            TestRequest::post().uri("/api/v1/cycles/2026/responses/EP/submit").insert_header(bearer(&ep))
                .set_json(json!({"themes": ["ai-tech"], "regions": [], "activities": [], "comment": big_comment})),
            TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&secretariat))
                .insert_header(("content-type", "application/toml")).set_payload(format!("label = \"{big_comment}\"")),
            TestRequest::post().uri("/api/v1/assemblies").insert_header(bearer(&secretariat))
                .set_json(json!({"code": "BIG", "name": big_comment, "joined_on": "2020-01-01"})),
        ];
        for req in requests {
            let (status, body) = json(&app, req).await;
            assert_eq!((status, error_code(&body)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"), "{body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains("4 KiB"), "the message gives the limit: {body}");
            assert!(message.contains("BAROMETER_JSON_LIMIT_KIB"), "and the setting that raises it, by its real name: {body}");
        }
        // Just under the limit is accepted.
        let (status, _) = json(&app, TestRequest::put().uri("/api/v1/cycles/2026/responses/EP").insert_header(bearer(&ep))
            .set_json(json!({"themes": [], "regions": [], "activities": [], "comment": "x".repeat(3 * 1024)}))).await;
        assert_eq!(status, StatusCode::OK);
        // The default is 256 KiB.
        assert_eq!(WebConfig::new("127.0.0.1:0", "http://x").json_limit, 256 * 1024);
    }

    async fn absolute_links_come_from_the_base_url_never_from_the_request(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let hostile = |req: TestRequest| {
            req.insert_header(("Host", "evil.example"))
                .insert_header(("X-Forwarded-Host", "evil.example"))
                .insert_header(("X-Forwarded-Proto", "https"))
                .insert_header(("Forwarded", "host=evil.example;proto=https"))
                .insert_header(("X-Original-URL", "https://evil.example/"))
        };
        let (status, body) = json(
            &app,
            hostile(TestRequest::post().uri("/api/v1/cycles/2026/invitations").insert_header(bearer(&secretariat))).set_json(json!({"assembly": "EP"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let url = body["url"].as_str().unwrap();
        assert!(url.starts_with("http://barometer.test/i/"), "the invitation URL is built from the base URL: {url}");

        // The cycle page's personal link, made through the form.
        let s = session(&db, Role::Secretariat, None);
        let req = hostile(browser(TestRequest::post().uri("/cycles/2026/invite"), Some(&s)))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(form_body(&[("csrf", CSRF), ("assembly", "PAM")]));
        let (status, _, html) = call(&app, req).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("http://barometer.test/i/"), "the page shows a link on the base URL");
        assert!(!html.contains("evil.example"), "nothing of the hostile headers reaches the page");

        let (_, _, doc) = call(&app, hostile(TestRequest::get().uri("/api/openapi.json"))).await;
        assert!(doc.contains("\"url\":\"http://barometer.test\"") && !doc.contains("evil.example"), "the OpenAPI server is the base URL");

        // Redirects are relative paths: no host to poison.
        let link = sign_in_link(&db, Role::FocalPoint, Some("EP"), TokenKind::Invitation);
        let (status, headers, _) = call(&app, hostile(TestRequest::get().uri(&format!("/i/{link}")))).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").unwrap(), "/survey/2026");
    }

    async fn tokens_are_stored_only_as_hashes(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let (_, body) = json(&app, TestRequest::post().uri("/api/v1/cycles/2026/invitations").insert_header(bearer(&secretariat)).set_json(json!({"assembly": "EP"}))).await;
        let invitation = body["token"].as_str().unwrap().to_owned();
        let res = test::call_service(&app, TestRequest::get().uri(&format!("/i/{invitation}")).to_request()).await;
        let session = cookie(&res, "barometer_session").unwrap().value().to_owned();
        let rows = stored_token_rows(&db).join("\n");
        for (what, secret) in [("API token", &secretariat), ("invitation", &invitation), ("session", &session)] {
            assert!(secret.len() >= 40, "{what} tokens are long random strings");
            assert!(!rows.contains(secret.as_str()), "the {what} is not stored in clear");
            assert!(rows.contains(&sha256_hex(secret)), "the {what} is stored as its SHA-256");
        }
        // The audit log keeps no token either.
        let audit: Vec<(Option<String>, Option<String>)> = barometer_store::schema::audit_log::table
            .select((barometer_store::schema::audit_log::before_json, barometer_store::schema::audit_log::after_json))
            .load(&mut *db.conn())
            .unwrap();
        let audit = format!("{audit:?}");
        for secret in [&secretariat, &invitation, &session] {
            assert!(!audit.contains(secret.as_str()), "no token in the audit log");
        }
    }
}

/// Everything any test in this binary logs from the moment the first caller asks, at TRACE.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        let subscriber =
            tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).with_ansi(false).finish();
        tracing::subscriber::set_global_default(subscriber).expect("only this test sets a subscriber");
        buffer
    })
    .clone()
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A sign-in with a password (wrong, then right), an invitation link, bearer tokens, a response
/// with personal data in it, and failures: the logs name routes and statuses, never a token, a
/// password, an email address or what a person typed.
#[actix_web::test]
async fn logs_hold_no_token_password_email_or_typed_text() {
    let logs = captured_logs();
    let db = TestDb::sqlite();
    load_demo(&db);
    let app = test::init_service(barometer_web::configure(state(&db))).await;
    let email = "jane.focal@example.org";
    let password = "correct horse battery staple";
    barometer_store::auth::create_user(&mut db.conn(), email, password, Role::Analyst, None, "test").unwrap();

    for (pw, expected) in [("a wrong password!!", StatusCode::UNAUTHORIZED), (password, StatusCode::SEE_OTHER)] {
        let req = browser(TestRequest::post().uri("/sign-in"), None)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(form_body(&[("csrf", CSRF), ("email", email), ("password", pw)]));
        assert_eq!(call(&app, req).await.0, expected);
    }
    let secretariat = token(&db, Role::Secretariat, None);
    let (_, body) = json(
        &app,
        TestRequest::post().uri("/api/v1/cycles/2026/invitations").insert_header(bearer(&secretariat)).set_json(json!({"assembly": "EP"})),
    )
    .await;
    let invitation = body["token"].as_str().unwrap().to_owned();
    let res = test::call_service(&app, TestRequest::get().uri(&format!("/i/{invitation}?next=/survey/2026")).to_request()).await;
    let session_token = cookie(&res, "barometer_session").unwrap().value().to_owned();
    let typed = "Contact jane.focal@example.org or +41 22 555 01 23";
    let (status, _) = json(
        &app,
        TestRequest::put()
            .uri("/api/v1/cycles/2026/responses/EP")
            .insert_header(bearer(&invitation))
            .set_json(json!({"themes": ["ai-tech"], "regions": [], "activities": [], "comment": typed})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Failures: an unknown token, a spent link, a bad body, an unknown route holding a token.
    let forged = "forged-token-0123456789abcdefghijklmnopqrstuvwxyz";
    assert_eq!(json(&app, TestRequest::get().uri("/api/v1/cycles").insert_header(bearer(forged))).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&app, TestRequest::get().uri(&format!("/i/{forged}"))).await.0, StatusCode::NOT_FOUND);
    let (status, _) = json(
        &app,
        TestRequest::put()
            .uri("/api/v1/cycles/2026/responses/EP")
            .insert_header(bearer(&invitation))
            .set_json(json!({"themes": ["ai-tech"], "regions": [], "activities": [], "comment": format!("{typed}\u{202E}")})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let encoded_password = password.replace(' ', "+");
    assert_eq!(
        call(&app, TestRequest::get().uri(&format!("/nothing/{invitation}?password={encoded_password}"))).await.0,
        StatusCode::NOT_FOUND
    );
    let cookie_call = TestRequest::get().uri("/").cookie(actix_web::cookie::Cookie::new("barometer_session", session_token.clone()));
    assert_eq!(call(&app, cookie_call).await.0, StatusCode::OK);

    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(text.contains("/i/{token}") && text.contains("status=303"), "the capture works and logs the route pattern: {text}");
    assert!(text.contains("/api/v1/cycles/{label}/responses/{assembly}"), "routes are logged as patterns");
    let secrets = [
        ("the password", password),
        ("the password, URL-encoded", encoded_password.as_str()),
        ("the wrong password", "a wrong password!!"),
        ("the email", email),
        ("the email's user part", "jane.focal"),
        ("an API token", secretariat.as_str()),
        ("an invitation token", invitation.as_str()),
        ("a session token", session_token.as_str()),
        ("a forged token", forged),
        ("typed text", "+41 22 555 01 23"),
    ];
    for (what, secret) in secrets {
        assert!(!text.contains(secret), "the logs hold {what}: {text}");
    }
}

/// Heavy computing (analytics, charts, exports) runs a few tasks at a time, one thread each, and
/// the rest wait for a turn: a flood of export requests cannot start a flood of threads. Every
/// task still runs and answers, and every turn is given back.
#[actix_web::test]
async fn heavy_work_runs_a_few_tasks_at_a_time_and_the_rest_wait_their_turn() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let db = TestDb::sqlite();
    let state = state(&db);
    let slots = state.compute_slots_free();
    assert!(slots >= 2, "{slots}");
    let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let tasks = (0..slots * 3).map(|i| {
        let (state, running, most) = (state.clone(), running.clone(), most.clone());
        async move {
            state
                .compute(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                })
                .await
                .unwrap()
        }
    });
    let answers = futures_util::future::join_all(tasks).await;
    assert_eq!(answers, (0..slots * 3).collect::<Vec<_>>(), "every task ran and answered its own request");
    let most = most.load(Ordering::SeqCst);
    assert!(most <= slots, "{most} tasks ran at once; at most {slots} may");
    // Turns are given back by the task's thread, just after it answered.
    for _ in 0..100 {
        if state.compute_slots_free() == slots {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(state.compute_slots_free(), slots);
}
