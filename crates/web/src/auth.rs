//! Who is calling: a bearer token (API clients, invitation tokens) or the web session cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use barometer_domain::{AssemblyCode, Role};
use barometer_store::auth::{self, Principal, TokenKind};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "barometer_session";

/// An authenticated caller. Extracting it answers 401 when there is no valid credential;
/// `Option<Caller>` lets a page serve signed-out visitors too.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// Unread notifications of the caller's assembly, for the page header (web sessions of
    /// focal points only; `None` elsewhere).
    pub unread: Option<i64>,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.principal.role
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.principal.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!("this needs the {} role; you are signed in as {}", allowed.join(" or "), self.principal.role)))
        }
    }

    /// Whether the caller may see `assembly`'s own records: the Secretariat sees all, a focal
    /// point only its own. Others get 404 rather than 403, so that probing reveals nothing.
    pub fn require_assembly(&self, assembly: &AssemblyCode) -> Result<(), ApiError> {
        match (self.principal.role, &self.principal.assembly) {
            (Role::Secretariat, _) => Ok(()),
            (Role::FocalPoint, Some(own)) if own == assembly => Ok(()),
            _ => Err(ApiError::not_found(format!("response of {assembly}"))),
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        self.principal.actor()
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A bearer token may be an API token or an invitation; the cookie holds a session.
        let credential = match bearer(req) {
            Some(token) => Some((token, &[TokenKind::Api, TokenKind::Invitation][..])),
            None => req.cookie(SESSION_COOKIE).map(|c| (c.value().to_owned(), &[TokenKind::Session][..])),
        };
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (token, kinds) = credential.ok_or_else(ApiError::unauthenticated)?;
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let (principal, unread) = state
                .db(move |conn| {
                    let principal = auth::verify_token(conn, &token)?;
                    let unread = match &principal {
                        Some(p) if p.kind == TokenKind::Session => {
                            p.assembly.as_ref().map(|a| barometer_store::notifications::unread_count(conn, a)).transpose()?
                        }
                        _ => None,
                    };
                    Ok((principal, unread))
                })
                .await?;
            match principal {
                Some(principal) if kinds.contains(&principal.kind) => Ok(Caller { principal, unread }),
                _ => Err(ApiError::new(
                    crate::error::ErrorCode::Unauthenticated,
                    "the token or session is unknown, expired or revoked; sign in again or ask the Secretariat for a new link",
                )),
            }
        })
    }
}
