//! The calendar of activities: `/api/v1/activities` (JSON, CSV, XLSX), `/api/v1/calendar.ics`
//! (iCalendar, also through a private feed token), activity status changes, Secretariat events,
//! feed tokens and joint-initiative suggestions.

use actix_web::{HttpRequest, HttpResponse, web};
use barometer_analytics::{Format, export};
use barometer_domain::calendar::joint::{self, Mark, Suggestion};
use barometer_domain::calendar::{CalendarFilter, EventInput, RawFilter};
use barometer_domain::{ActivityStatus, FieldErrors, Lang, Role};
use barometer_store::auth::TokenKind;
use barometer_store::calendar::{self as store, Owner};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Caller;
use crate::calendar::{self, Labeller};
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::state::AppState;
use crate::strict_json::Strict;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/activities", web::get().to(list))
        .route("/activities/{id}/status", web::post().to(set_status))
        .route("/calendar.ics", web::get().to(feed))
        .route("/calendar/events", web::post().to(add_event))
        .route("/calendar/feed-token", web::post().to(issue_feed))
        .route("/calendar/feed-token", web::delete().to(revoke_feed))
        .route("/joint-initiatives", web::get().to(suggestions))
        .route("/joint-initiatives/{key}/mark", web::post().to(mark));
}

/// The filters plus `format` and `lang` (and, for the feed, `token`).
#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(flatten)]
    pub filter: RawFilter,
    pub format: Option<String>,
    pub lang: Option<String>,
    pub token: Option<String>,
}

/// `?lang=` first, then the caller's interface language.
fn language(query: &CalendarQuery, ui: Ui) -> Result<Ui, ApiError> {
    match query.lang.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(ui),
        Some(code) => Lang::parse(code).map(Ui::new).ok_or_else(|| ApiError::invalid(FieldErrors::single("lang", "use en, fr, ar or ru"))),
    }
}

async fn list(state: web::Data<AppState>, _caller: Caller, ui: Ui, query: web::Query<CalendarQuery>) -> Result<HttpResponse, ApiError> {
    let ui = language(&query, ui)?;
    let filter = CalendarFilter::parse(&query.filter).map_err(ApiError::invalid)?;
    let format = match query.format.as_deref() {
        None | Some("json") => None,
        Some(f) => match Format::parse(f) {
            Some(f @ (Format::Csv | Format::Xlsx)) => Some(f),
            _ => return Err(ApiError::invalid(FieldErrors::single("format", "use json, csv or xlsx"))),
        },
    };
    let loaded = state.db(calendar::load).await?;
    let entries = loaded.filtered(&filter);
    let Some(format) = format else {
        let items: Vec<_> = entries.iter().map(|e| calendar::entry_json(e, &loaded.labels, &ui)).collect();
        return Ok(HttpResponse::Ok().json(json!({"items": items})));
    };
    let table = calendar::table(&entries, &loaded.labels, &ui);
    let bytes = state.compute(move || export(&table, format, ui.lang)).await?.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"calendar.{}\"", format.extension())))
        .body(bytes))
}

/// The iCalendar feed. Calendar apps cannot sign in, so `?token=` (a private feed token) also
/// opens it; an unknown or revoked feed token answers 404, telling nothing about why.
async fn feed(req: HttpRequest, state: web::Data<AppState>, ui: Ui, query: web::Query<CalendarQuery>) -> Result<HttpResponse, ApiError> {
    let ui = language(&query, ui)?;
    match query.token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(token) => {
            let token = token.to_owned();
            let principal = state.db(move |conn| barometer_store::auth::verify_token(conn, &token)).await?;
            if !principal.is_some_and(|p| p.kind == TokenKind::Calendar) {
                return Err(ApiError::not_found("calendar feed"));
            }
        }
        None => {
            use actix_web::FromRequest;
            Caller::extract(&req).await?;
        }
    }
    let filter = CalendarFilter::parse(&query.filter).map_err(ApiError::invalid)?;
    let loaded = state.db(calendar::load).await?;
    let entries = loaded.filtered(&filter);
    let body = calendar::ics(&entries, &loaded.labels, &ui);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Content-Disposition", "inline; filename=\"barometer.ics\""))
        .insert_header(("Cache-Control", "private, max-age=300"))
        .body(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

/// Changes an activity's (or a Secretariat event's) status; allowed to the activity's own focal
/// point and to the Secretariat (events: the Secretariat only).
pub async fn change_status(state: &AppState, caller: &Caller, id: String, status: ActivityStatus) -> Result<(), ApiError> {
    let lookup = id.clone();
    let owner = state.db(move |conn| store::owner(conn, &lookup)).await?;
    let Some((owner, _)) = owner else { return Err(ApiError::not_found(format!("activity {id}"))) };
    let by_assembly = match (&owner, caller.role(), &caller.principal.assembly) {
        (_, Role::Secretariat, _) => false,
        (Owner::Assembly(a), Role::FocalPoint, Some(own)) if a == own => true,
        // Someone else's activity: as if it did not exist.
        (Owner::Assembly(_), _, _) => return Err(ApiError::not_found(format!("activity {id}"))),
        (Owner::Secretariat, _, _) => return Err(ApiError::forbidden("only the Secretariat changes the status of its events")),
    };
    let actor = caller.actor();
    state.db(move |conn| store::set_status(conn, &id, status, by_assembly, &actor)).await
}

async fn set_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let status = ActivityStatus::parse(body.status.trim()).map_err(|e| ApiError::invalid(FieldErrors::single("status", e)))?;
    let id = path.into_inner();
    change_status(&state, &caller, id.clone(), status).await?;
    Ok(HttpResponse::Ok().json(json!({"id": id, "status": status.as_str()})))
}

async fn add_event(state: web::Data<AppState>, caller: Caller, body: web::Json<Strict>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let input: EventInput = barometer_domain::cycle::deserialize_with_path(body.into_inner().0).map_err(ApiError::invalid)?;
    let event = input.validate().map_err(ApiError::invalid)?;
    let actor = caller.actor();
    let id = state.db(move |conn| store::insert_event(conn, &event, &actor)).await?;
    Ok(HttpResponse::Created().json(json!({"id": id})))
}

async fn issue_feed(
    state: web::Data<AppState>,
    caller: Caller,
    ui: Ui,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let ui = language(&query, ui)?;
    let (principal, actor) = (caller.principal.clone(), caller.actor());
    let token = state.db(move |conn| store::issue_feed(conn, &principal, &actor)).await?;
    let url = calendar::feed_url(&state.config, &token, ui.lang);
    Ok(HttpResponse::Created().json(json!({"token": token, "url": url})))
}

async fn revoke_feed(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (principal, actor) = (caller.principal.clone(), caller.actor());
    let revoked = state.db(move |conn| store::revoke_feed(conn, &principal, &actor)).await?;
    if revoked == 0 {
        return Err(ApiError::not_found("an active calendar feed of yours"));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
pub struct WindowQuery {
    pub window: Option<String>,
    pub lang: Option<String>,
}

/// `?window=DAYS`, 0 to 366, 30 when left out.
pub fn window(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(joint::DEFAULT_WINDOW_DAYS),
        Some(w) => w.parse::<u32>().ok().filter(|d| *d <= joint::MAX_WINDOW_DAYS).ok_or_else(|| {
            ApiError::invalid(FieldErrors::single("window", format!("give a number of days from 0 to {}", joint::MAX_WINDOW_DAYS)))
        }),
    }
}

/// Suggestions with their marks and the activities they pair.
pub struct Marked {
    pub suggestion: Suggestion,
    pub mark: Option<Mark>,
}

pub async fn load_suggestions(state: &AppState, window_days: u32) -> Result<(calendar::Loaded, Vec<Marked>), ApiError> {
    let (loaded, marks) = state.db(|conn| Ok((calendar::load(conn)?, store::marks(conn)?))).await?;
    let found = joint::suggest(&loaded.entries, window_days);
    let marked = found.into_iter().map(|s| Marked { mark: marks.get(&s.key).copied(), suggestion: s }).collect();
    Ok((loaded, marked))
}

/// Why a suggestion is made, in one sentence of the reader's language.
pub fn why(s: &Suggestion, labels: &Labeller, ui: &Ui, window_days: u32) -> String {
    let themes: Vec<String> = s.themes.iter().map(|t| labels.theme(t.as_str(), ui.lang)).collect();
    let mut reasons = vec![ui.t1("joint-why-theme", "themes", themes.join(", "))];
    if s.within_window {
        reasons.push(ui.t2("joint-why-time", ("days", s.days_apart.to_string()), ("window", window_days.to_string())));
    }
    if !s.shared_regions.is_empty() {
        let regions: Vec<String> = s.shared_regions.iter().map(|r| labels.region(r.as_str(), ui.lang)).collect();
        reasons.push(ui.t1("joint-why-region", "regions", regions.join(", ")));
    }
    reasons.join("; ")
}

async fn suggestions(state: web::Data<AppState>, caller: Caller, ui: Ui, query: web::Query<WindowQuery>) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let ui = language(&CalendarQuery { lang: query.lang.clone(), ..CalendarQuery::default() }, ui)?;
    let window_days = window(query.window.as_deref())?;
    let (loaded, marked) = load_suggestions(&state, window_days).await?;
    let by_id: std::collections::HashMap<&str, &barometer_domain::calendar::CalendarEntry> =
        loaded.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let items: Vec<_> = marked
        .iter()
        .map(|m| {
            let s = &m.suggestion;
            json!({
                "key": s.key,
                "activities": s.activities.iter().filter_map(|id| by_id.get(id.as_str())).map(|e| calendar::entry_json(e, &loaded.labels, &ui)).collect::<Vec<_>>(),
                "assemblies": s.assemblies,
                "themes": s.themes,
                "days_apart": s.days_apart,
                "within_window": s.within_window,
                "shared_regions": s.shared_regions,
                "why": why(s, &loaded.labels, &ui, window_days),
                "mark": m.mark.map(Mark::as_str),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"window_days": window_days, "items": items})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkBody {
    mark: String,
}

/// Checks that `key` names a current suggestion (at any window up to a year), then marks it.
pub async fn mark_suggestion(state: &AppState, caller: &Caller, key: String, mark: Mark) -> Result<(), ApiError> {
    caller.require(&[Role::Secretariat])?;
    let (_, marked) = load_suggestions(state, joint::MAX_WINDOW_DAYS).await?;
    if !marked.iter().any(|m| m.suggestion.key == key) {
        return Err(ApiError::not_found(format!("joint-initiative suggestion {key}")));
    }
    let actor = caller.actor();
    state.db(move |conn| store::set_mark(conn, &key, mark, &actor)).await
}

async fn mark(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<MarkBody>,
) -> Result<HttpResponse, ApiError> {
    let mark = Mark::parse(body.mark.trim()).map_err(|e| ApiError::invalid(FieldErrors::single("mark", e)))?;
    let key = path.into_inner();
    mark_suggestion(&state, &caller, key.clone(), mark).await?;
    Ok(HttpResponse::Ok().json(json!({"key": key, "mark": mark.as_str()})))
}
