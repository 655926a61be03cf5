//! Migrations for both backends, embedded in the binary. Each backend has its own folder with
//! the same migration names; never edit a migration that has landed, add a new one.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{DbConn, StoreError};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// Applies every pending migration; returns the names of those applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(failed)?,
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES).map_err(failed)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration, newest first (used by the migration tests).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let reverted = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(failed)?,
        DbConn::Postgres(c) => c.revert_all_migrations(POSTGRES).map_err(failed)?,
    };
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}

/// Names of the migrations not yet applied.
pub fn pending(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let pending = match conn {
        DbConn::Sqlite(c) => c.pending_migrations(SQLITE).map_err(failed)?.iter().map(|m| m.name().to_string()).collect(),
        DbConn::Postgres(c) => c.pending_migrations(POSTGRES).map_err(failed)?.iter().map(|m| m.name().to_string()).collect(),
    };
    Ok(pending)
}
