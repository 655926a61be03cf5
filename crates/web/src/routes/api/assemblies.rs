//! `/api/v1/assemblies`: the roster.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use barometer_domain::{Assembly, Role};

use super::Items;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::json;
use crate::state::AppState;
use crate::strict_json::Strict;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assemblies", web::get().to(list)).route("/assemblies", web::post().to(create));
}

async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let items = state.db(barometer_store::assemblies::list).await?;
    Ok(json(StatusCode::OK, &Items { items }))
}

async fn create(state: web::Data<AppState>, caller: Caller, body: web::Json<Strict>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let assembly: Assembly = barometer_domain::cycle::object_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    assembly.validate().map_err(ApiError::invalid)?;
    let actor = caller.actor();
    let stored = assembly.clone();
    state.db(move |conn| barometer_store::assemblies::insert(conn, &stored, &actor)).await?;
    Ok(json(StatusCode::CREATED, &assembly))
}
