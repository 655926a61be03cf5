//! Meetings of the Mechanism with their agenda (printable), and the Presidency.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::membership::{Meeting, Presidency};
use barometer_domain::{AssemblyCode, FieldErrors, Role};
use serde::Deserialize;

use super::{Chrome, render};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{Ui, ltr};
use crate::membership;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/meetings", web::get().to(show))
        .route("/meetings", web::post().to(add))
        .route("/meetings/{number}/agenda", web::get().to(agenda))
        .route("/presidency", web::post().to(record_presidency));
}

struct Row {
    number: u32,
    title: String,
    date: String,
    venue: String,
    format: String,
    next: bool,
    items: usize,
}

#[derive(Deserialize, Default)]
struct MeetingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    venue: String,
    online: Option<String>,
    extraordinary: Option<String>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    ui: Ui,
    chrome: Chrome,
    secretariat: bool,
    presidency: Option<String>,
    rows: Vec<Row>,
    form: MeetingForm,
    presidency_form: (String, String),
    errors: FieldErrors,
    notice: Option<String>,
}

impl MeetingsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn format_of(ui: &Ui, m: &Meeting) -> String {
    let place = if m.online { ui.t("meeting-online") } else { ui.t("meeting-in-person") };
    if m.regular { place } else { format!("{place} · {}", ui.t("meeting-extraordinary")) }
}

/// "PAM — Parliamentary Assembly of the Mediterranean, since 2024-12-06".
pub async fn presidency_line(state: &AppState, ui: &Ui) -> Result<Option<String>, ApiError> {
    let found = state
        .db(|conn| {
            let Some(term) = barometer_store::meetings::presidency_on(conn, membership::today())? else { return Ok(None) };
            let name = barometer_store::assemblies::find(conn, &term.assembly)?.map(|a| a.name).unwrap_or_default();
            Ok(Some((term, name)))
        })
        .await?;
    Ok(found.map(|(term, name)| {
        ui.t2("presidency-current", ("assembly", format!("{} ({})", name, term.assembly)), ("since", ltr(term.starts_on)))
    }))
}

#[expect(clippy::too_many_arguments, reason = "one page, re-rendered from three handlers with what each knows")]
async fn page(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    form: MeetingForm,
    presidency_form: (String, String),
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let meetings = state.db(membership::meetings_with_agenda).await?;
    let presidency = presidency_line(state, &ui).await?;
    let rows = meetings
        .iter()
        .map(|(m, next, agenda)| Row {
            number: m.number,
            title: ui.t1("meeting-number", "number", m.number),
            date: m.date.to_string(),
            venue: m.venue.clone(),
            format: format_of(&ui, m),
            next: *next,
            items: agenda.len(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = MeetingsPage {
        chrome: Chrome::new(req, &ui, Some(caller)),
        secretariat: caller.role() == Role::Secretariat,
        presidency,
        rows,
        form,
        presidency_form,
        errors,
        notice,
        ui,
    };
    Ok(render(status, &page))
}

async fn show(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat, Role::Analyst, Role::FocalPoint])?;
    page(&req, &state, ui, &caller, MeetingForm::default(), Default::default(), FieldErrors::new(), None).await
}

async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    form: web::Form<MeetingForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let form = form.into_inner();
    if !crate::csrf::verify(&req, &form.csrf) {
        return page(&req, &state, ui, &caller, form, Default::default(), FieldErrors::single("form", ui.t("csrf-failed")), None).await;
    }
    let mut errors = FieldErrors::new();
    let number = errors.check("number", form.number.trim().parse::<u32>().map_err(|_| "enter the meeting's number, e.g. 7"));
    let date = errors.check("date", form.date.trim().parse::<chrono::NaiveDate>().map_err(|_| "enter the meeting's date, as YYYY-MM-DD"));
    let (Some(number), Some(date)) = (number, date) else {
        return page(&req, &state, ui, &caller, form, Default::default(), errors, None).await;
    };
    let meeting =
        Meeting { number, date, venue: form.venue.trim().to_owned(), online: form.online.is_some(), regular: form.extraordinary.is_none() };
    if let Err(e) = meeting.validate() {
        return page(&req, &state, ui, &caller, form, Default::default(), e, None).await;
    }
    let actor = caller.actor();
    match state.db(move |conn| barometer_store::meetings::insert(conn, &meeting, &actor)).await {
        Ok(()) => {
            let notice = ui.t1("meeting-added", "number", number);
            page(&req, &state, ui, &caller, MeetingForm::default(), Default::default(), FieldErrors::new(), Some(notice)).await
        }
        Err(e) if e.code == ErrorCode::Conflict => {
            page(&req, &state, ui, &caller, form, Default::default(), FieldErrors::single("number", e.message), None).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct PresidencyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    assembly: String,
    #[serde(default)]
    starts_on: String,
}

async fn record_presidency(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    form: web::Form<PresidencyForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let form = form.into_inner();
    let typed = (form.assembly.clone(), form.starts_on.clone());
    if !crate::csrf::verify(&req, &form.csrf) {
        return page(&req, &state, ui, &caller, MeetingForm::default(), typed, FieldErrors::single("form", ui.t("csrf-failed")), None)
            .await;
    }
    let mut errors = FieldErrors::new();
    let assembly = errors.check("assembly", AssemblyCode::parse(form.assembly.trim()));
    let starts_on = errors.check(
        "starts_on",
        form.starts_on.trim().parse::<chrono::NaiveDate>().map_err(|_| "enter the first day of the term, as YYYY-MM-DD"),
    );
    let (Some(assembly), Some(starts_on)) = (assembly, starts_on) else {
        return page(&req, &state, ui, &caller, MeetingForm::default(), typed, errors, None).await;
    };
    let term = Presidency { assembly, starts_on, ends_on: None };
    let actor = caller.actor();
    match state.db(move |conn| barometer_store::meetings::record_presidency(conn, &term, &actor)).await {
        Ok(()) => {
            page(
                &req,
                &state,
                ui,
                &caller,
                MeetingForm::default(),
                Default::default(),
                FieldErrors::new(),
                Some(ui.t("presidency-recorded")),
            )
            .await
        }
        Err(e) if matches!(e.code, ErrorCode::InvalidContent | ErrorCode::Conflict) => {
            let errors = if e.fields.is_empty() { FieldErrors::single("assembly", e.message) } else { e.fields };
            page(&req, &state, ui, &caller, MeetingForm::default(), typed, errors, None).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage {
    ui: Ui,
    chrome: Chrome,
    number: u32,
    title: String,
    date: String,
    venue: String,
    format: String,
    /// (assembly, submitted on, status code, status).
    items: Vec<(String, String, &'static str, String)>,
}

async fn agenda(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<u32>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat, Role::Analyst, Role::FocalPoint])?;
    let number = path.into_inner();
    let found = state
        .db(move |conn| {
            let Some(meeting) = barometer_store::meetings::find(conn, number)? else { return Ok(None) };
            let items = barometer_store::membership::agenda(conn, &meeting, membership::today())?;
            Ok(Some((meeting, items)))
        })
        .await?;
    let Some((meeting, items)) = found else { return Err(ApiError::not_found(format!("meeting {number}"))) };
    let page = AgendaPage {
        chrome: Chrome::new(&req, &ui, Some(&caller)),
        number,
        title: ui.t1("agenda-title", "number", number),
        date: meeting.date.to_string(),
        venue: meeting.venue.clone(),
        format: format_of(&ui, &meeting),
        items: items
            .into_iter()
            .map(|r| {
                let status = ui.t(&format!("request-status-{}", r.status.as_str()));
                (r.assembly_name, ltr(r.created_at.date()), r.status.as_str(), status)
            })
            .collect(),
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}
