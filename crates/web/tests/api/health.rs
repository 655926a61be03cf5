use actix_web::http::StatusCode;
use actix_web::test;
use barometer_test_support::async_backend_tests;

use crate::support::{json, state};

async_backend_tests! {
    async fn health_and_readiness_answer(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let (status, body) = json(&app, test::TestRequest::get().uri("/healthz")).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
        let (status, body) = json(&app, test::TestRequest::get().uri("/readyz")).await;
        assert_eq!((status, body["database"].as_str()), (StatusCode::OK, Some("ok")));
    }

    async fn every_answer_carries_the_security_headers(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        for uri in ["/", "/healthz", "/api/v1/cycles", "/no-such-page"] {
            let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            let headers = res.headers();
            let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
            assert!(!csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
            assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff", "{uri}");
            assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer", "{uri}");
        }
    }
}
