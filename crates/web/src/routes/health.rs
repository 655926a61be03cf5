//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz)).route("/readyz", web::get().to(readyz));
}

/// 200 while the process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// 200 when the database answers a query; 503 otherwise.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db(|conn| conn.batch_execute("SELECT 1").map_err(Into::into)).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready", "database": "ok"})),
        Err(_) => HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable", "database": "not answering"})),
    }
}
