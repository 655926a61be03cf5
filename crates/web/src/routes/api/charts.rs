//! Charts as SVG or PNG: `/cycles/{label}/charts/{name}.{svg,png}` and
//! `/charts/compare.{svg,png}?from=&to=`, in `?lang=`, PNG at `?width=` pixels. Rendered off the
//! actix workers and cached with the results they draw.

use actix_web::{HttpResponse, web};
use barometer_charts::{ChartInput, ChartName};
use barometer_domain::Lang;
use serde::Deserialize;

use super::cycles::label;
use super::results::{CompareQuery, READERS, compare_labels};
use crate::auth::{Caller, Credential};
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::results;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/charts/{file}", web::get().to(cycle_chart)).route("/charts/{file}", web::get().to(compare_chart));
}

#[derive(Deserialize)]
struct ChartQuery {
    lang: Option<String>,
    width: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Svg,
    Png,
}

/// `priorities.svg` → (Priorities, Svg).
fn file(name: &str) -> Result<(ChartName, Kind), ApiError> {
    let (stem, ext) = name.rsplit_once('.').ok_or_else(|| ApiError::not_found(format!("chart {name:?}")))?;
    let kind = match ext {
        "svg" => Kind::Svg,
        "png" => Kind::Png,
        _ => return Err(ApiError::not_found(format!("chart {name:?}: use .svg or .png"))),
    };
    let chart = ChartName::parse(stem)
        .ok_or_else(|| ApiError::not_found(format!("chart {stem:?}: use priorities, regions, regions-map, stability or compare")))?;
    Ok((chart, kind))
}

fn width(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw {
        None | Some("") => Ok(barometer_charts::DEFAULT_PNG_WIDTH),
        Some(w) => {
            w.parse::<u32>().ok().filter(|w| (barometer_charts::MIN_PNG_WIDTH..=barometer_charts::MAX_PNG_WIDTH).contains(w)).ok_or_else(
                || {
                    ApiError::invalid(barometer_domain::FieldErrors::single(
                        "width",
                        format!("give a width in pixels from {} to {}", barometer_charts::MIN_PNG_WIDTH, barometer_charts::MAX_PNG_WIDTH),
                    ))
                },
            )
        }
    }
}

fn image(kind: Kind, bytes: std::sync::Arc<Vec<u8>>) -> HttpResponse {
    let content_type = if kind == Kind::Svg { "image/svg+xml" } else { "image/png" };
    HttpResponse::Ok().content_type(content_type).insert_header(("Cache-Control", "private, max-age=60")).body(bytes.as_ref().clone())
}

/// Renders with `draw` off the workers, or answers from the cache.
async fn render(
    state: &AppState,
    key: String,
    draw: impl FnOnce() -> Result<Vec<u8>, barometer_charts::ChartError> + Send + 'static,
) -> Result<std::sync::Arc<Vec<u8>>, ApiError> {
    if let Some(hit) = state.results.charts.get(&key, "") {
        return Ok(hit);
    }
    let bytes = state.compute(draw).await?.map_err(|e| {
        if e.is_client_error() {
            ApiError::invalid(barometer_domain::FieldErrors::single("width", e.to_string()))
        } else {
            ApiError::internal(format!("chart: {e}"))
        }
    })?;
    let value = std::sync::Arc::new(bytes);
    state.results.charts.put(key, String::new(), value.clone());
    Ok(value)
}

fn output(svg: String, kind: Kind, width: u32) -> Result<Vec<u8>, barometer_charts::ChartError> {
    match kind {
        Kind::Svg => Ok(svg.into_bytes()),
        Kind::Png => barometer_charts::svg_to_png(&svg, width),
    }
}

async fn cycle_chart(
    state: web::Data<AppState>,
    credential: Credential,
    ui: Ui,
    path: web::Path<(String, String)>,
    query: web::Query<ChartQuery>,
) -> Result<HttpResponse, ApiError> {
    // The caller's check and the fingerprint in one trip to the database, as for the tables.
    let (label, fp) = results::authorise(&state, credential, READERS, label(&path.0)).await?;
    let (chart, kind) = file(&path.1)?;
    if chart == ChartName::Compare {
        return Err(ApiError::not_found("the compare chart is at /api/v1/charts/compare.svg?from=…&to=…"));
    }
    let lang = results::lang(query.lang.as_deref(), ui.lang)?;
    let width = width(query.width.as_deref())?;
    let (fp, computed) = results::cycle_at(&state, &label, lang, fp).await?;
    // The fingerprint is part of the key: a new submission makes a new key, and old ones age out.
    let key = format!("{fp}:{label}:{}:{lang}:{}:{width}", chart.slug(), if kind == Kind::Svg { "svg" } else { "png" });
    let bytes = render(&state, key, move || {
        let regions = computed.data.definition().questionnaire.regions.clone();
        let input = match chart {
            ChartName::Priorities => ChartInput::Priorities(&computed.priorities),
            ChartName::Regions => ChartInput::Regions(&computed.regions),
            ChartName::RegionsMap => ChartInput::RegionsMap { table: &computed.regions, regions: &regions },
            ChartName::Stability => ChartInput::Stability(&computed.stability),
            ChartName::Compare => unreachable!("answered above"),
        };
        output(barometer_charts::render_svg(&input, lang)?, kind, width)
    })
    .await?;
    Ok(image(kind, bytes))
}

async fn compare_chart(
    state: web::Data<AppState>,
    caller: Caller,
    ui: Ui,
    path: web::Path<String>,
    query: web::Query<CompareQuery>,
    chart_query: web::Query<ChartQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (chart, kind) = file(&path)?;
    if chart != ChartName::Compare {
        return Err(ApiError::not_found(format!(
            "{} is a cycle's chart: /api/v1/cycles/{{label}}/charts/{}.svg",
            chart.slug(),
            chart.slug()
        )));
    }
    let (from, to) = compare_labels(&query)?;
    let lang: Lang = results::lang(query.lang.as_deref(), ui.lang)?;
    let width = width(chart_query.width.as_deref())?;
    let (fp, comparison) = results::comparison(&state, &from, &to, lang).await?;
    let (_, a) = results::cycle(&state, &from, lang).await?;
    let (_, b) = results::cycle(&state, &to, lang).await?;
    let respondents = Some((a.priorities.respondents, b.priorities.respondents));
    let key = format!("{fp}:compare:{from}:{to}:{lang}:{}:{width}", if kind == Kind::Svg { "svg" } else { "png" });
    let bytes = render(&state, key, move || {
        let input = ChartInput::Compare { comparison: &comparison, respondents };
        output(barometer_charts::render_svg(&input, lang)?, kind, width)
    })
    .await?;
    Ok(image(kind, bytes))
}
