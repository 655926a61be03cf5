//! The results page: headline figures, Table 1, Table 2, rank stability, the comparison with
//! an earlier cycle, the charts, and downloads of everything.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::results::{Comparison, Headline, PrioritiesTable, RegionsTable, Stability};
use barometer_domain::{CycleLabel, Role};
use serde::Deserialize;

use super::{Chrome, render};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::results;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/results", web::get().to(show));
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    ui: Ui,
    chrome: Chrome,
    label: String,
    lang: String,
    headline: Headline,
    respondents_line: String,
    rate: String,
    priorities: PrioritiesTable,
    regions: RegionsTable,
    stability: Stability,
    others: Vec<String>,
    compare_with: Option<String>,
    comparison: Option<Comparison>,
}

impl ResultsPage {
    fn pct(&self, share: &f64) -> String {
        format!("{:.0} %", share * 100.0)
    }

    fn opt(&self, value: &Option<f64>) -> String {
        value.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".to_owned())
    }

    fn rs(&self, value: &Option<barometer_domain::results::RankShare>) -> String {
        value.map(|v| format!("{} ({:.0} %)", v.rank, v.share * 100.0)).unwrap_or_else(|| "—".to_owned())
    }

    fn is_child(&self, parent: &Option<barometer_domain::RegionCode>) -> bool {
        parent.is_some()
    }
}

#[derive(Deserialize)]
struct Query {
    compare: Option<String>,
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat, Role::Analyst])?;
    let label = CycleLabel::parse(&path).map_err(|_| ApiError::not_found("cycle"))?;
    let (_, computed) = results::cycle(&state, &label, ui.lang).await?;
    // Newest first, as the store lists them.
    let all: Vec<String> =
        state.db(|conn| Ok(barometer_store::cycles::list(conn)?.into_iter().map(|c| c.label.to_string()).collect::<Vec<_>>())).await?;
    // By default compare with the cycle before this one, when there is one.
    let compare_with = match query.compare.as_deref() {
        Some("") => None,
        Some(other) => Some(other.to_owned()),
        None => all.iter().position(|l| l == label.as_str()).and_then(|i| all.get(i + 1)).cloned(),
    };
    let others: Vec<String> = all.into_iter().filter(|l| l != label.as_str()).collect();
    let comparison = match &compare_with {
        Some(other) => {
            let from = CycleLabel::parse(other).map_err(|_| ApiError::not_found("cycle"))?;
            Some(results::comparison(&state, &from, &label, ui.lang).await?.1.as_ref().clone())
        }
        None => None,
    };
    let page = ResultsPage {
        chrome: Chrome::new(&req, &ui, Some(&caller)),
        label: label.to_string(),
        lang: ui.code().to_owned(),
        respondents_line: ui.t2(
            "results-respondents",
            ("respondents", computed.headline.respondents.to_string()),
            ("members", computed.headline.members.to_string()),
        ),
        rate: format!("{:.0} %", computed.headline.response_rate * 100.0),
        headline: computed.headline.clone(),
        priorities: computed.priorities.clone(),
        regions: computed.regions.clone(),
        stability: computed.stability.clone(),
        others,
        compare_with,
        comparison,
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}
