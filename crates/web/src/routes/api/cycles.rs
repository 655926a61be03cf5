//! `/api/v1/cycles`: cycles and their questionnaires.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use barometer_domain::{CycleDefinition, CycleLabel, CycleStatus, FieldErrors, Role};
use barometer_store::cycles::StoredCycle;
use serde::Deserialize;

use super::Items;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::json;
use crate::state::AppState;
use crate::strict_json::Strict;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles", web::get().to(list))
        .route("/cycles", web::post().guard(actix_web::guard::Header("content-type", "application/toml")).to(create_from_toml))
        .route("/cycles", web::post().to(create))
        .route("/cycles/{label}", web::get().to(show))
        .route("/cycles/{label}/status", web::post().to(set_status));
}

/// A path segment that must be a cycle label; anything else cannot name a cycle, so it is 404.
pub fn label(raw: &str) -> Result<CycleLabel, ApiError> {
    CycleLabel::parse(raw).map_err(|_| ApiError::not_found(format!("cycle {raw:?}")))
}

/// A cycle as the API shows it: its definition plus its status.
pub fn cycle_json(cycle: &StoredCycle) -> serde_json::Value {
    let mut value = serde_json::to_value(&cycle.definition).expect("definitions serialize");
    value["status"] = cycle.status.as_str().into();
    value
}

async fn list(state: web::Data<AppState>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let items = state.db(barometer_store::cycles::list).await?;
    Ok(json(StatusCode::OK, &Items { items }))
}

async fn show(state: web::Data<AppState>, _caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let label = label(&path)?;
    let shown = label.clone();
    let cycle = state
        .db(move |conn| barometer_store::cycles::find(conn, &label))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("cycle {shown}")))?;
    Ok(json(StatusCode::OK, &cycle_json(&cycle)))
}

/// Creates a cycle (as a draft) from its definition; errors name the JSON path.
async fn create(state: web::Data<AppState>, caller: Caller, body: web::Json<Strict>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let def: CycleDefinition = barometer_domain::cycle::object_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    def.validate().map_err(ApiError::invalid)?;
    insert(&state, &caller, def).await
}

/// The same, from a TOML questionnaire (`Content-Type: application/toml`).
async fn create_from_toml(state: web::Data<AppState>, caller: Caller, payload: web::Payload) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let body = crate::routes::body::read_limited(payload, state.config.json_limit).await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::new(crate::error::ErrorCode::MalformedRequest, "the body is not UTF-8 text"))?;
    let def = CycleDefinition::from_toml(text).map_err(ApiError::invalid)?;
    insert(&state, &caller, def).await
}

async fn insert(state: &AppState, caller: &Caller, def: CycleDefinition) -> Result<HttpResponse, ApiError> {
    let actor = caller.actor();
    let label = def.label.clone();
    let cycle = state
        .db(move |conn| {
            barometer_store::cycles::insert(conn, &def, CycleStatus::Draft, &actor)?;
            barometer_store::cycles::find(conn, &label)
        })
        .await?
        .ok_or_else(|| ApiError::internal("a cycle just created cannot be read back"))?;
    Ok(json(StatusCode::CREATED, &cycle_json(&cycle)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

/// Moves a cycle along `draft → open → closed → published` (or reopens a closed one).
async fn set_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let label = label(&path)?;
    let next = CycleStatus::parse(&body.status).map_err(|e| ApiError::invalid(FieldErrors::single("status", e)))?;
    let actor = caller.actor();
    let cycle = state
        .db(move |conn| {
            barometer_store::cycles::set_status(conn, &label, next, &actor)?;
            barometer_store::cycles::find(conn, &label)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("cycle"))?;
    Ok(json(StatusCode::OK, &cycle_json(&cycle)))
}
