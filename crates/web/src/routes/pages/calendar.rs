//! The calendar page (a month grid and a list, filters as a GET form, previous and next month,
//! the private feed URL, exports, the Secretariat's event form, status controls) and the
//! Secretariat's joint-initiative page.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::calendar::joint::Mark;
use barometer_domain::calendar::{CalendarEntry, CalendarFilter, EventInput, EventKind, RawFilter};
use barometer_domain::{ActivityStatus, FieldErrors, Role};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

use super::{Chrome, local_path, render, see_other};
use crate::auth::Caller;
use crate::calendar::{self, Labeller};
use crate::error::ApiError;
use crate::i18n::{Ui, ltr};
use crate::routes::api::calendar as api;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/calendar", web::get().to(show))
        .route("/calendar/feed", web::post().to(feed))
        .route("/calendar/events", web::post().to(add_event))
        .route("/calendar/status/{id}", web::post().to(status))
        .route("/calendar/joint", web::get().to(joint_page))
        .route("/calendar/joint/mark", web::post().to(joint_mark));
}

#[derive(Deserialize, Default, Clone)]
struct PageQuery {
    #[serde(flatten)]
    filter: RawFilter,
    view: Option<String>,
    month: Option<String>,
}

/// One entry as the page shows it.
struct EntryView {
    id: String,
    who: String,
    title: String,
    kind: String,
    dates: String,
    place: String,
    themes: String,
    partners: String,
    status_code: &'static str,
    status: String,
    can_change: bool,
}

struct DayCell {
    day: u32,
    iso: String,
    today: bool,
    entries: Vec<EntryView>,
}

/// Where the nearest entry is, when the shown period is empty.
struct Later {
    href: String,
    day: String,
}

struct Choice {
    code: String,
    label: String,
    selected: bool,
}

#[derive(Deserialize, Default, Clone)]
struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    online: Option<String>,
    #[serde(default)]
    themes: String,
    #[serde(default)]
    partners: String,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    ui: Ui,
    chrome: Chrome,
    list_view: bool,
    month_title: String,
    month: String,
    weekdays: Vec<String>,
    weeks: Vec<Vec<Option<DayCell>>>,
    list: Vec<EntryView>,
    period: String,
    prev_link: String,
    next_link: String,
    month_link: String,
    list_link: String,
    later_link: Option<Later>,
    assemblies: Vec<Choice>,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    kinds: Vec<Choice>,
    from: String,
    to: String,
    filter_errors: FieldErrors,
    export_csv: String,
    export_xlsx: String,
    ics_link: String,
    feed_url: Option<String>,
    feed_since: Option<String>,
    secretariat: bool,
    event_kinds: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    form: EventForm,
    errors: FieldErrors,
    notice: Option<String>,
    next: String,
}

impl CalendarPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    fn filter_error(&self, field: &str) -> Option<&str> {
        self.filter_errors.get(field)
    }
}

fn today() -> NaiveDate {
    barometer_store::now().date()
}

fn first_of_month(raw: Option<&str>) -> NaiveDate {
    raw.and_then(|m| NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today().with_day(1).expect("day 1 exists"))
}

fn last_of_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(chrono::Months::new(1)).expect("dates in range") - Duration::days(1)
}

/// The query string of the filters, for links that keep them.
fn filter_query(filter: &RawFilter) -> String {
    let mut pairs = Vec::new();
    for (k, v) in [
        ("assembly", &filter.assembly),
        ("theme", &filter.theme),
        ("region", &filter.region),
        ("kind", &filter.kind),
        ("from", &filter.from),
        ("to", &filter.to),
    ] {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            pairs.push(format!("{k}={}", urlencode(v)));
        }
    }
    pairs.join("&")
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn link(view: &str, month: NaiveDate, filters: &str) -> String {
    let base = format!("/calendar?view={view}&month={}", month.format("%Y-%m"));
    if filters.is_empty() { base } else { format!("{base}&{filters}") }
}

fn dates(e: &CalendarEntry) -> String {
    let time = |t: Option<chrono::NaiveTime>| t.map(|t| format!(" {} UTC", t.format("%H:%M"))).unwrap_or_default();
    if e.starts_on == e.ends_on && e.end_time.is_none() {
        ltr(format!("{}{}", e.starts_on, time(e.start_time)))
    } else {
        ltr(format!("{}{} – {}{}", e.starts_on, time(e.start_time), e.ends_on, time(e.end_time)))
    }
}

fn may_change(caller: &Caller, e: &CalendarEntry) -> bool {
    match caller.role() {
        Role::Secretariat => true,
        Role::FocalPoint => e.assembly.is_some() && e.assembly == caller.principal.assembly,
        Role::Analyst => false,
    }
}

fn view(e: &CalendarEntry, labels: &Labeller, ui: &Ui, caller: &Caller) -> EntryView {
    EntryView {
        id: e.id.clone(),
        who: e.assembly.as_ref().map_or_else(|| ui.t("calendar-secretariat"), ToString::to_string),
        title: e.title.clone(),
        kind: labels.kind(&e.kind, ui),
        dates: dates(e),
        place: calendar::place(e, ui),
        themes: e.themes.iter().map(|t| labels.theme(t.as_str(), ui.lang)).collect::<Vec<_>>().join(", "),
        partners: e.partners.join(", "),
        status_code: e.status.as_str(),
        status: ui.t(&format!("activity-status-{}", e.status.as_str())),
        can_change: may_change(caller, e),
    }
}

fn choices(list: Vec<(String, String)>, selected: Option<&str>) -> Vec<Choice> {
    list.into_iter().map(|(code, label)| Choice { selected: Some(code.as_str()) == selected, code, label }).collect()
}

struct Extra {
    form: EventForm,
    errors: FieldErrors,
    notice: Option<String>,
    feed_url: Option<String>,
}

impl Default for Extra {
    fn default() -> Self {
        Extra {
            form: EventForm { kind: EventKind::MechanismMeeting.as_str().to_owned(), ..EventForm::default() },
            errors: FieldErrors::new(),
            notice: None,
            feed_url: None,
        }
    }
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    query: PageQuery,
    extra: Extra,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal.clone();
    let (loaded, assemblies, feed_since) = state
        .db(move |conn| {
            Ok((
                calendar::load(conn)?,
                barometer_store::assemblies::list(conn)?,
                barometer_store::calendar::feed_created(conn, &principal)?,
            ))
        })
        .await?;
    let list_view = query.view.as_deref() == Some("list");
    let month = first_of_month(query.month.as_deref());
    let month_end = last_of_month(month);
    let (filter, filter_errors) = match CalendarFilter::parse(&query.filter) {
        Ok(f) => (f, FieldErrors::new()),
        Err(e) => (CalendarFilter::default(), e),
    };
    // The month view shows its month; the list shows the chosen period, or the month.
    let mut shown = filter.clone();
    if !list_view {
        shown.from = Some(filter.from.map_or(month, |f| f.max(month)));
        shown.to = Some(filter.to.map_or(month_end, |t| t.min(month_end)));
    } else if filter.from.is_none() && filter.to.is_none() {
        shown.from = Some(month);
        shown.to = Some(month_end);
    }
    let entries = loaded.filtered(&shown);
    let filters = filter_query(&query.filter);
    // An empty month links to the nearest entry that matches the filters: the next one, or
    // else the last one before.
    let later_link = if entries.is_empty() {
        let mut after = filter.clone();
        after.from = Some(month_end + Duration::days(1));
        after.to = None;
        let mut before = filter.clone();
        before.to = Some(month - Duration::days(1));
        before.from = None;
        let next = loaded.filtered(&after).first().map(|e| e.starts_on);
        let previous = loaded.filtered(&before).iter().map(|e| e.starts_on).max();
        next.or(previous).map(|day| {
            let m = day.with_day(1).expect("day 1 exists");
            Later { href: link(if list_view { "list" } else { "month" }, m, &filters), day: ltr(day) }
        })
    } else {
        None
    };
    let today = today();
    let mut weeks = Vec::new();
    if !list_view {
        let lead = month.weekday().num_days_from_monday();
        let mut week: Vec<Option<DayCell>> = (0..lead).map(|_| None).collect();
        let mut day = month;
        while day <= month_end {
            let on_day =
                entries.iter().filter(|e| e.starts_on <= day && e.ends_on >= day).map(|e| view(e, &loaded.labels, &ui, caller)).collect();
            week.push(Some(DayCell { day: day.day(), iso: day.to_string(), today: day == today, entries: on_day }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            day += Duration::days(1);
        }
        if !week.is_empty() {
            while week.len() < 7 {
                week.push(None);
            }
            weeks.push(week);
        }
    }
    let list: Vec<EntryView> = if list_view { entries.iter().map(|e| view(e, &loaded.labels, &ui, caller)).collect() } else { Vec::new() };
    let bound = |d: Option<NaiveDate>| d.map_or_else(|| "…".to_owned(), |d| d.to_string());
    let period = ltr(format!("{} – {}", bound(shown.from), bound(shown.to)));
    let prev = month.checked_sub_months(chrono::Months::new(1)).expect("dates in range");
    let next_month = month.checked_add_months(chrono::Months::new(1)).expect("dates in range");
    let view_name = if list_view { "list" } else { "month" };
    let export = |format: &str| {
        let mut q = format!("/api/v1/activities?format={format}&lang={}", ui.code());
        let mut f = query.filter.clone();
        if f.from.as_deref().is_none_or(str::is_empty) && f.to.as_deref().is_none_or(str::is_empty) {
            f.from = Some(month.to_string());
            f.to = Some(month_end.to_string());
        }
        let fq = filter_query(&f);
        if !fq.is_empty() {
            q = format!("{q}&{fq}");
        }
        q
    };
    let selected = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let assembly_choices: Vec<(String, String)> =
        assemblies.iter().map(|a| (a.code.to_string(), format!("{} · {}", a.code, a.name))).collect();
    let page = CalendarPage {
        chrome: Chrome::new(req, &ui, Some(caller)),
        list_view,
        month_title: format!("{} {}", ui.t(&format!("month-{}", month.month())), month.year()),
        month: month.format("%Y-%m").to_string(),
        weekdays: (1..=7).map(|d| ui.t(&format!("weekday-{d}"))).collect(),
        weeks,
        list,
        period,
        prev_link: link(view_name, prev, &filters),
        next_link: link(view_name, next_month, &filters),
        month_link: link("month", month, &filters),
        list_link: link("list", month, &filters),
        later_link,
        assemblies: choices(assembly_choices, selected(&query.filter.assembly).as_deref()),
        themes: choices(loaded.labels.theme_choices(ui.lang), selected(&query.filter.theme).as_deref()),
        regions: choices(loaded.labels.region_choices(ui.lang), selected(&query.filter.region).as_deref()),
        kinds: choices(loaded.labels.kind_choices(&ui), selected(&query.filter.kind).as_deref()),
        from: selected(&query.filter.from).unwrap_or_default(),
        to: selected(&query.filter.to).unwrap_or_default(),
        filter_errors,
        export_csv: export("csv"),
        export_xlsx: export("xlsx"),
        ics_link: {
            let fq = filter_query(&query.filter);
            if fq.is_empty() {
                format!("/api/v1/calendar.ics?lang={}", ui.code())
            } else {
                format!("/api/v1/calendar.ics?lang={}&{fq}", ui.code())
            }
        },
        feed_url: extra.feed_url,
        feed_since: feed_since.map(|at| ltr(at.format("%Y-%m-%d %H:%M UTC"))),
        secretariat: caller.role() == Role::Secretariat,
        event_kinds: EventKind::ALL.iter().map(|k| (k.as_str().to_owned(), ui.t(&format!("event-kind-{}", k.as_str())))).collect(),
        statuses: [ActivityStatus::Planned, ActivityStatus::Confirmed, ActivityStatus::Held, ActivityStatus::Cancelled]
            .iter()
            .map(|s| (s.as_str().to_owned(), ui.t(&format!("activity-status-{}", s.as_str()))))
            .collect(),
        form: extra.form,
        errors: extra.errors,
        notice: extra.notice,
        // After a status change, come back here; a page drawn in answer to a POST (a new event,
        // a feed URL) comes back to its month instead of re-posting.
        next: if req.method() == actix_web::http::Method::GET { chrome_path(req) } else { link(view_name, month, &filters) },
        ui,
    };
    let status = if page.errors.is_empty() && page.filter_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &page))
}

fn chrome_path(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    }
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    page(&req, &state, ui, &caller, query.into_inner(), Extra::default()).await
}

#[derive(Deserialize)]
struct FeedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// Creates (or regenerates) the caller's private feed URL and shows it once; or revokes it.
async fn feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    form: web::Form<FeedForm>,
) -> Result<HttpResponse, ApiError> {
    if !crate::csrf::verify(&req, &form.csrf) {
        let extra = Extra { notice: None, errors: FieldErrors::single("form", ui.t("csrf-failed")), ..Extra::default() };
        return page(&req, &state, ui, &caller, PageQuery::default(), extra).await;
    }
    let (principal, actor) = (caller.principal.clone(), caller.actor());
    let extra = if form.action == "revoke" {
        state.db(move |conn| barometer_store::calendar::revoke_feed(conn, &principal, &actor)).await?;
        Extra { notice: Some(ui.t("calendar-feed-revoked")), ..Extra::default() }
    } else {
        let token = state.db(move |conn| barometer_store::calendar::issue_feed(conn, &principal, &actor)).await?;
        Extra {
            notice: Some(ui.t("calendar-feed-created")),
            feed_url: Some(calendar::feed_url(&state.config, &token, ui.lang)),
            ..Extra::default()
        }
    };
    page(&req, &state, ui, &caller, PageQuery::default(), extra).await
}

fn list_field(raw: &str) -> Vec<String> {
    raw.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

async fn add_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    form: web::Form<EventForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let form = form.into_inner();
    if !crate::csrf::verify(&req, &form.csrf) {
        let extra = Extra { form, errors: FieldErrors::single("form", ui.t("csrf-failed")), ..Extra::default() };
        return page(&req, &state, ui, &caller, PageQuery::default(), extra).await;
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = EventInput {
        title: form.title.clone(),
        kind: form.kind.clone(),
        starts_on: form.starts_on.clone(),
        ends_on: opt(&form.ends_on),
        start_time: opt(&form.start_time),
        end_time: opt(&form.end_time),
        city: opt(&form.city),
        country: opt(&form.country),
        online: form.online.is_some(),
        themes: list_field(&form.themes),
        regions: Vec::new(),
        partners: list_field(&form.partners),
        status: None,
    };
    let event = match input.validate() {
        Ok(event) => event,
        Err(mut errors) => {
            // Theme errors come per item; the form has one field for them all.
            let theme_error = errors.iter().find(|(k, _)| k.starts_with("themes[")).map(|(_, v)| v.to_owned());
            if let Some(e) = theme_error {
                errors.add("themes", e);
            }
            return page(&req, &state, ui, &caller, PageQuery::default(), Extra { form, errors, ..Extra::default() }).await;
        }
    };
    let month = event.starts_on.format("%Y-%m").to_string();
    let actor = caller.actor();
    state.db(move |conn| barometer_store::calendar::insert_event(conn, &event, &actor)).await?;
    let query = PageQuery { month: Some(month), ..PageQuery::default() };
    page(&req, &state, ui, &caller, query, Extra { notice: Some(ui.t("calendar-event-added")), ..Extra::default() }).await
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    next: Option<String>,
}

async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, ApiError> {
    if !crate::csrf::verify(&req, &form.csrf) {
        let extra = Extra { errors: FieldErrors::single("form", ui.t("csrf-failed")), ..Extra::default() };
        return page(&req, &state, ui, &caller, PageQuery::default(), extra).await;
    }
    let status = ActivityStatus::parse(form.status.trim()).map_err(|e| ApiError::invalid(FieldErrors::single("status", e)))?;
    api::change_status(&state, &caller, path.into_inner(), status).await?;
    Ok(see_other(&local_path(form.next.as_deref())))
}

#[derive(Template)]
#[template(path = "joint.html")]
struct JointPage {
    ui: Ui,
    chrome: Chrome,
    window: u32,
    open: Vec<SuggestionView>,
    dismissed: Vec<SuggestionView>,
    marks: Vec<(String, String)>,
}

struct SuggestionView {
    key: String,
    why: String,
    activities: Vec<EntryView>,
    mark_code: String,
    mark: Option<String>,
}

#[derive(Deserialize)]
struct JointQuery {
    window: Option<String>,
}

async fn joint_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    query: web::Query<JointQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let window = api::window(query.window.as_deref())?;
    let (loaded, marked) = api::load_suggestions(&state, window).await?;
    let by_id: HashMap<&str, &CalendarEntry> = loaded.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let (mut open, mut dismissed) = (Vec::new(), Vec::new());
    for m in &marked {
        let v = SuggestionView {
            key: m.suggestion.key.clone(),
            why: api::why(&m.suggestion, &loaded.labels, &ui, window),
            activities: m
                .suggestion
                .activities
                .iter()
                .filter_map(|id| by_id.get(id.as_str()))
                .map(|e| view(e, &loaded.labels, &ui, &caller))
                .collect(),
            mark_code: m.mark.map_or("none", Mark::as_str).to_owned(),
            mark: m.mark.map(|k| ui.t(&format!("joint-mark-{}", k.as_str()))),
        };
        if m.mark == Some(Mark::Dismissed) { dismissed.push(v) } else { open.push(v) }
    }
    let page = JointPage {
        chrome: Chrome::new(&req, &ui, Some(&caller)),
        window,
        open,
        dismissed,
        marks: Mark::ALL.iter().map(|m| (m.as_str().to_owned(), ui.t(&format!("joint-mark-as-{}", m.as_str())))).collect(),
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct MarkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    mark: String,
    #[serde(default)]
    window: Option<String>,
}

async fn joint_mark(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    form: web::Form<MarkForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    if !crate::csrf::verify(&req, &form.csrf) {
        return Err(ApiError::forbidden("the form has expired; reload the page and try again"));
    }
    let mark = Mark::parse(form.mark.trim()).map_err(|e| ApiError::invalid(FieldErrors::single("mark", e)))?;
    api::mark_suggestion(&state, &caller, form.key.clone(), mark).await?;
    let window = api::window(form.window.as_deref())?;
    Ok(see_other(&format!("/calendar/joint?window={window}")))
}
