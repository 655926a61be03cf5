use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_test_support::TestDb;

use crate::support::state;

#[actix_web::test]
async fn the_openapi_document_is_valid_and_lists_every_api_route() {
    let db = TestDb::sqlite();
    let app = test::init_service(barometer_web::configure(state(&db))).await;
    let res = test::call_service(&app, TestRequest::get().uri("/api/openapi.json").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = test::read_body(res).await;

    let parsed: openapiv3::OpenAPI = serde_json::from_slice(&body).expect("the document is OpenAPI 3");
    assert!(parsed.openapi.starts_with("3.0"));
    let documented: BTreeSet<(String, String)> = parsed
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_item().expect("no external path refs");
            item.iter().map(move |(method, _)| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let registered = crate::route_scan::api_routes();
    assert!(registered.len() >= 10, "found only {registered:?}");
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&registered).collect();
    assert!(undocumented.is_empty(), "routes without an OpenAPI entry: {undocumented:?}");
    assert!(phantom.is_empty(), "OpenAPI entries without a route: {phantom:?}");

    // Every $ref points at a schema that exists.
    let text = String::from_utf8(body.to_vec()).unwrap();
    let refs = regex::Regex::new(r##""\$ref":"#/components/schemas/([A-Za-z]+)""##).unwrap();
    for found in refs.captures_iter(&text) {
        let components = parsed.components.as_ref().unwrap();
        assert!(components.schemas.contains_key(&found[1]), "dangling $ref to {}", &found[1]);
    }
}

#[actix_web::test]
async fn the_docs_page_needs_nothing_from_the_network() {
    let db = TestDb::sqlite();
    let app = test::init_service(barometer_web::configure(state(&db))).await;
    let res = test::call_service(&app, TestRequest::get().uri("/api/docs").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(html.contains("/api/v1/cycles/{label}/responses/{assembly}/submit"));
    assert!(html.contains("id=\"schema-ResponseBody\""));
    let external = regex::Regex::new(r#"(src|href)="(https?:)?//"#).unwrap();
    assert!(!external.is_match(&html), "the page loads nothing from elsewhere");
    assert!(!html.contains("<script"), "and runs no script");
}
