//! Joining the Mechanism under the amended Terms of Reference: the whole path from an
//! expression of interest to the next cycle's members, and the refusals on the way.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::{Assembly, AssemblyCode, Role};
use barometer_store::auth;
use barometer_test_support::{TestDb, async_backend_tests};
use chrono::{Days, NaiveDate};
use serde_json::json;

use crate::support::{bearer, error_code, json, session, state, token};

const CSRF: &str = "test-csrf";
const BOUNDARY: &str = "----barometer-membership-boundary";

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn roster(db: &TestDb) {
    let mut conn = db.conn();
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    for (code, name, left) in [
        ("PAM", "Parliamentary Assembly of the Mediterranean", None),
        ("PACE", "Parliamentary Assembly of the Council of Europe", None),
        ("APF", "Assemblée parlementaire de la Francophonie", None),
        ("OLDPA", "A Former Member Assembly", Some(day("2023-01-01"))),
    ] {
        let assembly =
            Assembly { code: AssemblyCode::parse(code).unwrap(), name: name.into(), joined_on: day("2021-12-01"), left_on: left };
        barometer_store::assemblies::insert(&mut conn, &assembly, "test").unwrap();
    }
    barometer_store::assemblies::set_contact_email(
        &mut conn,
        &AssemblyCode::parse("PAM").unwrap(),
        Some("secretariat@pam.example"),
        "test",
    )
    .unwrap();
    auth::create_user(
        &mut conn,
        "focal@pace.example",
        "a-long-enough-password",
        Role::FocalPoint,
        Some(&AssemblyCode::parse("PACE").unwrap()),
        "test",
    )
    .unwrap();
}

fn cycle(label: &str, opens_on: NaiveDate) -> serde_json::Value {
    json!({
        "label": label, "opens_on": opens_on, "closes_on": opens_on + Days::new(60), "max_ranked_themes": 1,
        "themes": [{"code": "youth-pve", "labels": {"en": "Youth and PVE"}}],
        "regions": [{"code": "sahel", "labels": {"en": "Sahel"}, "countries": ["MLI"]}]
    })
}

fn request(name: &str, email: &str) -> serde_json::Value {
    json!({
        "assembly_name": name,
        "members": "Parliaments of 180 countries",
        "relevance": "A counter-terrorism programme since 2017, and a high-level advisory group on PCVE.",
        "contact_email": email
    })
}

fn multipart(fields: &[(&str, &str)], letter: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some((file_name, content_type, bytes)) = letter {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"letter\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

async fn text<B: actix_web::body::MessageBody>(res: actix_web::dev::ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

/// The form's question id and the answer stored for it.
fn challenge(db: &TestDb, html: &str) -> (String, String) {
    let re = regex::Regex::new(r#"name="challenge" value="([0-9a-f]+)""#).unwrap();
    let id = re.captures(html).expect("the form carries a challenge")[1].to_owned();
    use diesel::prelude::*;
    let answer: String = barometer_store::schema::challenges::table
        .find(&id)
        .select(barometer_store::schema::challenges::answer)
        .first(&mut *db.conn())
        .unwrap();
    (id, answer)
}

async_backend_tests! {
    // The address notices of requests to join go to, besides the assembly's focal points.
    async fn the_secretariat_sets_and_clears_an_assemblys_contact_email_through_the_api(db) {
        crate::support::load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let put = |uri: &str, body: serde_json::Value| TestRequest::put().uri(uri).insert_header(bearer(&secretariat)).set_json(body);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let (status, body) = json(&app, put("/api/v1/assemblies/PAM/contact", json!({"contact_email": " ct@pam.example "}))).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"code": "PAM", "contact_email": "ct@pam.example"})));
        let list = || TestRequest::get().uri("/api/v1/assemblies").insert_header(bearer(&secretariat));
        let contacts = |list: serde_json::Value| {
            list["items"].as_array().unwrap().iter().map(|a| (a["code"].as_str().unwrap().to_owned(), a["contact_email"].clone())).collect::<Vec<_>>()
        };
        let listed = contacts(json(&app, list()).await.1);
        assert!(listed.contains(&("PAM".to_owned(), json!("ct@pam.example"))), "{listed:?}");
        assert!(listed.contains(&("PACE".to_owned(), serde_json::Value::Null)), "{listed:?}");
        assert!(barometer_store::assemblies::email_recipients(&mut db.conn(), &pam).unwrap().contains(&"ct@pam.example".to_owned()));

        let (status, body) = json(&app, put("/api/v1/assemblies/PAM/contact", json!({"contact_email": "ct at pam"}))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"));
        assert!(body["error"]["fields"]["contact_email"].is_string(), "{body}");
        let (status, body) = json(&app, put("/api/v1/assemblies/PAM/contact", json!({"email": "ct@pam.example"}))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"), "an unknown member: {body}");
        let (status, _) = json(&app, put("/api/v1/assemblies/NOPE/contact", json!({"contact_email": "a@b.example"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(contacts(json(&app, list()).await.1).contains(&("PAM".to_owned(), json!("ct@pam.example"))), "nothing changed");

        let (status, body) = json(&app, put("/api/v1/assemblies/PAM/contact", json!({"contact_email": null}))).await;
        assert_eq!((status, body["contact_email"].clone()), (StatusCode::OK, serde_json::Value::Null));
        assert!(contacts(json(&app, list()).await.1).contains(&("PAM".to_owned(), serde_json::Value::Null)));
        let history = barometer_store::audit::history(&mut db.conn(), "assembly", "PAM").unwrap();
        assert_eq!(history.iter().filter(|h| h.action == "assembly.contact").count(), 2, "set and cleared, each audited");
    }

    async fn an_expression_of_interest_goes_from_submission_to_the_next_cycles_members(db) {
        roster(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let secretariat = token(&db, Role::Secretariat, None);
        let post = |uri: &str, body: serde_json::Value| TestRequest::post().uri(uri).insert_header(bearer(&secretariat)).set_json(body);

        // The Presidency, a past meeting, an extraordinary one soon, and the next regular one.
        let (status, body) = json(&app, post("/api/v1/presidency", json!({"assembly": "PAM", "starts_on": "2024-12-06"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let meeting_day = today() + Days::new(30);
        for (number, date, regular) in [(6, "2024-12-06".parse::<NaiveDate>().unwrap(), true), (7, today() + Days::new(10), false), (8, meeting_day, true)] {
            let (status, body) = json(&app, post("/api/v1/meetings", json!({"number": number, "date": date, "venue": "Rome", "regular": regular}))).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        // One cycle opens before the meeting that decides, one after.
        for (label, opens) in [("2090", today()), ("2091", meeting_day + Days::new(1))] {
            let (status, body) = json(&app, post("/api/v1/cycles", cycle(label, opens))).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }

        // 1. The expression of interest (anyone may send it).
        let (status, body) = json(&app, TestRequest::post().uri("/api/v1/membership-requests").set_json(request("Inter-Parliamentary Union", "ct@ipu.example"))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().unwrap().to_owned();
        assert_eq!(body["status"], "pending");

        // 2. The Secretariat notifies the Presidency and every participating assembly.
        let (status, body) = json(&app, post(&format!("/api/v1/membership-requests/{id}/notify"), json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["assemblies"], json!(["APF", "PACE", "PAM"]), "members today and the Presidency; not the assembly that left");
        assert_eq!(body["emails"], 2, "PAM's contact address and PACE's focal point");
        for code in ["PAM", "PACE", "APF"] {
            let focal = token(&db, Role::FocalPoint, Some(code));
            let (status, body) = json(&app, TestRequest::get().uri("/api/v1/notifications").insert_header(bearer(&focal))).await;
            assert_eq!(status, StatusCode::OK);
            let items = body["items"].as_array().unwrap();
            assert_eq!(items.len(), 1, "{code} has the notification: {body}");
            assert_eq!((items[0]["request"].as_str(), items[0]["read"].as_bool()), (Some(id.as_str()), Some(false)));
            assert!(items[0]["subject"].as_str().unwrap().contains("Inter-Parliamentary Union"));
        }
        let former = token(&db, Role::FocalPoint, Some("OLDPA"));
        let (_, body) = json(&app, TestRequest::get().uri("/api/v1/notifications").insert_header(bearer(&former))).await;
        assert_eq!(body["items"].as_array().unwrap().len(), 0);
        let outbox = barometer_store::notifications::outbox(&mut db.conn(), 10).unwrap();
        let mut to: Vec<&str> = outbox.iter().map(|e| e.recipient.as_str()).collect();
        to.sort();
        assert_eq!(to, ["focal@pace.example", "secretariat@pam.example"]);
        assert!(outbox.iter().all(|e| e.status == "pending"), "without SMTP the messages wait in the outbox");

        // 3. The request is on the agenda of the next regular meeting, not the extraordinary one.
        let (status, body) = json(&app, TestRequest::get().uri("/api/v1/meetings").insert_header(bearer(&token(&db, Role::Analyst, None)))).await;
        assert_eq!(status, StatusCode::OK);
        let meeting = |n: u64| body["items"].as_array().unwrap().iter().find(|m| m["number"] == n).unwrap().clone();
        assert_eq!(meeting(8)["next"], true);
        assert_eq!(meeting(8)["agenda"][0]["id"], id.as_str());
        assert_eq!(meeting(7)["agenda"].as_array().unwrap().len(), 0);
        assert_eq!(meeting(6)["agenda"].as_array().unwrap().len(), 0);

        // 4. The meeting admits it.
        let decision = json!({"meeting": 8, "decision": "admitted", "code": "IPU"});
        let (status, body) = json(&app, post(&format!("/api/v1/membership-requests/{id}/decision"), decision.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((body["status"].as_str(), body["meeting"].as_u64(), body["code"].as_str()), (Some("admitted"), Some(8), Some("IPU")));
        let actions: Vec<&str> = body["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["membership_request.submit", "membership_request.notify", "membership_request.decide"]);
        let (status, body) = json(&app, post(&format!("/api/v1/membership-requests/{id}/decision"), decision)).await;
        assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "conflict"), "a decision is final");
        let ipu = barometer_store::assemblies::find(&mut db.conn(), &AssemblyCode::parse("IPU").unwrap()).unwrap().unwrap();
        assert_eq!(ipu.joined_on, meeting_day);

        // 5. A member of the cycle that opens after the meeting, and of its denominator; not before.
        let status_of = |label: &str| TestRequest::get().uri(&format!("/api/v1/cycles/{label}/status")).insert_header(bearer(&secretariat));
        let (_, later) = json(&app, status_of("2091")).await;
        assert_eq!(later["members"], 4, "{later}");
        assert!(later["rows"].as_array().unwrap().iter().any(|r| r["assembly"] == "IPU"));
        let (_, earlier) = json(&app, status_of("2090")).await;
        assert_eq!(earlier["members"], 3, "{earlier}");
        assert!(!earlier["rows"].as_array().unwrap().iter().any(|r| r["assembly"] == "IPU"));
        let later_label = barometer_domain::CycleLabel::parse("2091").unwrap();
        let data = barometer_store::cycle_data::load(&mut db.conn(), &later_label).unwrap().unwrap();
        assert_eq!(data.members(), 4, "the results' response-rate denominator counts the new member");

        // The list shows the request with its whole history, to the Secretariat only.
        let (status, body) = json(&app, TestRequest::get().uri("/api/v1/membership-requests").insert_header(bearer(&secretariat))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["items"][0]["history"].as_array().unwrap().len(), 3);
        let (status, _) = json(&app, TestRequest::get().uri("/api/v1/membership-requests").insert_header(bearer(&token(&db, Role::FocalPoint, Some("PAM"))))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn duplicates_are_refused_naming_the_assembly(db) {
        roster(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let send = |body: serde_json::Value| TestRequest::post().uri("/api/v1/membership-requests").set_json(body);
        let (status, _) = json(&app, send(request("Inter-Parliamentary Union", "ct@ipu.example"))).await;
        assert_eq!(status, StatusCode::CREATED);
        // Same name, other case, spacing and diacritics; then same email, other name.
        for body in [request("  inter-parliamentary   UNIÓN ", "other@ipu.example"), request("IPU", "CT@ipu.example")] {
            let (status, body) = json(&app, send(body)).await;
            assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "conflict"));
            assert!(body["error"]["message"].as_str().unwrap().contains("Inter-Parliamentary Union"), "{body}");
        }
        let (status, body) = json(&app, send(request("Assemblee parlementaire de la FRANCOPHONIE", "x@apf.example"))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::CONFLICT, "conflict"));
        assert!(body["error"]["message"].as_str().unwrap().contains("APF"), "an assembly on the roster is named: {body}");
        let (status, body) = json(&app, send(json!({"assembly_name": "", "members": "", "relevance": "x", "contact_email": "nope"}))).await;
        assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_content"));
        for field in ["assembly_name", "members", "contact_email"] {
            assert!(body["error"]["fields"][field].is_string(), "{field} is named: {body}");
        }
    }

    async fn requests_past_the_limit_get_429_with_retry_after(db) {
        let mut config = barometer_web::WebConfig::new("127.0.0.1:0", "http://barometer.test");
        config.membership_requests_per_hour = 2;
        let app = test::init_service(barometer_web::configure(barometer_web::AppState::new(db.pool().clone(), config))).await;
        let from = |ip: &str, n: usize| {
            TestRequest::post()
                .uri("/api/v1/membership-requests")
                .peer_addr(format!("{ip}:4000").parse().unwrap())
                .set_json(request(&format!("Assembly number {n}"), &format!("a{n}@example.org")))
        };
        for n in 0..2 {
            let (status, body) = json(&app, from("192.0.2.1", n)).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let res = test::call_service(&app, from("192.0.2.1", 3).to_request()).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: i64 = res.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry));
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(error_code(&body), "rate_limited");
        // Another client is not affected; nor does X-Forwarded-For lift the limit.
        let (status, _) = json(&app, from("192.0.2.2", 4)).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = json(&app, from("192.0.2.1", 5).insert_header(("x-forwarded-for", "203.0.113.9"))).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }

    async fn failed_sign_ins_are_limited_per_account(db) {
        roster(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let attempt = |password: &str| {
            let body = format!("csrf={CSRF}&email=FOCAL%40pace.example&password={password}");
            TestRequest::post()
                .uri("/sign-in")
                .peer_addr("198.51.100.7:5000".parse().unwrap())
                .cookie(Cookie::new("barometer_csrf", CSRF))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body)
        };
        // Four failures, a success (which clears the account's count), then five more failures.
        for _ in 0..4 {
            let res = test::call_service(&app, attempt("wrong-password").to_request()).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
        let res = test::call_service(&app, attempt("a-long-enough-password").to_request()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "the right password still works before the limit");
        for _ in 0..5 {
            let res = test::call_service(&app, attempt("wrong-password").to_request()).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        }
        // The sixth attempt is refused even with the right password.
        let res = test::call_service(&app, attempt("a-long-enough-password").to_request()).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: i64 = res.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        assert!(text(res).await.contains("Too many failed attempts"));
        // The counters hold hashes, never the address or the email.
        use diesel::prelude::*;
        let keys: Vec<String> = barometer_store::schema::rate_limit_counters::table
            .select(barometer_store::schema::rate_limit_counters::key_hash)
            .load(&mut *db.conn())
            .unwrap();
        assert!(!keys.is_empty() && keys.iter().all(|k| !k.contains('@') && !k.contains("198.51")));
    }

    async fn the_form_refuses_a_non_pdf_or_oversized_letter_and_keeps_what_was_typed(db) {
        let mut config = barometer_web::WebConfig::new("127.0.0.1:0", "http://barometer.test");
        config.letter_limit = 1024;
        let app = test::init_service(barometer_web::configure(barometer_web::AppState::new(db.pool().clone(), config))).await;
        // The text "NOT-TEXT" in `relevance` is sent as two bytes that are not UTF-8.
        let form_with = |html: &str, answer: Option<&str>, letter: Option<(&str, &str, &[u8])>, relevance: &str| {
            let (id, right) = challenge(&db, html);
            let answer = answer.map_or(right, str::to_owned);
            let fields = [
                ("csrf", CSRF),
                ("challenge", id.as_str()),
                ("answer", answer.as_str()),
                ("website", ""),
                ("assembly_name", "Asamblea Parlamentaria Euro-Latinoamericana"),
                ("members", "Members of the European Parliament\nand of Parlatino"),
                ("relevance", relevance),
                ("contact_email", "eurolat@example.org"),
            ];
            let (content_type, mut body) = multipart(&fields, letter);
            if let Some(at) = body.windows(8).position(|w| w == b"NOT-TEXT") {
                body.splice(at..at + 8, *b"\xff\xfe");
            }
            TestRequest::post()
                .uri("/membership/apply")
                .cookie(Cookie::new("barometer_csrf", CSRF))
                .insert_header(("content-type", content_type))
                .set_payload(body)
        };
        let form = |html: &str, answer: Option<&str>, letter: Option<(&str, &str, &[u8])>| {
            form_with(html, answer, letter, "A working group on security and counter-terrorism.")
        };
        let page = text(test::call_service(&app, TestRequest::get().uri("/membership/apply").to_request()).await).await;

        // Bytes that are not text are refused on their field; what was typed is kept.
        let res = test::call_service(&app, form_with(&page, None, None, "A working group on NOT-TEXT security.").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = text(res).await;
        assert!(page.contains("This field held bytes that are not text (UTF-8)"), "{page}");
        assert!(page.contains("A working group on \u{FFFD}\u{FFFD} security.") && page.contains("eurolat@example.org"), "{page}");

        // Not a PDF (a name that says .pdf does not make it one).
        let res = test::call_service(&app, form(&page, None, Some(("letter.pdf", "application/pdf", b"<html>not a pdf</html>"))).to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = text(res).await;
        assert!(page.contains("The letter must be a PDF file"), "{page}");
        assert!(page.contains("Asamblea Parlamentaria Euro-Latinoamericana") && page.contains("eurolat@example.org") && page.contains("and of Parlatino"));

        // Too large.
        let big = [b"%PDF-1.7\n".as_slice(), &[b'x'; 2048]].concat();
        let res = test::call_service(&app, form(&page, None, Some(("letter.pdf", "application/pdf", &big))).to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = text(res).await;
        assert!(page.contains("The letter is larger than"), "{page}");
        assert!(page.contains("Asamblea Parlamentaria Euro-Latinoamericana"));

        // A wrong answer to the question.
        let res = test::call_service(&app, form(&page, Some("1000"), None).to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = text(res).await;
        assert!(page.contains("That answer is not right") && page.contains("eurolat@example.org"));
        assert!(barometer_store::membership::list(&mut db.conn()).unwrap().is_empty(), "nothing stored yet");

        // Right answer and a real PDF: stored, the letter kept under a safe name.
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
        let res = test::call_service(&app, form(&page, None, Some(("../Carta de interés.pdf", "application/pdf", pdf))).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(text(res).await.contains("Thank you"));
        let stored = barometer_store::membership::list(&mut db.conn()).unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].members, "Members of the European Parliament\nand of Parlatino");
        let letter = barometer_store::membership::letter(&mut db.conn(), &stored[0].id).unwrap().unwrap();
        assert_eq!((letter.file_name.as_str(), letter.content.as_slice()), ("Carta_de_interes.pdf", pdf.as_slice()));

        // Only the Secretariat downloads it, as an attachment that is never sniffed.
        let url = format!("/api/v1/membership-requests/{}/letter", stored[0].id);
        let res = test::call_service(&app, TestRequest::get().uri(&url).insert_header(bearer(&token(&db, Role::Analyst, None))).to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = test::call_service(&app, TestRequest::get().uri(&url).cookie(Cookie::new("barometer_session", session(&db, Role::Secretariat, None))).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("content-type").unwrap(), "application/pdf");
        assert_eq!(res.headers().get("content-disposition").unwrap(), "attachment; filename=\"Carta_de_interes.pdf\"");
        assert_eq!(res.headers().get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(test::read_body(res).await.as_ref(), pdf.as_slice());
    }

    async fn pages_show_the_path_to_each_role(db) {
        roster(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let mut conn = db.conn();
        barometer_store::meetings::record_presidency(
            &mut conn,
            &barometer_domain::membership::Presidency { assembly: AssemblyCode::parse("PAM").unwrap(), starts_on: "2024-12-06".parse().unwrap(), ends_on: None },
            "test",
        )
        .unwrap();
        let meeting = barometer_domain::membership::Meeting { number: 7, date: today() + Days::new(20), venue: "Geneva".into(), online: false, regular: true };
        barometer_store::meetings::insert(&mut conn, &meeting, "test").unwrap();
        let valid = barometer_domain::membership::RequestInput {
            assembly_name: "Inter-Parliamentary Union".into(),
            members: "180 parliaments".into(),
            relevance: "Counter-terrorism programme".into(),
            contact_email: "ct@ipu.example".into(),
        }
        .validate()
        .unwrap();
        let request = barometer_store::membership::create(&mut conn, &valid, "en", None, "test").unwrap();
        drop(conn);
        let secretariat = session(&db, Role::Secretariat, None);
        let get = |uri: &str, session: &str| {
            TestRequest::get().uri(uri).cookie(Cookie::new("barometer_session", session.to_owned())).cookie(Cookie::new("barometer_csrf", CSRF))
        };
        let dashboard = text(test::call_service(&app, get("/", &secretariat).to_request()).await).await;
        assert!(dashboard.contains("Presidency: Parliamentary Assembly of the Mediterranean (PAM)"), "{dashboard}");

        // The Secretariat notifies from the review page.
        let res = test::call_service(
            &app,
            TestRequest::post()
                .uri(&format!("/membership/{}/notify", request.id))
                .cookie(Cookie::new("barometer_session", secretariat.clone()))
                .cookie(Cookie::new("barometer_csrf", CSRF))
                .set_form([("csrf", CSRF)])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let page = text(res).await;
        assert!(page.contains("3 assemblies notified"), "{page}");
        assert!(page.contains("Presidency and assemblies notified"), "the history shows the step: {page}");
        let outbox = text(test::call_service(&app, get("/outbox", &secretariat).to_request()).await).await;
        assert!(outbox.contains("Not sent: SMTP not configured"), "{outbox}");

        // A focal point sees the unread count, the notification in French, and marks it read.
        let focal = session(&db, Role::FocalPoint, Some("APF"));
        let page = text(test::call_service(&app, get("/notifications", &focal).cookie(Cookie::new("barometer_lang", "fr")).to_request()).await).await;
        assert!(page.contains("adhésion : Inter-Parliamentary Union"), "{page}");
        assert!(page.contains("class=\"nav-count\""), "{page}");
        let res = test::call_service(
            &app,
            TestRequest::post()
                .uri("/notifications/read")
                .cookie(Cookie::new("barometer_session", focal.clone()))
                .cookie(Cookie::new("barometer_csrf", CSRF))
                .set_form([("csrf", CSRF)])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = text(test::call_service(&app, get("/", &focal).to_request()).await).await;
        assert!(!page.contains("class=\"nav-count\""), "no unread count once read");

        // The agenda of the next regular meeting lists the request and prints cleanly.
        let agenda = text(test::call_service(&app, get("/meetings/7/agenda", &focal).to_request()).await).await;
        assert!(agenda.contains("Agenda of meeting 7") && agenda.contains("Inter-Parliamentary Union"), "{agenda}");
        let css = text(test::call_service(&app, TestRequest::get().uri("/static/app.css").to_request()).await).await;
        assert!(css.contains(".no-print"));

        // The decision from the page adds the assembly to the roster.
        let res = test::call_service(
            &app,
            TestRequest::post()
                .uri(&format!("/membership/{}/decision", request.id))
                .cookie(Cookie::new("barometer_session", secretariat.clone()))
                .cookie(Cookie::new("barometer_csrf", CSRF))
                .set_form([("csrf", CSRF), ("meeting", "7"), ("decision", "admitted"), ("code", "bad code")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad code is refused on the page");
        assert!(text(res).await.contains("value=\"bad code\""), "what was typed is kept");
        let res = test::call_service(
            &app,
            TestRequest::post()
                .uri(&format!("/membership/{}/decision", request.id))
                .cookie(Cookie::new("barometer_session", secretariat))
                .cookie(Cookie::new("barometer_csrf", CSRF))
                .set_form([("csrf", CSRF), ("meeting", "7"), ("decision", "admitted"), ("code", "IPU")])
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(barometer_store::assemblies::find(&mut db.conn(), &AssemblyCode::parse("IPU").unwrap()).unwrap().is_some());
    }
}

/// A tiny SMTP server: answers `connections` sessions and sends each message's DATA back.
fn fake_smtp(connections: usize) -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..connections {
            let (stream, _) = listener.accept().unwrap();
            let mut out = stream.try_clone().unwrap();
            let mut lines = BufReader::new(stream);
            out.write_all(b"220 fake ESMTP\r\n").unwrap();
            let mut data: Option<String> = None;
            loop {
                let mut line = String::new();
                if lines.read_line(&mut line).unwrap() == 0 {
                    break;
                }
                if let Some(message) = data.as_mut() {
                    if line == ".\r\n" {
                        tx.send(data.take().unwrap()).unwrap();
                        out.write_all(b"250 queued\r\n").unwrap();
                    } else {
                        message.push_str(&line);
                    }
                    continue;
                }
                let reply: &[u8] = match line.get(..4).unwrap_or_default() {
                    "EHLO" => b"250-fake\r\n250 8BITMIME\r\n",
                    "MAIL" | "RCPT" => b"250 ok\r\n",
                    "DATA" => {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        out.write_all(b"221 bye\r\n").unwrap();
                        break;
                    }
                    _ => b"500 what\r\n",
                };
                out.write_all(reply).unwrap();
            }
        }
    });
    (port, rx)
}

async_backend_tests! {
    async fn the_outbox_is_delivered_over_smtp_and_failures_are_recorded(db) {
        roster(&db);
        let mut conn = db.conn();
        let valid = barometer_domain::membership::RequestInput {
            assembly_name: "Inter-Parliamentary Union".into(),
            members: "180 parliaments".into(),
            relevance: "Counter-terrorism programme".into(),
            contact_email: "ct@ipu.example".into(),
        }
        .validate()
        .unwrap();
        let request = barometer_store::membership::create(&mut conn, &valid, "en", None, "test").unwrap();
        barometer_store::membership::notify(&mut conn, &request.id, today(), "Request to join: Inter-Parliamentary Union", "Body: Inter-Parliamentary Union", "test").unwrap();
        drop(conn);

        // A relay that is down: each message records the error and stays pending for a retry.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let down = barometer_web::mail::Smtp { host: "127.0.0.1".into(), port: closed };
        let done = barometer_web::mail::deliver_pending(db.pool(), &down, "barometer@example.org").unwrap();
        assert_eq!((done.sent, done.failed), (0, 2));
        let outbox = barometer_store::notifications::outbox(&mut db.conn(), 10).unwrap();
        assert!(outbox.iter().all(|e| e.status == "pending" && e.attempts == 1 && e.error.as_deref().is_some_and(|m| m.contains("connecting"))));

        let (port, received) = fake_smtp(2);
        let relay = barometer_web::mail::Smtp { host: "127.0.0.1".into(), port };
        let done = barometer_web::mail::deliver_pending(db.pool(), &relay, "barometer@example.org").unwrap();
        assert_eq!((done.sent, done.failed), (2, 0));
        let outbox = barometer_store::notifications::outbox(&mut db.conn(), 10).unwrap();
        assert!(outbox.iter().all(|e| e.status == "sent" && e.sent_at.is_some()), "{outbox:?}");
        let message = received.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        assert!(message.contains("Subject: =?UTF-8?B?") && message.contains("Content-Type: text/plain; charset=utf-8"), "{message}");
        use base64::Engine;
        let body: String = message.split("\r\n\r\n").nth(1).unwrap().lines().collect();
        let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body.trim()).unwrap()).unwrap();
        assert_eq!(decoded, "Body: Inter-Parliamentary Union");
        // Nothing is sent twice.
        assert_eq!(barometer_web::mail::deliver_pending(db.pool(), &relay, "barometer@example.org").unwrap().sent, 0);
    }
}
