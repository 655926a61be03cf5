//! Server-rendered pages. Every page works without JavaScript; every form carries a CSRF token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::Caller;
use crate::i18n::Ui;

mod calendar;
mod cycles;
mod dashboard;
mod meetings;
mod membership;
mod results;
mod roster;
mod session;
mod static_files;
mod survey;

pub fn routes(cfg: &mut web::ServiceConfig) {
    static_files::routes(cfg);
    session::routes(cfg);
    dashboard::routes(cfg);
    survey::routes(cfg);
    cycles::routes(cfg);
    calendar::routes(cfg);
    roster::routes(cfg);
    results::routes(cfg);
    membership::routes(cfg);
    meetings::routes(cfg);
    cfg.route("/lang/{code}", web::get().to(switch_language));
}

/// What every page's frame shows: who is signed in, the CSRF token for its forms, and the
/// current path (for the language switcher).
pub struct Chrome {
    pub who: Option<String>,
    pub csrf: String,
    pub path: String,
    /// Unread notifications of a focal point's assembly, for the header.
    pub unread: Option<i64>,
}

impl Chrome {
    pub fn new(req: &HttpRequest, ui: &Ui, caller: Option<&Caller>) -> Chrome {
        let who = caller.map(|c| {
            let role = ui.t(&format!("role-{}", c.role().as_str()));
            match &c.principal.assembly {
                Some(assembly) => format!("{role} · {assembly}"),
                None => role,
            }
        });
        let path = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Chrome { who, csrf: crate::csrf::token(req), path, unread: caller.and_then(|c| c.unread) }
    }
}

impl Chrome {
    /// The unread count to show, when there is any.
    pub fn unread_badge(&self) -> Option<i64> {
        self.unread.filter(|n| *n > 0)
    }
}

/// Renders a template as an HTML answer with `status`.
pub fn render(status: actix_web::http::StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::ApiError::internal(format!("template: {e}"))),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub ui: Ui,
    pub chrome: Chrome,
    pub title: String,
    pub body: String,
}

/// A local path to return to; anything else (another site, a scheme) becomes `/`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.contains(['\r', '\n']) => p.to_owned(),
        _ => "/".to_owned(),
    }
}

/// A share rounded to 5 %, for a meter's width: the CSP allows no inline style, so the
/// stylesheet has one rule per step (`.meter-fill[data-rate="35"]`).
pub fn meter_step(share: f64) -> u32 {
    ((share.clamp(0.0, 1.0) * 20.0).round() as u32) * 5
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// The language switcher: remembers the choice in a cookie and returns to the page.
async fn switch_language(req: HttpRequest, path: web::Path<String>, query: web::Query<Next>) -> HttpResponse {
    let target = local_path(query.next.as_deref());
    let Some(lang) = barometer_domain::Lang::parse(&path) else {
        return see_other(&target);
    };
    let secure = req.app_data::<web::Data<crate::state::AppState>>().is_some_and(|s| s.config.secure_cookies());
    let cookie = actix_web::cookie::Cookie::build(crate::i18n::LANG_COOKIE, lang.code())
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    HttpResponse::SeeOther().insert_header((header::LOCATION, target)).cookie(cookie).finish()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/survey/2025")), "/survey/2025");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
