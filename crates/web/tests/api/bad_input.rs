//! The catalogue of bad inputs (SECURITY.md lists every case with its expected outcome): each
//! case is sent on the JSON API or through a page form, must end in a clear error (its status,
//! its code, the field it names) and must leave the stored data exactly as it was.
//!
//! Text that is merely hostile-looking (`<script>`, formulas, SQL, emoji) is legitimate input:
//! the tests after the catalogue check it is stored verbatim and shown escaped in pages,
//! neutralised in CSV and XLSX exports, and escaped in SVG charts.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::{AssemblyCode, CycleLabel, Role};
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_test_support::{TestDb, async_backend_tests};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::{Value, json};

use crate::support::{CSRF, bearer, browser, call, form_body, load_demo, multipart, session, state, token};

const EP: &str = "/api/v1/cycles/2026/responses/EP";
const IDEMPOTENCY_KEY: &str = "catalogue-key-1";

/// What the cases need: credentials and valid bodies to break.
struct Ctx {
    ep: String,
    secretariat: String,
    ep_session: String,
    secretariat_session: String,
    revoked_invitation: String,
    expired_invitation: String,
    cycle: Value,
}

enum Expect {
    /// A JSON error: status, code, and the field path it names (if any).
    Json(u16, &'static str, Option<&'static str>),
    /// A page (or an error answered to a page): status and texts the answer must contain.
    Html(u16, &'static [&'static str]),
}

struct Case {
    name: &'static str,
    expect: Expect,
    build: Box<dyn Fn(&Ctx) -> TestRequest>,
}

fn json_case(
    name: &'static str,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
    build: impl Fn(&Ctx) -> TestRequest + 'static,
) -> Case {
    Case { name, expect: Expect::Json(status, code, field), build: Box::new(build) }
}

fn html_case(name: &'static str, status: u16, mentions: &'static [&'static str], build: impl Fn(&Ctx) -> TestRequest + 'static) -> Case {
    Case { name, expect: Expect::Html(status, mentions), build: Box::new(build) }
}

fn answer() -> Value {
    json!({
        "themes": ["youth-pve", "ai-tech"],
        "regions": ["mena", "sahel"],
        "activities": [{
            "title": "Regional conference", "kind": "conference",
            "starts_on": "2026-03-10", "ends_on": "2026-03-11",
            "location": {"city": "Rome", "country": "ITA"}, "online": false,
            "themes": ["youth-pve"], "regions": ["mena"], "partners": ["UNOCT"]
        }],
        "comment": "A valid answer"
    })
}

/// `answer()` with one change.
fn broken(change: impl Fn(&mut Value)) -> Value {
    let mut value = answer();
    change(&mut value);
    value
}

fn put(c: &Ctx, body: Value) -> TestRequest {
    TestRequest::put().uri(EP).insert_header(bearer(&c.ep)).set_json(body)
}

fn put_raw(c: &Ctx, content_type: &str, body: impl Into<Vec<u8>>) -> TestRequest {
    TestRequest::put()
        .uri(EP)
        .insert_header(bearer(&c.ep))
        .insert_header(("content-type", content_type.to_owned()))
        .set_payload(body.into())
}

fn as_secretariat(c: &Ctx, req: TestRequest) -> TestRequest {
    req.insert_header(bearer(&c.secretariat))
}

fn new_cycle(c: &Ctx, change: impl Fn(&mut Value)) -> TestRequest {
    let mut def = c.cycle.clone();
    change(&mut def);
    as_secretariat(c, TestRequest::post().uri("/api/v1/cycles")).set_json(def)
}

fn toml_cycle(c: &Ctx, body: impl Into<Vec<u8>>) -> TestRequest {
    as_secretariat(c, TestRequest::post().uri("/api/v1/cycles"))
        .insert_header(("content-type", "application/toml"))
        .set_payload(body.into())
}

fn new_assembly(c: &Ctx, change: impl Fn(&mut Value)) -> TestRequest {
    let mut body = json!({"code": "NEWPA", "name": "A new assembly", "joined_on": "2024-01-01"});
    change(&mut body);
    as_secretariat(c, TestRequest::post().uri("/api/v1/assemblies")).set_json(body)
}

fn get(c: &Ctx, uri: &str) -> TestRequest {
    as_secretariat(c, TestRequest::get().uri(uri))
}

/// The survey form of EP, valid but for `extra` (which replaces fields of the same name).
fn survey_form(extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("csrf", CSRF),
        ("action", "save"),
        ("rank-ai-tech", "1"),
        ("rank-youth-pve", "2"),
        ("region", "sahel"),
        ("a0-title", "Workshop on AI"),
        ("a0-kind", "workshop"),
        ("a0-status", "planned"),
        ("a0-starts_on", "2026-05-04"),
        ("a0-ends_on", "2026-05-05"),
        ("a0-city", "Brussels"),
        ("a0-country", "BEL"),
        ("a0-partners", "UNOCT, EU"),
        ("comment", "Typed in the form"),
    ];
    pairs.retain(|(name, _)| !extra.iter().any(|(n, _)| n == name));
    pairs.extend_from_slice(extra);
    form_body(&pairs)
}

fn survey_post(c: &Ctx, body: impl Into<Vec<u8>>) -> TestRequest {
    browser(TestRequest::post().uri("/survey/2026"), Some(&c.ep_session))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body.into())
}

fn page_form(c: &Ctx, uri: &str, pairs: &[(&str, &str)]) -> TestRequest {
    browser(TestRequest::post().uri(uri), Some(&c.secretariat_session))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(form_body(pairs))
}

fn page_multipart(c: &Ctx, uri: &str, fields: &[(&str, Option<&str>, &[u8])]) -> TestRequest {
    let (content_type, body) = multipart(fields);
    browser(TestRequest::post().uri(uri), Some(&c.secretariat_session)).insert_header(("content-type", content_type)).set_payload(body)
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// The catalogue. Names are those of SECURITY.md's table.
fn catalogue() -> Vec<Case> {
    vec![
        // Unicode that disguises text.
        json_case("json_rtl_override_in_activity_title", 422, "invalid_content", Some("activities[0].title"), |c| {
            put(c, broken(|v| v["activities"][0]["title"] = json!("Conference\u{202E}gpj.exe")))
        }),
        json_case("json_zero_width_space_in_comment", 422, "invalid_content", Some("comment"), |c| {
            put(c, broken(|v| v["comment"] = json!("pay\u{200B}ment")))
        }),
        json_case("json_byte_order_mark_in_partner", 422, "invalid_content", Some("activities[0].partners[0]"), |c| {
            put(c, broken(|v| v["activities"][0]["partners"] = json!(["UN\u{FEFF}OCT"])))
        }),
        json_case("json_control_character_in_city", 422, "invalid_content", Some("activities[0].location.city"), |c| {
            put(c, broken(|v| v["activities"][0]["location"]["city"] = json!("Rome\u{0007}")))
        }),
        json_case("json_line_break_in_single_line_title", 422, "invalid_content", Some("activities[0].title"), |c| {
            put(c, broken(|v| v["activities"][0]["title"] = json!("first line\nsecond line")))
        }),
        json_case("json_rtl_override_in_assembly_name", 422, "invalid_content", Some("name"), |c| {
            new_assembly(c, |v| v["name"] = json!("Assembly \u{202E}evil"))
        }),
        html_case("html_rtl_override_in_activity_title", 422, &["error-summary", "bidirectional override"], |c| {
            survey_post(c, survey_form(&[("a0-title", "Workshop\u{202E}gpj.exe")]))
        }),
        html_case("html_zero_width_space_in_comment", 422, &["error-summary", "bidirectional override"], |c| {
            survey_post(c, survey_form(&[("comment", "pay\u{200B}ment")]))
        }),
        html_case("html_rtl_override_in_roster_name", 422, &["field-error", "bidirectional override"], |c| {
            page_form(
                c,
                "/assemblies",
                &[("csrf", CSRF), ("code", "NEWPA"), ("name", "Assembly \u{202E}evil"), ("joined_on", "2024-01-01")],
            )
        }),
        // Encoding, format and content type.
        json_case("json_invalid_utf8", 400, "malformed_request", None, |c| {
            put_raw(c, "application/json", b"{\"comment\": \"\xff\xfe\"}".to_vec())
        }),
        json_case("json_truncated_body", 400, "malformed_request", None, |c| put_raw(c, "application/json", "{\"themes\": [")),
        json_case("json_trailing_garbage", 400, "malformed_request", None, |c| put_raw(c, "application/json", "{} and more")),
        json_case("json_wrong_content_type", 415, "unsupported_media_type", None, |c| put_raw(c, "text/plain", answer().to_string())),
        json_case("json_form_content_type", 415, "unsupported_media_type", None, |c| {
            put_raw(c, "application/x-www-form-urlencoded", "themes=youth-pve")
        }),
        json_case("json_submit_wrong_content_type", 415, "unsupported_media_type", None, |c| {
            TestRequest::post()
                .uri(&format!("{EP}/submit"))
                .insert_header(bearer(&c.ep))
                .insert_header(("content-type", "text/plain"))
                .set_payload(answer().to_string())
        }),
        // A member given twice: serde_json alone would keep the last one without a word.
        json_case("json_repeated_member", 400, "malformed_request", None, |c| {
            put_raw(c, "application/json", answer().to_string().replacen('{', r#"{"themes": ["cft"], "#, 1))
        }),
        json_case("json_repeated_member_in_activity", 400, "malformed_request", None, |c| {
            put_raw(c, "application/json", answer().to_string().replacen(r#""city":"Rome""#, r#""city":"Rome","city":"Oslo""#, 1))
        }),
        json_case("json_submit_repeated_member", 400, "malformed_request", None, |c| {
            TestRequest::post()
                .uri(&format!("{EP}/submit"))
                .insert_header(bearer(&c.ep))
                .insert_header(("content-type", "application/json"))
                .set_payload(answer().to_string().replacen('{', r#"{"comment": "first", "#, 1))
        }),
        json_case("json_repeated_member_in_new_assembly", 400, "malformed_request", None, |c| {
            as_secretariat(c, TestRequest::post().uri("/api/v1/assemblies"))
                .insert_header(("content-type", "application/json"))
                .set_payload(r#"{"code": "NEWPA", "name": "A new assembly", "name": "Another", "joined_on": "2024-01-01"}"#)
        }),
        json_case("json_themes_not_an_array", 422, "invalid_content", Some("themes"), |c| {
            put(c, broken(|v| v["themes"] = json!("youth-pve")))
        }),
        json_case("json_number_for_comment", 422, "invalid_content", Some("comment"), |c| put(c, broken(|v| v["comment"] = json!(42)))),
        json_case("json_null_body", 422, "invalid_content", None, |c| put(c, Value::Null)),
        json_case("json_unknown_member", 422, "invalid_content", None, |c| put(c, broken(|v| v["colour"] = json!("red")))),
        json_case("json_unknown_member_in_activity", 422, "invalid_content", Some("activities[0].budget"), |c| {
            put(c, broken(|v| v["activities"][0]["budget"] = json!(1_000_000)))
        }),
        json_case("toml_invalid_utf8", 400, "malformed_request", None, |c| toml_cycle(c, b"label = \"\xff\"".to_vec())),
        json_case("toml_malformed", 422, "invalid_content", None, |c| toml_cycle(c, "label = \nthemes = [")),
        html_case("html_invalid_utf8_in_form", 400, &["malformed_request", "comment"], |c| {
            survey_post(c, format!("{}&comment=%FF%FE", survey_form(&[("comment", "x")])).replace("comment=x&", ""))
        }),
        html_case("html_multipart_definition_not_utf8", 400, &["malformed_request", "definition"], |c| {
            page_multipart(c, "/cycles/new", &[("csrf", None, CSRF.as_bytes()), ("definition", None, b"label = \"\xff\"")])
        }),
        // Size: bodies, nesting, arrays.
        json_case("json_body_over_the_limit", 413, "payload_too_large", None, |c| {
            put(c, broken(|v| v["comment"] = json!("x".repeat(300 * 1024))))
        }),
        json_case("json_submit_body_over_the_limit", 413, "payload_too_large", None, |c| {
            TestRequest::post()
                .uri(&format!("{EP}/submit"))
                .insert_header(bearer(&c.ep))
                .set_json(broken(|v| v["comment"] = json!("x".repeat(300 * 1024))))
        }),
        json_case("toml_body_over_the_limit", 413, "payload_too_large", None, |c| {
            toml_cycle(c, format!("label = \"{}\"", "x".repeat(300 * 1024)))
        }),
        json_case("json_deeply_nested_arrays", 400, "malformed_request", None, |c| {
            put_raw(c, "application/json", format!("{{\"comment\": {}}}", nested(100_000)))
        }),
        json_case("toml_deeply_nested_arrays", 422, "invalid_content", None, |c| toml_cycle(c, format!("label = {}", nested(100_000)))),
        json_case("json_huge_theme_array", 422, "invalid_content", Some("themes"), |c| {
            put(c, broken(|v| v["themes"] = json!(vec!["youth-pve"; 15_000])))
        }),
        json_case("json_too_many_activities", 422, "invalid_content", Some("activities"), |c| {
            put(c, broken(|v| v["activities"] = json!(vec![v["activities"][0].clone(); 101])))
        }),
        json_case("json_too_many_partners", 422, "invalid_content", Some("activities[0].partners"), |c| {
            put(c, broken(|v| v["activities"][0]["partners"] = json!(vec!["UNOCT"; 21])))
        }),
        json_case("json_comment_too_long", 422, "invalid_content", Some("comment"), |c| {
            put(c, broken(|v| v["comment"] = json!("é".repeat(5001))))
        }),
        html_case("html_form_over_the_limit", 413, &["payload_too_large", "256 KiB", "BAROMETER_JSON_LIMIT_KIB"], |c| {
            survey_post(c, survey_form(&[("comment", &"x".repeat(300 * 1024))]))
        }),
        html_case("html_multipart_over_the_limit", 413, &["payload_too_large"], |c| {
            page_multipart(c, "/cycles/new", &[("csrf", None, CSRF.as_bytes()), ("definition", None, &vec![b'#'; 1100 * 1024])])
        }),
        // Codes, dates and numbers.
        json_case("json_unknown_theme_code", 422, "invalid_content", Some("themes[0]"), |c| {
            put(c, broken(|v| v["themes"] = json!(["atlantis"])))
        }),
        json_case("json_repeated_theme_code", 422, "invalid_content", Some("themes[1]"), |c| {
            put(c, broken(|v| v["themes"] = json!(["ai-tech", "ai-tech"])))
        }),
        json_case("json_excess_themes", 422, "invalid_content", Some("themes"), |c| {
            put(c, broken(|v| v["themes"] = json!(["youth-pve", "ai-tech", "victims", "gender", "cyber", "cft"])))
        }),
        json_case("json_unknown_region_code", 422, "invalid_content", Some("regions[0]"), |c| {
            put(c, broken(|v| v["regions"] = json!(["atlantis"])))
        }),
        json_case("json_unknown_activity_kind", 422, "invalid_content", Some("activities[0].kind"), |c| {
            put(c, broken(|v| v["activities"][0]["kind"] = json!("rocket-launch")))
        }),
        json_case("json_unknown_country_code", 422, "invalid_content", Some("activities[0].location.country"), |c| {
            put(c, broken(|v| v["activities"][0]["location"]["country"] = json!("XXX")))
        }),
        json_case("json_impossible_date", 422, "invalid_content", Some("activities[0].starts_on"), |c| {
            put(c, broken(|v| v["activities"][0]["starts_on"] = json!("2026-02-30")))
        }),
        json_case("json_end_before_start", 422, "invalid_content", Some("activities[0].ends_on"), |c| {
            put(c, broken(|v| v["activities"][0]["ends_on"] = json!("2026-03-01")))
        }),
        json_case("json_absurd_year", 422, "invalid_content", Some("activities[0].starts_on"), |c| {
            put(c, broken(|v| v["activities"][0]["starts_on"] = json!("9999-12-31")))
        }),
        json_case("json_negative_year", 422, "invalid_content", Some("activities[0].starts_on"), |c| {
            put(c, broken(|v| v["activities"][0]["starts_on"] = json!("-0001-01-01")))
        }),
        json_case("json_absurd_if_match", 400, "malformed_request", None, |c| {
            put(c, answer()).insert_header(("If-Match", "99999999999999999999"))
        }),
        json_case("json_negative_if_match", 409, "version_conflict", None, |c| put(c, answer()).insert_header(("If-Match", "-1"))),
        json_case("json_negative_chart_width", 422, "invalid_content", Some("width"), |c| {
            get(c, "/api/v1/cycles/2025/charts/priorities.png?width=-5")
        }),
        json_case("json_absurd_chart_width", 422, "invalid_content", Some("width"), |c| {
            get(c, "/api/v1/cycles/2025/charts/priorities.png?width=4000000000")
        }),
        json_case("json_unknown_export_format", 400, "malformed_request", None, |c| {
            get(c, "/api/v1/cycles/2025/results/priorities?format=exe")
        }),
        json_case("json_cycle_negative_max_ranked_themes", 422, "invalid_content", Some("max_ranked_themes"), |c| {
            new_cycle(c, |v| v["max_ranked_themes"] = json!(-1))
        }),
        json_case("json_cycle_absurd_max_ranked_themes", 422, "invalid_content", Some("max_ranked_themes"), |c| {
            new_cycle(c, |v| v["max_ranked_themes"] = json!(300))
        }),
        json_case("json_cycle_tiers_out_of_range", 422, "invalid_content", Some("tiers"), |c| {
            new_cycle(c, |v| v["tiers"] = json!({"primary": 1.5, "secondary": -0.25}))
        }),
        json_case("json_cycle_closes_before_it_opens", 422, "invalid_content", Some("closes_on"), |c| {
            new_cycle(c, |v| v["closes_on"] = json!("2040-01-01"))
        }),
        json_case("json_cycle_impossible_opening_date", 422, "invalid_content", Some("opens_on"), |c| {
            new_cycle(c, |v| v["opens_on"] = json!("2040-02-30"))
        }),
        json_case("json_cycle_repeated_theme_code", 422, "invalid_content", Some("themes[15]"), |c| {
            new_cycle(c, |v| {
                let first = v["themes"][0].clone();
                v["themes"].as_array_mut().unwrap().push(first);
            })
        }),
        json_case("json_unknown_cycle_status", 422, "invalid_content", Some("status"), |c| {
            as_secretariat(c, TestRequest::post().uri("/api/v1/cycles/2026/status")).set_json(json!({"status": "deleted"}))
        }),
        json_case("json_excess_member_in_status_body", 400, "malformed_request", None, |c| {
            as_secretariat(c, TestRequest::post().uri("/api/v1/cycles/2026/status")).set_json(json!({"status": "closed", "force": true}))
        }),
        json_case("json_assembly_impossible_join_date", 422, "invalid_content", Some("joined_on"), |c| {
            new_assembly(c, |v| v["joined_on"] = json!("2024-02-30"))
        }),
        json_case("json_assembly_code_with_markup", 422, "invalid_content", Some("code"), |c| {
            new_assembly(c, |v| v["code"] = json!("<script>"))
        }),
        json_case("json_import_unknown_codes", 422, "invalid_content", Some("responses row 2, column theme_1"), |c| {
            as_secretariat(c, TestRequest::post().uri("/api/v1/cycles/2025/import"))
                .insert_header(("content-type", "text/csv"))
                .set_payload("assembly,theme_1\nPAM,atlantis\n")
        }),
        json_case("json_import_formula_as_assembly", 422, "invalid_content", Some("responses row 2, column assembly"), |c| {
            as_secretariat(c, TestRequest::post().uri("/api/v1/cycles/2025/import"))
                .insert_header(("content-type", "text/csv"))
                .set_payload("assembly,theme_1\n\"=HYPERLINK(\"\"http://evil.example\"\")\",youth-pve\n")
        }),
        json_case("json_import_garbage_workbook", 422, "invalid_content", None, |c| {
            as_secretariat(c, TestRequest::post().uri("/api/v1/cycles/2025/import"))
                .insert_header(("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
                .set_payload(b"PK\x03\x04 this is not a workbook".to_vec())
        }),
        json_case("json_compare_label_with_traversal", 422, "invalid_content", Some("from"), |c| {
            get(c, "/api/v1/compare?from=../../etc&to=2025")
        }),
        html_case("html_rank_zero", 422, &["error-summary", "rank-youth-pve-error"], |c| {
            survey_post(c, survey_form(&[("rank-youth-pve", "0")]))
        }),
        html_case("html_rank_negative", 422, &["error-summary", "rank-youth-pve-error"], |c| {
            survey_post(c, survey_form(&[("rank-youth-pve", "-1")]))
        }),
        html_case("html_rank_absurd", 422, &["error-summary", "rank-youth-pve-error"], |c| {
            survey_post(c, survey_form(&[("rank-youth-pve", "99999999999999999999")]))
        }),
        html_case("html_unknown_region", 422, &["error-summary", "atlantis"], |c| survey_post(c, survey_form(&[("region", "atlantis")]))),
        html_case("html_impossible_date", 422, &["error-summary", "value=\"2026-02-30\""], |c| {
            survey_post(c, survey_form(&[("a0-starts_on", "2026-02-30"), ("a0-ends_on", "")]))
        }),
        html_case("html_unknown_activity_kind", 422, &["error-summary", "rocket-launch"], |c| {
            survey_post(c, survey_form(&[("a0-kind", "rocket-launch")]))
        }),
        html_case("html_unknown_country_code", 422, &["error-summary"], |c| survey_post(c, survey_form(&[("a0-country", "XXX")]))),
        html_case("html_roster_impossible_date", 422, &["field-error", "YYYY-MM-DD"], |c| {
            page_form(c, "/assemblies", &[("csrf", CSRF), ("code", "NEWPA"), ("name", "New"), ("joined_on", "2024-02-30")])
        }),
        html_case("html_unknown_cycle_status", 422, &["invalid_content", "status"], |c| {
            page_form(c, "/cycles/2026/status", &[("csrf", CSRF), ("status", "deleted")])
        }),
        // SQL metacharacters where code is expected.
        json_case("json_sql_in_theme_code", 422, "invalid_content", Some("themes[0]"), |c| {
            put(c, broken(|v| v["themes"] = json!(["' OR 1=1 --"])))
        }),
        json_case("json_sql_in_assembly_path", 404, "not_found", None, |c| {
            TestRequest::get().uri("/api/v1/cycles/2026/responses/EP'%20OR%20'1'='1").insert_header(bearer(&c.secretariat))
        }),
        json_case("json_sql_in_cycle_path", 404, "not_found", None, |c| get(c, "/api/v1/cycles/2026';DROP%20TABLE%20responses;--")),
        html_case("html_sql_in_sign_in_email", 401, &["not right", "OR "], |_| {
            browser(TestRequest::post().uri("/sign-in"), None)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(form_body(&[("csrf", CSRF), ("email", "' OR '1'='1"), ("password", "' OR '1'='1' --")]))
        }),
        html_case("html_sql_in_survey_path", 404, &["not_found"], |c| {
            browser(TestRequest::get().uri("/survey/2026';DROP%20TABLE%20responses;--"), Some(&c.ep_session))
        }),
        // Path traversal in file names and paths.
        json_case("json_path_traversal_in_cycle_label", 404, "not_found", None, |c| {
            get(c, "/api/v1/cycles/..%2F..%2Fetc%2Fpasswd/results/priorities")
        }),
        json_case("json_path_traversal_in_chart_name", 404, "not_found", None, |c| {
            get(c, "/api/v1/cycles/2025/charts/..%2F..%2FCargo.toml")
        }),
        html_case("html_path_traversal_in_static_path", 404, &["not_found"], |_| TestRequest::get().uri("/static/..%2F..%2FCargo.toml")),
        html_case("html_path_traversal_in_definition_file_name", 422, &["not valid TOML"], |c| {
            page_multipart(
                c,
                "/cycles/new",
                &[("csrf", None, CSRF.as_bytes()), ("file", Some("../../../etc/passwd"), b"root:x:0:0:root:/root:/bin/sh")],
            )
        }),
        html_case("html_path_traversal_in_import_file_name", 422, &["cannot be imported"], |c| {
            page_multipart(
                c,
                "/cycles/2025/import",
                &[("csrf", None, CSRF.as_bytes()), ("file", Some("..\\..\\..\\evil.xlsx"), b"assembly,theme_1\nPAM,atlantis\n")],
            )
        }),
        // CSRF, credentials and replays.
        html_case("html_forged_csrf_token_on_survey", 403, &["This form had expired", "Typed in the form"], |c| {
            survey_post(c, survey_form(&[("csrf", "forged")]))
        }),
        html_case("html_missing_csrf_token_on_survey", 403, &["This form had expired"], |c| {
            survey_post(c, survey_form(&[]).replace(&format!("csrf={CSRF}&"), ""))
        }),
        html_case("html_forged_csrf_token_on_roster", 403, &["This form had expired"], |c| {
            page_form(c, "/assemblies", &[("csrf", "forged"), ("code", "NEWPA"), ("name", "New"), ("joined_on", "2024-01-01")])
        }),
        html_case("html_forged_csrf_token_on_cycle_status", 403, &["This form had expired"], |c| {
            page_form(c, "/cycles/2026/status", &[("csrf", "forged"), ("status", "closed")])
        }),
        html_case("html_forged_csrf_token_on_new_cycle", 403, &["This form had expired"], |c| {
            page_multipart(c, "/cycles/new", &[("csrf", None, b"forged"), ("definition", None, c.cycle.to_string().as_bytes())])
        }),
        html_case("html_forged_csrf_token_on_sign_out", 403, &["forbidden"], |c| page_form(c, "/sign-out", &[("csrf", "forged")])),
        html_case("html_expired_invitation_link", 404, &["link"], |c| TestRequest::get().uri(&format!("/i/{}", c.expired_invitation))),
        html_case("html_revoked_invitation_link", 404, &["link"], |c| TestRequest::get().uri(&format!("/i/{}", c.revoked_invitation))),
        html_case("html_forged_session_cookie", 401, &["unauthenticated"], |_| {
            browser(TestRequest::get().uri("/survey/2026"), Some("forged-session-token"))
        }),
        json_case("json_expired_invitation_as_bearer", 401, "unauthenticated", None, |c| {
            TestRequest::put().uri(EP).insert_header(bearer(&c.expired_invitation)).set_json(answer())
        }),
        json_case("json_revoked_invitation_as_bearer", 401, "unauthenticated", None, |c| {
            TestRequest::put().uri(EP).insert_header(bearer(&c.revoked_invitation)).set_json(answer())
        }),
        json_case("json_replayed_idempotency_key_with_a_different_body", 422, "idempotency_key_reused", None, |c| {
            TestRequest::post()
                .uri(&format!("{EP}/submit"))
                .insert_header(bearer(&c.ep))
                .insert_header(("Idempotency-Key", IDEMPOTENCY_KEY))
                .set_json(broken(|v| v["comment"] = json!("a different body")))
        }),
        json_case("json_idempotency_key_too_long", 400, "malformed_request", None, |c| {
            TestRequest::post()
                .uri(&format!("{EP}/submit"))
                .insert_header(bearer(&c.ep))
                .insert_header(("Idempotency-Key", "k".repeat(300)))
                .set_json(answer())
        }),
    ]
}

/// Everything stored, as text: row counts of every table, the cycles, the roster and every
/// response of 2025 and 2026. Every write also appends to the audit log, which is counted.
fn snapshot(db: &TestDb) -> String {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = db.conn();
    let mut out = String::new();
    for table in [
        "settings",
        "assemblies",
        "cycles",
        "cycle_themes",
        "cycle_regions",
        "cycle_region_countries",
        "cycle_activity_kinds",
        "responses",
        "response_themes",
        "response_regions",
        "activities",
        "activity_themes",
        "activity_regions",
        "users",
        "api_tokens",
        "audit_log",
        "idempotency_keys",
    ] {
        let count: Count = diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}")).get_result(&mut *conn).unwrap();
        out.push_str(&format!("{table}: {}\n", count.n));
    }
    let revoked: Count = diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM api_tokens WHERE revoked_at IS NOT NULL")
        .get_result(&mut *conn)
        .unwrap();
    out.push_str(&format!("revoked tokens: {}\n", revoked.n));
    out.push_str(&format!(
        "{:?}\n{:?}\n",
        barometer_store::cycles::list(&mut conn).unwrap(),
        barometer_store::assemblies::list(&mut conn).unwrap()
    ));
    for label in ["2025", "2026"] {
        let label = CycleLabel::parse(label).unwrap();
        for assembly in barometer_store::assemblies::list(&mut conn).unwrap() {
            out.push_str(&format!("{:?}\n", barometer_store::responses::find(&mut conn, &label, &assembly.code).unwrap()));
        }
    }
    out
}

fn setup(db: &TestDb) -> Ctx {
    load_demo(db);
    let mut conn = db.conn();
    let label = CycleLabel::parse("2026").unwrap();
    let ep = AssemblyCode::parse("EP").unwrap();
    let revoked_invitation = barometer_store::invitations::create(&mut conn, &label, &ep, None, "test").unwrap();
    barometer_store::invitations::create(&mut conn, &label, &ep, None, "test").unwrap();
    let expired = NewToken {
        kind: TokenKind::Invitation,
        role: Role::FocalPoint,
        assembly: Some(&ep),
        cycle: Some(&label),
        user_id: None,
        label: "expired invitation",
        expires_at: Some(barometer_store::now() - chrono::Duration::days(1)),
    };
    let expired_invitation = auth::create_token(&mut conn, expired, "test").unwrap().1;
    let mut cycle = serde_json::to_value(barometer_store::cycles::find(&mut conn, &label).unwrap().unwrap().definition).unwrap();
    cycle["label"] = json!("2040");
    cycle["opens_on"] = json!("2040-01-15");
    cycle["closes_on"] = json!("2040-03-31");
    Ctx {
        ep: token(db, Role::FocalPoint, Some("EP")),
        secretariat: token(db, Role::Secretariat, None),
        ep_session: session(db, Role::FocalPoint, Some("EP")),
        secretariat_session: session(db, Role::Secretariat, None),
        revoked_invitation,
        expired_invitation,
        cycle,
    }
}

/// SECURITY.md's catalogue: the case names in its table's first column.
fn documented_cases() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../SECURITY.md")).expect("SECURITY.md at the repository root");
    let name = regex::Regex::new(r"(?m)^\|\s*`([a-z0-9_]+)`\s*\|").unwrap();
    name.captures_iter(&text).map(|c| c[1].to_owned()).collect()
}

/// The names of the tests below that check accepted hostile text (also catalogued).
const ACCEPTED: &[&str] = &[
    "markup_in_response_fields_is_stored_verbatim_and_shown_escaped",
    "markup_and_formulas_in_assembly_names_are_escaped_in_pages_and_neutralised_in_exports",
    "markup_and_formulas_in_questionnaire_labels_are_escaped_in_pages_charts_and_exports",
    "emoji_and_mixed_scripts_are_kept_exactly",
    "sql_metacharacters_in_free_text_are_plain_text",
];

#[test]
fn the_catalogue_has_at_least_50_cases_and_security_md_lists_each() {
    let cases = catalogue();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    let names: BTreeSet<String> = cases.iter().map(|c| c.name.to_owned()).chain(ACCEPTED.iter().map(|n| (*n).to_owned())).collect();
    assert_eq!(names.len(), cases.len() + ACCEPTED.len(), "case names are unique");
    let documented = documented_cases();
    let undocumented: Vec<_> = names.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&names).collect();
    assert!(undocumented.is_empty(), "cases missing from SECURITY.md's catalogue: {undocumented:#?}");
    assert!(stale.is_empty(), "SECURITY.md lists cases the tests do not have: {stale:#?}");
    let source = include_str!("bad_input.rs");
    for accepted in ACCEPTED {
        assert!(source.contains(&format!("async fn {accepted}(")), "{accepted} is a test below");
    }
}

async_backend_tests! {
    async fn every_bad_input_ends_in_a_clear_error_and_changes_nothing(db) {
        let ctx = setup(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        // The first use of the idempotency key, which one case replays with another body.
        let first = TestRequest::post()
            .uri(&format!("{EP}/submit"))
            .insert_header(bearer(&ctx.ep))
            .insert_header(("Idempotency-Key", IDEMPOTENCY_KEY))
            .set_json(answer());
        assert_eq!(call(&app, first).await.0, StatusCode::OK);

        let mut failures = Vec::new();
        let mut before = snapshot(&db);
        for case in catalogue() {
            let (status, _, body) = call(&app, (case.build)(&ctx)).await;
            let after = snapshot(&db);
            let shown: String = body.chars().take(300).collect();
            let mut problems = Vec::new();
            match case.expect {
                Expect::Json(expected, code, field) => {
                    if status.as_u16() != expected {
                        problems.push(format!("status {} (expected {expected})", status.as_u16()));
                    }
                    let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    if parsed["error"]["code"] != json!(code) {
                        problems.push(format!("code {} (expected {code})", parsed["error"]["code"]));
                    }
                    if parsed["error"]["message"].as_str().is_none_or(str::is_empty) {
                        problems.push("no message".into());
                    }
                    if let Some(field) = field
                        && parsed["error"]["fields"].get(field).and_then(Value::as_str).is_none_or(str::is_empty)
                    {
                        problems.push(format!("no message for the field {field}"));
                    }
                }
                Expect::Html(expected, mentions) => {
                    if status.as_u16() != expected {
                        problems.push(format!("status {} (expected {expected})", status.as_u16()));
                    }
                    for m in mentions {
                        if !body.contains(m) {
                            problems.push(format!("the answer does not mention {m:?}"));
                        }
                    }
                }
            }
            if status.is_server_error() {
                problems.push("a server error".into());
            }
            if after != before {
                problems.push("the stored data changed".into());
                before = after;
            }
            if !problems.is_empty() {
                failures.push(format!("{}: {} — {}", case.name, problems.join("; "), shown.replace('\n', " ")));
            }
        }
        assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
    }
}

fn text_of(xml_zip: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xml_zip)).expect("an XLSX is a zip");
    let mut all = String::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        if file.name().is_ok_and(|n| n.ends_with(".xml")) {
            std::io::Read::read_to_string(&mut file, &mut all).unwrap();
        }
    }
    all
}

async fn bytes<S, B>(app: &S, req: TestRequest) -> (StatusCode, Vec<u8>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    (status, test::read_body(res).await.to_vec())
}

/// `text` as askama escapes it in pages.
fn esc(text: &str) -> String {
    text.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

/// No raw markup of `hostile` in `html`, and its escaped form present.
fn assert_escaped(html: &str, raw: &str, escaped: &str, what: &str) {
    assert!(!html.contains(raw), "{what}: the raw markup {raw:?} reaches the page");
    assert!(html.contains(escaped), "{what}: the escaped text {escaped:?} is shown");
}

const SCRIPT: &str = "<script>alert(1)</script>";

async_backend_tests! {
    async fn markup_in_response_fields_is_stored_verbatim_and_shown_escaped(db) {
        let ctx = setup(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let title = "\"><img src=x onerror=alert(2)>";
        let city = "</textarea><script>alert(3)</script>";
        let body = broken(|v| {
            v["comment"] = json!(SCRIPT);
            v["activities"][0]["title"] = json!(title);
            v["activities"][0]["location"]["city"] = json!(city);
            v["activities"][0]["partners"] = json!(["javascript:alert(4)", "<b onmouseover=alert(5)>UN</b>"]);
        });
        assert_eq!(call(&app, put(&ctx, body)).await.0, StatusCode::OK);
        let (_, _, stored) = call(&app, TestRequest::get().uri(EP).insert_header(bearer(&ctx.ep))).await;
        let stored: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(stored["comment"], json!(SCRIPT), "stored verbatim");
        assert_eq!(stored["activities"][0]["title"], json!(title));
        assert_eq!(stored["activities"][0]["location"]["city"], json!(city));

        let (status, _, html) = call(&app, browser(TestRequest::get().uri("/survey/2026"), Some(&ctx.ep_session))).await;
        assert_eq!(status, StatusCode::OK);
        assert_escaped(&html, SCRIPT, &esc(SCRIPT), "the comment");
        assert_escaped(&html, "<img src=x", &esc(title), "the title");
        assert_escaped(&html, "</textarea><script>", &esc(city), "the city");
        assert_escaped(&html, "<b onmouseover", &esc("<b onmouseover=alert(5)>UN</b>"), "a partner");

        // The same through the HTML form.
        let form = survey_form(&[("comment", SCRIPT), ("a0-title", title), ("a0-city", city)]);
        assert_eq!(call(&app, survey_post(&ctx, form)).await.0, StatusCode::SEE_OTHER);
        let saved = barometer_store::responses::find(&mut db.conn(), &CycleLabel::parse("2026").unwrap(), &AssemblyCode::parse("EP").unwrap()).unwrap().unwrap();
        assert_eq!(saved.content.comment, SCRIPT);
        assert_eq!(saved.content.activities[0].title, title);
        assert_eq!(saved.content.activities[0].location.as_ref().unwrap().city.as_deref(), Some(city));
        let (_, _, html) = call(&app, browser(TestRequest::get().uri("/survey/2026"), Some(&ctx.ep_session))).await;
        assert_escaped(&html, SCRIPT, &esc(SCRIPT), "the comment, posted as a form");
    }

    async fn markup_and_formulas_in_assembly_names_are_escaped_in_pages_and_neutralised_in_exports(db) {
        let ctx = setup(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let name = "=HYPERLINK(\"http://evil.example\",\"<b>click</b>\")";
        let req = page_form(&ctx, "/assemblies", &[("csrf", CSRF), ("code", "EVIL"), ("name", name), ("joined_on", "2000-01-01")]);
        let (status, _, html) = call(&app, req).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert_escaped(&html, "<b>click</b>", &esc("<b>click</b>"), "the roster page");
        let (status, body) = bytes(&app, new_assembly(&ctx, |v| {
            v["code"] = json!("EVIL2");
            v["name"] = json!(format!("@SUM(1+1) {SCRIPT}"));
        }))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));

        let (_, _, html) = call(&app, browser(TestRequest::get().uri("/cycles/2026"), Some(&ctx.secretariat_session))).await;
        assert_escaped(&html, "<b>click</b>", &esc("<b>click</b>"), "the tracker page");
        assert_escaped(&html, SCRIPT, &esc(SCRIPT), "the tracker page");
        let evil_focal = session(&db, Role::FocalPoint, Some("EVIL"));
        let (_, _, html) = call(&app, browser(TestRequest::get().uri("/"), Some(&evil_focal))).await;
        assert_escaped(&html, "<b>click</b>", &esc("<b>click</b>"), "the focal point's dashboard");
        let (_, _, html) = call(&app, browser(TestRequest::get().uri("/survey/2026"), Some(&evil_focal))).await;
        assert_escaped(&html, "<b>click</b>", &esc("<b>click</b>"), "the survey page");

        let (_, _, tracker) = call(&app, get(&ctx, "/api/v1/cycles/2026/status")).await;
        assert!(tracker.contains("=HYPERLINK(\\\"http://evil.example\\\""), "the JSON keeps the name verbatim");
        let (status, _, csv) = call(&app, get(&ctx, "/api/v1/cycles/2026/status?format=csv")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\""), "the formula is neutralised in the CSV: {csv}");
        assert!(csv.contains(",'@SUM(1+1) <script>"), "an @ formula too: {csv}");
        for line in csv.lines() {
            for cell in line.split(',') {
                assert!(!cell.trim_start_matches('"').starts_with(['=', '+', '@']), "a live formula in the CSV: {line}");
            }
        }
    }

    async fn markup_and_formulas_in_questionnaire_labels_are_escaped_in_pages_charts_and_exports(db) {
        let ctx = setup(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let today = chrono::Utc::now().date_naive();
        let mut def = ctx.cycle.clone();
        def["label"] = json!("2041");
        def["opens_on"] = json!((today - chrono::Duration::days(1)).to_string());
        def["closes_on"] = json!((today + chrono::Duration::days(30)).to_string());
        let find = |v: &Value, key: &str, code: &str| v[key].as_array().unwrap().iter().position(|t| t["code"] == json!(code)).unwrap();
        let (youth, ai, sahel) = (find(&def, "themes", "youth-pve"), find(&def, "themes", "ai-tech"), find(&def, "regions", "sahel"));
        def["themes"][youth]["labels"] = json!({"en": SCRIPT});
        def["themes"][ai]["labels"] = json!({"en": "=SUM(1+1)"});
        def["regions"][sahel]["labels"] = json!({"en": "@cmd|' /C calc'!A0 <img src=x>"});
        let (status, body) = bytes(&app, as_secretariat(&ctx, TestRequest::post().uri("/api/v1/cycles")).set_json(&def)).await;
        assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
        let (status, _) = bytes(&app, as_secretariat(&ctx, TestRequest::post().uri("/api/v1/cycles/2041/status")).set_json(json!({"status": "open"}))).await;
        assert_eq!(status, StatusCode::OK);
        let submit = TestRequest::post()
            .uri("/api/v1/cycles/2041/responses/EP/submit")
            .insert_header(bearer(&ctx.ep))
            .set_json(json!({"themes": ["youth-pve", "ai-tech"], "regions": ["sahel"], "activities": [], "comment": ""}));
        let (status, body) = bytes(&app, submit).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

        let (status, _, html) = call(&app, browser(TestRequest::get().uri("/cycles/2041/results?compare="), Some(&ctx.secretariat_session))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert_escaped(&html, SCRIPT, &esc(SCRIPT), "the results page");
        assert_escaped(&html, "<img src=x>", &esc("<img src=x>"), "the results page");

        let (status, svg) = bytes(&app, get(&ctx, "/api/v1/cycles/2041/charts/priorities.svg?lang=en")).await;
        assert_eq!(status, StatusCode::OK);
        let svg = String::from_utf8(svg).unwrap();
        assert_escaped(&svg, "<script", "&lt;script&gt;", "the priorities chart");
        let (_, svg) = bytes(&app, get(&ctx, "/api/v1/cycles/2041/charts/regions.svg?lang=en")).await;
        let svg = String::from_utf8(svg).unwrap();
        assert_escaped(&svg, "<img", "&lt;img src=x&gt;", "the regions chart");

        let (status, _, csv) = call(&app, get(&ctx, "/api/v1/cycles/2041/results/priorities?format=csv&lang=en")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.contains("'=SUM(1+1)"), "the formula is neutralised in the CSV: {csv}");
        assert!(csv.contains(SCRIPT), "markup stays plain text in the CSV");
        let (_, _, csv) = call(&app, get(&ctx, "/api/v1/cycles/2041/results/regions?format=csv&lang=en")).await;
        assert!(csv.contains("'@cmd|"), "the @ formula is neutralised in the CSV: {csv}");
        for line in csv.lines() {
            for cell in line.split(',') {
                assert!(!cell.trim_start_matches(['"', '\u{feff}']).starts_with(['=', '+', '@']), "a live formula in the CSV: {line}");
            }
        }
        let (status, xlsx) = bytes(&app, get(&ctx, "/api/v1/cycles/2041/results/priorities?format=xlsx&lang=en")).await;
        assert_eq!(status, StatusCode::OK);
        let xml = text_of(&xlsx);
        assert!(xml.contains("&apos;=SUM(1+1)") || xml.contains("'=SUM(1+1)"), "the formula is neutralised in the XLSX");
        assert!(!xml.contains("<f>"), "the XLSX holds no formula");
        assert!(xml.contains("&lt;script&gt;"), "markup is text in the XLSX");
        let (_, xlsx) = bytes(&app, get(&ctx, "/api/v1/cycles/2041/results/regions?format=xlsx&lang=en")).await;
        let xml = text_of(&xlsx);
        assert!(xml.contains("&apos;@cmd|") || xml.contains("'@cmd|"), "the @ formula is neutralised in the XLSX");
    }

    async fn emoji_and_mixed_scripts_are_kept_exactly(db) {
        let ctx = setup(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        // 4-byte emoji with a skin-tone modifier, Arabic with a zero-width non-joiner (allowed:
        // Arabic and Persian typing needs it), Cyrillic, mathematical letters, a Latin/Cyrillic homoglyph.
        let comment = "Réunion 🤝🏽 مؤتمر\u{200C}الشباب — Москва 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧";
        let title = "P\u{0430}ris 🇫🇷 conference";
        let body = broken(|v| {
            v["comment"] = json!(comment);
            v["activities"][0]["title"] = json!(title);
        });
        assert_eq!(call(&app, put(&ctx, body)).await.0, StatusCode::OK);
        let (_, _, stored) = call(&app, TestRequest::get().uri(EP).insert_header(bearer(&ctx.ep))).await;
        let stored: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!((stored["comment"].as_str(), stored["activities"][0]["title"].as_str()), (Some(comment), Some(title)));
        let (_, _, html) = call(&app, browser(TestRequest::get().uri("/survey/2026"), Some(&ctx.ep_session))).await;
        assert!(html.contains(comment) && html.contains(title), "shown exactly");
        let form = survey_form(&[("comment", comment), ("a0-title", title)]);
        assert_eq!(call(&app, survey_post(&ctx, form)).await.0, StatusCode::SEE_OTHER);
        let saved = barometer_store::responses::find(&mut db.conn(), &CycleLabel::parse("2026").unwrap(), &AssemblyCode::parse("EP").unwrap()).unwrap().unwrap();
        assert_eq!((saved.content.comment.as_str(), saved.content.activities[0].title.as_str()), (comment, title), "kept exactly through the form");
    }

    async fn sql_metacharacters_in_free_text_are_plain_text(db) {
        let ctx = setup(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let before = snapshot(&db);
        let comment = "'; DROP TABLE responses; --";
        let title = "Robert'); DELETE FROM activities WHERE ('1'='1";
        let body = broken(|v| {
            v["comment"] = json!(comment);
            v["activities"][0]["title"] = json!(title);
            v["activities"][0]["partners"] = json!(["\" OR \"\"=\"", "1; SELECT pg_sleep(10)"]);
        });
        assert_eq!(call(&app, put(&ctx, body)).await.0, StatusCode::OK);
        let req = page_form(&ctx, "/assemblies", &[("csrf", CSRF), ("code", "OBRIEN"), ("name", "O'Brien \"Assembly\"; DROP TABLE assemblies; --"), ("joined_on", "2024-01-01")]);
        assert_eq!(call(&app, req).await.0, StatusCode::OK);
        let saved = barometer_store::responses::find(&mut db.conn(), &CycleLabel::parse("2026").unwrap(), &AssemblyCode::parse("EP").unwrap()).unwrap().unwrap();
        assert_eq!((saved.content.comment.as_str(), saved.content.activities[0].title.as_str()), (comment, title));
        let roster = barometer_store::assemblies::list(&mut db.conn()).unwrap();
        assert!(roster.iter().any(|a| a.name == "O'Brien \"Assembly\"; DROP TABLE assemblies; --"));
        // Every table is still there, with the rows it had plus the new ones.
        let after = snapshot(&db);
        let count = |snap: &str, table: &str| -> i64 {
            snap.lines().find_map(|l| l.strip_prefix(&format!("{table}: "))).unwrap().parse().unwrap()
        };
        assert_eq!(count(&after, "assemblies"), count(&before, "assemblies") + 1);
        assert_eq!(count(&after, "responses"), count(&before, "responses") + 1);
        assert_eq!(count(&after, "activities"), count(&before, "activities") + 1);
        assert_eq!(call(&app, get(&ctx, "/api/v1/cycles/2025/results/priorities")).await.0, StatusCode::OK);
    }
}
