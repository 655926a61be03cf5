//! `POST /api/v1/cycles/{label}/import`: a past cycle's responses from a CSV or XLSX file sent
//! as the body (`Content-Type: text/csv` or the XLSX type), with `?map=old=new` and `?dry_run=true`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::cycles::label;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::import::{self, Upload};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/import", web::post().to(create));
}

/// Import files may be larger than JSON bodies: a workbook of a whole cycle.
const IMPORT_LIMIT: usize = 8 * 1024 * 1024;

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let label = label(&path)?;
    let body = crate::routes::body::read_limited(payload, IMPORT_LIMIT).await?;
    let content_type = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let file_name = if content_type.contains("spreadsheetml") || content_type.contains("ms-excel") { "import.xlsx" } else { "import.csv" };
    let query = form_urlencoded::parse(req.query_string().as_bytes()).collect::<Vec<_>>();
    let map = query.iter().filter(|(k, _)| k == "map").map(|(_, v)| v.to_string()).collect();
    let dry_run = query.iter().any(|(k, v)| k == "dry_run" && (v == "true" || v == "1"));
    let (valid, done) =
        import::run(&state, &caller, label, Upload { file_name: file_name.into(), bytes: body.to_vec(), map, dry_run }).await?;
    Ok(HttpResponse::Ok().json(match done {
        Some(d) => {
            serde_json::json!({"valid": valid, "created": d.created, "updated": d.updated, "unchanged": d.unchanged, "dry_run": false})
        }
        None => serde_json::json!({"valid": valid, "created": 0, "updated": 0, "unchanged": 0, "dry_run": true}),
    }))
}
