//! The survey through the JSON API: saving, submitting, every validation rule, concurrency,
//! idempotency, closed cycles, and one assembly never reaching another's answer.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::Role;
use barometer_test_support::async_backend_tests;
use serde_json::{Value, json};

use crate::support::{bearer, error_code, json, load_demo, state, token};

const EP: &str = "/api/v1/cycles/2026/responses/EP";

/// Breaks one rule in an otherwise valid answer.
type Breaker = Box<dyn Fn(&mut Value)>;

fn answer() -> Value {
    json!({
        "themes": ["youth-pve", "ai-tech", "victims"],
        "regions": ["mena", "sahel"],
        "activities": [{
            "title": "Regional conference on youth and PVE", "kind": "conference",
            "starts_on": "2026-03-10", "ends_on": "2026-03-11",
            "location": {"city": "Rome", "country": "ITA"}, "online": false,
            "themes": ["youth-pve"], "regions": ["mena"], "partners": ["UNOCT"]
        }],
        "comment": "Illustrative answer"
    })
}

async_backend_tests! {
    async fn a_focal_point_saves_reads_and_submits_and_the_tracker_follows(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let secretariat = token(&db, Role::Secretariat, None);

        let (status, body) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        assert_eq!((status, body["status"].as_str(), body["version"].as_i64()), (StatusCode::OK, Some("not_started"), Some(0)));

        let (status, saved) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).insert_header(("If-Match", "0")).set_json(answer())).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!((saved["status"].as_str(), saved["version"].as_i64()), (Some("draft"), Some(1)));
        let activity_id = saved["activities"][0]["id"].as_str().expect("activities get ids").to_owned();

        let (_, tracker) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/status").insert_header(bearer(&secretariat))).await;
        let row = tracker["rows"].as_array().unwrap().iter().find(|r| r["assembly"] == "EP").unwrap().clone();
        assert_eq!(row["status"], "draft");
        assert_eq!(tracker["members"], 17);

        // Sending the activity's id back keeps its identity.
        let mut again = answer();
        again["activities"][0]["id"] = json!(activity_id);
        again["activities"][0]["title"] = json!("Regional conference on youth and PVE (amended)");
        let (status, submitted) = json(&app, TestRequest::post().uri(&format!("{EP}/submit")).insert_header(bearer(&ep)).insert_header(("If-Match", "1")).set_json(&again)).await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        assert_eq!(submitted["status"], "submitted");
        assert_eq!(submitted["activities"][0]["id"], json!(activity_id));
        assert!(submitted["receipt"].as_str().unwrap().starts_with("2026-EP-V2-"));

        let (_, tracker) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/status").insert_header(bearer(&secretariat))).await;
        let row = tracker["rows"].as_array().unwrap().iter().find(|r| r["assembly"] == "EP").unwrap().clone();
        assert_eq!(row["status"], "submitted");
        assert!(row["submitted_at"].is_string());
        assert_eq!(tracker["submitted"], 5, "4 demo submissions and EP's");

        // The Secretariat reads it too; analysts do not.
        let (status, _) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&secretariat))).await;
        assert_eq!(status, StatusCode::OK);
        let analyst = token(&db, Role::Analyst, None);
        let (status, _) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn every_validation_rule_names_its_field_and_stores_nothing(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let cases: Vec<(&str, Breaker)> = vec![
            ("themes[1]", Box::new(|a: &mut Value| a["themes"] = json!(["youth-pve", "martian-threats"]))),
            ("themes[1]", Box::new(|a: &mut Value| a["themes"] = json!(["youth-pve", "youth-pve"]))),
            ("themes", Box::new(|a: &mut Value| a["themes"] = json!(["youth-pve", "ai-tech", "victims", "gender", "cyber", "cft"]))),
            ("regions[0]", Box::new(|a: &mut Value| a["regions"] = json!(["atlantis"]))),
            ("activities[0].ends_on", Box::new(|a: &mut Value| a["activities"][0]["ends_on"] = json!("2026-03-01"))),
            ("activities[0].starts_on", Box::new(|a: &mut Value| a["activities"][0]["starts_on"] = json!("1899-12-31"))),
            ("activities[0].starts_on", Box::new(|a: &mut Value| a["activities"][0]["starts_on"] = json!("2026-02-30"))),
            ("activities[0].location.country", Box::new(|a: &mut Value| a["activities"][0]["location"]["country"] = json!("XYZ"))),
            ("activities[0].title", Box::new(|a: &mut Value| a["activities"][0]["title"] = json!("   "))),
            ("activities[0].kind", Box::new(|a: &mut Value| a["activities"][0]["kind"] = json!("party"))),
        ];
        for (field, break_it) in cases {
            let mut body = answer();
            break_it(&mut body);
            let (status, error) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).set_json(&body)).await;
            assert_eq!((status, error_code(&error)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"), "{field}: {error}");
            assert!(error["error"]["fields"][field].is_string(), "expected an error at {field}: {error}");
        }
        // A member of the wrong type names its path too.
        let mut body = answer();
        body["activities"][0]["online"] = json!("yes");
        let (status, error) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).set_json(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["error"]["fields"]["activities[0].online"].is_string(), "{error}");

        let (_, stored) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        assert_eq!(stored["status"], "not_started", "no invalid answer was stored");
    }

    async fn a_stale_version_gets_409_and_keeps_the_newer_answer(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let (status, _) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).set_json(answer())).await;
        assert_eq!(status, StatusCode::OK);
        let mut other = answer();
        other["themes"] = json!(["cyber"]);
        let (status, error) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).insert_header(("If-Match", "\"0\"")).set_json(&other)).await;
        assert_eq!((status, error_code(&error)), (StatusCode::CONFLICT, "version_conflict"));
        let (_, stored) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        assert_eq!(stored["themes"][0], "youth-pve");
        let (status, error) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).insert_header(("If-Match", "soon")).set_json(&other)).await;
        assert_eq!((status, error_code(&error)), (StatusCode::BAD_REQUEST, "malformed_request"));
    }

    // Without If-Match a submission is meant over whatever is stored: when others of the same
    // response race it (on PostgreSQL they share a batch of reads and of writes, and all but one
    // find the version they read gone), each is made again over the newer one, never refused.
    async fn submissions_without_a_version_all_land_even_when_they_race(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let (status, _) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&ep)).set_json(answer())).await;
        assert_eq!(status, StatusCode::OK);
        let submit = |take: usize| {
            let mut body = answer();
            body["comment"] = json!(format!("take {take}"));
            json(&app, TestRequest::post().uri(&format!("{EP}/submit")).insert_header(bearer(&ep)).set_json(body))
        };
        let answers = futures_util::future::join_all((0..4).map(submit)).await;
        for (status, body) in &answers {
            assert_eq!(*status, StatusCode::OK, "{body}");
        }
        let mut versions: Vec<i64> = answers.iter().map(|(_, body)| body["version"].as_i64().unwrap()).collect();
        versions.sort_unstable();
        assert_eq!(versions, [2, 3, 4, 5], "each was made over the one before it");
        let (_, stored) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        let last = answers.iter().find(|(_, body)| body["version"] == 5).map(|(_, body)| body["comment"].clone());
        assert_eq!((stored["version"].as_i64(), Some(stored["comment"].clone())), (Some(5), last), "the last one written is stored");
        let history = barometer_store::audit::history(&mut db.conn(), "response", "2026/EP").unwrap();
        assert_eq!(history.len(), 5, "the save and four submissions, each once");
    }

    async fn a_repeated_submit_with_the_same_idempotency_key_stores_once(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let submit = |body: &Value, key: &str| {
            TestRequest::post().uri(&format!("{EP}/submit")).insert_header(bearer(&ep)).insert_header(("Idempotency-Key", key.to_owned())).set_json(body)
        };
        let (first_status, first) = json(&app, submit(&answer(), "key-1")).await;
        let (second_status, second) = json(&app, submit(&answer(), "key-1")).await;
        assert_eq!((first_status, second_status), (StatusCode::OK, StatusCode::OK));
        assert_eq!(first, second, "the retry gets the first answer");
        assert_eq!(second["version"], 1, "stored once");
        let history = barometer_store::audit::history(&mut db.conn(), "response", "2026/EP").unwrap();
        assert_eq!(history.len(), 1, "one submission in the audit log");

        let mut different = answer();
        different["themes"] = json!(["cyber"]);
        let (status, error) = json(&app, submit(&different, "key-1")).await;
        assert_eq!((status, error_code(&error)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
        let (_, stored) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        assert_eq!((stored["version"].as_i64(), stored["themes"][0].as_str()), (Some(1), Some("youth-pve")));

        // Only a retry is marked as replayed; the first answer to a key is not.
        let replayed = |headers: &actix_web::http::header::HeaderMap| headers.get("Idempotent-Replayed").map(|v| v.to_str().unwrap().to_owned());
        let retry = test::call_service(&app, submit(&answer(), "key-1").to_request()).await;
        assert_eq!(replayed(retry.headers()).as_deref(), Some("true"));
        let fresh = test::call_service(&app, submit(&different, "key-2").to_request()).await;
        assert_eq!((fresh.status(), replayed(fresh.headers())), (StatusCode::OK, None));
    }

    async fn a_closed_cycle_refuses_changes_with_409(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let pam = token(&db, Role::FocalPoint, Some("PAM"));
        let (status, error) = json(&app, TestRequest::put().uri("/api/v1/cycles/2025/responses/PAM").insert_header(bearer(&pam)).set_json(answer())).await;
        assert_eq!((status, error_code(&error)), (StatusCode::CONFLICT, "cycle_closed"));
        let (status, error) = json(&app, TestRequest::post().uri("/api/v1/cycles/2025/responses/PAM/submit").insert_header(bearer(&pam))).await;
        assert_eq!((status, error_code(&error)), (StatusCode::CONFLICT, "cycle_closed"));
        let (status, stored) = json(&app, TestRequest::get().uri("/api/v1/cycles/2025/responses/PAM").insert_header(bearer(&pam))).await;
        assert_eq!((status, stored["status"].as_str()), (StatusCode::OK, Some("submitted")), "closed answers stay readable");
    }

    async fn the_focal_point_of_one_assembly_never_reaches_anothers_response(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let apu = token(&db, Role::FocalPoint, Some("APU"));
        let requests = [
            TestRequest::get().uri(EP),
            TestRequest::put().uri(EP).set_json(answer()),
            TestRequest::post().uri(&format!("{EP}/submit")).set_json(answer()),
            TestRequest::get().uri("/api/v1/cycles/2026/status"),
            TestRequest::post().uri("/api/v1/cycles/2026/invitations").set_json(json!({"assembly": "EP"})),
            TestRequest::get().uri("/api/v1/assemblies"),
        ];
        for req in requests {
            let (status, body) = json(&app, req.insert_header(bearer(&apu))).await;
            assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{status}: {body}");
        }
        let ep = token(&db, Role::FocalPoint, Some("EP"));
        let (_, stored) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&ep))).await;
        assert_eq!(stored["status"], "not_started", "APU changed nothing");
    }

    async fn an_invitation_links_one_assembly_and_a_new_one_replaces_it(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let invite = || TestRequest::post().uri("/api/v1/cycles/2026/invitations").insert_header(bearer(&secretariat)).set_json(json!({"assembly": "EP"}));
        let (status, first) = json(&app, invite()).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let token_one = first["token"].as_str().unwrap().to_owned();
        assert_eq!(first["url"], json!(format!("http://barometer.test/i/{token_one}")), "links use the configured base URL");

        let (status, _) = json(&app, TestRequest::put().uri(EP).insert_header(bearer(&token_one)).set_json(answer())).await;
        assert_eq!(status, StatusCode::OK, "the invitation works as a bearer token for its assembly");
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/responses/APU").insert_header(bearer(&token_one))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "and only for its assembly");

        let (_, second) = json(&app, invite()).await;
        let (status, _) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(&token_one))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the replaced link stops working");
        let (status, _) = json(&app, TestRequest::get().uri(EP).insert_header(bearer(second["token"].as_str().unwrap()))).await;
        assert_eq!(status, StatusCode::OK);

        let (_, tracker) = json(&app, TestRequest::get().uri("/api/v1/cycles/2026/status").insert_header(bearer(&secretariat))).await;
        let row = tracker["rows"].as_array().unwrap().iter().find(|r| r["assembly"] == "EP").unwrap().clone();
        assert!(row["invited_at"].is_string());

        let (status, error) = json(&app, TestRequest::post().uri("/api/v1/cycles/2023-24/invitations").insert_header(bearer(&secretariat)).set_json(json!({"assembly": "EP"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "EP was not a member in 2023-24: {error}");
    }

    async fn the_tracker_exports_csv_with_a_bom(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let res = test::call_service(&app, TestRequest::get().uri("/api/v1/cycles/2025/status?format=csv").insert_header(bearer(&secretariat)).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(body.starts_with("\u{feff}assembly,name,status"));
        assert_eq!(body.lines().count(), 18, "a header and 17 members");
        assert_eq!(body.matches(",submitted,").count(), 13);
    }
}
