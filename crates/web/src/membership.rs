//! Membership under the amended Terms of Reference, shared by the JSON API and the pages: an
//! expression of interest, the notification of the Presidency and every participating
//! assembly, meetings with their agenda, and the decision.

use barometer_domain::membership::{Decision, Meeting, RequestInput};
use barometer_domain::{AssemblyCode, FieldErrors, Lang};
use barometer_store::audit;
use barometer_store::membership::{self as store, Letter, StoredRequest};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::i18n::Ui;
use crate::state::AppState;

pub fn instant(at: chrono::NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Validates and stores an expression of interest (duplicates are refused with 409).
pub async fn submit(
    state: &AppState,
    input: RequestInput,
    lang: Lang,
    letter: Option<Letter>,
    actor: String,
) -> Result<StoredRequest, ApiError> {
    let valid = input.validate().map_err(ApiError::invalid)?;
    let stored = state.db(move |conn| store::create(conn, &valid, lang.code(), letter.as_ref(), &actor)).await?;
    tracing::info!(request = %stored.id, "membership request received");
    Ok(stored)
}

/// The email and in-app text of a notification, in English (the Mechanism's working language
/// for correspondence; the app shows each reader the notification in their own language).
pub fn message(request: &StoredRequest, meeting: Option<&Meeting>) -> (String, String) {
    let ui = Ui::new(Lang::En);
    let subject = ui.t1("notice-request-title", "name", &request.assembly_name);
    let when = match meeting {
        Some(m) => ui.t2("notice-request-meeting", ("number", m.number.to_string()), ("date", m.date.to_string())),
        None => ui.t("notice-request-no-meeting"),
    };
    let body = format!(
        "{}\n\n{}: {}\n{}: {}\n\n{}",
        ui.t1("notice-request-body", "name", &request.assembly_name),
        ui.t("membership-members"),
        request.members,
        ui.t("membership-relevance"),
        request.relevance,
        when
    );
    (subject, body)
}

/// What notifying did.
pub struct Notified {
    pub assemblies: Vec<AssemblyCode>,
    pub emails: usize,
}

/// Notifies the Presidency and every participating assembly of a request.
pub async fn notify(state: &AppState, id: String, actor: String) -> Result<Notified, ApiError> {
    let (assemblies, emails) = state
        .db(move |conn| {
            let request =
                store::find(conn, &id)?.ok_or_else(|| barometer_store::StoreError::NotFound(format!("membership request {id}")))?;
            let next = barometer_store::meetings::next_regular(conn, today().max(request.created_at.date()))?;
            let (subject, body) = message(&request, next.as_ref());
            store::notify(conn, &id, today(), &subject, &body, &actor)
        })
        .await?;
    Ok(Notified { assemblies, emails })
}

/// Checks a decision and records it.
pub async fn decide(
    state: &AppState,
    id: String,
    meeting: Option<u32>,
    decision: &str,
    code: &str,
    actor: String,
) -> Result<StoredRequest, ApiError> {
    let mut errors = FieldErrors::new();
    let decision = Decision::parse(decision.trim());
    if decision.is_none() {
        errors.add("decision", "choose admitted, declined or deferred");
    }
    if meeting.is_none() {
        errors.add("meeting", "give the number of the meeting that took the decision, e.g. 7");
    }
    let code = match (decision, code.trim()) {
        (Some(Decision::Admitted), c) => errors.check("code", AssemblyCode::parse(c)),
        _ => None,
    };
    let (Some(decision), Some(number)) = (decision, meeting) else { return Err(ApiError::invalid(errors)) };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    state
        .db(move |conn| {
            let Some(meeting) = barometer_store::meetings::find(conn, number)? else {
                return Err(barometer_store::StoreError::Invalid(FieldErrors::single(
                    "meeting",
                    format!("there is no meeting number {number}; record the meeting first"),
                )));
            };
            store::decide(conn, &id, &meeting, decision, code.as_ref(), &actor)
        })
        .await
}

/// A request as the API shows it, with its history.
pub fn request_json(r: &StoredRequest, history: &[audit::Record]) -> Value {
    json!({
        "id": r.id,
        "assembly_name": r.assembly_name,
        "members": r.members,
        "relevance": r.relevance,
        "contact_email": r.contact_email,
        "lang": r.lang,
        "status": r.status.as_str(),
        "meeting": r.meeting,
        "code": r.assembly,
        "letter": r.letter_name.as_ref().map(|_| format!("/api/v1/membership-requests/{}/letter", r.id)),
        "notified_at": r.notified_at.map(instant),
        "created_at": instant(r.created_at),
        "updated_at": instant(r.updated_at),
        "history": history.iter().map(|h| json!({"at": instant(h.at), "actor": h.actor, "action": h.action})).collect::<Vec<_>>(),
    })
}

/// A meeting with its agenda.
pub fn meeting_json(m: &Meeting, next: bool, agenda: &[StoredRequest]) -> Value {
    json!({
        "number": m.number,
        "date": m.date,
        "venue": m.venue,
        "online": m.online,
        "regular": m.regular,
        "next": next,
        "agenda": agenda.iter().map(|r| json!({"id": r.id, "assembly_name": r.assembly_name, "status": r.status.as_str(), "submitted_on": r.created_at.date()})).collect::<Vec<_>>(),
    })
}

/// Every meeting (by date) with its agenda and whether it is the next regular one.
pub fn meetings_with_agenda(
    conn: &mut barometer_store::DbConn,
) -> Result<Vec<(Meeting, bool, Vec<StoredRequest>)>, barometer_store::StoreError> {
    let next = barometer_store::meetings::next_regular(conn, today())?.map(|m| m.number);
    let mut out = Vec::new();
    for m in barometer_store::meetings::list(conn)? {
        let agenda = store::agenda(conn, &m, today())?;
        out.push((m.clone(), Some(m.number) == next, agenda));
    }
    Ok(out)
}

/// An assembly's contact address as the Secretariat typed it: `None` (cleared) when empty, 422
/// naming `contact_email` when it is not an address.
pub fn contact_email(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => barometer_domain::membership::email(text)
            .map(Some)
            .map_err(|message| ApiError::invalid(barometer_domain::FieldErrors::single("contact_email", message))),
    }
}
