//! `GET /api/v1/cycles/{label}/status`: the response-rate tracker, as JSON or CSV.

use actix_web::{HttpResponse, web};
use barometer_domain::{Assembly, ResponseStatus, Role};
use barometer_store::responses::StatusRow;
use serde::{Deserialize, Serialize};

use super::cycles::label;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::routes::timestamp;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/status", web::get().to(show));
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackerRow {
    pub assembly: String,
    pub name: String,
    /// `not_started`, `draft` or `submitted`.
    pub status: &'static str,
    pub version: i32,
    pub invited_at: Option<String>,
    pub updated_at: Option<String>,
    pub submitted_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tracker {
    pub cycle: String,
    pub members: usize,
    pub submitted: usize,
    pub drafts: usize,
    pub not_started: usize,
    pub response_rate: f64,
    pub rows: Vec<TrackerRow>,
}

/// Every member of the cycle with where its answer stands.
pub fn tracker(
    cycle: &str,
    members: &[Assembly],
    statuses: &[StatusRow],
    invited: &[(barometer_domain::AssemblyCode, chrono::NaiveDateTime)],
) -> Tracker {
    let rows: Vec<TrackerRow> = members
        .iter()
        .map(|m| {
            let s = statuses.iter().find(|s| s.assembly == m.code);
            TrackerRow {
                assembly: m.code.to_string(),
                name: m.name.clone(),
                status: match s.map(|s| s.status) {
                    None => "not_started",
                    Some(ResponseStatus::Draft) => "draft",
                    Some(ResponseStatus::Submitted) => "submitted",
                },
                version: s.map_or(0, |s| s.version),
                invited_at: invited.iter().find(|(a, _)| a == &m.code).map(|(_, at)| timestamp(*at)),
                updated_at: s.map(|s| timestamp(s.updated_at)),
                submitted_at: s.and_then(|s| s.submitted_at).map(timestamp),
            }
        })
        .collect();
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    let (submitted, drafts, not_started) = (count("submitted"), count("draft"), count("not_started"));
    let members = rows.len();
    let response_rate = if members == 0 { 0.0 } else { (submitted as f64 / members as f64 * 10_000.0).round() / 10_000.0 };
    Tracker { cycle: cycle.to_owned(), members, submitted, drafts, not_started, response_rate, rows }
}

/// Loads the tracker of a cycle, or `None` when there is no such cycle.
pub async fn load(state: &AppState, label: barometer_domain::CycleLabel) -> Result<Option<Tracker>, ApiError> {
    state
        .db(move |conn| {
            let Some(cycle) = barometer_store::cycles::find(conn, &label)? else { return Ok(None) };
            let members = barometer_store::assemblies::members_on(conn, cycle.definition.opens_on)?;
            let statuses = barometer_store::responses::statuses(conn, &label)?;
            let invited = barometer_store::invitations::latest(conn, &label)?;
            Ok(Some(tracker(label.as_str(), &members, &statuses, &invited)))
        })
        .await
}

/// The tracker as CSV: UTF-8 with a byte-order mark (so Excel reads Arabic names right), and
/// every cell that a spreadsheet would run as a formula neutralised.
pub fn csv(tracker: &Tracker) -> String {
    let mut out = String::from("\u{feff}assembly,name,status,version,invited_at,updated_at,submitted_at\r\n");
    for r in &tracker.rows {
        let cells = [
            r.assembly.clone(),
            r.name.clone(),
            r.status.to_owned(),
            r.version.to_string(),
            r.invited_at.clone().unwrap_or_default(),
            r.updated_at.clone().unwrap_or_default(),
            r.submitted_at.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a CSV cell and defuses spreadsheet formulas (`=`, `+`, `-`, `@`, tab, CR at the start).
pub fn csv_cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if defused.contains([',', '"', '\n', '\r']) { format!("\"{}\"", defused.replace('"', "\"\"")) } else { defused }
}

#[derive(Deserialize)]
struct Query {
    format: Option<String>,
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let label = label(&path)?;
    let shown = label.to_string();
    let tracker = load(&state, label).await?.ok_or_else(|| ApiError::not_found(format!("cycle {shown}")))?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(tracker)),
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"response-rates-{shown}.csv\"")))
            .body(csv(&tracker))),
        Some(other) => Err(ApiError::new(ErrorCode::MalformedRequest, format!("unknown format {other:?}: use json or csv"))),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_defused_and_cells_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("PAM"), "PAM");
    }
}
