//! THE list of tables a backup holds: one entry per table, parents before children (a restore
//! inserts in this order, so every foreign key finds its parent), each with the columns of
//! `schema.rs` in the same order and the primary key its rows are sorted by.
//!
//! To add a table (a test fails until you do, on both backends):
//! 1. copy its columns from `schema.rs`, in the same order, into a new entry below, after every
//!    table it references; `Date` is `NaiveDate`, `Timestamp` is `NaiveDateTime` with
//!    `#[serde(with = "timestamp")]` (or `"timestamp_opt"` when nullable), `Integer` is `i32`,
//!    `BigInt` is `i64`, `Double` is `f64`, `Bool` is `bool`, `Nullable<T>` is `Option<T>`;
//! 2. name its primary key after `sorted_by`.
//!
//! A new column in an existing table is the same: add it here where `schema.rs` has it. Adding
//! a table or column also changes the latest migration's name, so old backups are refused by the
//! new binary with a message that says which release restores them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{BackupError, bytes, timestamp, timestamp_opt};
use crate::{DbConn, StoreError, schema};

/// What a backup and a restore need to know about one table.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub(super) count: fn(&mut DbConn) -> Result<u64, StoreError>,
    /// Every row as one JSON object, sorted by primary key (bytewise for text, the same on both
    /// backends whatever their collation), handed to `emit`; returns how many.
    pub(super) dump: fn(&mut DbConn, &mut Emit<'_>) -> Result<u64, BackupError>,
    /// Inserts one row given as the JSON object `dump` wrote.
    pub(super) insert: fn(&mut DbConn, serde_json::Value) -> Result<(), BackupError>,
}

/// Receives each row of a dump as one JSON object.
pub(super) type Emit<'a> = dyn FnMut(String) -> Result<(), BackupError> + 'a;

macro_rules! tables {
    ($(
        $table:ident => $row:ident sorted_by ($($key:ident),+) {
            $( $(#[$attr:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    )*) => {
        $(
            // Queryable is positional: a column added to schema.rs but not here fails to compile.
            #[derive(Queryable, Insertable, Serialize, Deserialize)]
            #[diesel(table_name = schema::$table)]
            #[serde(deny_unknown_fields)]
            struct $row {
                $( $(#[$attr])* $field: $ty, )*
            }
        )*

        /// Every table, parents first.
        pub static TABLES: &[Table] = &[$(
            Table {
                name: stringify!($table),
                columns: &[$(stringify!($field)),*],
                count: |conn| Ok(schema::$table::table.count().get_result::<i64>(conn)? as u64),
                dump: |conn, emit| {
                    let mut rows: Vec<$row> = schema::$table::table.load(conn).map_err(StoreError::from)?;
                    rows.sort_by(|a, b| ($(&a.$key,)+).cmp(&($(&b.$key,)+)));
                    for row in &rows {
                        emit(serde_json::to_string(row).map_err(|e| BackupError::Corrupt(format!("{}: {e}", stringify!($table))))?)?;
                    }
                    Ok(rows.len() as u64)
                },
                insert: |conn, value| {
                    let row: $row = serde_json::from_value(value).map_err(|e| BackupError::Row(e.to_string()))?;
                    diesel::insert_into(schema::$table::table).values(&row).execute(conn).map_err(|e| BackupError::Row(e.to_string()))?;
                    Ok(())
                },
            }
        ),*];
    };
}

tables! {
    settings => Setting sorted_by (key) {
        key: String,
        value: String,
    }
    assemblies => Assembly sorted_by (code) {
        code: String,
        name: String,
        joined_on: NaiveDate,
        left_on: Option<NaiveDate>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
        contact_email: Option<String>,
    }
    cycles => Cycle sorted_by (label) {
        label: String,
        opens_on: NaiveDate,
        closes_on: NaiveDate,
        status: String,
        max_ranked_themes: i32,
        tier_primary: f64,
        tier_secondary: f64,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
    }
    cycle_themes => CycleTheme sorted_by (cycle_label, code) {
        cycle_label: String,
        code: String,
        position: i32,
        labels: String,
        replaces: String,
    }
    cycle_regions => CycleRegion sorted_by (cycle_label, code) {
        cycle_label: String,
        code: String,
        position: i32,
        labels: String,
        parent_code: Option<String>,
    }
    cycle_region_countries => CycleRegionCountry sorted_by (cycle_label, region_code, iso3) {
        cycle_label: String,
        region_code: String,
        iso3: String,
    }
    cycle_activity_kinds => CycleActivityKind sorted_by (cycle_label, code) {
        cycle_label: String,
        code: String,
        position: i32,
        labels: String,
    }
    responses => Response sorted_by (id) {
        id: String,
        cycle_label: String,
        assembly_code: String,
        status: String,
        version: i32,
        comment: String,
        receipt: Option<String>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
        #[serde(with = "timestamp_opt")] submitted_at: Option<NaiveDateTime>,
    }
    response_themes => ResponseTheme sorted_by (response_id, rank) {
        response_id: String,
        cycle_label: String,
        rank: i32,
        theme_code: String,
    }
    response_regions => ResponseRegion sorted_by (response_id, region_code) {
        response_id: String,
        cycle_label: String,
        region_code: String,
    }
    activities => Activity sorted_by (id) {
        id: String,
        response_id: String,
        cycle_label: String,
        position: i32,
        title: String,
        kind_code: String,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        city: Option<String>,
        country: Option<String>,
        online: bool,
        partners: String,
        status: String,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
        reported_status: String,
    }
    activity_themes => ActivityTheme sorted_by (activity_id, theme_code) {
        activity_id: String,
        cycle_label: String,
        theme_code: String,
    }
    activity_regions => ActivityRegion sorted_by (activity_id, region_code) {
        activity_id: String,
        cycle_label: String,
        region_code: String,
    }
    users => User sorted_by (id) {
        id: String,
        email: String,
        password_hash: String,
        role: String,
        assembly_code: Option<String>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp_opt")] disabled_at: Option<NaiveDateTime>,
    }
    api_tokens => ApiToken sorted_by (id) {
        id: String,
        token_hash: String,
        kind: String,
        role: String,
        assembly_code: Option<String>,
        cycle_label: Option<String>,
        user_id: Option<String>,
        label: String,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp_opt")] expires_at: Option<NaiveDateTime>,
        #[serde(with = "timestamp_opt")] revoked_at: Option<NaiveDateTime>,
        #[serde(with = "timestamp_opt")] last_used_at: Option<NaiveDateTime>,
    }
    // Append-only, but its triggers refuse only UPDATE and DELETE: a restore inserts the rows
    // with their ids, and then moves PostgreSQL's sequence past them.
    audit_log => AuditEntry sorted_by (id) {
        id: i64,
        #[serde(with = "timestamp")] at: NaiveDateTime,
        actor: String,
        action: String,
        entity: String,
        entity_id: String,
        before_json: Option<String>,
        after_json: Option<String>,
    }
    idempotency_keys => IdempotencyKey sorted_by (scope, key) {
        scope: String,
        key: String,
        request_hash: String,
        status: i32,
        body: String,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
    }
    meetings => Meeting sorted_by (number) {
        number: i32,
        date: NaiveDate,
        venue: String,
        online: bool,
        regular: bool,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
    }
    presidencies => Presidency sorted_by (assembly_code, starts_on) {
        assembly_code: String,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
    }
    membership_requests => MembershipRequest sorted_by (id) {
        id: String,
        assembly_name: String,
        normalized_name: String,
        members: String,
        relevance: String,
        contact_email: String,
        lang: String,
        status: String,
        meeting_number: Option<i32>,
        assembly_code: Option<String>,
        letter_name: Option<String>,
        #[serde(with = "timestamp_opt")] notified_at: Option<NaiveDateTime>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
    }
    membership_letters => MembershipLetter sorted_by (request_id) {
        request_id: String,
        file_name: String,
        #[serde(with = "bytes")] content: Vec<u8>,
    }
    notifications => Notification sorted_by (id) {
        id: String,
        assembly_code: String,
        kind: String,
        subject: String,
        body: String,
        request_id: Option<String>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp_opt")] read_at: Option<NaiveDateTime>,
    }
    outbox => OutboxMessage sorted_by (id) {
        id: String,
        recipient: String,
        subject: String,
        body: String,
        status: String,
        attempts: i32,
        error: Option<String>,
        notification_id: Option<String>,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp_opt")] sent_at: Option<NaiveDateTime>,
    }
    // Short-lived, but copied all the same: a restore in the middle of a rate-limit window or
    // of a visitor's challenge then behaves as the old database would have.
    rate_limit_counters => RateLimitCounter sorted_by (bucket, key_hash, window_start) {
        bucket: String,
        key_hash: String,
        window_start: i64,
        hits: i32,
    }
    challenges => Challenge sorted_by (id) {
        id: String,
        answer: String,
        #[serde(with = "timestamp")] expires_at: NaiveDateTime,
    }
    calendar_events => CalendarEvent sorted_by (id) {
        id: String,
        title: String,
        kind: String,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        start_time: Option<String>,
        end_time: Option<String>,
        city: Option<String>,
        country: Option<String>,
        online: bool,
        themes: String,
        regions: String,
        partners: String,
        status: String,
        #[serde(with = "timestamp")] created_at: NaiveDateTime,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
    }
    joint_initiative_marks => JointInitiativeMark sorted_by (suggestion_key) {
        suggestion_key: String,
        mark: String,
        #[serde(with = "timestamp")] updated_at: NaiveDateTime,
        updated_by: String,
    }
}
