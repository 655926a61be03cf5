//! Expressions of interest in joining the Mechanism, their letters, and the decisions taken on
//! them at meetings. An admission adds the assembly to the roster from the meeting's date.

use barometer_domain::membership::{Decision, Meeting, RequestStatus, ValidRequest, normalize_name};
use barometer_domain::{Assembly, AssemblyCode};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Entry};
use crate::error::corrupt;
use crate::schema::{assemblies, membership_letters, membership_requests};
use crate::{DbConn, StoreError};

pub const ENTITY: &str = "membership_request";

/// A request as stored (without its letter's bytes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRequest {
    pub id: String,
    pub assembly_name: String,
    pub members: String,
    pub relevance: String,
    pub contact_email: String,
    pub lang: String,
    pub status: RequestStatus,
    /// The meeting whose decision is recorded.
    pub meeting: Option<u32>,
    /// The roster code, once admitted.
    pub assembly: Option<String>,
    pub letter_name: Option<String>,
    pub notified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An attached letter: a PDF the domain already accepted, under a safe name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub file_name: String,
    pub content: Vec<u8>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! columns {
    () => {
        (
            membership_requests::id,
            membership_requests::assembly_name,
            membership_requests::members,
            membership_requests::relevance,
            membership_requests::contact_email,
            membership_requests::lang,
            membership_requests::status,
            membership_requests::meeting_number,
            membership_requests::assembly_code,
            membership_requests::letter_name,
            membership_requests::notified_at,
            membership_requests::created_at,
            membership_requests::updated_at,
        )
    };
}

fn from_row(r: Row) -> Result<StoredRequest, StoreError> {
    Ok(StoredRequest {
        id: r.0,
        assembly_name: r.1,
        members: r.2,
        relevance: r.3,
        contact_email: r.4,
        lang: r.5,
        status: RequestStatus::parse(&r.6).ok_or_else(|| corrupt("membership_requests.status", &r.6))?,
        meeting: r.7.map(|n| u32::try_from(n).map_err(|e| corrupt("membership_requests.meeting_number", e))).transpose()?,
        assembly: r.8,
        letter_name: r.9,
        notified_at: r.10,
        created_at: r.11,
        updated_at: r.12,
    })
}

/// Every request, newest first.
pub fn list(conn: &mut DbConn) -> Result<Vec<StoredRequest>, StoreError> {
    let rows: Vec<Row> = membership_requests::table.select(columns!()).order(membership_requests::created_at.desc()).load(conn)?;
    rows.into_iter().map(from_row).collect()
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<StoredRequest>, StoreError> {
    let row: Option<Row> = membership_requests::table.find(id).select(columns!()).get_result(conn).optional()?;
    row.map(from_row).transpose()
}

/// Requests still awaiting a final decision (pending or deferred), oldest first: the next
/// regular meeting's agenda.
pub fn open(conn: &mut DbConn) -> Result<Vec<StoredRequest>, StoreError> {
    let mut all = list(conn)?;
    all.retain(|r| r.status.is_open());
    all.reverse();
    Ok(all)
}

/// Requests on which `meeting` recorded a decision.
pub fn decided_at(conn: &mut DbConn, meeting: u32) -> Result<Vec<StoredRequest>, StoreError> {
    let rows: Vec<Row> = membership_requests::table
        .filter(membership_requests::meeting_number.eq(i32::try_from(meeting).unwrap_or(i32::MAX)))
        .select(columns!())
        .order(membership_requests::created_at.asc())
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The letter attached to a request, if any.
pub fn letter(conn: &mut DbConn, id: &str) -> Result<Option<Letter>, StoreError> {
    let row: Option<(String, Vec<u8>)> = membership_letters::table
        .find(id)
        .select((membership_letters::file_name, membership_letters::content))
        .get_result(conn)
        .optional()?;
    Ok(row.map(|(file_name, content)| Letter { file_name, content }))
}

/// Refuses a request from an assembly already on the roster, or one with a request awaiting a
/// decision (same name, ignoring case, spacing and diacritics, or same contact email).
fn check_duplicate(conn: &mut DbConn, request: &ValidRequest) -> Result<(), StoreError> {
    let roster: Vec<(String, String)> =
        assemblies::table.filter(assemblies::left_on.is_null()).select((assemblies::code, assemblies::name)).load(conn)?;
    if let Some((code, name)) = roster.iter().find(|(_, name)| normalize_name(name) == request.normalized_name) {
        return Err(StoreError::Conflict(format!("{name} is already a member of the Mechanism (code {code}); no request is needed")));
    }
    let email = request.contact_email.to_lowercase();
    if let Some(existing) = open(conn)?
        .into_iter()
        .find(|r| normalize_name(&r.assembly_name) == request.normalized_name || r.contact_email.to_lowercase() == email)
    {
        return Err(StoreError::Conflict(format!(
            "a request from {} (submitted on {}) is already awaiting a decision; the Secretariat will consider it at the next regular meeting",
            existing.assembly_name,
            existing.created_at.date()
        )));
    }
    Ok(())
}

/// Stores a new request (and its letter) with its audit entry.
pub fn create(
    conn: &mut DbConn,
    request: &ValidRequest,
    lang: &str,
    letter: Option<&Letter>,
    actor: &str,
) -> Result<StoredRequest, StoreError> {
    conn.transaction(|conn| {
        check_duplicate(conn, request)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = crate::now();
        diesel::insert_into(membership_requests::table)
            .values((
                membership_requests::id.eq(&id),
                membership_requests::assembly_name.eq(&request.assembly_name),
                membership_requests::normalized_name.eq(&request.normalized_name),
                membership_requests::members.eq(&request.members),
                membership_requests::relevance.eq(&request.relevance),
                membership_requests::contact_email.eq(&request.contact_email),
                membership_requests::lang.eq(lang),
                membership_requests::status.eq(RequestStatus::Pending.as_str()),
                membership_requests::letter_name.eq(letter.map(|l| l.file_name.as_str())),
                membership_requests::created_at.eq(now),
                membership_requests::updated_at.eq(now),
            ))
            .execute(conn)?;
        if let Some(letter) = letter {
            diesel::insert_into(membership_letters::table)
                .values((
                    membership_letters::request_id.eq(&id),
                    membership_letters::file_name.eq(&letter.file_name),
                    membership_letters::content.eq(&letter.content),
                ))
                .execute(conn)?;
        }
        let stored = find(conn, &id)?.ok_or_else(|| StoreError::NotFound("membership request".into()))?;
        let mut after = serde_json::to_value(&stored).expect("requests serialize");
        after["letter_bytes"] = serde_json::json!(letter.map(|l| l.content.len()));
        audit::append(
            conn,
            Entry { actor, action: "membership_request.submit", entity: ENTITY, entity_id: &id, before: None, after: Some(after) },
        )?;
        Ok(stored)
    })
}

/// Marks a request as notified (the notifications themselves are written by the caller in the
/// same transaction) and records who notified whom.
pub fn mark_notified(conn: &mut DbConn, id: &str, recipients: &[AssemblyCode], emails: usize, actor: &str) -> Result<(), StoreError> {
    let now = crate::now();
    diesel::update(membership_requests::table.find(id))
        .set((membership_requests::notified_at.eq(Some(now)), membership_requests::updated_at.eq(now)))
        .execute(conn)?;
    let codes: Vec<&str> = recipients.iter().map(AssemblyCode::as_str).collect();
    audit::append(
        conn,
        Entry {
            actor,
            action: "membership_request.notify",
            entity: ENTITY,
            entity_id: id,
            before: None,
            after: Some(serde_json::json!({"assemblies": codes, "emails": emails})),
        },
    )
}

/// Records the decision taken at `meeting`. Admission adds the assembly to the roster with
/// `joined_on` = the meeting's date, under `code`.
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    meeting: &Meeting,
    decision: Decision,
    code: Option<&AssemblyCode>,
    actor: &str,
) -> Result<StoredRequest, StoreError> {
    conn.transaction(|conn| {
        let before = find(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("membership request {id}")))?;
        if !before.status.is_open() {
            return Err(StoreError::Conflict(format!(
                "the request from {} was already {} at meeting {}; a decision is final",
                before.assembly_name,
                before.status.as_str(),
                before.meeting.map(|n| n.to_string()).unwrap_or_default()
            )));
        }
        let admitted = if decision == Decision::Admitted {
            let code = code.ok_or_else(|| {
                StoreError::Invalid(barometer_domain::FieldErrors::single(
                    "code",
                    "an admission needs the assembly's roster code, e.g. IPU",
                ))
            })?;
            let assembly = Assembly { code: code.clone(), name: before.assembly_name.clone(), joined_on: meeting.date, left_on: None };
            crate::assemblies::insert(conn, &assembly, actor)?;
            crate::assemblies::set_contact_email(conn, code, Some(&before.contact_email), actor)?;
            Some(code.as_str().to_owned())
        } else {
            None
        };
        diesel::update(membership_requests::table.find(id))
            .set((
                membership_requests::status.eq(decision.status().as_str()),
                membership_requests::meeting_number.eq(Some(i32::try_from(meeting.number).map_err(|e| corrupt("meeting number", e))?)),
                membership_requests::assembly_code.eq(admitted),
                membership_requests::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        let after = find(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("membership request {id}")))?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "membership_request.decide",
                entity: ENTITY,
                entity_id: id,
                before: Some(serde_json::to_value(&before).expect("requests serialize")),
                after: Some(serde_json::to_value(&after).expect("requests serialize")),
            },
        )?;
        Ok(after)
    })
}

/// Who is notified of a request on `day`: every assembly on the roster that day and the
/// Presidency's assembly, each once, by code.
pub fn recipients_on(conn: &mut DbConn, day: chrono::NaiveDate) -> Result<Vec<AssemblyCode>, StoreError> {
    let mut codes: Vec<AssemblyCode> = crate::assemblies::members_on(conn, day)?.into_iter().map(|a| a.code).collect();
    if let Some(term) = crate::meetings::presidency_on(conn, day)?
        && !codes.contains(&term.assembly)
    {
        codes.push(term.assembly);
    }
    codes.sort();
    Ok(codes)
}

/// Notifies the Presidency and every participating assembly of request `id` (in the app and,
/// through the outbox, by email), in one transaction with its audit entry. Returns the
/// assemblies notified and the number of emails queued.
pub fn notify(
    conn: &mut DbConn,
    id: &str,
    day: chrono::NaiveDate,
    subject: &str,
    body: &str,
    actor: &str,
) -> Result<(Vec<AssemblyCode>, usize), StoreError> {
    conn.transaction(|conn| {
        if find(conn, id)?.is_none() {
            return Err(StoreError::NotFound(format!("membership request {id}")));
        }
        let to = recipients_on(conn, day)?;
        let message = crate::notifications::Message { kind: "membership_request", subject, body, request_id: Some(id) };
        let emails = crate::notifications::send(conn, &to, &message)?;
        mark_notified(conn, id, &to, emails, actor)?;
        Ok((to, emails))
    })
}

/// A meeting's agenda: the requests decided there, and, for the next regular meeting on or
/// after `today`, every request still awaiting a decision.
pub fn agenda(conn: &mut DbConn, meeting: &Meeting, today: chrono::NaiveDate) -> Result<Vec<StoredRequest>, StoreError> {
    let mut items = decided_at(conn, meeting.number)?;
    if crate::meetings::next_regular(conn, today)?.is_some_and(|next| next.number == meeting.number) {
        for request in open(conn)? {
            if !items.iter().any(|r| r.id == request.id) {
                items.push(request);
            }
        }
    }
    Ok(items)
}
