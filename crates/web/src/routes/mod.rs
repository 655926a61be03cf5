//! Every route, one module per resource.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{ApiError, ErrorCode};

mod api;
pub mod body;
mod docs;
mod health;
pub mod pages;
mod views;

pub use views::{empty_response_json, response_json, timestamp};

pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    api::routes(cfg);
    docs::routes(cfg);
    pages::routes(cfg);
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD && req.match_pattern().is_some() {
        return Err(ApiError::new(ErrorCode::MethodNotAllowed, format!("{} is not allowed here", req.method())));
    }
    Err(ApiError::not_found(format!("no such page or route: {}", req.path())))
}

/// JSON bodies: limited in size, and every failure answered in the contract's error shape.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |error, _req| {
        let api = match &error {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => body::too_large(limit),
            JsonPayloadError::ContentType => {
                ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as JSON with Content-Type: application/json")
            }
            JsonPayloadError::Deserialize(e) => {
                ApiError::new(ErrorCode::MalformedRequest, format!("the body is not valid JSON for this route: {e}"))
            }
            other => ApiError::new(ErrorCode::MalformedRequest, format!("the body could not be read: {other}")),
        };
        api.into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error: PathError, _req| ApiError::not_found(format!("no such resource ({error})")).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        ApiError::new(ErrorCode::MalformedRequest, format!("bad query string: {error}")).into()
    })
}

/// A JSON answer with a status.
pub fn json<T: serde::Serialize>(status: actix_web::http::StatusCode, body: &T) -> HttpResponse {
    HttpResponse::build(status).json(body)
}
