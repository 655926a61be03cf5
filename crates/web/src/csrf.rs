//! CSRF protection for every state-changing form: a random token in a SameSite=Strict cookie,
//! repeated in a hidden field, compared in constant time (the double-submit pattern; no
//! server-side state, so it works across instances).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, body::MessageBody};
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "barometer_csrf";

#[derive(Clone)]
struct Issued(String);

/// Gives every browser a CSRF cookie on its first visit.
pub async fn ensure_cookie(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // Only pages carry forms; API clients and probes get no cookie.
    let path = req.path();
    let is_page = !(path.starts_with("/api/") || path.starts_with("/static/") || path == "/healthz" || path == "/readyz");
    let issued = if is_page && req.cookie(CSRF_COOKIE).is_none() {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        req.extensions_mut().insert(Issued(token.clone()));
        Some(token)
    } else {
        None
    };
    let secure = req.app_data::<actix_web::web::Data<crate::state::AppState>>().is_some_and(|s| s.config.secure_cookies());
    let mut response = next.call(req).await?;
    if let Some(token) = issued {
        let cookie = Cookie::build(CSRF_COOKIE, token).path("/").http_only(true).same_site(SameSite::Strict).secure(secure).finish();
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}

/// The token a form must carry: the cookie's, or the one issued with this very response.
pub fn token(req: &HttpRequest) -> String {
    if let Some(issued) = req.extensions().get::<Issued>() {
        return issued.0.clone();
    }
    req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default()
}

/// Whether a submitted form's token matches the browser's cookie.
pub fn verify(req: &HttpRequest, submitted: &str) -> bool {
    match req.cookie(CSRF_COOKIE) {
        Some(cookie) if !submitted.is_empty() => bool::from(cookie.value().as_bytes().ct_eq(submitted.as_bytes())),
        _ => false,
    }
}
