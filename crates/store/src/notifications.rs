//! Notifications to assemblies (read in the app by their focal points) and the email outbox
//! that carries the same message to their addresses. The outbox always receives the message;
//! a sender delivers it when SMTP is configured.

use barometer_domain::AssemblyCode;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Entry};
use crate::schema::{notifications, outbox};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct Notification {
    pub id: String,
    pub assembly: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// A message to send to assemblies.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub request_id: Option<&'a str>,
}

/// Writes one notification per assembly and one outbox email per address of each; returns the
/// number of emails queued. Call inside the transaction of the step that notifies.
pub fn send(conn: &mut DbConn, to: &[AssemblyCode], message: &Message<'_>) -> Result<usize, StoreError> {
    let now = crate::now();
    let mut emails = 0;
    for assembly in to {
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(&id),
                notifications::assembly_code.eq(assembly.as_str()),
                notifications::kind.eq(message.kind),
                notifications::subject.eq(message.subject),
                notifications::body.eq(message.body),
                notifications::request_id.eq(message.request_id),
                notifications::created_at.eq(now),
            ))
            .execute(conn)?;
        for recipient in crate::assemblies::email_recipients(conn, assembly)? {
            diesel::insert_into(outbox::table)
                .values((
                    outbox::id.eq(uuid::Uuid::new_v4().to_string()),
                    outbox::recipient.eq(&recipient),
                    outbox::subject.eq(message.subject),
                    outbox::body.eq(message.body),
                    outbox::status.eq("pending"),
                    outbox::attempts.eq(0),
                    outbox::notification_id.eq(Some(&id)),
                    outbox::created_at.eq(now),
                ))
                .execute(conn)?;
            emails += 1;
        }
    }
    Ok(emails)
}

/// An assembly's notifications, newest first.
pub fn for_assembly(conn: &mut DbConn, assembly: &AssemblyCode) -> Result<Vec<Notification>, StoreError> {
    Ok(notifications::table
        .filter(notifications::assembly_code.eq(assembly.as_str()))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .load(conn)?)
}

pub fn unread_count(conn: &mut DbConn, assembly: &AssemblyCode) -> Result<i64, StoreError> {
    Ok(notifications::table
        .filter(notifications::assembly_code.eq(assembly.as_str()))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of `assembly`'s notifications (or all, with `None`) as read. Another assembly's
/// notification is not found.
pub fn mark_read(conn: &mut DbConn, assembly: &AssemblyCode, id: Option<&str>, actor: &str) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let mut query = diesel::update(notifications::table)
            .filter(notifications::assembly_code.eq(assembly.as_str()))
            .filter(notifications::read_at.is_null())
            .into_boxed();
        if let Some(id) = id {
            let exists: i64 = notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::assembly_code.eq(assembly.as_str()))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                return Err(StoreError::NotFound(format!("notification {id}")));
            }
            query = query.filter(notifications::id.eq(id));
        }
        let changed = query.set(notifications::read_at.eq(Some(crate::now()))).execute(conn)?;
        if changed > 0 {
            audit::append(
                conn,
                Entry {
                    actor,
                    action: "notification.read",
                    entity: "notification",
                    entity_id: id.unwrap_or(assembly.as_str()),
                    before: None,
                    after: Some(serde_json::json!({"read": changed})),
                },
            )?;
        }
        Ok(changed)
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable)]
pub struct Email {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

macro_rules! email_columns {
    () => {
        (
            outbox::id,
            outbox::recipient,
            outbox::subject,
            outbox::body,
            outbox::status,
            outbox::attempts,
            outbox::error,
            outbox::created_at,
            outbox::sent_at,
        )
    };
}

/// The outbox, newest first.
pub fn outbox(conn: &mut DbConn, limit: i64) -> Result<Vec<Email>, StoreError> {
    Ok(outbox::table.select(email_columns!()).order((outbox::created_at.desc(), outbox::id.asc())).limit(limit).load(conn)?)
}

/// Messages waiting to be sent, oldest first.
pub fn pending(conn: &mut DbConn, limit: i64) -> Result<Vec<Email>, StoreError> {
    Ok(outbox::table
        .filter(outbox::status.eq("pending"))
        .select(email_columns!())
        .order(outbox::created_at.asc())
        .limit(limit)
        .load(conn)?)
}

/// After this many failed attempts a message stays `failed` and is not tried again.
pub const MAX_ATTEMPTS: i32 = 5;

/// Records a delivery attempt: sent, or failed with its error (retried until [`MAX_ATTEMPTS`]).
pub fn record_attempt(conn: &mut DbConn, id: &str, result: Result<(), String>, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let attempts: i32 = outbox::table.find(id).select(outbox::attempts).get_result(conn)?;
        let attempts = attempts + 1;
        let (status, error, sent_at) = match &result {
            Ok(()) => ("sent", None, Some(crate::now())),
            Err(e) if attempts >= MAX_ATTEMPTS => ("failed", Some(e.clone()), None),
            Err(e) => ("pending", Some(e.clone()), None),
        };
        diesel::update(outbox::table.find(id))
            .set((outbox::status.eq(status), outbox::attempts.eq(attempts), outbox::error.eq(&error), outbox::sent_at.eq(sent_at)))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "email.attempt",
                entity: "email",
                entity_id: id,
                before: None,
                after: Some(serde_json::json!({"status": status, "attempts": attempts, "error": error})),
            },
        )
    })
}
