//! Test databases: every test gets its own fresh SQLite file or PostgreSQL database, migrated,
//! and removed afterwards (as crates.io's test-db crate does), so tests run in parallel and
//! never see each other's rows.
//!
//! PostgreSQL tests run when `BAROMETER_TEST_POSTGRES_URL` names a server (any database on it;
//! the tests create their own). Without it they are skipped with a note, so `cargo test` works
//! on a machine without PostgreSQL; with `BAROMETER_TEST_REQUIRE_POSTGRES=1` (set by `.ci/run`)
//! a missing URL fails the test instead, so CI can never pass by skipping.

use barometer_store::{DatabaseUrl, DbConn, Pool, PooledConn};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

pub const POSTGRES_URL_VAR: &str = "BAROMETER_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES_VAR: &str = "BAROMETER_TEST_REQUIRE_POSTGRES";

/// A migrated database that exists for one test.
pub struct TestDb {
    url: String,
    pool: Pool,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held only so the folder is deleted on drop")] tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl TestDb {
    /// A fresh SQLite file in its own temporary folder.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb::open(url, Cleanup::Sqlite(dir), true)
    }

    /// A fresh, migrated PostgreSQL database, or `None` when no server is configured.
    pub fn postgres() -> Option<TestDb> {
        Self::postgres_with(true)
    }

    /// A fresh PostgreSQL database with no tables, for tests of migrating itself.
    pub fn postgres_empty() -> Option<TestDb> {
        Self::postgres_with(false)
    }

    fn postgres_with(migrate: bool) -> Option<TestDb> {
        let server = match std::env::var(POSTGRES_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                assert!(
                    std::env::var(REQUIRE_POSTGRES_VAR).is_err(),
                    "{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not: PostgreSQL tests must run"
                );
                eprintln!("skipped: set {POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres to run this test on PostgreSQL");
                return None;
            }
        };
        let name = format!("barometer_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            PgConnection::establish(&server).unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but PostgreSQL cannot be reached: {e}"));
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
        let url = with_database(&server, &name);
        Some(TestDb::open(url, Cleanup::Postgres { server, name }, migrate))
    }

    fn open(url: String, cleanup: Cleanup, migrate: bool) -> TestDb {
        let parsed = DatabaseUrl::parse(&url).expect("a valid test URL");
        let pool = barometer_store::pool(&parsed, 4).expect("a pool on the test database");
        if migrate {
            let mut conn = pool.get().expect("a connection");
            barometer_store::migrations::run_pending(&mut conn).expect("migrations apply");
        }
        TestDb { url, pool, cleanup }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn conn(&self) -> PooledConn {
        self.pool.get().expect("a pooled connection")
    }

    /// A connection outside the pool, configured exactly like pooled ones.
    pub fn fresh_conn(&self) -> DbConn {
        DatabaseUrl::parse(&self.url).expect("valid").connect().expect("a connection")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server, name } = &self.cleanup
            && let Ok(mut admin) = PgConnection::establish(server)
        {
            // FORCE ends the pool's connections (PostgreSQL 13+); a failure only leaves a stray database.
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Replaces the database name of a PostgreSQL URL, keeping any query string.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

/// Runs each test body once on SQLite and once on PostgreSQL (`name::sqlite`, `name::postgres`).
///
/// ```ignore
/// backend_tests! {
///     fn stores_things(db) { let mut conn = db.conn(); /* … */ }
/// }
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($(fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[test]
                fn sqlite() {
                    let $db = $crate::TestDb::sqlite();
                    $body
                }

                #[test]
                fn postgres() {
                    let Some($db) = $crate::TestDb::postgres() else { return };
                    $body
                }
            }
        )*
    };
}

/// [`backend_tests!`] for async bodies that run the web app in-process (`#[actix_web::test]`;
/// the calling crate depends on actix-web).
#[macro_export]
macro_rules! async_backend_tests {
    ($(async fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[::actix_web::test]
                async fn sqlite() {
                    let $db = $crate::TestDb::sqlite();
                    $body
                }

                #[::actix_web::test]
                async fn postgres() {
                    let Some($db) = $crate::TestDb::postgres() else { return };
                    $body
                }
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced_in_urls() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
    }
}
