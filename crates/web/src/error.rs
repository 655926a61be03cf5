//! Errors as the contract shapes them: `{"error": {"code", "message", "fields"}}`. One table maps
//! every code to its HTTP status; unexpected errors are logged once with their cause and
//! answered with an opaque 500.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use barometer_domain::FieldErrors;
use barometer_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedRequest,
    UnsupportedMediaType,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    VersionConflict,
    CycleClosed,
    Conflict,
    PayloadTooLarge,
    InvalidContent,
    RateLimited,
    IdempotencyKeyReused,
    DatabaseUnavailable,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::MalformedRequest => StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::VersionConflict | ErrorCode::CycleClosed | ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InvalidContent | ErrorCode::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: FieldErrors,
    /// Seconds to wait, sent as `Retry-After` (with `rate_limited`).
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), fields: FieldErrors::new(), retry_after: None }
    }

    pub fn invalid(fields: FieldErrors) -> Self {
        let message = match fields.len() {
            1 => format!("invalid input: {fields}"),
            n => format!("{n} fields are invalid; see fields"),
        };
        ApiError { code: ErrorCode::InvalidContent, message, fields, retry_after: None }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{} not found", what.into()))
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(ErrorCode::Unauthenticated, "sign in first: send Authorization: Bearer TOKEN, or open your invitation link")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    /// 429 with `Retry-After`: too many attempts from one client or for one account.
    pub fn rate_limited(retry_after_secs: i64) -> Self {
        let mut error = ApiError::new(
            ErrorCode::RateLimited,
            format!("too many attempts; wait {retry_after_secs} seconds (see Retry-After) and try again"),
        );
        error.retry_after = Some(retry_after_secs.max(1));
        error
    }

    /// An unexpected failure: the cause is logged here, once; the client sees only that it happened.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(ErrorCode::Internal, "an unexpected error occurred; it has been logged")
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            e @ StoreError::VersionConflict { .. } => ApiError::new(ErrorCode::VersionConflict, e.to_string()),
            StoreError::Invalid(fields) => ApiError::invalid(fields),
            StoreError::Connect(message) => {
                tracing::error!(error = %message, "database unavailable");
                ApiError::new(ErrorCode::DatabaseUnavailable, "the database is not answering; try again shortly")
            }
            StoreError::Unsaved(message) => {
                tracing::error!(error = %message, "write not committed");
                ApiError::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database could not save this; nothing of it was stored, so send it again shortly",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "FieldErrors::is_empty")]
    fields: &'a FieldErrors,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if self.code == ErrorCode::Unauthenticated {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response.insert_header(("Retry-After", secs.to_string()));
        }
        response.json(Body { error: Inner { code: self.code, message: &self.message, fields: &self.fields } })
    }
}
