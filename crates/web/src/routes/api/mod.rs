//! The JSON API under `/api/v1`, as `../shared/CONTRACT.md` describes it.

use actix_web::web;
use serde::Serialize;

mod assemblies;
pub mod calendar;
mod charts;
pub mod cycles;
mod import;
mod invitations;
pub mod membership;
mod responses;
mod results;
pub mod status;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // actix tries the routes in this order, matching each dynamic pattern in turn: the routes
    // called most (submissions and their reads, cached results) come first. No two of these
    // patterns match one path (a segment is never a `/`), so the order changes nothing else;
    // `tests/api/access.rs` checks every route's answer for every role.
    cfg.service(
        web::scope("/api/v1")
            .configure(responses::routes)
            .configure(results::routes)
            .configure(assemblies::routes)
            .configure(calendar::routes)
            .configure(cycles::routes)
            .configure(invitations::routes)
            .configure(status::routes)
            .configure(charts::routes)
            .configure(import::routes)
            .configure(membership::routes),
    );
}

/// The list envelope: `{"items": [...]}`.
#[derive(Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}
