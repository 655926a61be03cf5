use actix_web::http::StatusCode;
use actix_web::test;
use barometer_domain::Role;
use barometer_test_support::async_backend_tests;
use serde_json::json;

use crate::support::{bearer, error_code, json, load_demo, state, token};

fn definition(label: &str) -> serde_json::Value {
    json!({
        "label": label, "opens_on": "2027-01-15", "closes_on": "2027-03-31", "max_ranked_themes": 2,
        "themes": [{"code": "youth-pve", "labels": {"en": "Youth and PVE"}}, {"code": "cyber", "labels": {"en": "Cybersecurity"}}],
        "regions": [{"code": "sahel", "labels": {"en": "Sahel"}, "countries": ["MLI", "NER"]}]
    })
}

async_backend_tests! {
    async fn signed_in_callers_list_the_demo_cycles(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        for role in [Role::Secretariat, Role::Analyst] {
            let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/cycles").insert_header(bearer(&token(&db, role, None)))).await;
            assert_eq!(status, StatusCode::OK);
            let labels: Vec<&str> = body["items"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
            assert_eq!(labels, ["2026", "2025", "2023-24"], "newest first");
            for item in body["items"].as_array().unwrap() {
                for key in ["label", "opens_on", "closes_on", "status"] {
                    assert!(item.get(key).is_some(), "a cycle item carries {key}");
                }
            }
        }
        let focal = token(&db, Role::FocalPoint, Some("PAM"));
        let (status, _) = json(&app, test::TestRequest::get().uri("/api/v1/cycles").insert_header(bearer(&focal))).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/cycles/2025").insert_header(bearer(&focal))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["themes"].as_array().unwrap().len(), 15);
        assert_eq!(body["status"], "published");
    }

    async fn anonymous_callers_get_401_and_unknown_tokens_too(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/cycles")).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
        let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/cycles").insert_header(bearer("bar_forged"))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    }

    async fn only_the_secretariat_creates_cycles_and_sees_the_roster(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let analyst = token(&db, Role::Analyst, None);
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&analyst)).set_json(definition("2027"))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&secretariat)).set_json(definition("2027"))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["status"], "draft");
        assert_eq!(body["activity_kinds"].as_array().unwrap().len(), 8, "default activity kinds");
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&secretariat)).set_json(definition("2027"))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "conflict"));

        let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/assemblies").insert_header(bearer(&secretariat))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["items"].as_array().unwrap().len(), 17);
        let (status, _) = json(&app, test::TestRequest::get().uri("/api/v1/assemblies").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn an_invalid_cycle_is_refused_with_the_field_named_and_nothing_stored(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let mut bad = definition("2027");
        bad["regions"][0]["countries"] = json!(["MLI", "XYZ"]);
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&secretariat)).set_json(&bad)).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"));
        assert!(body["error"]["fields"]["regions[0].countries[1]"].as_str().unwrap().contains("ISO 3166"), "{body}");

        let mut bad = definition("2027");
        bad["closes_on"] = json!("2026-01-01");
        bad["max_ranked_themes"] = json!(9);
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&secretariat)).set_json(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"]["fields"]["closes_on"].is_string() && body["error"]["fields"]["max_ranked_themes"].is_string(), "{body}");

        let (_, list) = json(&app, test::TestRequest::get().uri("/api/v1/cycles").insert_header(bearer(&secretariat))).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing was stored");
    }

    async fn cycle_status_moves_forward_only(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles/2026/status").insert_header(bearer(&secretariat)).set_json(json!({"status": "closed"}))).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("closed")));
        let (status, body) = json(&app, test::TestRequest::post().uri("/api/v1/cycles/2026/status").insert_header(bearer(&secretariat)).set_json(json!({"status": "draft"}))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "conflict"));
        let (status, _) = json(&app, test::TestRequest::post().uri("/api/v1/cycles/1999/status").insert_header(bearer(&secretariat)).set_json(json!({"status": "open"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
