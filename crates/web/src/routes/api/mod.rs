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
    cfg.service(
        web::scope("/api/v1")
            .configure(assemblies::routes)
            .configure(calendar::routes)
            .configure(cycles::routes)
            .configure(invitations::routes)
            .configure(responses::routes)
            .configure(status::routes)
            .configure(results::routes)
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
