use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use barometer_domain::{AssemblyCode, Role};
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_test_support::TestDb;
use barometer_web::{AppState, WebConfig};

pub fn state(db: &TestDb) -> AppState {
    AppState::new(db.pool().clone(), WebConfig::new("127.0.0.1:0", "http://barometer.test"))
}

/// The demo data set, loaded as `serve --demo` does.
pub fn load_demo(db: &TestDb) {
    let set = barometer_domain::demo::dataset().unwrap();
    barometer_store::demo::load(&mut db.conn(), &set, chrono::Utc::now().date_naive()).unwrap();
}

pub fn token(db: &TestDb, role: Role, assembly: Option<&str>) -> String {
    let assembly = assembly.map(|a| AssemblyCode::parse(a).unwrap());
    let new =
        NewToken { kind: TokenKind::Api, role, assembly: assembly.as_ref(), cycle: None, user_id: None, label: "test", expires_at: None };
    auth::create_token(&mut db.conn(), new, "test").unwrap().1
}

pub fn sign_in_link(db: &TestDb, role: Role, assembly: Option<&str>, kind: TokenKind) -> String {
    let assembly = assembly.map(|a| AssemblyCode::parse(a).unwrap());
    let cycle = barometer_domain::CycleLabel::parse("2026").unwrap();
    let new = NewToken {
        kind,
        role,
        assembly: assembly.as_ref(),
        cycle: assembly.as_ref().map(|_| &cycle),
        user_id: None,
        label: "test",
        expires_at: None,
    };
    auth::create_token(&mut db.conn(), new, "test").unwrap().1
}

pub fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

/// Calls the app and returns the status and the body as JSON.
pub async fn json<S, B>(app: &S, req: test::TestRequest) -> (StatusCode, serde_json::Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let body = test::read_body(res).await;
    let value = serde_json::from_slice(&body).unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into_owned()));
    (status, value)
}

/// Asserts the contract's error shape and returns its code.
pub fn error_code(body: &serde_json::Value) -> &str {
    let error = &body["error"];
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "an error carries a message: {body}");
    error["code"].as_str().unwrap_or_else(|| panic!("an error carries a code: {body}"))
}

/// The CSRF token the page tests put in both the cookie and the form.
pub const CSRF: &str = "test-csrf-token";
pub const BOUNDARY: &str = "----barometer-test-boundary";

/// A web session (as a sign-in would start) for `role`.
pub fn session(db: &TestDb, role: Role, assembly: Option<&str>) -> String {
    let assembly = assembly.map(|a| AssemblyCode::parse(a).unwrap());
    let new = NewToken {
        kind: TokenKind::Session,
        role,
        assembly: assembly.as_ref(),
        cycle: None,
        user_id: None,
        label: "test",
        expires_at: None,
    };
    auth::create_token(&mut db.conn(), new, "test").unwrap().1
}

/// A browser request: the session cookie (if any) and the CSRF cookie.
pub fn browser(req: test::TestRequest, session: Option<&str>) -> test::TestRequest {
    let req = req.cookie(actix_web::cookie::Cookie::new("barometer_csrf", CSRF));
    match session {
        Some(s) => req.cookie(actix_web::cookie::Cookie::new("barometer_session", s.to_owned())),
        None => req,
    }
}

/// A `multipart/form-data` body: (name, file name, content) per field.
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, filename, value) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// A URL-encoded form body.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

/// Calls the app and returns the status, the headers and the body as text.
pub async fn call<S, B>(app: &S, req: test::TestRequest) -> (StatusCode, actix_web::http::header::HeaderMap, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}
