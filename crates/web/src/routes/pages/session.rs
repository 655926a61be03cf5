//! Signing in and out: personal links (invitations and one-time sign-in links) and email with
//! password. A sign-in creates a session token, stored hashed like every token, whose value
//! lives only in an HttpOnly cookie; signing out revokes it.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::Role;
use barometer_store::auth::{self, NewToken, Principal, TokenKind};
use serde::Deserialize;

use super::{Chrome, MessagePage, render, see_other};
use crate::auth::{Caller, SESSION_COOKIE};
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/i/{token}", web::get().to(open_link))
        .route("/sign-in", web::get().to(sign_in_page))
        .route("/sign-in", web::post().to(sign_in))
        .route("/sign-out", web::post().to(sign_out));
}

/// Where a newly signed-in person lands.
fn landing_for(principal: &Principal) -> String {
    match (&principal.role, &principal.cycle) {
        (Role::FocalPoint, Some(cycle)) => format!("/survey/{cycle}"),
        _ => "/".to_owned(),
    }
}

/// Starts a session for `principal` and answers with its cookie and a redirect to `location`.
async fn start_session(state: &AppState, principal: Principal, location: &str) -> Result<HttpResponse, ApiError> {
    let hours = state.config.session_hours;
    let actor = principal.actor();
    let (_, token) = state
        .db(move |conn| {
            auth::create_token(
                conn,
                NewToken {
                    kind: TokenKind::Session,
                    role: principal.role,
                    assembly: principal.assembly.as_ref(),
                    cycle: principal.cycle.as_ref(),
                    user_id: principal.user_id.as_deref(),
                    label: "web session",
                    expires_at: Some(barometer_store::now() + chrono::Duration::hours(hours)),
                },
                &actor,
            )
        })
        .await?;
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .max_age(actix_web::cookie::time::Duration::hours(hours))
        .finish();
    let mut response = see_other(location);
    response.add_cookie(&cookie).map_err(ApiError::internal)?;
    Ok(response)
}

/// Opens a personal link: starts a session and redirects to a clean URL, so the token leaves
/// the address bar and history. One-time sign-in links are spent on first use.
#[derive(Deserialize)]
struct LinkQuery {
    next: Option<String>,
}

async fn open_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let principal = state
        .db(move |conn| {
            let principal = auth::verify_token(conn, &token)?;
            match principal {
                Some(p) if p.kind == TokenKind::SignIn => {
                    auth::revoke_token(conn, &p.token_id, &p.actor())?;
                    Ok(Some(p))
                }
                Some(p) if p.kind == TokenKind::Invitation => Ok(Some(p)),
                _ => Ok(None),
            }
        })
        .await?;
    match principal {
        Some(principal) => {
            // `?next=` (a local path only) lets a link lead straight to a page.
            let location = match query.next.as_deref() {
                Some(next) => super::local_path(Some(next)),
                None => landing_for(&principal),
            };
            start_session(&state, principal, &location).await
        }
        None => Ok(render(
            StatusCode::NOT_FOUND,
            &MessagePage { chrome: Chrome::new(&req, &ui, None), title: ui.t("link-invalid-title"), body: ui.t("link-invalid-body"), ui },
        )),
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ui: Ui,
    chrome: Chrome,
    email: String,
    error: Option<String>,
}

async fn sign_in_page(req: HttpRequest, ui: Ui, caller: Option<Caller>) -> HttpResponse {
    if caller.is_some() {
        return see_other("/");
    }
    render(StatusCode::OK, &SignInPage { chrome: Chrome::new(&req, &ui, None), ui, email: String::new(), error: None })
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(req: HttpRequest, state: web::Data<AppState>, ui: Ui, form: web::Form<SignInForm>) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let page = |error: String, status| {
        render(status, &SignInPage { chrome: Chrome::new(&req, &ui, None), ui, email: form.email.clone(), error: Some(error) })
    };
    if !crate::csrf::verify(&req, &form.csrf) {
        return Ok(page(ui.t("csrf-failed"), StatusCode::FORBIDDEN));
    }
    // Failed attempts are limited per account and per client address (counted in the
    // database, so every instance shares the limits); the account key is the lower-cased
    // email, stored only as a hash, and neither it nor the password is ever logged.
    let account = form.email.trim().to_lowercase();
    let address = crate::limits::client_address(&req, &state.config);
    let per_account = crate::limits::per_minute(state.config.sign_in_failures_per_account);
    let per_address = crate::limits::per_minute(state.config.sign_in_failures_per_address);
    let limited = match crate::limits::check(&state, crate::limits::SIGN_IN_ACCOUNT, account.clone(), per_account).await {
        Ok(()) => crate::limits::check(&state, crate::limits::SIGN_IN_ADDRESS, address.clone(), per_address).await,
        other => other,
    };
    if let Err(error) = limited {
        tracing::info!("sign-in rate-limited");
        let mut response = page(ui.t1("sign-in-limited", "seconds", error.retry_after.unwrap_or(60)), StatusCode::TOO_MANY_REQUESTS);
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(error.retry_after.unwrap_or(60)));
        return Ok(response);
    }
    let (email, password) = (form.email.clone(), form.password.clone());
    let user = state.db(move |conn| auth::verify_password(conn, &email, &password)).await?;
    let Some(user) = user else {
        tracing::info!("sign-in refused");
        crate::limits::record(&state, crate::limits::SIGN_IN_ACCOUNT, account, per_account).await?;
        crate::limits::record(&state, crate::limits::SIGN_IN_ADDRESS, address, per_address).await?;
        return Ok(page(ui.t("sign-in-failed"), StatusCode::UNAUTHORIZED));
    };
    crate::limits::clear(&state, crate::limits::SIGN_IN_ACCOUNT, account).await?;
    let principal = Principal {
        token_id: String::new(),
        kind: TokenKind::Session,
        role: user.role,
        assembly: user.assembly,
        cycle: None,
        user_id: Some(user.id),
    };
    start_session(&state, principal, "/").await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Revokes the session everywhere and clears its cookie.
async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Option<Caller>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ApiError> {
    if !crate::csrf::verify(&req, &form.csrf) {
        return Err(ApiError::forbidden("the form had expired; reload the page and sign out again"));
    }
    if let Some(caller) = caller.filter(|c| c.principal.kind == TokenKind::Session) {
        let id = caller.principal.token_id.clone();
        let actor = caller.actor();
        state.db(move |conn| auth::revoke_token(conn, &id, &actor)).await?;
    }
    let mut response = see_other("/");
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    response.add_cookie(&gone).map_err(ApiError::internal)?;
    Ok(response)
}
