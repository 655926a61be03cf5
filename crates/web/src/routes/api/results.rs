//! Results: Table 1, Table 2, rank stability, headline figures and the year-over-year
//! comparison, as JSON or exported (`?format=csv|xlsx|parquet|json`), in `?lang=` or the
//! caller's language.

use actix_web::{HttpResponse, web};
use barometer_analytics::{Exportable, Format};
use barometer_domain::{CycleLabel, Lang, Role};
use serde::Deserialize;

use super::cycles::label;
use crate::auth::Caller;
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

/// Answers a table as JSON (the contract's shape) or as an export file.
fn answer<T: Exportable>(table: &T, format: Option<&str>, lang: Lang, stem: &str) -> Result<HttpResponse, ApiError> {
    let format = match format {
        None | Some("") => return Ok(HttpResponse::Ok().json(table)),
        Some(f) => Format::parse(f)
            .ok_or_else(|| ApiError::new(ErrorCode::MalformedRequest, format!("unknown format {f:?}: use json, csv, xlsx or parquet")))?,
    };
    if format == Format::Json {
        return Ok(HttpResponse::Ok().json(table));
    }
    let bytes = barometer_analytics::export(table, format, lang).map_err(|e| ApiError::internal(format!("export: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{stem}.{}\"", format.extension())))
        .body(bytes))
}

async fn cycle_results(
    state: &AppState,
    caller: &Caller,
    raw: &str,
    query: &ResultsQuery,
    ui: Ui,
) -> Result<(CycleLabel, Lang, std::sync::Arc<results::CycleResults>), ApiError> {
    caller.require(READERS)?;
    let label = label(raw)?;
    let lang = results::lang(query.lang.as_deref(), ui.lang)?;
    let (_, computed) = results::cycle(state, &label, lang).await?;
    Ok((label, lang, computed))
}

async fn priorities(
    state: web::Data<AppState>,
    caller: Caller,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, &caller, &path, &query, ui).await?;
    answer(&r.priorities, query.format.as_deref(), lang, &format!("priorities-{label}-{lang}"))
}

async fn regions(
    state: web::Data<AppState>,
    caller: Caller,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, &caller, &path, &query, ui).await?;
    answer(&r.regions, query.format.as_deref(), lang, &format!("regions-{label}-{lang}"))
}

async fn stability(
    state: web::Data<AppState>,
    caller: Caller,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, &caller, &path, &query, ui).await?;
    answer(&r.stability, query.format.as_deref(), lang, &format!("stability-{label}-{lang}"))
}

async fn headline(
    state: web::Data<AppState>,
    caller: Caller,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (label, lang, r) = cycle_results(&state, &caller, &path, &query, ui).await?;
    answer(&r.headline, query.format.as_deref(), lang, &format!("headline-{label}-{lang}"))
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
    answer(comparison.as_ref(), query.format.as_deref(), lang, &format!("compare-{from}-{to}-{lang}"))
}
