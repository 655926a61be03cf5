//! Rate limits for the web layer: who the client is, and the 429 answer. The counters live in
//! the database (`barometer_store::rate_limit`), so every instance shares one limit.

use actix_web::HttpRequest;
use barometer_store::rate_limit::{self, Limit, Verdict};

use crate::config::WebConfig;
use crate::error::ApiError;
use crate::state::AppState;

/// Expressions of interest per client address.
pub const MEMBERSHIP: &str = "membership-request";
/// Failed password sign-ins per account (keyed by the lower-cased email, stored hashed).
pub const SIGN_IN_ACCOUNT: &str = "sign-in-account";
/// Failed password sign-ins per client address.
pub const SIGN_IN_ADDRESS: &str = "sign-in-address";

pub fn per_hour(max: u32) -> Limit {
    Limit { max, window_secs: 3600 }
}

pub fn per_minute(max: u32) -> Limit {
    Limit { max, window_secs: 60 }
}

/// The client's address: the TCP peer, or the first `X-Forwarded-For` entry when the
/// configuration says a proxy sets it (a client could otherwise forge the header).
pub fn client_address(req: &HttpRequest, config: &WebConfig) -> String {
    if config.trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.to_owned();
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".to_owned())
}

fn answer(verdict: Verdict) -> Result<(), ApiError> {
    match verdict {
        Verdict::Allowed => Ok(()),
        Verdict::Limited { retry_after_secs } => Err(ApiError::rate_limited(retry_after_secs)),
    }
}

/// Counts one attempt and answers 429 (with `Retry-After`) once the limit is passed.
pub async fn hit(state: &AppState, bucket: &'static str, key: String, limit: Limit) -> Result<(), ApiError> {
    answer(state.db(move |conn| rate_limit::hit(conn, bucket, &key, limit)).await?)
}

/// Answers 429 when `key` has used up `limit`, without counting.
pub async fn check(state: &AppState, bucket: &'static str, key: String, limit: Limit) -> Result<(), ApiError> {
    answer(state.db(move |conn| rate_limit::check(conn, bucket, &key, limit)).await?)
}

/// Counts one event (a failure) for `key`.
pub async fn record(state: &AppState, bucket: &'static str, key: String, limit: Limit) -> Result<(), ApiError> {
    state.db(move |conn| rate_limit::record(conn, bucket, &key, limit)).await
}

/// Forgets `key`'s events (a successful sign-in clears that account's failures).
pub async fn clear(state: &AppState, bucket: &'static str, key: String) -> Result<(), ApiError> {
    state.db(move |conn| rate_limit::clear(conn, bucket, &key)).await
}
