//! `POST /api/v1/cycles/{label}/invitations`: a focal point's personal link.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use barometer_domain::{AssemblyCode, FieldErrors, Role};
use serde::Deserialize;

use super::cycles::label;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::json;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/invitations", web::post().to(create));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    assembly: String,
}

/// Makes a new personal link for an assembly's focal point; an earlier link for the same
/// assembly and cycle stops working.
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let label = label(&path)?;
    let assembly =
        AssemblyCode::parse(body.assembly.trim()).map_err(|e| ApiError::invalid(FieldErrors::single("assembly", e.to_string())))?;
    let token = crate::survey::invite(&state, &caller, label.clone(), assembly.clone()).await?.ok_or_else(|| {
        ApiError::invalid(FieldErrors::single(
            "assembly",
            format!("{assembly} is not a member of cycle {label} (it was not on the roster when the cycle opened)"),
        ))
    })?;
    let url = state.config.url(&format!("/i/{token}"));
    Ok(json(StatusCode::CREATED, &serde_json::json!({"assembly": assembly, "cycle": label, "token": token, "url": url})))
}
