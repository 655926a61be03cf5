//! The survey as a person uses it: the HTML form, posted as a browser posts it.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::{AssemblyCode, CycleLabel, ResponseStatus, Role};
use barometer_test_support::{TestDb, async_backend_tests};

use crate::support::{load_demo, session, state};

const CSRF: &str = "test-csrf-token";

fn as_user(req: TestRequest, session: &str) -> TestRequest {
    req.cookie(Cookie::new("barometer_session", session.to_owned())).cookie(Cookie::new("barometer_csrf", CSRF))
}

fn form(extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("csrf", CSRF),
        ("version", "0"),
        ("rank-ai-tech", "1"),
        ("rank-youth-pve", "2"),
        ("region", "sahel"),
        ("region", "mena"),
        ("a0-title", "Workshop on AI and terrorist use of the internet"),
        ("a0-kind", "workshop"),
        ("a0-status", "planned"),
        ("a0-starts_on", "2026-05-04"),
        ("a0-ends_on", "2026-05-05"),
        ("a0-city", "Brussels"),
        ("a0-country", "BEL"),
        ("a0-theme", "ai-tech"),
        ("a0-partners", "UNOCT, EU"),
        ("comment", "Typed in the form"),
    ];
    // An extra pair replaces the defaults of the same name (all fields here are single-valued
    // except the checkbox lists, which no test overrides).
    pairs.retain(|(name, _)| !extra.iter().any(|(n, _)| n == name));
    pairs.extend_from_slice(extra);
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

fn post(body: String) -> TestRequest {
    TestRequest::post().uri("/survey/2026").insert_header(("content-type", "application/x-www-form-urlencoded")).set_payload(body)
}

async fn text<B: actix_web::body::MessageBody>(res: actix_web::dev::ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

fn stored(db: &TestDb, assembly: &str) -> Option<barometer_store::responses::StoredResponse> {
    barometer_store::responses::find(&mut db.conn(), &CycleLabel::parse("2026").unwrap(), &AssemblyCode::parse(assembly).unwrap()).unwrap()
}

async_backend_tests! {
    async fn a_focal_point_saves_a_draft_then_submits_and_gets_a_receipt(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = session(&db, Role::FocalPoint, Some("EP"));
        let page = test::call_service(&app, as_user(TestRequest::get().uri("/survey/2026"), &ep).to_request()).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = text(page).await;
        assert!(html.contains("name=\"rank-youth-pve\"") && html.contains("name=\"region\"") && html.contains("name=\"a0-title\""));

        let res = test::call_service(&app, as_user(post(form(&[("action", "save")])), &ep).to_request()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers().get("location").unwrap(), "/survey/2026?done=saved");
        let draft = stored(&db, "EP").expect("saved");
        assert_eq!(draft.status, ResponseStatus::Draft);
        assert_eq!(draft.content.themes.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["ai-tech", "youth-pve"]);
        assert_eq!(draft.content.activities[0].partners, ["UNOCT", "EU"]);
        let activity_id = draft.content.activities[0].id.clone().unwrap();

        // Reloading shows everything that was saved.
        let html = text(test::call_service(&app, as_user(TestRequest::get().uri("/survey/2026?done=saved"), &ep).to_request()).await).await;
        assert!(html.contains("Your draft is saved"));
        assert!(html.contains("value=\"Workshop on AI and terrorist use of the internet\""));
        assert!(html.contains(&format!("value=\"{activity_id}\"")), "the activity keeps its id in the form");

        let body = form(&[("action", "submit"), ("version", "1"), ("a0-id", &activity_id)]);
        let res = test::call_service(&app, as_user(post(body), &ep).to_request()).await;
        assert_eq!(res.headers().get("location").unwrap(), "/survey/2026?done=submitted");
        let submitted = stored(&db, "EP").unwrap();
        assert_eq!(submitted.status, ResponseStatus::Submitted);
        assert_eq!(submitted.content.activities[0].id.as_deref(), Some(activity_id.as_str()), "same activity, not a new one");
        let html = text(test::call_service(&app, as_user(TestRequest::get().uri("/survey/2026?done=submitted"), &ep).to_request()).await).await;
        assert!(html.contains(submitted.receipt.as_deref().unwrap()), "the receipt number is shown");
    }

    async fn errors_appear_next_to_their_fields_and_nothing_typed_is_lost(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = session(&db, Role::FocalPoint, Some("EP"));
        let body = form(&[("action", "save"), ("rank-victims", "1"), ("a0-ends_on", "2026-05-01")]);
        let res = test::call_service(&app, as_user(post(body), &ep).to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = text(res).await;
        assert!(html.contains("id=\"error-summary\""), "a summary says something needs attention");
        assert!(html.contains("rank 1 is given to two themes"), "the shared rank is explained");
        assert!(html.contains("must be on or after the start date"), "the date error is shown");
        assert!(html.contains("value=\"Workshop on AI and terrorist use of the internet\""), "the title is kept");
        assert!(html.contains("Typed in the form"), "the comment is kept");
        assert!(html.contains("value=\"2026-05-01\""), "even the wrong date is kept for correction");
        assert!(stored(&db, "EP").is_none(), "nothing was stored");
    }

    async fn a_forged_csrf_token_is_refused_and_the_form_comes_back_filled(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = session(&db, Role::FocalPoint, Some("EP"));
        let body = form(&[("action", "save"), ("csrf", "forged")]);
        let res = test::call_service(&app, as_user(post(body), &ep).to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let html = text(res).await;
        assert!(html.contains("This form had expired") && html.contains("Typed in the form"));
        assert!(stored(&db, "EP").is_none());
    }

    async fn a_closed_cycle_is_read_only_and_a_late_post_changes_nothing(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let pam = session(&db, Role::FocalPoint, Some("PAM"));
        let html = text(test::call_service(&app, as_user(TestRequest::get().uri("/survey/2025"), &pam).to_request()).await).await;
        assert!(html.contains("This survey is closed"));
        assert!(html.contains("disabled") && !html.contains("id=\"submit\""), "no way to submit");
        let before = barometer_store::responses::find(&mut db.conn(), &CycleLabel::parse("2025").unwrap(), &AssemblyCode::parse("PAM").unwrap()).unwrap().unwrap();
        let late = TestRequest::post().uri("/survey/2025").insert_header(("content-type", "application/x-www-form-urlencoded")).set_payload(form(&[("action", "submit")]));
        let res = test::call_service(&app, as_user(late, &pam).to_request()).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let after = barometer_store::responses::find(&mut db.conn(), &CycleLabel::parse("2025").unwrap(), &AssemblyCode::parse("PAM").unwrap()).unwrap().unwrap();
        assert_eq!(before, after);
    }

    async fn only_focal_points_have_a_survey_page(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = session(&db, Role::Secretariat, None);
        let res = test::call_service(&app, as_user(TestRequest::get().uri("/survey/2026"), &secretariat).to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(&app, TestRequest::get().uri("/survey/2026").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}
