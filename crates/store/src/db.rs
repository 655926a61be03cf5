//! Connections and the pool. The backend is chosen by the URL's scheme and nothing else.

use std::fmt;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};

use crate::StoreError;

/// One connection to either backend. Queries written once against the portable schema run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Whether a transaction (or savepoint) is open on `conn`, as diesel tracks it: no query is sent.
pub(crate) fn in_transaction(conn: &mut DbConn) -> bool {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let status = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConn::Postgres(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    matches!(status.transaction_depth(), Ok(Some(_)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A parsed `BAROMETER_DATABASE_URL`: `sqlite://PATH` or `postgres://…` (`postgresql://…`).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    /// For SQLite, the file path; for PostgreSQL, the whole URL.
    target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Config(format!(
                    "the SQLite URL {url:?} names no file: use sqlite://PATH, e.g. sqlite://barometer.db (an in-memory database would lose every answer on restart)"
                )));
            }
            return Ok(DatabaseUrl { backend: Backend::Sqlite, target: path.to_owned() });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl { backend: Backend::Postgres, target: url.to_owned() });
        }
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or(url);
        Err(StoreError::Config(format!(
            "unsupported database URL scheme {scheme:?} in BAROMETER_DATABASE_URL: use sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB (postgresql:// also works)"
        )))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file, if this is a SQLite URL.
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite).then_some(self.target.as_str())
    }

    /// Opens one connection, configured as every pooled connection is.
    pub fn connect(&self) -> Result<DbConn, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)
                    .map_err(|e| StoreError::Connect(format!("cannot open SQLite database {:?}: {e}", self.target)))?;
                // Two connections switching a new database to WAL at the same moment can each hold
                // a lock the other needs; SQLite then answers one "database is locked" at once,
                // without waiting out the busy timeout (waiting would be a deadlock). By the time
                // it tries again the other has switched the file, and the pragma goes through.
                let mut tries = 0;
                loop {
                    match conn.batch_execute(SQLITE_PRAGMAS) {
                        Ok(()) => break,
                        Err(e) if tries < 100 && e.to_string().contains("database is locked") => {
                            tries += 1;
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.target)
                    .map_err(|e| StoreError::Connect(format!("cannot connect to PostgreSQL at {}: {e}", self.redacted())))?;
                conn.batch_execute(POSTGRES_SETTINGS).map_err(|e| {
                    StoreError::Connect(format!("cannot configure the connection to PostgreSQL at {}: {e}", self.redacted()))
                })?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }

    /// The URL without its password, for messages and logs.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => redact_password(&self.target),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Set on every SQLite connection: durability (WAL with full sync, so an acknowledged write
/// survives power loss), integrity (foreign keys are off by default in SQLite) and patience
/// (wait for a writer instead of failing at once).
/// The busy timeout comes first: switching a new database to WAL takes a lock that the pool's
/// other connections, opening at the same moment, must wait for rather than fail on.
/// `temp_store = MEMORY` keeps the savepoint journals of the writer's group commit (one
/// savepoint per job) in memory instead of temporary files: they only serve to roll back one job
/// inside the open transaction, never for durability (that is the WAL), and writing them to a
/// file cost a quarter of the writer thread's time.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";

/// Set on every PostgreSQL connection: one plan per prepared statement.
///
/// diesel prepares each of the service's statements once per connection and keeps it. By default
/// PostgreSQL still plans such a statement anew at each execution for as long as a plan made for
/// the values at hand looks cheaper than the general one, and for the batched statements
/// ([`crate::batch`]), whose arrays' lengths it then knows, it always did: under the load
/// benchmark, planning took as long as executing the token checks, and 40 % as long as
/// executing the survey's reads (pg_stat_statements: 8,162 plans for 11,155 reads, 12,105 for
/// 40,030 token checks). The service's statements look rows up by key, by cycle, by assembly or
/// (the calendar) by a range of dates, through an index where there is one; none has a value for
/// which another plan would be much better (no `LIKE` patterns, no skewed columns of large
/// tables: the audit log, the one table that grows with every write, is read by entity).
const POSTGRES_SETTINGS: &str = "SET plan_cache_mode = force_generic_plan";

/// Opens pooled connections for a [`DatabaseUrl`].
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConn, StoreError> {
        self.url.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    /// A connection handed back with a transaction still open (after a panic in a write) or with
    /// diesel's transaction state lost is closed, which rolls that transaction back, rather than
    /// lent again.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        std::thread::panicking() || <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Builds the pool. Fails at once, with the reason, when the database cannot be reached.
pub fn pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, StoreError> {
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build(ConnectionManager { url: url.clone() })
        .map_err(|e| StoreError::Connect(format!("cannot open the database {}: {e}", url.redacted())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://barometer.db").unwrap().sqlite_path(), Some("barometer.db"));
        assert_eq!(DatabaseUrl::parse("sqlite:///var/lib/b.db").unwrap().sqlite_path(), Some("/var/lib/b.db"));
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
    }

    #[test]
    fn other_schemes_are_refused_with_the_supported_ones_named() {
        let message = DatabaseUrl::parse("mysql://x").unwrap_err().to_string();
        assert!(message.contains("\"mysql\""), "{message}");
        assert!(message.contains("sqlite://") && message.contains("postgres://"), "{message}");
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    // The pool opens its connections at the same moment; on a new file each switches it to WAL.
    #[test]
    fn connections_opened_together_on_a_new_sqlite_file_all_open() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("new.db").display())).unwrap();
            let start = std::sync::Barrier::new(8);
            std::thread::scope(|scope| {
                let opened: Vec<_> = (0..8)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            url.connect().map(|_| ())
                        })
                    })
                    .collect();
                for one in opened {
                    let outcome = one.join().unwrap();
                    assert!(outcome.is_ok(), "{outcome:?}");
                }
            });
        }
    }

    #[test]
    fn passwords_never_reach_messages() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/barometer").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/barometer");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
