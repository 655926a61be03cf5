//! `/api/v1/assemblies`: the roster.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use barometer_domain::{Assembly, AssemblyCode, Role};
use serde::{Deserialize, Serialize};

use super::Items;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::json;
use crate::state::AppState;
use crate::strict_json::Strict;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assemblies", web::get().to(list))
        .route("/assemblies", web::post().to(create))
        .route("/assemblies/{code}/contact", web::put().to(set_contact));
}

/// An assembly on the roster, with the address the Secretariat writes to (if any).
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    assembly: Assembly,
    contact_email: Option<String>,
}

async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let (assemblies, mut contacts) =
        state.db(|conn| Ok((barometer_store::assemblies::list(conn)?, barometer_store::assemblies::contacts(conn)?))).await?;
    let items: Vec<Listed> = assemblies
        .into_iter()
        .map(|assembly| {
            let contact_email = contacts.remove(assembly.code.as_str());
            Listed { assembly, contact_email }
        })
        .collect();
    Ok(json(StatusCode::OK, &Items { items }))
}

/// The body of `PUT /assemblies/{code}/contact`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    contact_email: Option<String>,
}

/// Sets (or, with `null` or `""`, clears) the address the Secretariat writes to for an
/// assembly: notices of requests to join go there as well as to its focal points.
async fn set_contact(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Strict>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let code = AssemblyCode::parse(&path).map_err(|_| ApiError::not_found(format!("assembly {:?}", path.as_str())))?;
    let body: ContactBody = barometer_domain::cycle::deserialize_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    let email = crate::membership::contact_email(body.contact_email.as_deref())?;
    let (actor, stored) = (caller.actor(), email.clone());
    let c = code.clone();
    state.db(move |conn| barometer_store::assemblies::set_contact_email(conn, &c, stored.as_deref(), &actor)).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({"code": code, "contact_email": email})))
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
