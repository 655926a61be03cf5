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
