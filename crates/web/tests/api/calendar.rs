//! The calendar of activities through the API and its pages: the list and its filters, the
//! exports, the iCalendar feed (parsed by an independent parser, Python's `icalendar`), private
//! feed tokens, activity status, Secretariat events and joint-initiative suggestions.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::{Assembly, AssemblyCode, CycleDefinition, CycleStatus, Role};
use barometer_test_support::{TestDb, async_backend_tests};
use serde_json::{Value, json};

use crate::support::{bearer, error_code, json, session, state, token};

const CSRF: &str = "test-csrf";
const ARABIC_TITLE: &str = "المؤتمر الإقليمي حول دور البرلمانات في إشراك الشباب ومنع التطرف العنيف، الدورة الثانية؛ روما";

const CYCLE: &str = r#"{"label": "2026", "opens_on": "2026-01-01", "closes_on": "2026-12-31", "max_ranked_themes": 3,
  "themes": [{"code": "youth-pve", "labels": {"en": "Youth and PVE", "ar": "الشباب ومنع التطرف العنيف"}},
             {"code": "victims", "labels": {"en": "Victims of terrorism"}},
             {"code": "ai-tech", "labels": {"en": "AI, new technologies; CT"}}],
  "regions": [{"code": "mena", "labels": {"en": "Middle East and North Africa"}, "countries": ["EGY"]},
              {"code": "sahel", "labels": {"en": "Sahel"}, "countries": ["MLI"]},
              {"code": "europe", "labels": {"en": "Europe"}, "countries": ["ITA"]}]}"#;

/// Four member assemblies and an open cycle 2026.
fn seed(db: &TestDb) {
    let mut conn = db.conn();
    for code in ["PAM", "PACE", "EP", "APF"] {
        let assembly = Assembly {
            code: AssemblyCode::parse(code).unwrap(),
            name: format!("Assembly {code}"),
            joined_on: "2021-12-01".parse().unwrap(),
            left_on: None,
        };
        barometer_store::assemblies::insert(&mut conn, &assembly, "test").unwrap();
    }
    let def = CycleDefinition::from_json(CYCLE).unwrap();
    barometer_store::cycles::insert(&mut conn, &def, CycleStatus::Open, "test").unwrap();
}

fn activity(title: &str, starts_on: &str, ends_on: &str, themes: &[&str], regions: &[&str]) -> Value {
    json!({
        "title": title, "kind": "conference", "starts_on": starts_on, "ends_on": ends_on,
        "location": {"city": "Rome", "country": "ITA"}, "online": false,
        "themes": themes, "regions": regions, "partners": ["UNOCT", "UNDP"]
    })
}

fn response(activities: Vec<Value>) -> Value {
    json!({"themes": ["youth-pve"], "regions": ["mena"], "activities": activities, "comment": ""})
}

/// Submits `activities` as `assembly`'s answer and returns the stored activities (with ids).
async fn submit<S, B>(app: &S, db: &TestDb, assembly: &str, activities: Vec<Value>) -> Vec<Value>
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let fp = token(db, Role::FocalPoint, Some(assembly));
    let uri = format!("/api/v1/cycles/2026/responses/{assembly}/submit");
    let (status, body) = json(app, TestRequest::post().uri(&uri).insert_header(bearer(&fp)).set_json(response(activities))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["activities"].as_array().unwrap().clone()
}

fn titles(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

/// The interpreter with `icalendar` installed: `BAROMETER_TEST_PYTHON` (set by `.ci/run`, which
/// makes a virtual environment), else `python3`. Missing: the test fails under
/// `BAROMETER_TEST_REQUIRE_PYTHON=1` (CI) and is skipped with a note otherwise.
fn python() -> Option<String> {
    let candidate = std::env::var("BAROMETER_TEST_PYTHON").ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "python3".to_owned());
    let works = std::process::Command::new(&candidate).args(["-c", "import icalendar"]).output().is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    assert!(
        std::env::var("BAROMETER_TEST_REQUIRE_PYTHON").as_deref() != Ok("1"),
        "BAROMETER_TEST_REQUIRE_PYTHON=1 but {candidate} cannot import icalendar; run .ci/run, or pip install icalendar and set BAROMETER_TEST_PYTHON"
    );
    eprintln!("skipped: no Python with the icalendar package (set BAROMETER_TEST_PYTHON to an interpreter that has it)");
    None
}

const PARSE: &str = r#"
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], "rb").read())
events = []
for ev in cal.walk("VEVENT"):
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    cats = ev.get("CATEGORIES")
    events.append({
        "uid": str(ev.get("UID")),
        "summary": str(ev.get("SUMMARY")),
        "location": None if ev.get("LOCATION") is None else str(ev.get("LOCATION")),
        "description": str(ev.get("DESCRIPTION") or ""),
        "status": str(ev.get("STATUS")),
        "all_day": not hasattr(start, "hour"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "categories": [] if cats is None else [str(c) for c in cats.cats],
    })
print(json.dumps({"name": str(cal.get("X-WR-CALNAME")), "events": events}, ensure_ascii=False))
"#;

/// Parses a feed with Python's icalendar and returns what it read.
fn parse_feed(python: &str, feed: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (file, script) = (dir.path().join("feed.ics"), dir.path().join("parse.py"));
    std::fs::write(&file, feed).unwrap();
    std::fs::write(&script, PARSE).unwrap();
    let out = std::process::Command::new(python).arg(&script).arg(&file).output().unwrap();
    assert!(out.status.success(), "icalendar refused the feed: {}\n{feed}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn event_with_uid<'a>(parsed: &'a Value, uid: &str) -> &'a Value {
    parsed["events"].as_array().unwrap().iter().find(|e| e["uid"] == uid).unwrap_or_else(|| panic!("no event {uid} in {parsed}"))
}

async fn feed_text<S, B>(app: &S, uri: &str) -> (StatusCode, String)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let res = test::call_service(app, TestRequest::get().uri(uri).to_request()).await;
    let status = res.status();
    (status, String::from_utf8(test::read_body(res).await.to_vec()).unwrap())
}

fn as_user(req: TestRequest, session: &str) -> TestRequest {
    req.cookie(Cookie::new("barometer_session", session.to_owned())).cookie(Cookie::new("barometer_csrf", CSRF))
}

async fn page<S, B>(app: &S, req: TestRequest) -> (StatusCode, String)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    (status, String::from_utf8(test::read_body(res).await.to_vec()).unwrap())
}

async_backend_tests! {
    async fn the_calendar_lists_filters_and_exports(db) {
        seed(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        submit(&app, &db, "PAM", vec![
            activity("Youth conference", "2026-03-10", "2026-03-11", &["youth-pve"], &["mena"]),
            activity("=Victims hearing", "2026-05-01", "2026-05-01", &["victims"], &["europe"]),
        ]).await;
        // A draft is not in the calendar.
        let pace = token(&db, Role::FocalPoint, Some("PACE"));
        let (status, _) = json(&app, TestRequest::put().uri("/api/v1/cycles/2026/responses/PACE").insert_header(bearer(&pace))
            .set_json(response(vec![activity("Draft only", "2026-03-12", "2026-03-12", &["youth-pve"], &[])]))).await;
        assert_eq!(status, StatusCode::OK);
        let secretariat = token(&db, Role::Secretariat, None);
        let (status, created) = json(&app, TestRequest::post().uri("/api/v1/calendar/events").insert_header(bearer(&secretariat)).set_json(json!({
            "title": "Seventh Meeting of the Coordination Mechanism", "kind": "mechanism-meeting",
            "starts_on": "2026-06-11", "ends_on": "2026-06-12", "city": "Madrid", "country": "ESP"
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");

        let analyst = token(&db, Role::Analyst, None);
        let list = |query: &str| TestRequest::get().uri(&format!("/api/v1/activities{query}")).insert_header(bearer(&analyst));
        let (status, all) = json(&app, list("")).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(titles(&all), ["Youth conference", "=Victims hearing", "Seventh Meeting of the Coordination Mechanism"]);
        let first = &all["items"][0];
        assert_eq!((first["assembly"].as_str(), first["source"].as_str(), first["status"].as_str()), (Some("PAM"), Some("activity"), Some("planned")));
        assert_eq!(first["place"], "Rome, Italy");
        assert_eq!(first["partners"], json!(["UNOCT", "UNDP"]));
        assert_eq!(first["uid"], json!(format!("{}@barometer", first["id"].as_str().unwrap())));
        assert_eq!(all["items"][2]["assembly"], Value::Null);
        assert_eq!(all["items"][2]["kind_label"], "Meeting of the Coordination Mechanism");

        assert_eq!(titles(&json(&app, list("?theme=youth-pve")).await.1), ["Youth conference"]);
        assert_eq!(titles(&json(&app, list("?region=europe")).await.1), ["=Victims hearing"]);
        assert_eq!(titles(&json(&app, list("?assembly=PAM&from=2026-04-01")).await.1), ["=Victims hearing"]);
        assert_eq!(titles(&json(&app, list("?kind=mechanism-meeting")).await.1), ["Seventh Meeting of the Coordination Mechanism"]);
        assert_eq!(titles(&json(&app, list("?from=2026-03-11&to=2026-03-11")).await.1), ["Youth conference"], "the period keeps what overlaps it");
        let (_, arabic) = json(&app, list("?theme=youth-pve&lang=ar")).await;
        assert_eq!(arabic["items"][0]["theme_labels"], json!(["الشباب ومنع التطرف العنيف"]));
        assert_eq!(arabic["items"][0]["place"], "Rome, إيطاليا");

        let (status, bad) = json(&app, list("?from=11/03/2026&to=2026-01-01&theme=Not%20a%20code")).await;
        assert_eq!((status, error_code(&bad)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"));
        assert!(bad["error"]["fields"]["from"].is_string() && bad["error"]["fields"]["theme"].is_string(), "{bad}");
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/activities")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let res = test::call_service(&app, list("?format=csv").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
        let csv = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(csv.starts_with('\u{feff}'), "CSV starts with a BOM");
        assert!(csv.lines().next().unwrap().starts_with("\u{feff}id,source,assembly,title,kind"));
        assert_eq!(csv.lines().count(), 4);
        assert!(csv.contains("'=Victims hearing"), "formula-like text is neutralised: {csv}");
        let res = test::call_service(&app, list("?format=xlsx&lang=ar").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(test::read_body(res).await.starts_with(b"PK"));
        let (status, bad) = json(&app, list("?format=parquet")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    async fn the_feed_is_valid_icalendar_with_stable_uids_and_revocable_urls(db) {
        seed(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let mut cancelled = activity("Cancelled workshop, Tunis; day 2", "2026-04-02", "2026-04-02", &["ai-tech"], &["mena"]);
        cancelled["status"] = json!("cancelled");
        let stored = submit(&app, &db, "PAM", vec![
            activity(ARABIC_TITLE, "2026-03-10", "2026-03-11", &["youth-pve", "ai-tech"], &["mena"]),
            cancelled,
        ]).await;
        let (arabic_id, cancelled_id) = (stored[0]["id"].as_str().unwrap().to_owned(), stored[1]["id"].as_str().unwrap().to_owned());
        let secretariat = token(&db, Role::Secretariat, None);
        let (_, created) = json(&app, TestRequest::post().uri("/api/v1/calendar/events").insert_header(bearer(&secretariat)).set_json(json!({
            "title": "UNOCT briefing", "kind": "unoct-event", "starts_on": "2026-03-20", "start_time": "13:00", "end_time": "14:30", "online": true
        }))).await;
        let event_id = created["id"].as_str().unwrap().to_owned();

        let pam = token(&db, Role::FocalPoint, Some("PAM"));
        let (status, feed) = json(&app, TestRequest::post().uri("/api/v1/calendar/feed-token").insert_header(bearer(&pam))).await;
        assert_eq!(status, StatusCode::CREATED, "{feed}");
        let url = feed["url"].as_str().unwrap().to_owned();
        assert!(url.starts_with("http://barometer.test/api/v1/calendar.ics?token="), "built from the configured base URL: {url}");
        let path = url.trim_start_matches("http://barometer.test").to_owned();

        let (status, text) = feed_text(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        // Every line ends with CRLF and none is longer than 75 octets (the Arabic title folds).
        assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "a line is longer than 75 octets");
        assert!(lines.iter().any(|l| l.starts_with(' ')), "the long Arabic title is folded");
        assert!(text.contains("Cancelled workshop\\, Tunis\\; day 2"), "commas and semicolons are escaped on the wire");

        let Some(python) = python() else { return };
        let parsed = parse_feed(&python, &text);
        assert_eq!(parsed["events"].as_array().unwrap().len(), 3);
        let arabic = event_with_uid(&parsed, &format!("{arabic_id}@barometer"));
        assert_eq!(arabic["summary"], json!(format!("PAM · {ARABIC_TITLE}")), "the folded Arabic title unfolds intact");
        assert_eq!((arabic["all_day"].as_bool(), arabic["start"].as_str(), arabic["end"].as_str()), (Some(true), Some("2026-03-10"), Some("2026-03-12")), "all-day, end exclusive");
        assert_eq!(arabic["status"], "TENTATIVE");
        assert_eq!(arabic["location"], "Rome, Italy");
        assert_eq!(arabic["categories"], json!(["AI, new technologies; CT", "Youth and PVE"]), "escaped commas and semicolons come back");
        assert!(arabic["description"].as_str().unwrap().contains("Partners: UNOCT, UNDP"));
        let cancelled = event_with_uid(&parsed, &format!("{cancelled_id}@barometer"));
        assert_eq!((cancelled["status"].as_str(), cancelled["summary"].as_str()), (Some("CANCELLED"), Some("PAM · Cancelled workshop, Tunis; day 2")));
        let briefing = event_with_uid(&parsed, &format!("{event_id}@barometer"));
        assert_eq!((briefing["all_day"].as_bool(), briefing["start"].as_str(), briefing["end"].as_str()), (Some(false), Some("2026-03-20T13:00:00+00:00"), Some("2026-03-20T14:30:00+00:00")));
        assert_eq!(briefing["location"], "online");

        // An amended activity keeps its UID: calendar apps update the entry.
        let mut amended = activity("Regional conference (moved)", "2026-03-17", "2026-03-17", &["youth-pve"], &["mena"]);
        amended["id"] = json!(arabic_id);
        submit(&app, &db, "PAM", vec![amended]).await;
        let (_, text) = feed_text(&app, &path).await;
        let parsed = parse_feed(&python, &text);
        assert_eq!(parsed["events"].as_array().unwrap().len(), 2, "the activity left out of the amendment is gone");
        let moved = event_with_uid(&parsed, &format!("{arabic_id}@barometer"));
        assert_eq!((moved["summary"].as_str(), moved["start"].as_str()), (Some("PAM · Regional conference (moved)"), Some("2026-03-17")));

        // The language of the feed follows ?lang=.
        assert!(path.ends_with("&lang=en"), "{path}");
        let (status, text) = feed_text(&app, &path.replace("&lang=en", "&lang=ar")).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(parse_feed(&python, &text)["name"], "barometer: تقويم الأنشطة");

        // Revoked, regenerated or unknown tokens answer 404; no token and no session, 401.
        let (status, _) = json(&app, TestRequest::delete().uri("/api/v1/calendar/feed-token").insert_header(bearer(&pam))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(feed_text(&app, &path).await.0, StatusCode::NOT_FOUND);
        assert_eq!(feed_text(&app, "/api/v1/calendar.ics?token=bar_unknown").await.0, StatusCode::NOT_FOUND);
        assert_eq!(feed_text(&app, &format!("/api/v1/calendar.ics?token={pam}")).await.0, StatusCode::NOT_FOUND, "an API token is not a feed token");
        assert_eq!(feed_text(&app, "/api/v1/calendar.ics").await.0, StatusCode::UNAUTHORIZED);
        let (status, _) = json(&app, TestRequest::delete().uri("/api/v1/calendar/feed-token").insert_header(bearer(&pam))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A signed-in caller reads the feed without a feed token.
        let res = test::call_service(&app, TestRequest::get().uri("/api/v1/calendar.ics").insert_header(bearer(&pam)).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
    }

    async fn the_status_is_changed_by_its_assembly_or_the_secretariat(db) {
        seed(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let stored = submit(&app, &db, "PAM", vec![activity("Conference", "2026-03-10", "2026-03-10", &["youth-pve"], &[])]).await;
        let id = stored[0]["id"].as_str().unwrap().to_owned();
        let uri = format!("/api/v1/activities/{id}/status");
        let post = |who: &str, status: &str| TestRequest::post().uri(&uri).insert_header(bearer(who)).set_json(json!({"status": status}));

        let pace = token(&db, Role::FocalPoint, Some("PACE"));
        let analyst = token(&db, Role::Analyst, None);
        assert_eq!(json(&app, post(&pace, "cancelled")).await.0, StatusCode::NOT_FOUND, "another assembly's activity");
        assert_eq!(json(&app, post(&analyst, "cancelled")).await.0, StatusCode::NOT_FOUND);
        let pam = token(&db, Role::FocalPoint, Some("PAM"));
        let (status, bad) = json(&app, post(&pam, "postponed")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad["error"]["fields"]["status"].is_string());
        let (status, body) = json(&app, post(&pam, "confirmed")).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("confirmed")));
        let secretariat = token(&db, Role::Secretariat, None);
        assert_eq!(json(&app, post(&secretariat, "held")).await.0, StatusCode::OK);

        let (_, list) = json(&app, TestRequest::get().uri("/api/v1/activities").insert_header(bearer(&pam))).await;
        assert_eq!(list["items"][0]["status"], "held");
        // The response shows it too, and the assembly's next save that does not touch it keeps it.
        let mut same = activity("Conference", "2026-03-10", "2026-03-10", &["youth-pve"], &[]);
        same["id"] = json!(id);
        let after = submit(&app, &db, "PAM", vec![same]).await;
        assert_eq!(after[0]["status"], "held");
        let history = barometer_store::audit::history(&mut db.conn(), "activity", &id).unwrap();
        assert_eq!(history.iter().filter(|h| h.action == "activity.status").count(), 2);

        let (_, created) = json(&app, TestRequest::post().uri("/api/v1/calendar/events").insert_header(bearer(&secretariat)).set_json(json!({
            "title": "UNOCT event", "kind": "unoct-event", "starts_on": "2026-03-20", "online": true
        }))).await;
        let event_uri = format!("/api/v1/activities/{}/status", created["id"].as_str().unwrap());
        let (status, _) = json(&app, TestRequest::post().uri(&event_uri).insert_header(bearer(&pam)).set_json(json!({"status": "cancelled"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = json(&app, TestRequest::post().uri(&event_uri).insert_header(bearer(&secretariat)).set_json(json!({"status": "cancelled"}))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json(&app, TestRequest::post().uri("/api/v1/activities/nope/status").insert_header(bearer(&secretariat)).set_json(json!({"status": "held"}))).await.0, StatusCode::NOT_FOUND);

        // Events: only the Secretariat adds them, and every bad field is named.
        let (status, _) = json(&app, TestRequest::post().uri("/api/v1/calendar/events").insert_header(bearer(&pam)).set_json(json!({"title": "x"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, bad) = json(&app, TestRequest::post().uri("/api/v1/calendar/events").insert_header(bearer(&secretariat)).set_json(json!({
            "title": "", "kind": "party", "starts_on": "soon"
        }))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["title", "kind", "starts_on"] {
            assert!(bad["error"]["fields"][field].is_string(), "{field} not named: {bad}");
        }
    }

    async fn joint_initiatives_pair_assemblies_on_a_theme_close_in_time(db) {
        seed(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let pam = submit(&app, &db, "PAM", vec![activity("PAM youth conference", "2026-03-10", "2026-03-10", &["youth-pve"], &["mena"])]).await;
        let pace = submit(&app, &db, "PACE", vec![activity("PACE youth workshop", "2026-03-20", "2026-03-20", &["youth-pve"], &["sahel"])]).await;
        // 90 days after PACE's, on the same theme: too far at 30 days.
        submit(&app, &db, "EP", vec![activity("EP youth hearing", "2026-06-18", "2026-06-18", &["youth-pve"], &["europe"])]).await;
        // Close in time, on another theme: not a pair.
        submit(&app, &db, "APF", vec![activity("APF victims seminar", "2026-03-15", "2026-03-15", &["victims"], &["europe"])]).await;

        let secretariat = token(&db, Role::Secretariat, None);
        let get = |query: &str| TestRequest::get().uri(&format!("/api/v1/joint-initiatives{query}")).insert_header(bearer(&secretariat));
        let (status, body) = json(&app, get("")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["window_days"], 30);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{body}");
        let suggestion = &items[0];
        let (pam_id, pace_id) = (pam[0]["id"].as_str().unwrap(), pace[0]["id"].as_str().unwrap());
        let key = if pam_id < pace_id { format!("{pam_id}+{pace_id}") } else { format!("{pace_id}+{pam_id}") };
        assert_eq!(suggestion["key"], json!(key));
        assert_eq!(suggestion["days_apart"], 10);
        assert_eq!(suggestion["themes"], json!(["youth-pve"]));
        assert_eq!(suggestion["why"], "both on Youth and PVE; 10 days apart (at most 30)");
        assert_eq!(suggestion["mark"], Value::Null);
        assert_eq!(suggestion["activities"].as_array().unwrap().len(), 2);

        // A wider window catches the 90-day pair (and the 100-day one).
        let (_, wide) = json(&app, get("?window=100")).await;
        assert_eq!(wide["items"].as_array().unwrap().len(), 3);
        let (status, _) = json(&app, get("?window=-3")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Dismissed, it stays dismissed, even after one activity is amended.
        let mark = |key: &str, mark: &str| TestRequest::post().uri(&format!("/api/v1/joint-initiatives/{key}/mark")).insert_header(bearer(&secretariat)).set_json(json!({"mark": mark}));
        let (status, marked) = json(&app, mark(&key, "dismissed")).await;
        assert_eq!(status, StatusCode::OK, "{marked}");
        let mut moved = activity("PAM youth conference (moved)", "2026-03-12", "2026-03-12", &["youth-pve"], &["mena"]);
        moved["id"] = pam[0]["id"].clone();
        submit(&app, &db, "PAM", vec![moved]).await;
        let (_, body) = json(&app, get("")).await;
        assert_eq!(body["items"][0]["key"], json!(key));
        assert_eq!(body["items"][0]["mark"], "dismissed");
        assert_eq!(body["items"][0]["days_apart"], 8);

        assert_eq!(json(&app, mark("a+b", "agreed")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(json(&app, mark(&key, "maybe")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let analyst = token(&db, Role::Analyst, None);
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/joint-initiatives").insert_header(bearer(&analyst))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let history = barometer_store::audit::history(&mut db.conn(), "joint_initiative", &key).unwrap();
        assert_eq!(history.len(), 1);
    }

    async fn the_calendar_page_shows_a_month_a_list_and_the_forms(db) {
        seed(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        submit(&app, &db, "PAM", vec![
            activity("Youth conference", "2026-03-10", "2026-03-11", &["youth-pve"], &["mena"]),
            activity("Victims hearing", "2026-03-20", "2026-03-20", &["victims"], &["europe"]),
        ]).await;
        let analyst = session(&db, Role::Analyst, None);

        let (status, html) = page(&app, as_user(TestRequest::get().uri("/calendar?month=2026-03"), &analyst)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<table class=\"table calendar-month\""));
        assert!(html.contains("<th scope=\"col\">Monday</th>"));
        assert!(html.contains("March 2026"));
        assert_eq!(html.matches("data-date=\"2026-03-10\"").count(), 1);
        assert_eq!(html.matches("Youth conference").count(), 2, "a two-day activity shows on both days");
        assert!(html.contains("Victims hearing"));
        let prev = html.split("id=\"prev-month\"").next().unwrap().rsplit("href=").next().unwrap();
        assert!(prev.contains("month=2026-02"), "previous month link: {prev}");
        assert!(!html.contains("/calendar/status/"), "an analyst gets no status control");
        assert!(!html.contains("id=\"add-event\""), "only the Secretariat adds events");

        let (_, filtered) = page(&app, as_user(TestRequest::get().uri("/calendar?month=2026-03&theme=victims&view=list"), &analyst)).await;
        assert!(filtered.contains("Victims hearing") && !filtered.contains("Youth conference"));
        assert!(filtered.contains("id=\"calendar-list\""));

        let (_, arabic) = page(&app, as_user(TestRequest::get().uri("/calendar?month=2026-03").cookie(Cookie::new("barometer_lang", "ar")), &analyst)).await;
        assert!(arabic.contains("dir=\"rtl\"") && arabic.contains("مارس 2026") && arabic.contains("الاثنين"));

        // An empty month points to the nearest entry.
        let (_, empty) = page(&app, as_user(TestRequest::get().uri("/calendar?month=2025-11"), &analyst)).await;
        assert!(empty.contains("id=\"later-entries\"") && empty.contains("month=2026-03"), "{empty}");

        // The focal point gets a status control on its own activities.
        let pam = session(&db, Role::FocalPoint, Some("PAM"));
        let (_, own) = page(&app, as_user(TestRequest::get().uri("/calendar?month=2026-03&view=list"), &pam)).await;
        assert_eq!(own.matches("action=\"/calendar/status/").count(), 2);

        // The private feed URL is shown once, from the configured base URL.
        let post = |uri: &str, body: &str, who: &str| as_user(TestRequest::post().uri(uri).insert_header(("Content-Type", "application/x-www-form-urlencoded")).set_payload(body.to_owned()), who);
        let (status, made) = page(&app, post("/calendar/feed", "csrf=test-csrf&action=create", &pam)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(made.contains("value=\"http://barometer.test/api/v1/calendar.ics?token=bar_"), "{made}");
        let (_, again) = page(&app, as_user(TestRequest::get().uri("/calendar"), &pam)).await;
        assert!(again.contains("id=\"feed-since\"") && !again.contains("calendar.ics?token=bar_"));
        let (status, forged) = page(&app, post("/calendar/feed", "csrf=forged&action=create", &pam)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!forged.contains("calendar.ics?token=bar_"));

        // The Secretariat adds an event; a bad one comes back with its errors and what was typed.
        let secretariat = session(&db, Role::Secretariat, None);
        let (status, bad) = page(&app, post("/calendar/events", "csrf=test-csrf&title=Seventh+Meeting&kind=mechanism-meeting&starts_on=2026-06-31&city=Madrid", &secretariat)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.contains("value=\"Seventh Meeting\"") && bad.contains("value=\"Madrid\"") && bad.contains("YYYY-MM-DD"));
        let (status, added) = page(&app, post("/calendar/events", "csrf=test-csrf&title=Seventh+Meeting&kind=mechanism-meeting&starts_on=2026-06-11&city=Madrid&country=esp", &secretariat)).await;
        assert_eq!(status, StatusCode::OK, "{added}");
        assert!(added.contains("June 2026") && added.contains("Seventh Meeting") && added.contains("Madrid, Spain"));
        let (status, _) = page(&app, post("/calendar/events", "csrf=test-csrf&title=x&kind=other-event&starts_on=2026-06-11&online=on", &pam)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The joint-initiative page is the Secretariat's.
        let (status, joint) = page(&app, as_user(TestRequest::get().uri("/calendar/joint"), &secretariat)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(joint.contains("Joint-initiative suggestions"));
        assert_eq!(page(&app, as_user(TestRequest::get().uri("/calendar/joint"), &analyst)).await.0, StatusCode::FORBIDDEN);
    }
}
