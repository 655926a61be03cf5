//! The home page: an introduction for visitors, the dashboard for people signed in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::{ResponseStatus, Role};
use barometer_store::{assemblies, cycles, responses};

use super::{Chrome, render};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Ui, ltr};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    ui: Ui,
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    ui: Ui,
    chrome: Chrome,
    focal: bool,
    secretariat: bool,
    assembly_name: Option<String>,
    /// Who holds the Presidency today.
    presidency: Option<String>,
    rows: Vec<Row>,
}

struct Row {
    label: String,
    /// Where the cycle's label leads: the survey for a focal point, the cycle page for the Secretariat.
    link: Option<String>,
    window: String,
    status_code: &'static str,
    status: String,
    members: usize,
    submitted: usize,
    drafts: usize,
    rate: String,
    /// The rate rounded to 5 %, for the meter's width (the CSP allows no inline style).
    rate_step: u32,
    response_code: &'static str,
    response: String,
}

/// Per cycle: (summary, members, submitted, drafts, this assembly's status).
type CycleFigures = (cycles::CycleSummary, usize, usize, usize, Option<ResponseStatus>);

async fn home(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Option<Caller>) -> Result<HttpResponse, ApiError> {
    let Some(caller) = caller else {
        return Ok(render(StatusCode::OK, &Landing { chrome: Chrome::new(&req, &ui, None), ui }));
    };
    let own = caller.principal.assembly.clone();
    let (figures, assembly_name): (Vec<CycleFigures>, Option<String>) = state
        .db(move |conn| {
            let mut out = Vec::new();
            for summary in cycles::list(conn)? {
                let members = assemblies::members_on(conn, summary.opens_on)?.len();
                let statuses = responses::statuses(conn, &summary.label)?;
                let submitted = statuses.iter().filter(|s| s.status == ResponseStatus::Submitted).count();
                let drafts = statuses.iter().filter(|s| s.status == ResponseStatus::Draft).count();
                let mine = own.as_ref().and_then(|a| statuses.iter().find(|s| &s.assembly == a).map(|s| s.status));
                out.push((summary, members, submitted, drafts, mine));
            }
            let name = match &own {
                Some(code) => assemblies::find(conn, code)?.map(|a| a.name),
                None => None,
            };
            Ok((out, name))
        })
        .await?;
    let presidency = super::meetings::presidency_line(&state, &ui).await?;
    let role = caller.role();
    let rows = figures
        .into_iter()
        .map(|(c, members, submitted, drafts, mine)| {
            let rate = if members == 0 { 0.0 } else { submitted as f64 / members as f64 };
            let (response_code, response_key) = match mine {
                None => ("not_started", "response-not-started"),
                Some(ResponseStatus::Draft) => ("draft", "response-draft"),
                Some(ResponseStatus::Submitted) => ("submitted", "response-submitted"),
            };
            Row {
                link: match role {
                    Role::FocalPoint => Some(format!("/survey/{}", c.label)),
                    Role::Secretariat => Some(format!("/cycles/{}", c.label)),
                    Role::Analyst => Some(format!("/cycles/{}/results", c.label)),
                },
                label: c.label.to_string(),
                window: ui.t2("window-range", ("from", ltr(c.opens_on)), ("to", ltr(c.closes_on))),
                status_code: c.status.as_str(),
                status: ui.t(&format!("cycle-status-{}", c.status.as_str())),
                members,
                submitted,
                drafts,
                rate: format!("{:.0} %", rate * 100.0),
                rate_step: super::meter_step(rate),
                response_code,
                response: ui.t(response_key),
            }
        })
        .collect();
    let page = Dashboard {
        chrome: Chrome::new(&req, &ui, Some(&caller)),
        focal: caller.role() == Role::FocalPoint,
        secretariat: caller.role() == Role::Secretariat,
        assembly_name,
        presidency,
        rows,
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}
