//! The Secretariat's pages: a new cycle from an uploaded or edited questionnaire, the roster,
//! and personal links made from the tracker.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::{CycleLabel, Role};
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_test_support::{TestDb, async_backend_tests};

use crate::support::{load_demo, state};

const CSRF: &str = "test-csrf";
const BOUNDARY: &str = "----barometer-test-boundary";

fn session(db: &TestDb) -> String {
    let new = NewToken {
        kind: TokenKind::Session,
        role: Role::Secretariat,
        assembly: None,
        cycle: None,
        user_id: None,
        label: "test",
        expires_at: None,
    };
    auth::create_token(&mut db.conn(), new, "test").unwrap().1
}

fn signed_in(req: TestRequest, session: &str) -> TestRequest {
    req.cookie(Cookie::new("barometer_session", session.to_owned())).cookie(Cookie::new("barometer_csrf", CSRF))
}

fn multipart(fields: &[(&str, Option<&str>, &str)]) -> (String, Vec<u8>) {
    let mut body = String::new();
    for (name, filename, value) in fields {
        body.push_str(&format!("--{BOUNDARY}\r\n"));
        match filename {
            Some(f) => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/toml\r\n\r\n"
            )),
            None => body.push_str(&format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")),
        }
        body.push_str(value);
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    (format!("multipart/form-data; boundary={BOUNDARY}"), body.into_bytes())
}

const TOML: &str = r#"
label = "2027"
opens_on = 2027-01-15
closes_on = 2027-03-31
max_ranked_themes = 2

[[themes]]
code = "youth-pve"
labels = { en = "Youth and PVE", fr = "Jeunesse et PEV" }

[[themes]]
code = "cyber"
labels = { en = "Cybersecurity" }

[[regions]]
code = "sahel"
labels = { en = "Sahel" }
countries = ["MLI", "NER"]
"#;

async fn text<B: actix_web::body::MessageBody>(res: actix_web::dev::ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

async_backend_tests! {
    async fn a_cycle_is_created_from_an_uploaded_toml_file(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let s = session(&db);
        let (content_type, body) = multipart(&[("csrf", None, CSRF), ("file", Some("2027.toml"), TOML), ("definition", None, "")]);
        let req = signed_in(TestRequest::post().uri("/cycles/new"), &s).insert_header(("content-type", content_type)).set_payload(body);
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers().get("location").unwrap(), "/cycles/2027");
        let stored = barometer_store::cycles::find(&mut db.conn(), &CycleLabel::parse("2027").unwrap()).unwrap().unwrap();
        assert_eq!(stored.definition.questionnaire.themes.len(), 2);
        assert_eq!(stored.status, barometer_domain::CycleStatus::Draft);
    }

    async fn a_bad_questionnaire_comes_back_with_its_errors_and_its_text(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let s = session(&db);
        let broken = TOML.replace("\"MLI\"", "\"XYZ\"").replace("max_ranked_themes = 2", "max_ranked_themes = 9");
        let (content_type, body) = multipart(&[("csrf", None, CSRF), ("definition", None, &broken)]);
        let req = signed_in(TestRequest::post().uri("/cycles/new"), &s).insert_header(("content-type", content_type)).set_payload(body);
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = text(res).await;
        assert!(html.contains("regions[0].countries[0]") || html.contains("max_ranked_themes"), "the error names its path");
        assert!(html.contains("XYZ") && html.contains("Cybersecurity"), "the text is kept for correction");
        assert!(barometer_store::cycles::list(&mut db.conn()).unwrap().is_empty());
    }

    async fn the_new_cycle_page_offers_a_copy_of_the_newest_cycle(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let s = session(&db);
        let html = text(test::call_service(&app, signed_in(TestRequest::get().uri("/cycles/new"), &s).to_request()).await).await;
        assert!(html.contains("label = &#34;NEW-LABEL&#34;") || html.contains("label = \"NEW-LABEL\""), "the label is marked for change");
        assert!(html.contains("youth-pve") && html.contains("sahel"), "the questionnaire is copied");
        let html = text(test::call_service(&app, signed_in(TestRequest::get().uri("/cycles/new?copy=2023-24"), &s).to_request()).await).await;
        assert!(html.contains("new-tech"), "an older cycle can be copied too");
    }

    async fn the_roster_form_adds_an_assembly_or_explains_why_not(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let s = session(&db);
        let post = |body: &str| {
            signed_in(TestRequest::post().uri("/assemblies"), &s).insert_header(("content-type", "application/x-www-form-urlencoded")).set_payload(body.to_owned())
        };
        let res = test::call_service(&app, post("csrf=test-csrf&code=pam+x&name=New+assembly&joined_on=2025-13-01").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = text(res).await;
        assert!(html.contains("not a valid assembly code") && html.contains("YYYY-MM-DD") && html.contains("value=\"New assembly\""));
        let res = test::call_service(&app, post("csrf=test-csrf&code=NEWPA&name=New+assembly&joined_on=2025-02-01").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(text(res).await.contains("NEWPA is on the roster"));
        assert_eq!(barometer_store::assemblies::list(&mut db.conn()).unwrap().len(), 1);
    }

    // Each row of the roster has its contact email, which the Secretariat sets or clears there;
    // a bad address comes back with what was typed and the reason, and changes nothing.
    async fn the_roster_sets_an_assemblys_contact_email_and_keeps_a_bad_one_typed(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let s = session(&db);
        let post = |body: &str| {
            signed_in(TestRequest::post().uri("/assemblies/PAM/contact"), &s)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body.to_owned())
        };
        let contact = |db: &TestDb| barometer_store::assemblies::contacts(&mut db.conn()).unwrap().get("PAM").cloned();
        let res = test::call_service(&app, post("csrf=test-csrf&contact_email=+ct%40pam.example+").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = text(res).await;
        assert!(html.contains("The contact email of PAM is saved"), "{html}");
        assert!(html.contains("id=\"contact-PAM\" name=\"contact_email\" value=\"ct@pam.example\""), "the row shows it");
        assert_eq!(contact(&db).as_deref(), Some("ct@pam.example"));

        let res = test::call_service(&app, post("csrf=test-csrf&contact_email=ct+at+pam").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = text(res).await;
        assert!(html.contains("value=\"ct at pam\"") && html.contains("enter an email address"), "what was typed is kept, with why");
        assert_eq!(contact(&db).as_deref(), Some("ct@pam.example"), "nothing changed");

        let res = test::call_service(&app, post("csrf=forged&contact_email=x%40y.example").to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(contact(&db).as_deref(), Some("ct@pam.example"), "a forged form changes nothing");

        let res = test::call_service(&app, post("csrf=test-csrf&contact_email=").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(text(res).await.contains("PAM has no contact email any more"));
        assert_eq!(contact(&db), None);
    }

    async fn a_personal_link_made_from_the_tracker_is_shown_once_and_works(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let s = session(&db);
        let req = signed_in(TestRequest::post().uri("/cycles/2026/invite"), &s)
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("csrf=test-csrf&assembly=EP");
        let html = text(test::call_service(&app, req.to_request()).await).await;
        let start = html.find("http://barometer.test/i/").expect("the link is shown");
        let link: String = html[start..].chars().take_while(|c| *c != '"').collect();
        let token = link.rsplit('/').next().unwrap();
        let principal = auth::verify_token(&mut db.conn(), token).unwrap().expect("a working invitation");
        assert_eq!(principal.assembly.unwrap().as_str(), "EP");
        let again = text(test::call_service(&app, signed_in(TestRequest::get().uri("/cycles/2026"), &s).to_request()).await).await;
        assert!(!again.contains(token), "the link is not shown again");
        let title = &again[again.find("<title>").unwrap() + "<title>".len()..again.find("</title>").unwrap()];
        assert!(!title.contains('<'), "the title is plain text: {title}");
        assert!(title.contains("Cycle 2026"), "{title}");
        assert_eq!(again.matches("action=\"/cycles/2026/import\"").count(), 1, "one import form");
    }
}
