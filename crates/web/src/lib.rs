//! barometer's web service: the actix-web application that serves the survey pages, the JSON
//! API (`/api/v1`), health checks and sign-in.
//!
//! What it is for: HTTP — routing, authentication and authorisation, turning requests into
//! domain inputs and store calls (always off the actix worker threads), and answers into JSON
//! or HTML. [`Application`] is built the same way by `barometer serve` and by the tests, so
//! the tests run the real app.
//!
//! What it is not for: validation rules (the domain crate), SQL (the store crate), computing
//! results or drawing charts. Nothing depends on this crate but the binary.

mod app;
mod auth;
mod calendar;
mod config;
mod csrf;
mod error;
mod headers;
mod held;
mod i18n;
mod import;
mod limits;
pub mod mail;
mod membership;
mod openapi;
mod results;
mod routes;
mod state;
mod strict_json;
mod survey;
mod survey_form;
mod telemetry;

pub use app::{Application, configure};
pub use config::WebConfig;
pub use error::{ApiError, ErrorCode};
pub use held::HeldStats;
pub use i18n::Ui;
pub use state::AppState;
