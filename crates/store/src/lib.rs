//! barometer's storage: one diesel schema and one set of queries over SQLite (embedded, the
//! default) and PostgreSQL (production), chosen by the database URL's scheme.
//!
//! What it is for: connections and the pool, embedded migrations for both backends, and the
//! queries that read and write assemblies, cycles, responses, users, tokens, membership requests,
//! meetings, the Presidency, notifications, the email outbox, rate-limit counters and the audit log,
//! each write together with its audit entry in one transaction.
//!
//! What it is not for: validation rules (the domain crate owns them; this crate stores values
//! that are already valid), HTTP, or computing results.

/// Inserts rows one statement at a time. diesel's multi-row insert needs a backend with a
/// `DEFAULT` keyword, which the two-backend connection does not offer; inside one transaction
/// the cost is small (one fsync per transaction, not per row).
macro_rules! insert_each {
    ($conn:expr, $table:expr, $rows:expr) => {
        for row in $rows {
            diesel::insert_into($table).values(row).execute($conn)?;
        }
    };
}

pub mod assemblies;
pub mod audit;
pub mod auth;
pub mod backup;
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
pub use writer::{Writer, WriterStats};

/// The current instant, as stored (UTC, without zone).
pub fn now() -> chrono::NaiveDateTime {
    // PostgreSQL keeps microseconds; cut SQLite's to the same, so both backends (and a backup
    // moved between them) hold the same instants.
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now().naive_utc();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
