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
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(crate::now()),
            audit_log::actor.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::entity.eq(entry.entity),
            audit_log::entity_id.eq(entry.entity_id),
            audit_log::before_json.eq(entry.before.map(|v| v.to_string())),
            audit_log::after_json.eq(entry.after.map(|v| v.to_string())),
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
