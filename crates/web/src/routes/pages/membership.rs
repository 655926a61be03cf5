//! Pages for joining the Mechanism: the public expression-of-interest form (with a question
//! and a honeypot instead of a third-party challenge), the Secretariat's review pages with
//! the notify and decision actions, the outbox, and each assembly's notifications.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::membership::{RequestInput, check_letter, safe_file_name};
use barometer_domain::{FieldErrors, Role};
use barometer_store::membership::{Letter, StoredRequest};
use futures_util::StreamExt;
use serde::Deserialize;

use super::{Chrome, MessagePage, render, see_other};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::{Ui, ltr};
use crate::membership::{self, instant};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/membership/apply", web::get().to(apply_page))
        .route("/membership/apply", web::post().to(apply))
        .route("/membership", web::get().to(list))
        .route("/membership/{id}", web::get().to(show))
        .route("/membership/{id}/notify", web::post().to(notify))
        .route("/membership/{id}/decision", web::post().to(decide))
        .route("/outbox", web::get().to(outbox))
        .route("/notifications", web::get().to(notifications))
        .route("/notifications/read", web::post().to(mark_read));
}

/// How long the form's question stays answerable.
const CHALLENGE_MINUTES: i64 = 30;

#[derive(Template)]
#[template(path = "membership_apply.html")]
struct ApplyPage {
    ui: Ui,
    chrome: Chrome,
    form: RequestInput,
    errors: FieldErrors,
    challenge_id: String,
    question: String,
    letter_limit_mib: String,
}

impl ApplyPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// A new question (a sum of two small numbers, the answer kept server-side) and the page.
async fn apply_form(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    form: RequestInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    use rand::Rng;
    let (a, b) = {
        let mut rng = rand::rng();
        (rng.random_range(2..10u32), rng.random_range(2..10u32))
    };
    let answer = (a + b).to_string();
    let expires = barometer_store::now() + chrono::Duration::minutes(CHALLENGE_MINUTES);
    let challenge_id = state.db(move |conn| barometer_store::challenges::issue(conn, &answer, expires)).await?;
    let page = ApplyPage {
        chrome: Chrome::new(req, &ui, None),
        question: ui.t2("apply-challenge", ("a", a.to_string()), ("b", b.to_string())),
        letter_limit_mib: format!("{:.0}", state.config.letter_limit as f64 / (1024.0 * 1024.0)),
        ui,
        form,
        errors,
        challenge_id,
    };
    Ok(render(status, &page))
}

async fn apply_page(req: HttpRequest, state: web::Data<AppState>, ui: Ui) -> Result<HttpResponse, ApiError> {
    apply_form(&req, &state, ui, RequestInput::default(), FieldErrors::new(), StatusCode::OK).await
}

/// The posted form: text fields, and the letter's bytes, type and name. A letter larger than
/// the limit is not kept (only noted), so that the typed fields survive and the page can say why.
#[derive(Default)]
struct Posted {
    fields: Vec<(String, String)>,
    letter: Option<(String, Option<String>, Vec<u8>)>,
    letter_too_large: bool,
    /// Fields whose bytes were not UTF-8.
    not_text: Vec<String>,
}

impl Posted {
    fn get(&self, name: &str) -> String {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

async fn read_form(mut form: actix_multipart::Multipart, letter_limit: usize) -> Result<Posted, ApiError> {
    // Text fields are small; a body far beyond the letter limit is refused outright.
    let hard_limit = letter_limit.saturating_mul(4).max(1024 * 1024);
    let mut posted = Posted::default();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let content_type = field.content_type().map(|m| m.essence_str().to_owned());
        let mut bytes = Vec::new();
        let mut too_large = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("the form could not be read: {e}")))?;
            total += chunk.len();
            if total > hard_limit {
                return Err(crate::routes::body::too_large(hard_limit));
            }
            if name == "letter" && bytes.len() + chunk.len() > letter_limit {
                too_large = true;
                bytes.clear();
                continue;
            }
            if !too_large {
                bytes.extend_from_slice(&chunk);
            }
        }
        if name == "letter" {
            if too_large {
                posted.letter_too_large = true;
            } else if !bytes.is_empty() {
                posted.letter = Some((file_name.unwrap_or_default(), content_type, bytes));
            }
        } else if bytes.len() <= 64 * 1024 {
            // Kept as typed for the page (with U+FFFD where a byte was not text), but refused.
            let text = String::from_utf8(bytes).unwrap_or_else(|e| {
                posted.not_text.push(name.clone());
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            });
            posted.fields.push((name, text));
        }
    }
    Ok(posted)
}

async fn apply(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    let address = crate::limits::client_address(&req, &state.config);
    let limit = crate::limits::per_hour(state.config.membership_requests_per_hour);
    if let Err(error) = crate::limits::hit(&state, crate::limits::MEMBERSHIP, address, limit).await {
        let secs = error.retry_after.unwrap_or(3600);
        let page = MessagePage {
            chrome: Chrome::new(&req, &ui, None),
            title: ui.t("apply-limited-title"),
            body: ui.t1("apply-limited-body", "minutes", (secs + 59) / 60),
            ui,
        };
        let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page);
        response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(secs));
        return Ok(response);
    }
    let posted = read_form(payload, state.config.letter_limit).await?;
    let form = RequestInput {
        assembly_name: posted.get("assembly_name"),
        members: posted.get("members"),
        relevance: posted.get("relevance"),
        contact_email: posted.get("contact_email"),
    };
    if !crate::csrf::verify(&req, &posted.get("csrf")) {
        return apply_form(&req, &state, ui, form, FieldErrors::single("form", ui.t("csrf-failed")), StatusCode::FORBIDDEN).await;
    }
    // A bot fills every field, the hidden one too: it is thanked and nothing is stored.
    if !posted.get("website").trim().is_empty() {
        tracing::info!("membership form honeypot filled");
        return Ok(thanks(&req, ui));
    }
    let challenge = posted.get("challenge");
    let expected = state.db(move |conn| barometer_store::challenges::take(conn, &challenge)).await?;
    let mut errors = match form.validate() {
        Ok(_) => FieldErrors::new(),
        Err(e) => e,
    };
    for name in &posted.not_text {
        errors.add(name.clone(), ui.t("field-not-text"));
    }
    match expected {
        Some(answer) if answer == posted.get("answer").trim() => {}
        Some(_) => errors.add("answer", ui.t("apply-challenge-wrong")),
        None => errors.add("answer", ui.t("apply-challenge-expired")),
    }
    let letter = if posted.letter_too_large {
        errors.add("letter", ui.t1("letter-too-large", "size", format!("{:.0}", state.config.letter_limit as f64 / (1024.0 * 1024.0))));
        None
    } else if let Some((name, content_type, bytes)) = posted.letter {
        match check_letter(&bytes, content_type.as_deref(), state.config.letter_limit) {
            Ok(()) => Some(Letter { file_name: safe_file_name(&name), content: bytes }),
            Err(_) => {
                errors.add("letter", ui.t("letter-not-pdf"));
                None
            }
        }
    } else {
        None
    };
    if !errors.is_empty() {
        return apply_form(&req, &state, ui, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match membership::submit(&state, form.clone(), ui.lang, letter, "public:form".to_owned()).await {
        Ok(_) => Ok(thanks(&req, ui)),
        Err(e) if e.code == ErrorCode::Conflict => {
            apply_form(&req, &state, ui, form, FieldErrors::single("assembly_name", e.message), StatusCode::CONFLICT).await
        }
        Err(e) if e.code == ErrorCode::InvalidContent => {
            apply_form(&req, &state, ui, form, e.fields, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

fn thanks(req: &HttpRequest, ui: Ui) -> HttpResponse {
    render(
        StatusCode::OK,
        &MessagePage { chrome: Chrome::new(req, &ui, None), title: ui.t("apply-thanks-title"), body: ui.t("apply-thanks-body"), ui },
    )
}

struct ListRow {
    id: String,
    name: String,
    submitted: String,
    status_code: &'static str,
    status: String,
    notified: String,
    meeting: String,
}

#[derive(Template)]
#[template(path = "membership_list.html")]
struct ListPage {
    ui: Ui,
    chrome: Chrome,
    rows: Vec<ListRow>,
}

async fn list(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let requests = state.db(barometer_store::membership::list).await?;
    let rows = requests
        .into_iter()
        .map(|r| ListRow {
            submitted: r.created_at.date().to_string(),
            status_code: r.status.as_str(),
            status: ui.t(&format!("request-status-{}", r.status.as_str())),
            notified: r.notified_at.map(|at| ltr(at.date())).unwrap_or_else(|| ui.t("not-yet")),
            meeting: r.meeting.map(|n| n.to_string()).unwrap_or_default(),
            id: r.id,
            name: r.assembly_name,
        })
        .collect();
    Ok(render(StatusCode::OK, &ListPage { chrome: Chrome::new(&req, &ui, Some(&caller)), ui, rows }))
}

#[derive(Deserialize, Default)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    meeting: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "membership_request.html")]
struct RequestPage {
    ui: Ui,
    chrome: Chrome,
    request: StoredRequest,
    status: String,
    notified: String,
    meetings: Vec<(u32, String, bool)>,
    decisions: Vec<(&'static str, String, bool)>,
    history: Vec<(String, String, String)>,
    form: DecisionForm,
    errors: FieldErrors,
    notice: Option<String>,
}

impl RequestPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

#[expect(clippy::too_many_arguments, reason = "one page, re-rendered from three handlers with what each knows")]
async fn request_page(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    id: String,
    mut form: DecisionForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let shown = id.clone();
    let found = state
        .db(move |conn| {
            let Some(request) = barometer_store::membership::find(conn, &id)? else { return Ok(None) };
            let history = barometer_store::audit::history(conn, barometer_store::membership::ENTITY, &id)?;
            let meetings = barometer_store::meetings::list(conn)?;
            let next = barometer_store::meetings::next_regular(conn, membership::today())?;
            Ok(Some((request, history, meetings, next)))
        })
        .await?;
    let Some((request, history, meetings, next)) = found else { return Err(ApiError::not_found(format!("membership request {shown}"))) };
    if form.meeting.is_empty()
        && let Some(next) = next
    {
        form.meeting = next.number.to_string();
    }
    let page = RequestPage {
        chrome: Chrome::new(req, &ui, Some(caller)),
        status: ui.t(&format!("request-status-{}", request.status.as_str())),
        notified: request.notified_at.map(instant).unwrap_or_else(|| ui.t("not-yet")),
        meetings: meetings
            .iter()
            .map(|m| {
                (
                    m.number,
                    ui.t2("meeting-title", ("number", m.number.to_string()), ("date", ltr(m.date))),
                    form.meeting == m.number.to_string(),
                )
            })
            .collect(),
        decisions: ["admitted", "declined", "deferred"]
            .into_iter()
            .map(|d| (d, ui.t(&format!("request-status-{d}")), form.decision == d))
            .collect(),
        history: history
            .iter()
            .map(|h| (instant(h.at), h.actor.clone(), ui.t(&format!("action-{}", h.action.replace(['.', '_'], "-")))))
            .collect(),
        request,
        form,
        errors: errors.clone(),
        notice,
        ui,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &page))
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    request_page(&req, &state, ui, &caller, path.into_inner(), DecisionForm::default(), FieldErrors::new(), None).await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn notify(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let id = path.into_inner();
    if !crate::csrf::verify(&req, &form.csrf) {
        return request_page(
            &req,
            &state,
            ui,
            &caller,
            id,
            DecisionForm::default(),
            FieldErrors::single("form", ui.t("csrf-failed")),
            None,
        )
        .await;
    }
    let done = membership::notify(&state, id.clone(), caller.actor()).await?;
    let mut notice = ui.t2("notify-done", ("assemblies", done.assemblies.len().to_string()), ("emails", done.emails.to_string()));
    if state.config.smtp_url.is_none() {
        notice = format!("{notice} {}", ui.t("outbox-no-smtp"));
    }
    request_page(&req, &state, ui, &caller, id, DecisionForm::default(), FieldErrors::new(), Some(notice)).await
}

async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let id = path.into_inner();
    let form = form.into_inner();
    if !crate::csrf::verify(&req, &form.csrf) {
        return request_page(&req, &state, ui, &caller, id, form, FieldErrors::single("form", ui.t("csrf-failed")), None).await;
    }
    let meeting = form.meeting.trim().parse::<u32>().ok();
    match membership::decide(&state, id.clone(), meeting, &form.decision, &form.code, caller.actor()).await {
        Ok(r) => {
            let notice = ui.t1("decision-done", "status", ui.t(&format!("request-status-{}", r.status.as_str())));
            request_page(&req, &state, ui, &caller, id, DecisionForm::default(), FieldErrors::new(), Some(notice)).await
        }
        Err(e) if e.code == ErrorCode::InvalidContent => request_page(&req, &state, ui, &caller, id, form, e.fields, None).await,
        Err(e) if e.code == ErrorCode::Conflict => {
            request_page(&req, &state, ui, &caller, id, form, FieldErrors::single("code", e.message), None).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    ui: Ui,
    chrome: Chrome,
    smtp: bool,
    rows: Vec<(String, String, String, String)>,
}

async fn outbox(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let emails = state.db(|conn| barometer_store::notifications::outbox(conn, 500)).await?;
    let smtp = state.config.smtp_url.is_some();
    let rows = emails
        .into_iter()
        .map(|e| {
            let status = match (e.status.as_str(), smtp) {
                ("sent", _) => ui.t("email-sent"),
                ("pending", false) => ui.t("email-not-sent-no-smtp"),
                ("pending", true) if e.error.is_none() => ui.t("email-pending"),
                (_, _) => ui.t1("email-failed", "error", e.error.clone().unwrap_or_default()),
            };
            (instant(e.created_at), e.recipient, e.subject, status)
        })
        .collect();
    Ok(render(StatusCode::OK, &OutboxPage { chrome: Chrome::new(&req, &ui, Some(&caller)), ui, smtp, rows }))
}

struct NoticeRow {
    id: String,
    title: String,
    body: String,
    at: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    ui: Ui,
    chrome: Chrome,
    rows: Vec<NoticeRow>,
    unread: usize,
}

async fn notifications(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat, Role::Analyst, Role::FocalPoint])?;
    let assembly = caller.principal.assembly.clone();
    let rows = state
        .db(move |conn| {
            let Some(assembly) = assembly else { return Ok(vec![]) };
            let mut out = Vec::new();
            for n in barometer_store::notifications::for_assembly(conn, &assembly)? {
                let request = match &n.request_id {
                    Some(id) => barometer_store::membership::find(conn, id)?,
                    None => None,
                };
                out.push((n, request));
            }
            Ok(out)
        })
        .await?;
    // Each reader sees a request's notification in their own language; other kinds as stored.
    let rows: Vec<NoticeRow> = rows
        .into_iter()
        .map(|(n, request)| {
            let (title, body) = match request {
                Some(r) if n.kind == "membership_request" => (
                    ui.t1("notice-request-title", "name", &r.assembly_name),
                    format!(
                        "{}\n\n{}: {}\n{}: {}",
                        ui.t1("notice-request-body", "name", &r.assembly_name),
                        ui.t("membership-members"),
                        r.members,
                        ui.t("membership-relevance"),
                        r.relevance
                    ),
                ),
                _ => (n.subject.clone(), n.body.clone()),
            };
            NoticeRow { id: n.id, title, body, at: instant(n.created_at), read: n.read_at.is_some() }
        })
        .collect();
    let unread = rows.iter().filter(|r| !r.read).count();
    let mut chrome = Chrome::new(&req, &ui, Some(&caller));
    chrome.unread = caller.principal.assembly.as_ref().map(|_| unread as i64);
    Ok(render(StatusCode::OK, &NotificationsPage { chrome, ui, rows, unread }))
}

#[derive(Deserialize)]
struct ReadForm {
    #[serde(default)]
    csrf: String,
    id: Option<String>,
}

async fn mark_read(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    form: web::Form<ReadForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::FocalPoint])?;
    if !crate::csrf::verify(&req, &form.csrf) {
        return Err(ApiError::forbidden("the form had expired; reload the page and try again"));
    }
    let Some(assembly) = caller.principal.assembly.clone() else { return Ok(see_other("/notifications")) };
    let id = form.id.clone();
    let actor = caller.actor();
    state.db(move |conn| barometer_store::notifications::mark_read(conn, &assembly, id.as_deref(), &actor)).await?;
    Ok(see_other("/notifications"))
}
