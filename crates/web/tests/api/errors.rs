use actix_web::http::StatusCode;
use actix_web::test;
use barometer_domain::Role;
use barometer_test_support::async_backend_tests;

use crate::support::{bearer, error_code, json, state, token};

async_backend_tests! {
    async fn malformed_wrongly_typed_and_oversized_bodies_get_clear_errors(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let post = || test::TestRequest::post().uri("/api/v1/cycles").insert_header(bearer(&secretariat));

        let (status, body) = json(&app, post().insert_header(("content-type", "application/json")).set_payload("{not json")).await;
        assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "malformed_request"));

        let (status, body) = json(&app, post().insert_header(("content-type", "text/plain")).set_payload("{}")).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));

        let huge = format!("{{\"label\": \"{}\"}}", "x".repeat(300 * 1024));
        let (status, body) = json(&app, post().insert_header(("content-type", "application/json")).set_payload(huge)).await;
        assert_eq!((status, error_code(&body)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));

        let (status, body) = json(&app, post().insert_header(("content-type", "application/json")).set_payload(vec![b'"', 0xff, 0xfe, b'"'])).await;
        assert_eq!((status, error_code(&body)), (StatusCode::BAD_REQUEST, "malformed_request"));
    }

    async fn unknown_routes_are_404_in_the_error_shape(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/nothing-here")).await;
        assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"));
        let secretariat = token(&db, Role::Secretariat, None);
        let (status, body) = json(&app, test::TestRequest::get().uri("/api/v1/cycles/..%2Fetc").insert_header(bearer(&secretariat))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    }
}
