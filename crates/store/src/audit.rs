//! The append-only audit log: who did what, when, with the record before and after as JSON.
//! The database itself refuses updates and deletes of these rows (a trigger on each backend).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::schema::audit_log;
use crate::{DbConn, StoreError};

/// One change to record. `actor` identifies a user, token or process, never a secret.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Record {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// Appends one entry; call inside the transaction that makes the change.
pub fn append(conn: &mut DbConn, entry: Entry<'_>) -> Result<(), StoreError> {
    let before = entry.before.as_ref().map(serde_json::Value::to_string);
    let after = entry.after.as_ref().map(serde_json::Value::to_string);
    let Entry { actor, action, entity, entity_id, .. } = entry;
    append_serialized(conn, Serialized { actor, action, entity, entity_id, before: before.as_deref(), after: after.as_deref() })
}

/// An entry whose record before and after are already serialized as JSON: for writers that
/// serialize their records straight from their own types, with no `serde_json::Value` between.
#[derive(Debug, Clone, Copy)]
pub struct Serialized<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// Appends one entry serialized already; call inside the transaction that makes the change.
pub fn append_serialized(conn: &mut DbConn, entry: Serialized<'_>) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(crate::now()),
            audit_log::actor.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::entity.eq(entry.entity),
            audit_log::entity_id.eq(entry.entity_id),
            audit_log::before_json.eq(entry.before),
            audit_log::after_json.eq(entry.after),
        ))
        .execute(conn)?;
    Ok(())
}

/// The history of one record, oldest first.
pub fn history(conn: &mut DbConn, entity: &str, entity_id: &str) -> Result<Vec<Record>, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::id.asc())
        .load(conn)?)
}
