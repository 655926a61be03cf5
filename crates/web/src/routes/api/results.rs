//! Results: Table 1, Table 2, rank stability, headline figures and the year-over-year
//! comparison, as JSON or exported (`?format=csv|xlsx|parquet|json`), in `?lang=` or the
//! caller's language.

use std::sync::OnceLock;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use barometer_analytics::{Exportable, Format};
use barometer_domain::{CycleLabel, Lang, Role};
use serde::Deserialize;

use super::cycles::label;
use crate::auth::{Caller, Credential};
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Ui;
use crate::results;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/results/priorities", web::get().to(priorities))
        .route("/cycles/{label}/results/regions", web::get().to(regions))
        .route("/cycles/{label}/results/stability", web::get().to(stability))
        .route("/cycles/{label}/results/headline", web::get().to(headline))
        .route("/compare", web::get().to(compare));
}

#[derive(Deserialize)]
pub struct ResultsQuery {
    pub format: Option<String>,
    pub lang: Option<String>,
}

pub const READERS: &[Role] = &[Role::Secretariat, Role::Analyst];

/// Answers a table as JSON (the contract's shape; serialised once per computed result, into
/// `json`) or as an export file (made on a compute thread, from a copy of the table).
async fn answer<T: Exportable + Clone + Send + 'static>(
    state: &AppState,
    table: &T,
    json: &OnceLock<Bytes>,
    format: Option<&str>,
    lang: Lang,
    stem: &str,
) -> Result<HttpResponse, ApiError> {
    let format = match format {
        None | Some("") => Format::Json,
        Some(f) => Format::parse(f)
            .ok_or_else(|| ApiError::new(ErrorCode::MalformedRequest, format!("unknown format {f:?}: use json, csv, xlsx or parquet")))?,
    };
    if format == Format::Json {
        return Ok(HttpResponse::Ok().insert_header(actix_web::http::header::ContentType::json()).body(results::json_body(json, table)?));
    }
    let table = table.clone();
    let bytes = state
        .compute(move || barometer_analytics::export(&table, format, lang))
        .await?
        .map_err(|e| ApiError::internal(format!("export: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{stem}.{}\"", format.extension())))
        .body(bytes))
}

/// The caller's check, the fingerprint read and (when cached) the results: one trip to the
/// database in all.
async fn cycle_results(
    state: &AppState,
    credential: Credential,
    raw: &str,
    query: &ResultsQuery,
    ui: Ui,
) -> Result<(CycleLabel, Lang, std::sync::Arc<results::CycleResults>), ApiError> {
    let (label, fp) = results::authorise(state, credential, READERS, label(raw)).await?;
    let lang = results::lang(query.lang.as_deref(), ui.lang)?;
    let (_, computed) = results::cycle_at(state, &label, lang, fp).await?;
    Ok((label, lang, computed))
}

async fn priorities(
    state: web::Data<AppState>,
    credential: Credential,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, credential, &path, &query, ui).await?;
    answer(&state, &r.priorities, &r.json.priorities, query.format.as_deref(), lang, &format!("priorities-{label}-{lang}")).await
}

async fn regions(
    state: web::Data<AppState>,
    credential: Credential,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, credential, &path, &query, ui).await?;
    answer(&state, &r.regions, &r.json.regions, query.format.as_deref(), lang, &format!("regions-{label}-{lang}")).await
}

async fn stability(
    state: web::Data<AppState>,
    credential: Credential,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, credential, &path, &query, ui).await?;
    answer(&state, &r.stability, &r.json.stability, query.format.as_deref(), lang, &format!("stability-{label}-{lang}")).await
}

async fn headline(
    state: web::Data<AppState>,
    credential: Credential,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, credential, &path, &query, ui).await?;
    answer(&state, &r.headline, &r.json.headline, query.format.as_deref(), lang, &format!("headline-{label}-{lang}")).await
}

#[derive(Deserialize)]
pub struct CompareQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
}

/// Both cycles of a comparison, from `?from=&to=`.
pub fn compare_labels(query: &CompareQuery) -> Result<(CycleLabel, CycleLabel), ApiError> {
    let get = |name: &str, value: &Option<String>| -> Result<CycleLabel, ApiError> {
        let raw = value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::invalid(barometer_domain::FieldErrors::single(name, format!("give the {name} cycle, e.g. ?from=2023-24&to=2025")))
        })?;
        CycleLabel::parse(raw).map_err(|e| ApiError::invalid(barometer_domain::FieldErrors::single(name, e.to_string())))
    };
    Ok((get("from", &query.from)?, get("to", &query.to)?))
}

async fn compare(state: web::Data<AppState>, caller: Caller, ui: Ui, query: web::Query<CompareQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (from, to) = compare_labels(&query)?;
    let lang = results::lang(query.lang.as_deref(), ui.lang)?;
    let (_, comparison) = results::comparison(&state, &from, &to, lang).await?;
    answer(&state, comparison.as_ref(), &OnceLock::new(), query.format.as_deref(), lang, &format!("compare-{from}-{to}-{lang}")).await
}
