//! barometer's storage: one diesel schema and one set of queries over SQLite (embedded, the
//! default) and PostgreSQL (production), chosen by the database URL's scheme.
//!
//! What it is for: connections and the pool, embedded migrations for both backends, and the
//! queries that read and write assemblies, cycles, responses, users, tokens, membership requests,
//! meetings, the Presidency, notifications, the email outbox, rate-limit counters and the audit log,
//! each write together with its audit entry in one transaction.
//!
//! Single-row reads use `.get_result()` (by primary or unique key), not `.first()`: `.first()`
//! adds `LIMIT ?`, and SQLite (3.5x) plans around a bound `LIMIT` value, so it re-prepares the
//! statement every time the value is bound again, which is every time (a third of the CPU of a
//! cached results read went there; BENCHMARKS.md, "Load").
//!
//! What it is not for: validation rules (the domain crate owns them; this crate stores values
//! that are already valid), HTTP, or computing results.

/// Inserts rows the way that is cheapest on the connection's backend:
/// - SQLite, in-process: one cached, already-prepared single-row statement per row (a multi-row
///   statement has a different text for every row count, so it would be parsed and planned anew
///   each time, which costs more than the rows);
/// - PostgreSQL, over the network: multi-row `INSERT … VALUES (…), (…)` statements of up to 200
///   rows (far below its 65,535 bound values), one round trip each.
///
/// diesel's multi-row insert is offered per backend, not through the two-backend connection (it
/// needs a `DEFAULT` keyword there), so the statement is built for the connection's own backend
/// from rows written once, as portable column assignments.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        match &mut *$conn {
            $crate::DbConn::Sqlite(c) => {
                for row in rows {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            }
            $crate::DbConn::Postgres(c) => {
                for chunk in rows.chunks(200) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    }};
}

pub mod assemblies;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod batch;
pub mod calendar;
pub mod challenges;
pub mod cycle_data;
pub mod cycles;
pub mod db;
pub mod demo;
mod error;
pub mod idempotency;
pub mod invitations;
pub mod meetings;
pub mod membership;
pub mod migrations;
pub mod notifications;
pub mod rate_limit;
pub mod responses;
pub mod schema;
pub mod settings;
pub mod writer;

pub use db::{Backend, DatabaseUrl, DbConn, Pool, PooledConn, pool};
pub use error::StoreError;
pub use writer::{Reply, Writer, WriterStats};

/// The current instant, as stored (UTC, without zone).
pub fn now() -> chrono::NaiveDateTime {
    // PostgreSQL keeps microseconds; cut SQLite's to the same, so both backends (and a backup
    // moved between them) hold the same instants.
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now().naive_utc();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
