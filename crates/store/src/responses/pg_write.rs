//! Amending a response's row and appending its audit entry on PostgreSQL in one statement (a
//! data-modifying `WITH`): the audit entry is inserted only from the row the version-guarded
//! update returns, so the two stand or fall together.
//!
//! Being one statement, it is atomic on its own: when it is the whole write (the lists are
//! unchanged, see [`super::save_over`]) it runs without `BEGIN` and `COMMIT`, one round trip
//! where there were four. Inside a transaction it saves one round trip. The statement has one
//! text, so diesel prepares it once per connection (diesel's own `UPDATE` with a tuple of
//! assignments is not cached and was parsed and planned on every call).

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

/// The response row's new values, and the version the update is guarded by.
pub(super) struct Amend<'a> {
    pub id: &'a str,
    pub expected_version: i32,
    pub status: &'a str,
    pub version: i32,
    pub comment: &'a str,
    pub receipt: Option<&'a str>,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
}

/// The audit entry, as [`crate::audit::append`] would write it.
pub(super) struct AuditRow<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
}

struct Statement<'a> {
    amend: &'a Amend<'a>,
    audit: &'a AuditRow<'a>,
}

impl QueryId for Statement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let (r, a) = (self.amend, self.audit);
        out.push_sql("WITH updated AS (UPDATE responses SET status = ");
        out.push_bind_param::<Text, str>(r.status)?;
        out.push_sql(", version = ");
        out.push_bind_param::<Integer, i32>(&r.version)?;
        out.push_sql(", comment = ");
        out.push_bind_param::<Text, str>(r.comment)?;
        out.push_sql(", receipt = ");
        out.push_bind_param::<Nullable<Text>, Option<&str>>(&r.receipt)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, NaiveDateTime>(&r.updated_at)?;
        out.push_sql(", submitted_at = ");
        out.push_bind_param::<Nullable<Timestamp>, Option<NaiveDateTime>>(&r.submitted_at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, str>(r.id)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<Integer, i32>(&r.expected_version)?;
        out.push_sql(" RETURNING 1) INSERT INTO audit_log (at, actor, action, entity, entity_id, before_json, after_json) SELECT ");
        out.push_bind_param::<Timestamp, NaiveDateTime>(&a.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, str>(a.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, str>(a.action)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, str>(a.entity)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, str>(a.entity_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, Option<&str>>(&a.before_json)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, Option<&str>>(&a.after_json)?;
        out.push_sql(" FROM updated");
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Statement<'_> {}

/// Runs the update and the audit insert; `false` when the row was not at `expected_version`
/// (nothing is written then).
pub(super) fn amend_with_audit(conn: &mut PgConnection, amend: &Amend<'_>, audit: &AuditRow<'_>) -> QueryResult<bool> {
    Ok(Statement { amend, audit }.execute(conn)? == 1)
}
