//! `/api/v1/membership-requests`, `/api/v1/meetings`, `/api/v1/presidency` and
//! `/api/v1/notifications`: joining the Mechanism under the amended Terms of Reference.
//!
//! The public `POST /membership-requests` has no challenge question (an API client cannot
//! answer one); it is limited per client address instead, as the form is.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use barometer_domain::Role;
use barometer_domain::membership::{Meeting, Presidency, RequestInput};
use serde::Deserialize;
use serde_json::json;

use super::Items;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Ui;
use crate::membership::{self, instant, request_json};
use crate::routes::json;
use crate::state::AppState;
use crate::strict_json::Strict;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/membership-requests", web::get().to(list))
        .route("/membership-requests", web::post().to(create))
        .route("/membership-requests/{id}/decision", web::post().to(decide))
        .route("/membership-requests/{id}/notify", web::post().to(notify))
        .route("/membership-requests/{id}/letter", web::get().to(letter))
        .route("/meetings", web::get().to(meetings))
        .route("/meetings", web::post().to(create_meeting))
        .route("/presidency", web::get().to(presidency))
        .route("/presidency", web::post().to(record_presidency))
        .route("/notifications", web::get().to(notifications))
        .route("/notifications/{id}/read", web::post().to(mark_read));
}

async fn create(req: HttpRequest, state: web::Data<AppState>, ui: Ui, body: web::Json<Strict>) -> Result<HttpResponse, ApiError> {
    let address = crate::limits::client_address(&req, &state.config);
    let limit = crate::limits::per_hour(state.config.membership_requests_per_hour);
    crate::limits::hit(&state, crate::limits::MEMBERSHIP, address, limit).await?;
    let input: RequestInput = barometer_domain::cycle::deserialize_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    let stored = membership::submit(&state, input, ui.lang, None, "public:api".to_owned()).await?;
    Ok(json(StatusCode::CREATED, &request_json(&stored, &[])))
}

async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let items = state
        .db(|conn| {
            let mut out = Vec::new();
            for r in barometer_store::membership::list(conn)? {
                let history = barometer_store::audit::history(conn, barometer_store::membership::ENTITY, &r.id)?;
                out.push(request_json(&r, &history));
            }
            Ok(out)
        })
        .await?;
    Ok(json(StatusCode::OK, &Items { items }))
}

#[derive(Deserialize)]
struct DecisionBody {
    meeting: Option<u32>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    code: String,
}

async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Strict>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let body: DecisionBody = barometer_domain::cycle::deserialize_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    let id = path.into_inner();
    let stored = membership::decide(&state, id.clone(), body.meeting, &body.decision, &body.code, caller.actor()).await?;
    let history = state.db(move |conn| barometer_store::audit::history(conn, barometer_store::membership::ENTITY, &id)).await?;
    Ok(json(StatusCode::OK, &request_json(&stored, &history)))
}

async fn notify(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let done = membership::notify(&state, path.into_inner(), caller.actor()).await?;
    let smtp = state.config.smtp_url.is_some();
    Ok(json(StatusCode::OK, &json!({"assemblies": done.assemblies, "emails": done.emails, "smtp_configured": smtp})))
}

/// The attached letter, to the Secretariat only, as a download that browsers never render.
async fn letter(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let id = path.into_inner();
    let shown = id.clone();
    let letter = state.db(move |conn| barometer_store::membership::letter(conn, &id)).await?;
    let letter = letter.ok_or_else(|| ApiError::not_found(format!("letter of membership request {shown}")))?;
    Ok(pdf(letter))
}

pub fn pdf(letter: barometer_store::membership::Letter) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}\"", letter.file_name)))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(letter.content)
}

async fn meetings(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    // Any signed-in caller: the agenda is the Mechanism's own business.
    caller.require(&[Role::Secretariat, Role::Analyst, Role::FocalPoint])?;
    let rows = state.db(membership::meetings_with_agenda).await?;
    let items: Vec<_> = rows.iter().map(|(m, next, agenda)| membership::meeting_json(m, *next, agenda)).collect();
    Ok(json(StatusCode::OK, &Items { items }))
}

async fn create_meeting(state: web::Data<AppState>, caller: Caller, body: web::Json<Strict>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let meeting: Meeting = barometer_domain::cycle::deserialize_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    meeting.validate().map_err(ApiError::invalid)?;
    let actor = caller.actor();
    let stored = meeting.clone();
    state.db(move |conn| barometer_store::meetings::insert(conn, &stored, &actor)).await?;
    Ok(json(StatusCode::CREATED, &membership::meeting_json(&meeting, false, &[])))
}

async fn presidency(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat, Role::Analyst, Role::FocalPoint])?;
    let items = state.db(barometer_store::meetings::presidencies).await?;
    let current = barometer_domain::membership::presidency_on(&items, membership::today()).cloned();
    Ok(json(StatusCode::OK, &json!({"current": current, "items": items})))
}

async fn record_presidency(state: web::Data<AppState>, caller: Caller, body: web::Json<Strict>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let term: Presidency = barometer_domain::cycle::deserialize_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    term.validate().map_err(ApiError::invalid)?;
    let actor = caller.actor();
    let stored = term.clone();
    state.db(move |conn| barometer_store::meetings::record_presidency(conn, &stored, &actor)).await?;
    Ok(json(StatusCode::CREATED, &term))
}

/// The caller's assembly's notifications, newest first. The Secretariat and analysts speak for
/// no assembly and have none.
async fn notifications(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat, Role::Analyst, Role::FocalPoint])?;
    let Some(assembly) = caller.principal.assembly.clone() else {
        return Ok(json(StatusCode::OK, &Items::<serde_json::Value> { items: vec![] }));
    };
    let rows = state.db(move |conn| barometer_store::notifications::for_assembly(conn, &assembly)).await?;
    let items = rows
        .iter()
        .map(|n| {
            json!({"id": n.id, "assembly": n.assembly, "kind": n.kind, "subject": n.subject, "body": n.body,
                   "request": n.request_id, "created_at": instant(n.created_at), "read": n.read_at.is_some()})
        })
        .collect();
    Ok(json(StatusCode::OK, &Items { items }))
}

async fn mark_read(state: web::Data<AppState>, caller: Caller, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::FocalPoint])?;
    let assembly =
        caller.principal.assembly.clone().ok_or_else(|| ApiError::new(ErrorCode::Forbidden, "this token speaks for no assembly"))?;
    let id = path.into_inner();
    let actor = caller.actor();
    state.db(move |conn| barometer_store::notifications::mark_read(conn, &assembly, Some(&id), &actor)).await?;
    Ok(json(StatusCode::OK, &json!({"read": true})))
}
