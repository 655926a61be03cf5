//! Migrations for both backends, embedded in the binary. Each backend has its own folder with
//! the same migration names; never edit a migration that has landed, add a new one.

use diesel::migration::MigrationSource;
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

/// Every migration this binary embeds, oldest first, as (version, name): `("20261122000001",
/// "2026-11-22-000001_initial")`. Both backends have the same names (a test checks the schemas).
pub fn versions() -> Vec<(String, String)> {
    let migrations = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE).expect("embedded migrations are readable");
    let mut out: Vec<(String, String)> = migrations.iter().map(|m| (m.name().version().to_string(), m.name().to_string())).collect();
    out.sort();
    out
}

/// The names of [`versions`], oldest first.
pub fn names() -> Vec<String> {
    versions().into_iter().map(|(_, name)| name).collect()
}

/// The newest migration this binary embeds: the schema version of its backups.
pub fn latest() -> String {
    names().pop().expect("at least one migration")
}
