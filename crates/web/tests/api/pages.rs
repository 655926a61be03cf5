use actix_web::http::StatusCode;
use actix_web::test;
use barometer_domain::Role;
use barometer_store::auth::TokenKind;
use barometer_test_support::async_backend_tests;

use crate::support::{load_demo, sign_in_link, state};

fn cookie_value<B>(res: &actix_web::dev::ServiceResponse<B>, name: &str) -> Option<String> {
    res.response().cookies().find(|c| c.name() == name).map(|c| c.value().to_owned())
}

async fn body_text<B: actix_web::body::MessageBody>(res: actix_web::dev::ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

async_backend_tests! {
    async fn a_one_time_link_starts_a_session_cleans_the_url_and_is_spent(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let link = sign_in_link(&db, Role::Secretariat, None, TokenKind::SignIn);
        let res = test::call_service(&app, test::TestRequest::get().uri(&format!("/i/{link}")).to_request()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let location = res.headers().get("location").unwrap().to_str().unwrap().to_owned();
        assert!(!location.contains(&link), "the token leaves the URL: {location}");
        assert_eq!(res.headers().get("referrer-policy").unwrap(), "no-referrer");
        let cookie = res.response().cookies().find(|c| c.name() == "barometer_session").expect("a session cookie");
        assert!(cookie.http_only().unwrap_or(false));
        assert_eq!(cookie.same_site(), Some(actix_web::cookie::SameSite::Lax));
        let session = cookie.value().to_owned();
        assert_ne!(session, link, "the session has its own token");

        let res = test::call_service(&app, test::TestRequest::get().uri("/").cookie(actix_web::cookie::Cookie::new("barometer_session", session.clone())).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = body_text(res).await;
        assert!(html.contains("Dashboard") && html.contains("2023-24"), "the Secretariat sees the dashboard");
        assert!(html.contains("<td class=\"num\">13</td>"), "2025 shows 13 submitted responses");

        let again = test::call_service(&app, test::TestRequest::get().uri(&format!("/i/{link}")).to_request()).await;
        assert_eq!(again.status(), StatusCode::NOT_FOUND, "a one-time link works once");
    }

    async fn an_invitation_link_works_again_and_shows_the_assemblys_own_status(db) {
        load_demo(&db);
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let link = sign_in_link(&db, Role::FocalPoint, Some("PACE"), TokenKind::Invitation);
        for _ in 0..2 {
            let res = test::call_service(&app, test::TestRequest::get().uri(&format!("/i/{link}")).to_request()).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            let session = cookie_value(&res, "barometer_session").expect("a session");
            let res = test::call_service(&app, test::TestRequest::get().uri("/").cookie(actix_web::cookie::Cookie::new("barometer_session", session)).to_request()).await;
            let html = body_text(res).await;
            assert!(html.contains("Parliamentary Assembly of the Council of Europe"), "the focal point's assembly is named");
            assert!(html.contains("Draft saved"), "PACE has a draft in 2026");
            assert!(!html.contains("<td class=\"num\">13</td>"), "a focal point does not see other assemblies' figures");
        }
    }

    async fn password_sign_in_needs_the_csrf_token_and_keeps_the_email_on_error(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        barometer_store::auth::create_user(&mut db.conn(), "analyst@example.org", "a long enough password", Role::Analyst, None, "test").unwrap();
        let page = test::call_service(&app, test::TestRequest::get().uri("/sign-in").to_request()).await;
        let csrf = cookie_value(&page, "barometer_csrf").expect("a CSRF cookie on first visit");
        let html = body_text(page).await;
        assert!(html.contains(&format!("value=\"{csrf}\"")), "the form carries the token");

        let forged = test::TestRequest::post()
            .uri("/sign-in")
            .cookie(actix_web::cookie::Cookie::new("barometer_csrf", csrf.clone()))
            .set_form([("csrf", "forged"), ("email", "analyst@example.org"), ("password", "a long enough password")])
            .to_request();
        let res = test::call_service(&app, forged).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(cookie_value(&res, "barometer_session").is_none());

        let wrong = test::TestRequest::post()
            .uri("/sign-in")
            .cookie(actix_web::cookie::Cookie::new("barometer_csrf", csrf.clone()))
            .set_form([("csrf", csrf.as_str()), ("email", "analyst@example.org"), ("password", "not the password")])
            .to_request();
        let res = test::call_service(&app, wrong).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let html = body_text(res).await;
        assert!(html.contains("value=\"analyst@example.org\""), "the typed email is kept");
        assert!(html.contains("not right"), "the error says what happened");

        let right = test::TestRequest::post()
            .uri("/sign-in")
            .cookie(actix_web::cookie::Cookie::new("barometer_csrf", csrf.clone()))
            .set_form([("csrf", csrf.as_str()), ("email", "Analyst@Example.org"), ("password", "a long enough password")])
            .to_request();
        let res = test::call_service(&app, right).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(cookie_value(&res, "barometer_session").is_some());
    }

    async fn pages_follow_the_language_cookie_then_accept_language(db) {
        let app = test::init_service(barometer_web::configure(state(&db))).await;
        let res = test::call_service(&app, test::TestRequest::get().uri("/").insert_header(("Accept-Language", "ar, en;q=0.5")).to_request()).await;
        let html = body_text(res).await;
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "Arabic pages run right to left");

        let res = test::call_service(&app, test::TestRequest::get().uri("/lang/ru?next=/sign-in").to_request()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers().get("location").unwrap(), "/sign-in");
        let lang = cookie_value(&res, "barometer_lang").unwrap();
        let res = test::call_service(
            &app,
            test::TestRequest::get().uri("/sign-in").insert_header(("Accept-Language", "ar")).cookie(actix_web::cookie::Cookie::new("barometer_lang", lang)).to_request(),
        )
        .await;
        let html = body_text(res).await;
        assert!(html.contains("<html lang=\"ru\" dir=\"ltr\">") && html.contains("Пароль"), "the switcher's choice wins over the browser's");

        let res = test::call_service(&app, test::TestRequest::get().uri("/lang/fr?next=//evil.example").to_request()).await;
        assert_eq!(res.headers().get("location").unwrap(), "/", "the switcher never redirects off-site");
    }
}
