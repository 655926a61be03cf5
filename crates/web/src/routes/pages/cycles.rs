//! The Secretariat's cycle pages: a cycle's response-rate tracker with personal links and its
//! status, and the creation of a new cycle from JSON or TOML (uploaded, pasted, or copied from
//! an earlier cycle and edited).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::{AssemblyCode, CycleDefinition, CycleLabel, CycleStatus, Role};
use serde::Deserialize;

use super::{Chrome, render, see_other};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Ui, ltr};
use crate::routes::api::status::{self, Tracker};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/new", web::get().to(new_page))
        .route("/cycles/new", web::post().to(create))
        .route("/cycles/{label}", web::get().to(show))
        .route("/cycles/{label}/status", web::post().to(set_status))
        .route("/cycles/{label}/invite", web::post().to(invite))
        .route("/cycles/{label}/import", web::post().to(import));
}

struct Row {
    assembly: String,
    name: String,
    status: &'static str,
    status_text: String,
    invited_at: String,
    updated_at: String,
    submitted_at: String,
}

struct Move {
    status: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "cycle.html")]
struct CyclePage {
    ui: Ui,
    chrome: Chrome,
    label: String,
    status_code: &'static str,
    status: String,
    window: String,
    summary: String,
    tracker: Tracker,
    rate: String,
    rate_step: u32,
    rows: Vec<Row>,
    moves: Vec<Move>,
    link: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

fn short_time(value: &Option<String>) -> String {
    value.as_deref().map(|v| v.replace('T', " ").trim_end_matches('Z').chars().take(16).collect()).unwrap_or_default()
}

/// What a cycle page shows beyond the tracker: a personal link just made (assembly, URL), a
/// notice, and an error with the status to answer it with.
type Extra = (Option<(String, String)>, Option<String>, Option<(StatusCode, String)>);

async fn cycle_page(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    label: CycleLabel,
    extra: Extra,
) -> Result<HttpResponse, ApiError> {
    let l = label.clone();
    let cycle = state
        .db(move |conn| barometer_store::cycles::find(conn, &l))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("cycle {label}")))?;
    let tracker = status::load(state, label.clone()).await?.ok_or_else(|| ApiError::not_found(format!("cycle {label}")))?;
    let def = &cycle.definition;
    let rows = tracker
        .rows
        .iter()
        .map(|r| Row {
            assembly: r.assembly.clone(),
            name: r.name.clone(),
            status: r.status,
            status_text: ui.t(&format!("response-{}", r.status.replace('_', "-"))),
            invited_at: short_time(&r.invited_at),
            updated_at: short_time(&r.updated_at),
            submitted_at: short_time(&r.submitted_at),
        })
        .collect();
    let moves = [CycleStatus::Open, CycleStatus::Closed, CycleStatus::Published]
        .into_iter()
        .filter(|next| cycle.status.can_become(*next))
        .map(|next| Move { status: next.as_str(), label: ui.t(&format!("cycle-move-{}", next.as_str())) })
        .collect();
    // The page answers with the status of the error it shows (403 for an expired form, 422
    // for a bad file…), or 200.
    let (status, error) = match extra.2 {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let page = CyclePage {
        chrome: Chrome::new(req, &ui, Some(caller)),
        label: label.to_string(),
        status_code: cycle.status.as_str(),
        status: ui.t(&format!("cycle-status-{}", cycle.status.as_str())),
        window: ui.t2("window-range", ("from", ltr(def.opens_on)), ("to", ltr(def.closes_on))),
        summary: format!(
            "{} · {}",
            ui.t2(
                "questionnaire-summary",
                ("themes", def.questionnaire.themes.len().to_string()),
                ("max", def.max_ranked_themes.to_string())
            ),
            ui.t1("regions-count", "regions", def.questionnaire.regions.len())
        ),
        rate: format!("{:.0} %", tracker.response_rate * 100.0),
        rate_step: super::meter_step(tracker.response_rate),
        tracker,
        rows,
        moves,
        link: extra.0,
        notice: extra.1,
        error,
        ui,
    };
    Ok(render(status, &page))
}

fn label_of(raw: &str) -> Result<CycleLabel, ApiError> {
    CycleLabel::parse(raw).map_err(|_| ApiError::not_found(format!("cycle {raw:?}")))
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    cycle_page(&req, &state, ui, &caller, label_of(&path)?, (None, None, None)).await
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
}

async fn set_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let label = label_of(&path)?;
    if !crate::csrf::verify(&req, &form.csrf) {
        return cycle_page(&req, &state, ui, &caller, label, (None, None, Some((StatusCode::FORBIDDEN, ui.t("csrf-failed"))))).await;
    }
    let next = CycleStatus::parse(&form.status).map_err(|e| ApiError::invalid(barometer_domain::FieldErrors::single("status", e)))?;
    let (l, actor) = (label.clone(), caller.actor());
    match state.db(move |conn| barometer_store::cycles::set_status(conn, &l, next, &actor)).await {
        Ok(()) => Ok(see_other(&format!("/cycles/{label}"))),
        Err(e) => cycle_page(&req, &state, ui, &caller, label, (None, None, Some((e.code.status(), e.message)))).await,
    }
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    csrf: String,
    assembly: String,
}

/// Makes a personal link and shows it once, on the cycle page.
async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let label = label_of(&path)?;
    if !crate::csrf::verify(&req, &form.csrf) {
        return cycle_page(&req, &state, ui, &caller, label, (None, None, Some((StatusCode::FORBIDDEN, ui.t("csrf-failed"))))).await;
    }
    let assembly = AssemblyCode::parse(&form.assembly).map_err(|_| ApiError::not_found("assembly"))?;
    let token = crate::survey::invite(&state, &caller, label.clone(), assembly.clone())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{assembly} in cycle {label}")))?;
    let link = state.config.url(&format!("/i/{token}"));
    cycle_page(&req, &state, ui, &caller, label, (Some((assembly.to_string(), link)), None, None)).await
}

/// Imports a spreadsheet of past answers into this cycle and reports the outcome on the page.
async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let label = label_of(&path)?;
    let fields = crate::routes::body::multipart_file_fields(form, 8 * 1024 * 1024).await?;
    let text = |name: &str| fields.iter().find(|f| f.0 == name).map(|f| String::from_utf8_lossy(&f.2).into_owned()).unwrap_or_default();
    if !crate::csrf::verify(&req, &text("csrf")) {
        return cycle_page(&req, &state, ui, &caller, label, (None, None, Some((StatusCode::FORBIDDEN, ui.t("csrf-failed"))))).await;
    }
    let Some((_, file_name, bytes)) = fields.iter().find(|f| f.0 == "file" && !f.2.is_empty()).cloned() else {
        return cycle_page(
            &req,
            &state,
            ui,
            &caller,
            label,
            (None, None, Some((StatusCode::UNPROCESSABLE_ENTITY, ui.t("import-no-file")))),
        )
        .await;
    };
    let upload =
        crate::import::Upload { file_name, bytes, map: text("map").split([',', '\n']).map(str::to_owned).collect(), dry_run: false };
    match crate::import::run(&state, &caller, label.clone(), upload).await {
        Ok((_, Some(done))) => {
            let notice =
                ui.t2("import-done", ("created", done.created.to_string()), ("updated", format!("{} / {}", done.updated, done.unchanged)));
            cycle_page(&req, &state, ui, &caller, label, (None, Some(notice), None)).await
        }
        Ok((_, None)) => cycle_page(&req, &state, ui, &caller, label, (None, None, None)).await,
        Err(e) => {
            let details: Vec<String> = e.fields.iter().map(|(p, m)| format!("{p}: {m}")).collect();
            cycle_page(
                &req,
                &state,
                ui,
                &caller,
                label,
                (None, None, Some((e.code.status(), format!("{} — {}", e.message, details.join(" · "))))),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "cycle_new.html")]
struct NewCyclePage {
    ui: Ui,
    chrome: Chrome,
    definition: String,
    copies: Vec<String>,
    copied_from: Option<String>,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct CopyQuery {
    copy: Option<String>,
}

/// The new-cycle page, prefilled with a copy of an earlier cycle's questionnaire (the newest by
/// default) as TOML, its label and dates marked for change.
async fn new_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    query: web::Query<CopyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let wanted = query.copy.clone();
    let (copies, source) = state
        .db(move |conn| {
            let list = barometer_store::cycles::list(conn)?;
            let pick = wanted.and_then(|w| CycleLabel::parse(&w).ok()).or_else(|| list.first().map(|c| c.label.clone()));
            let source = match pick {
                Some(label) => barometer_store::cycles::find(conn, &label)?,
                None => None,
            };
            Ok((list.into_iter().map(|c| c.label.to_string()).collect::<Vec<_>>(), source))
        })
        .await?;
    let (definition, copied_from) = match source {
        Some(cycle) => {
            let mut def = cycle.definition.clone();
            def.label = CycleLabel::parse("NEW-LABEL").expect("a valid placeholder");
            (def.to_toml(), Some(cycle.definition.label.to_string()))
        }
        None => (String::new(), None),
    };
    let page = NewCyclePage { chrome: Chrome::new(&req, &ui, Some(&caller)), ui, definition, copies, copied_from, errors: Vec::new() };
    Ok(render(StatusCode::OK, &page))
}

/// Creates the cycle (as a draft) from the uploaded file, or else from the text area.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let fields = crate::routes::body::multipart_fields(form, state.config.json_limit.max(1024 * 1024)).await?;
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let upload = field("file");
    let text = if upload.trim().is_empty() { field("definition") } else { upload };
    let again = |errors: Vec<(String, String)>, copies: Vec<String>| {
        let page =
            NewCyclePage { chrome: Chrome::new(&req, &ui, Some(&caller)), ui, definition: text.clone(), copies, copied_from: None, errors };
        render(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let copies: Vec<String> =
        state.db(|conn| Ok(barometer_store::cycles::list(conn)?.into_iter().map(|c| c.label.to_string()).collect())).await?;
    if !crate::csrf::verify(&req, &field("csrf")) {
        let mut refused = again(vec![(String::new(), ui.t("csrf-failed"))], copies);
        refused.head_mut().status = StatusCode::FORBIDDEN;
        return Ok(refused);
    }
    let def = match CycleDefinition::from_text(&text) {
        Ok(def) => def,
        Err(errors) => return Ok(again(errors.iter().map(|(p, m)| (p.to_owned(), m.to_owned())).collect(), copies)),
    };
    let (label, actor) = (def.label.clone(), caller.actor());
    match state.db(move |conn| barometer_store::cycles::insert(conn, &def, CycleStatus::Draft, &actor)).await {
        Ok(()) => Ok(see_other(&format!("/cycles/{label}"))),
        Err(e) => Ok(again(vec![("label".into(), e.message)], copies)),
    }
}
