//! Who is calling: a bearer token (API clients, invitation tokens) or the web session cookie.

use std::future::{Future, Ready, ready};
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

/// What a request presents to prove who it is, read without the database: a bearer token (an
/// API token or an invitation) or the session cookie. [`Credential::check`] checks it.
///
/// Extract [`Caller`] in a handler; take a `Credential` only where the check should share one
/// trip to the database with other reads (the cached results, read most of all). Extracting it
/// answers 401 when the request carries none.
#[derive(Debug)]
pub struct Credential {
    token: String,
    kinds: &'static [TokenKind],
}

impl Credential {
    pub fn of(req: &HttpRequest) -> Option<Credential> {
        match bearer(req) {
            Some(token) => Some(Credential { token, kinds: &[TokenKind::Api, TokenKind::Invitation] }),
            None => req.cookie(SESSION_COOKIE).map(|c| Credential { token: c.value().to_owned(), kinds: &[TokenKind::Session] }),
        }
    }

    /// The hash of the token presented, as the database keeps it.
    pub fn token_hash(&self) -> String {
        auth::hash_token(&self.token)
    }

    /// Whether a token of `kind` may be presented the way this one was (a session only as the
    /// cookie, other tokens only as a bearer token).
    pub fn accepts(&self, kind: TokenKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The caller, or 401 when the token or session is unknown, expired, revoked or of the wrong
    /// kind for how it was sent. Checked through the batched checks ([`AppState::check`]): under
    /// load one statement checks every waiting request's token.
    pub async fn check(self, state: &AppState) -> Result<Caller, ApiError> {
        let (principal, _) = state.check(auth::TokenCheck { token: self.token, cycle: None }).await?;
        let principal = accepted(self.kinds, principal)?;
        let unread = match (&principal.kind, &principal.assembly) {
            (TokenKind::Session, Some(assembly)) => {
                let assembly = assembly.clone();
                Some(state.db(move |conn| barometer_store::notifications::unread_count(conn, &assembly)).await?)
            }
            _ => None,
        };
        Ok(Caller { principal, unread })
    }

    /// [`Credential::check`], with the results fingerprint of `cycle` (`None` when there is no
    /// such cycle), through the batched reads ([`AppState::check`]): under load one statement
    /// checks every waiting request. The fingerprint is read before the caller is known, so
    /// answer nothing from it to a caller that is refused. The caller carries no count of unread
    /// notifications (that is for pages, and this is for the JSON API).
    pub async fn check_with_fingerprint(
        self,
        state: &AppState,
        cycle: barometer_domain::CycleLabel,
    ) -> Result<(Result<Caller, ApiError>, Option<String>), ApiError> {
        let (principal, fingerprint) = state.check(auth::TokenCheck { token: self.token, cycle: Some(cycle) }).await?;
        let caller = accepted(self.kinds, principal).map(|principal| Caller { principal, unread: None });
        Ok((caller, fingerprint))
    }

    /// [`Credential::check`], in the same statement as the first read of a write of
    /// `assembly`'s response to `cycle`, through the batched reads of the survey's writes
    /// ([`AppState::find_response_for`], PostgreSQL only): an unkeyed submission makes one trip
    /// to the database before its write instead of two. What was read is read before the caller
    /// is known: answer nothing from it to a caller that is refused, nor before the caller's
    /// role and assembly are checked. The caller carries no count of unread notifications (that
    /// is for pages, and this is for the JSON API).
    pub async fn check_with_response(
        self,
        state: &AppState,
        cycle: barometer_domain::CycleLabel,
        assembly: AssemblyCode,
    ) -> Result<(Result<Caller, ApiError>, Option<barometer_store::responses::WithCycle>), ApiError> {
        let (principal, found) = state.find_response_for(self.token, cycle, assembly).await?;
        let caller = accepted(self.kinds, principal).map(|principal| Caller { principal, unread: None });
        Ok((caller, found))
    }
}

/// The principal, if there is one and its token is of a kind that may be sent as it was; 401
/// otherwise.
fn accepted(kinds: &[TokenKind], principal: Option<Principal>) -> Result<Principal, ApiError> {
    match principal {
        Some(principal) if kinds.contains(&principal.kind) => Ok(principal),
        _ => Err(ApiError::new(
            crate::error::ErrorCode::Unauthenticated,
            "the token or session is unknown, expired or revoked; sign in again or ask the Secretariat for a new link",
        )),
    }
}

impl FromRequest for Credential {
    type Error = ApiError;
    type Future = Ready<Result<Credential, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Credential::of(req).ok_or_else(ApiError::unauthenticated))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = Credential::of(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let credential = credential.ok_or_else(ApiError::unauthenticated)?;
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            credential.check(&state).await
        })
    }
}
