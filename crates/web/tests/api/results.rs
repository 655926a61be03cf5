//! Results and charts through the API, on the demo data: what the outcome document reports,
//! every export format, the charts, and caches that never go stale across instances.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::Role;
use barometer_test_support::async_backend_tests;
use serde_json::json;

use crate::support::{bearer, json, load_demo, state, token};

async fn bytes<S, B>(app: &S, req: TestRequest) -> (StatusCode, String, Vec<u8>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, test::read_body(res).await.to_vec())
}

async_backend_tests! {
    async fn table_1_of_2025_has_the_outcome_documents_priorities(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let analyst = token(&db, Role::Analyst, None);
        let (status, t1) = json(&app, TestRequest::get().uri("/api/v1/cycles/2025/results/priorities?lang=en").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::OK, "{t1}");
        assert_eq!((t1["respondents"].as_i64(), t1["members"].as_i64()), (Some(13), Some(17)));
        let rows = t1["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 15, "every theme appears, ranked or not");
        assert_eq!(rows[0], json!({"rank": 1, "theme": "youth-pve", "label": "Youth and preventing violent extremism", "assemblies": 9, "share": 0.6923, "points": 38, "mean_rank": 1.78, "tier": "primary"}));
        let tier = |t: &str| rows.iter().filter(|r| r["tier"] == t).map(|r| r["theme"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(tier("primary"), ["youth-pve", "ai-tech"]);
        let mut secondary = tier("secondary");
        secondary.sort();
        assert_eq!(secondary, ["cyber", "gender", "victims"]);

        let (_, t2) = json(&app, TestRequest::get().uri("/api/v1/cycles/2025/results/regions").insert_header(bearer(&analyst))).await;
        let sahel = t2["rows"].as_array().unwrap().iter().find(|r| r["region"] == "sahel").unwrap().clone();
        assert_eq!(sahel["parent"], "africa");
        assert!(t2["countries"].as_array().unwrap().iter().any(|c| c["iso3"] == "MLI"));

        let (status, compare) = json(&app, TestRequest::get().uri("/api/v1/compare?from=2023-24&to=2025&lang=en").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::OK);
        let summary = compare["summary"].as_str().unwrap();
        assert!(summary.contains("Countering the financing of terrorism") && summary.contains("Victims of terrorism") && summary.contains("Youth"), "{summary}");
        let cft = compare["rows"].as_array().unwrap().iter().find(|r| r["theme"] == "cft").unwrap().clone();
        assert_eq!(cft["movement"], "down");
        let (_, fr) = json(&app, TestRequest::get().uri("/api/v1/compare?from=2023-24&to=2025&lang=fr").insert_header(bearer(&analyst))).await;
        assert_ne!(fr["summary"], compare["summary"], "the summary comes in the requested language");
    }

    async fn every_table_exports_as_csv_xlsx_and_parquet(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        for table in ["priorities", "regions", "stability", "headline"] {
            let uri = |f: &str| format!("/api/v1/cycles/2025/results/{table}?format={f}&lang=ar");
            let (status, content_type, csv) = bytes(&app, TestRequest::get().uri(&uri("csv")).insert_header(bearer(&secretariat))).await;
            assert_eq!(status, StatusCode::OK, "{table}");
            assert!(content_type.starts_with("text/csv") && csv.starts_with("\u{feff}".as_bytes()), "{table}: UTF-8 with a BOM");
            let (_, _, xlsx) = bytes(&app, TestRequest::get().uri(&uri("xlsx")).insert_header(bearer(&secretariat))).await;
            assert!(xlsx.starts_with(b"PK"), "{table}: an XLSX (zip) file");
            let (_, _, parquet) = bytes(&app, TestRequest::get().uri(&uri("parquet")).insert_header(bearer(&secretariat))).await;
            assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"), "{table}: a Parquet file");
        }
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/cycles/2025/results/priorities?format=pdf").insert_header(bearer(&secretariat))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    async fn results_are_for_the_secretariat_and_analysts_only(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let focal = token(&db, Role::FocalPoint, Some("PAM"));
        for uri in ["/api/v1/cycles/2025/results/priorities", "/api/v1/compare?from=2023-24&to=2025", "/api/v1/cycles/2025/charts/priorities.svg"] {
            let (status, _) = json(&app, TestRequest::get().uri(uri).insert_header(bearer(&focal))).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
            let (status, _) = json(&app, TestRequest::get().uri(uri)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        }
        let analyst = token(&db, Role::Analyst, None);
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/cycles/1999/results/priorities").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = json(&app, TestRequest::get().uri("/api/v1/compare?from=2023-24").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }

    async fn charts_come_as_svg_and_png_at_the_chosen_width(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let analyst = token(&db, Role::Analyst, None);
        let (status, content_type, svg) = bytes(&app, TestRequest::get().uri("/api/v1/cycles/2025/charts/priorities.svg?lang=ar").insert_header(bearer(&analyst))).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/svg+xml"));
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("<svg") && svg.contains("rtl"));
        let (status, content_type, png) = bytes(&app, TestRequest::get().uri("/api/v1/cycles/2025/charts/regions-map.png?width=800").insert_header(bearer(&analyst))).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "image/png"));
        assert!(png.starts_with(b"\x89PNG"));
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(width, 800, "the PNG has the requested width");
        let (status, _, compare) = bytes(&app, TestRequest::get().uri("/api/v1/charts/compare.svg?from=2023-24&to=2025").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(compare).unwrap().contains("2023-24"));
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/cycles/2025/charts/priorities.png?width=99999").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/cycles/2025/charts/pie.svg").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn a_submission_through_one_instance_shows_at_once_in_anothers_cached_results(db) {
        load_demo(&db);
        // Two instances: two apps with their own caches over the same database.
        let first = test::init_service(barometer_web::configure(state(&db))).await;
        let second = test::init_service(barometer_web::configure(state(&db))).await;
        let analyst = token(&db, Role::Analyst, None);
        let results = || TestRequest::get().uri("/api/v1/cycles/2026/results/priorities").insert_header(bearer(&analyst));
        let (_, before) = json(&first, results()).await;
        let (_, again) = json(&first, results()).await;
        assert_eq!(before, again, "cached");
        assert_eq!(before["respondents"], 4);

        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let body = json!({"themes": ["cbrn"], "regions": ["global"]});
        let (status, _) = json(&second, TestRequest::post().uri("/api/v1/cycles/2026/responses/EP/submit").insert_header(bearer(&ep)).set_json(&body)).await;
        assert_eq!(status, StatusCode::OK);

        let (_, after) = json(&first, results()).await;
        assert_eq!(after["respondents"], 5, "the first instance sees the second's submission at once");
        let cbrn = after["rows"].as_array().unwrap().iter().find(|r| r["theme"] == "cbrn").unwrap().clone();
        assert_eq!(cbrn["assemblies"], 1);
    }
}
