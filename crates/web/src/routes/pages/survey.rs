//! The focal point's survey page: `GET /survey/{cycle}` shows the assembly's answer as a form
//! (or read-only once the cycle has closed); `POST` saves a draft or submits. On any error the
//! page comes back with everything as typed and each message next to its field.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::cycle::Window;
use barometer_domain::{AssemblyCode, CycleLabel, FieldErrors, ResponseStatus, Role};
use barometer_store::cycles::StoredCycle;
use barometer_store::responses::StoredResponse;
use serde::Deserialize;

use super::{Chrome, render, see_other};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{Ui, ltr};
use crate::state::AppState;
use crate::survey::{self, Mode, WriteRequest, Written};
use crate::survey_form::{self, ActivityDraft, Parsed, Posted, SurveyDraft};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/survey/{cycle}", web::get().to(show)).route("/survey/{cycle}", web::post().to(post));
}

struct ThemeField {
    code: String,
    label: String,
    rank: String,
    error: Option<String>,
}

struct RegionField {
    code: String,
    label: String,
    depth: usize,
    checked: bool,
}

struct Choice {
    code: String,
    label: String,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    ui: Ui,
    chrome: Chrome,
    cycle: String,
    assembly: String,
    assembly_name: String,
    /// "open", "not-yet-open" or "closed".
    window: &'static str,
    window_text: String,
    status_code: &'static str,
    status: String,
    version: i32,
    receipt: Option<String>,
    notice: Option<String>,
    error_summary: Option<String>,
    errors: FieldErrors,
    max: u8,
    rank_options: Vec<u8>,
    themes: Vec<ThemeField>,
    regions: Vec<RegionField>,
    activities: Vec<ActivityDraft>,
    kinds: Vec<Choice>,
    countries: Vec<Choice>,
    activity_statuses: Vec<Choice>,
    all_themes: Vec<Choice>,
    all_regions: Vec<Choice>,
    comment: String,
}

impl SurveyPage {
    fn readonly(&self) -> bool {
        self.window != "open"
    }

    fn field_error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    fn has(&self, codes: &[String], code: &str) -> bool {
        codes.iter().any(|c| c == code)
    }
}

fn draft_from_stored(stored: Option<&StoredResponse>) -> SurveyDraft {
    let Some(stored) = stored else { return SurveyDraft::default() };
    let c = &stored.content;
    SurveyDraft {
        ranks: c.themes.iter().enumerate().map(|(i, t)| (t.to_string(), (i + 1).to_string())).collect(),
        regions: c.regions.iter().map(|r| r.to_string()).collect(),
        activities: c
            .activities
            .iter()
            .enumerate()
            .map(|(i, a)| ActivityDraft {
                block: i,
                id: a.id.clone().unwrap_or_default(),
                title: a.title.clone(),
                kind: a.kind.to_string(),
                starts_on: a.starts_on.to_string(),
                ends_on: a.ends_on.to_string(),
                city: a.location.as_ref().and_then(|l| l.city.clone()).unwrap_or_default(),
                country: a.location.as_ref().map(|l| l.country.to_string()).unwrap_or_default(),
                online: a.online,
                themes: a.themes.iter().map(|t| t.to_string()).collect(),
                regions: a.regions.iter().map(|r| r.to_string()).collect(),
                partners: a.partners.join(", "),
                status: a.status.as_str().to_owned(),
                errors: Default::default(),
            })
            .collect(),
        comment: c.comment.clone(),
    }
}

struct PageInput<'a> {
    cycle: &'a StoredCycle,
    assembly: &'a AssemblyCode,
    assembly_name: String,
    stored: Option<&'a StoredResponse>,
    draft: SurveyDraft,
    errors: FieldErrors,
    error_summary: Option<String>,
    notice: Option<String>,
    version: i32,
}

fn page(req: &HttpRequest, ui: Ui, caller: &Caller, input: PageInput<'_>) -> SurveyPage {
    let lang = ui.lang;
    let def = &input.cycle.definition;
    let q = &def.questionnaire;
    let today = chrono::Utc::now().date_naive();
    let (window, window_text) = match def.window(input.cycle.status, today) {
        Window::Open { closes_on } => ("open", ui.t1("survey-open-until", "date", ltr(closes_on))),
        Window::NotYetOpen { opens_on } => ("not-yet-open", ui.t1("survey-not-yet-open", "date", ltr(opens_on))),
        Window::Closed => ("closed", ui.t("survey-closed")),
    };
    let (status_code, status_key) = match input.stored.map(|r| r.status) {
        None => ("not_started", "response-not-started"),
        Some(ResponseStatus::Draft) => ("draft", "response-draft"),
        Some(ResponseStatus::Submitted) => ("submitted", "response-submitted"),
    };
    let mut activities = input.draft.activities.clone();
    let next_block = activities.iter().map(|a| a.block + 1).max().unwrap_or(0);
    if window == "open" {
        activities.push(ActivityDraft { block: next_block, kind: String::new(), status: "planned".into(), ..Default::default() });
    }
    let labels = |l: &barometer_domain::Labels| l.get(lang).to_owned();
    SurveyPage {
        chrome: Chrome::new(req, &ui, Some(caller)),
        cycle: def.label.to_string(),
        assembly: input.assembly.to_string(),
        assembly_name: input.assembly_name,
        window,
        window_text,
        status_code,
        status: ui.t(status_key),
        version: input.version,
        receipt: input.stored.and_then(|r| r.receipt.clone()).filter(|_| status_code == "submitted"),
        notice: input.notice,
        error_summary: input.error_summary,
        max: def.max_ranked_themes,
        rank_options: (1..=def.max_ranked_themes).collect(),
        themes: q
            .themes
            .iter()
            .map(|t| ThemeField {
                code: t.code.to_string(),
                label: labels(&t.labels),
                rank: input.draft.ranks.get(t.code.as_str()).cloned().unwrap_or_default(),
                error: input.errors.get(&format!("rank-{}", t.code)).map(str::to_owned),
            })
            .collect(),
        regions: q
            .regions_grouped()
            .into_iter()
            .map(|(depth, r)| RegionField {
                code: r.code.to_string(),
                label: labels(&r.labels),
                depth,
                checked: input.draft.regions.iter().any(|c| c == r.code.as_str()),
            })
            .collect(),
        activities,
        kinds: q.activity_kinds.iter().map(|k| Choice { code: k.code.to_string(), label: labels(&k.labels) }).collect(),
        countries: survey_form::countries(lang).into_iter().map(|(code, label)| Choice { code, label }).collect(),
        activity_statuses: ["planned", "confirmed", "held", "cancelled"]
            .iter()
            .map(|s| Choice { code: (*s).to_owned(), label: ui.t(&format!("activity-status-{s}")) })
            .collect(),
        all_themes: q.themes.iter().map(|t| Choice { code: t.code.to_string(), label: labels(&t.labels) }).collect(),
        all_regions: q.regions.iter().map(|r| Choice { code: r.code.to_string(), label: labels(&r.labels) }).collect(),
        comment: input.draft.comment,
        errors: input.errors,
        ui,
    }
}

/// The focal point's assembly, or an error page for anyone else.
fn own_assembly(caller: &Caller) -> Result<AssemblyCode, ApiError> {
    caller.require(&[Role::FocalPoint])?;
    caller.principal.assembly.clone().ok_or_else(|| ApiError::forbidden("this page is for an assembly's focal point"))
}

type Loaded = (std::sync::Arc<StoredCycle>, String, Option<StoredResponse>);

async fn load(state: &AppState, label: CycleLabel, assembly: AssemblyCode) -> Result<Loaded, ApiError> {
    let shown = format!("cycle {label} for {assembly}");
    let cycles_cache = state.cycles.clone();
    state
        .db(move |conn| {
            let Some(cycle) = survey::member_cycle(conn, &cycles_cache, &label, &assembly)? else { return Ok(None) };
            let name = barometer_store::assemblies::find(conn, &assembly)?.map(|a| a.name).unwrap_or_default();
            let stored = barometer_store::responses::find(conn, &label, &assembly)?;
            Ok(Some((cycle, name, stored)))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(shown))
}

#[derive(Deserialize)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, ApiError> {
    let assembly = own_assembly(&caller)?;
    let label = CycleLabel::parse(&path).map_err(|_| ApiError::not_found("cycle"))?;
    let (cycle, name, stored) = load(&state, label, assembly.clone()).await?;
    let notice = match query.done.as_deref() {
        Some("saved") => Some(ui.t("survey-saved")),
        Some("submitted") => Some(ui.t("survey-submitted")),
        _ => None,
    };
    let input = PageInput {
        cycle: &cycle,
        assembly: &assembly,
        assembly_name: name,
        draft: draft_from_stored(stored.as_ref()),
        stored: stored.as_ref(),
        errors: FieldErrors::new(),
        error_summary: None,
        notice,
        version: stored.as_ref().map_or(0, |r| r.version),
    };
    Ok(render(StatusCode::OK, &page(&req, ui, &caller, input)))
}

async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let assembly = own_assembly(&caller)?;
    let label = CycleLabel::parse(&path).map_err(|_| ApiError::not_found("cycle"))?;
    // The same limit as a JSON answer, refused in the error shape (actix's own limit answers
    // in plain text, naming no setting).
    let body = crate::routes::body::read_limited(payload, state.config.json_limit).await?;
    let form = Posted::parse(&body).map_err(|field| {
        ApiError::new(ErrorCode::MalformedRequest, format!("the form field {field:?} is not UTF-8 text; reload the page and type it again"))
    })?;
    let (cycle, name, stored) = load(&state, label.clone(), assembly.clone()).await?;
    let theme_codes: Vec<String> = cycle.definition.questionnaire.themes.iter().map(|t| t.code.to_string()).collect();
    let mut parsed = survey_form::parse(&form, &theme_codes);
    let version = form.get("version").parse::<i32>().ok();
    let mode = if form.get("action") == "submit" { Mode::Submit } else { Mode::Save };

    // Re-shows the form as typed, with the errors placed on their fields.
    let again = |parsed: Parsed, summary: String, status: StatusCode, version: i32, stored: Option<&StoredResponse>| {
        let input = PageInput {
            cycle: &cycle,
            assembly: &assembly,
            assembly_name: name.clone(),
            stored,
            draft: parsed.draft,
            errors: parsed.errors,
            error_summary: Some(summary),
            notice: None,
            version,
        };
        render(status, &page(&req, ui, &caller, input))
    };

    let current_version = stored.as_ref().map_or(0, |r| r.version);
    if !crate::csrf::verify(&req, form.get("csrf")) {
        return Ok(again(parsed, ui.t("csrf-failed"), StatusCode::FORBIDDEN, version.unwrap_or(current_version), stored.as_ref()));
    }
    if parsed.has_errors() {
        // Show every problem at once: the domain's rules too, not only the form's own.
        let submitted = mode == Mode::Submit || stored.as_ref().is_some_and(|r| r.status == ResponseStatus::Submitted);
        let purpose = if submitted { barometer_domain::response::Purpose::Submit } else { barometer_domain::response::Purpose::Draft };
        if let Err(fields) = parsed.input.validate(&cycle.definition, purpose) {
            parsed.place(&fields);
        }
        let summary = ui.t1("survey-error-summary", "count", parsed.error_count());
        return Ok(again(parsed, summary, StatusCode::UNPROCESSABLE_ENTITY, version.unwrap_or(current_version), stored.as_ref()));
    }
    let request = WriteRequest {
        label: label.clone(),
        assembly: assembly.clone(),
        input: Some(parsed.input.clone()),
        expected_version: version,
        mode,
        idempotency: None,
    };
    match survey::write(&state, &caller, request).await {
        Ok(Written::Saved(_)) | Ok(Written::Keyed { .. }) => {
            let done = if mode == Mode::Submit { "submitted" } else { "saved" };
            Ok(see_other(&format!("/survey/{label}?done={done}")))
        }
        Err(error) if error.code == ErrorCode::InvalidContent => {
            parsed.place(&error.fields);
            let summary = ui.t1("survey-error-summary", "count", parsed.error_count());
            Ok(again(parsed, summary, StatusCode::UNPROCESSABLE_ENTITY, version.unwrap_or(current_version), stored.as_ref()))
        }
        Err(error) if error.code == ErrorCode::VersionConflict => {
            // Keep what was typed; the next save is a deliberate choice to replace the newer answer.
            Ok(again(parsed, ui.t("survey-version-conflict"), StatusCode::CONFLICT, current_version, stored.as_ref()))
        }
        Err(error) if error.code == ErrorCode::CycleClosed => {
            Ok(again(parsed, error.message, StatusCode::CONFLICT, current_version, stored.as_ref()))
        }
        Err(error) => Err(error),
    }
}
