//! Amending responses' rows and appending their audit entries on PostgreSQL in one statement (a
//! data-modifying `WITH`): each audit entry is inserted only from a row the version-guarded
//! update returns, so a row and its entry stand or fall together.
//!
//! Being one statement, it is atomic on its own: when it is the whole write (the lists are
//! unchanged, see [`super::save_over`]) it runs without `BEGIN` and `COMMIT`. It takes any
//! number of amendments, one per row of its arrays, so that concurrent submissions can share one
//! statement and one commit ([`super::amend_all`]). The statement has one text whatever their
//! number, so diesel prepares it once per connection (and finds it again by a static query id,
//! without writing out its text).
//!
//! [`insert_activities`] does the same for the rows a save that changes the lists adds: the new
//! activities with their themes and regions, in one statement of one text.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Bool, Date, Integer, Nullable, Text, Timestamp};

/// Binds fields of a statement as arrays, separated by commas, each cast to its column's type
/// (an empty array has none of its own): `arrays!(out, self, ids: Text as "text", …)`.
macro_rules! arrays {
    ($out:ident, $s:ident, $first:ident: $first_sql:ty as $first_cast:literal $(, $field:ident: $sql:ty as $cast:literal)*) => {
        $out.push_bind_param::<Array<$first_sql>, _>(&$s.$first)?;
        $out.push_sql(concat!("::", $first_cast, "[]"));
        $(
            $out.push_sql(", ");
            $out.push_bind_param::<Array<$sql>, _>(&$s.$field)?;
            $out.push_sql(concat!("::", $cast, "[]"));
        )*
    };
}

/// One response row's new values, the version the update is guarded by, and its audit entry (as
/// [`crate::audit::append`] would write it).
pub(super) struct Amend<'a> {
    pub id: &'a str,
    pub expected_version: i32,
    /// The row's `updated_at` as read, which guards the update as the version does.
    pub expected_at: NaiveDateTime,
    /// The guard of an amendment made without reading first (all `None` otherwise, see
    /// [`super::Guard`]): the caller's token, the cycle's `updated_at` and the assembly's dates
    /// on the roster.
    pub token_id: Option<&'a str>,
    pub cycle_at: Option<NaiveDateTime>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub status: &'a str,
    pub version: i32,
    pub comment: &'a str,
    pub receipt: Option<&'a str>,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub audit_at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_id: &'a str,
    pub before_json: &'a str,
    pub after_json: &'a str,
}

/// The statement's arrays, one element per amendment.
#[derive(Default)]
struct Statement<'a> {
    ids: Vec<&'a str>,
    expected: Vec<i32>,
    expected_at: Vec<NaiveDateTime>,
    token_ids: Vec<Option<&'a str>>,
    cycle_at: Vec<Option<NaiveDateTime>>,
    joined_on: Vec<Option<NaiveDate>>,
    left_on: Vec<Option<NaiveDate>>,
    statuses: Vec<&'a str>,
    versions: Vec<i32>,
    comments: Vec<&'a str>,
    receipts: Vec<Option<&'a str>>,
    updated_at: Vec<NaiveDateTime>,
    submitted_at: Vec<Option<NaiveDateTime>>,
    audit_at: Vec<NaiveDateTime>,
    actors: Vec<&'a str>,
    actions: Vec<&'a str>,
    entity_ids: Vec<&'a str>,
    before: Vec<&'a str>,
    after: Vec<&'a str>,
}

/// The static query id of [`Statement`], whose text never changes: diesel finds its prepared
/// statement by this type, without writing out and hashing its SQL text on every run.
struct StatementText;

impl QueryId for Statement<'_> {
    type QueryId = StatementText;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for Statement<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl RunQueryDsl<PgConnection> for Statement<'_> {}

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH q AS (SELECT * FROM unnest(");
        arrays!(
            out,
            self,
            ids: Text as "text",
            expected: Integer as "int4",
            expected_at: Timestamp as "timestamp",
            token_ids: Nullable<Text> as "text",
            cycle_at: Nullable<Timestamp> as "timestamp",
            joined_on: Nullable<Date> as "date",
            left_on: Nullable<Date> as "date",
            statuses: Text as "text",
            versions: Integer as "int4",
            comments: Text as "text",
            receipts: Nullable<Text> as "text",
            updated_at: Timestamp as "timestamp",
            submitted_at: Nullable<Timestamp> as "timestamp",
            audit_at: Timestamp as "timestamp",
            actors: Text as "text",
            actions: Text as "text",
            entity_ids: Text as "text",
            before: Text as "text",
            after: Text as "text"
        );
        out.push_sql(
            ") AS q(id, expected, expected_at, token_id, cycle_at, joined_on, left_on, status, version, comment, receipt, \
             updated_at, submitted_at, audit_at, actor, action, entity_id, before_json, after_json)), \
             updated AS (UPDATE responses r SET status = q.status, version = q.version, comment = q.comment, \
             receipt = q.receipt, updated_at = q.updated_at, submitted_at = q.submitted_at \
             FROM q WHERE r.id = q.id AND r.version = q.expected AND r.updated_at = q.expected_at \
             AND (q.token_id IS NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.id = q.token_id \
             AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > q.audit_at))) \
             AND (q.cycle_at IS NULL OR EXISTS (SELECT 1 FROM cycles c WHERE c.label = r.cycle_label AND c.updated_at = q.cycle_at)) \
             AND (q.joined_on IS NULL OR EXISTS (SELECT 1 FROM assemblies m WHERE m.code = r.assembly_code \
             AND m.joined_on = q.joined_on AND m.left_on IS NOT DISTINCT FROM q.left_on)) \
             RETURNING r.id), \
             logged AS (INSERT INTO audit_log (at, actor, action, entity, entity_id, before_json, after_json) \
             SELECT q.audit_at, q.actor, q.action, 'response', q.entity_id, q.before_json, q.after_json \
             FROM q JOIN updated u ON u.id = q.id) \
             SELECT id FROM updated",
        );
        Ok(())
    }
}

#[derive(QueryableByName)]
struct Updated {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Runs the updates and the audit inserts, and answers, for each amendment in order, whether it
/// was written (`false`: its row was not at its expected version and `updated_at`, or its guard no
/// longer held, and nothing of it is written).
/// The amendments must be of different rows: of two amendments of one row, one would be lost.
pub(super) fn amend_with_audit(conn: &mut PgConnection, amendments: &[Amend<'_>]) -> QueryResult<Vec<bool>> {
    debug_assert!(
        amendments.iter().map(|a| a.id).collect::<std::collections::BTreeSet<_>>().len() == amendments.len(),
        "one statement amends each row once"
    );
    let mut s = Statement::default();
    for a in amendments {
        s.ids.push(a.id);
        s.expected.push(a.expected_version);
        s.expected_at.push(a.expected_at);
        s.token_ids.push(a.token_id);
        s.cycle_at.push(a.cycle_at);
        s.joined_on.push(a.joined_on);
        s.left_on.push(a.left_on);
        s.statuses.push(a.status);
        s.versions.push(a.version);
        s.comments.push(a.comment);
        s.receipts.push(a.receipt);
        s.updated_at.push(a.updated_at);
        s.submitted_at.push(a.submitted_at);
        s.audit_at.push(a.audit_at);
        s.actors.push(a.actor);
        s.actions.push(a.action);
        s.entity_ids.push(a.entity_id);
        s.before.push(a.before_json);
        s.after.push(a.after_json);
    }
    let updated: std::collections::HashSet<String> = s.load::<Updated>(conn)?.into_iter().map(|u| u.id).collect();
    Ok(amendments.iter().map(|a| updated.contains(a.id)).collect())
}

/// A response's new activities, and the themes and regions written afresh (those of the new
/// activities, and of kept ones whose lists changed), as [`insert_activities`] writes them.
#[derive(Default)]
pub(super) struct NewActivities<'a> {
    pub response_id: &'a str,
    pub cycle: &'a str,
    pub now: NaiveDateTime,
    pub ids: Vec<&'a str>,
    pub positions: Vec<i32>,
    pub titles: Vec<&'a str>,
    pub kinds: Vec<&'a str>,
    pub starts_on: Vec<NaiveDate>,
    pub ends_on: Vec<NaiveDate>,
    pub cities: Vec<Option<&'a str>>,
    pub countries: Vec<Option<&'a str>>,
    pub online: Vec<bool>,
    pub partners: Vec<String>,
    pub statuses: Vec<&'a str>,
    /// Each theme row: its activity and its code.
    pub theme_activities: Vec<&'a str>,
    pub theme_codes: Vec<&'a str>,
    /// Each region row: its activity and its code.
    pub region_activities: Vec<&'a str>,
    pub region_codes: Vec<&'a str>,
}

/// The static query id of [`NewActivities`]' statement, whose text never changes (as
/// [`StatementText`]).
pub(super) struct NewActivitiesText;

impl QueryId for NewActivities<'_> {
    type QueryId = NewActivitiesText;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<PgConnection> for NewActivities<'_> {}

impl QueryFragment<Pg> for NewActivities<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH a AS (INSERT INTO activities (id, response_id, cycle_label, position, title, kind_code, starts_on, ends_on, \
             city, country, online, partners, status, reported_status, created_at, updated_at) \
             SELECT q.id, ",
        );
        out.push_bind_param::<Text, str>(self.response_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, str>(self.cycle)?;
        out.push_sql(
            ", q.position, q.title, q.kind_code, q.starts_on, q.ends_on, q.city, q.country, q.online, q.partners, q.status, q.status, ",
        );
        out.push_bind_param::<Timestamp, NaiveDateTime>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, NaiveDateTime>(&self.now)?;
        out.push_sql(" FROM unnest(");
        arrays!(
            out,
            self,
            ids: Text as "text",
            positions: Integer as "int4",
            titles: Text as "text",
            kinds: Text as "text",
            starts_on: Date as "date",
            ends_on: Date as "date",
            cities: Nullable<Text> as "text",
            countries: Nullable<Text> as "text",
            online: Bool as "bool",
            partners: Text as "text",
            statuses: Text as "text"
        );
        out.push_sql(
            ") AS q(id, position, title, kind_code, starts_on, ends_on, city, country, online, partners, status)), \
             t AS (INSERT INTO activity_themes (activity_id, cycle_label, theme_code) SELECT q.activity_id, ",
        );
        out.push_bind_param::<Text, str>(self.cycle)?;
        out.push_sql(", q.code FROM unnest(");
        arrays!(out, self, theme_activities: Text as "text", theme_codes: Text as "text");
        out.push_sql(
            ") AS q(activity_id, code)) INSERT INTO activity_regions (activity_id, cycle_label, region_code) SELECT q.activity_id, ",
        );
        out.push_bind_param::<Text, str>(self.cycle)?;
        out.push_sql(", q.code FROM unnest(");
        arrays!(out, self, region_activities: Text as "text", region_codes: Text as "text");
        out.push_sql(") AS q(activity_id, code)");
        Ok(())
    }
}

/// Inserts `rows` in one statement of one text (prepared once per connection), instead of
/// three multi-row inserts whose text changes with their number of rows: the activities and
/// their codes' rows are inserted by its parts (a data-modifying `WITH`), and the codes' foreign
/// keys to the new activities are checked at its end, when all are in.
pub(super) fn insert_activities(conn: &mut PgConnection, rows: NewActivities<'_>) -> QueryResult<()> {
    rows.execute(conn).map(|_| ())
}
