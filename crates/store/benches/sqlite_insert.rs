//! The raw durable insert rate of SQLite on this machine: the baseline that the load benchmark
//! (`tests/load/run.sh`) compares barometer's submissions with.
//!
//! A bare loop: one small row per transaction, into a file opened exactly as barometer opens its
//! database (WAL, `synchronous = FULL`, a 10 s busy timeout), by `BAROMETER_BENCH_CLIENTS`
//! threads (64 by default) for `BAROMETER_BENCH_SECONDS` each way (10 by default). Two ways:
//!
//! - `shared`: the threads take turns on one connection behind a mutex (SQLite has one writer
//!   at a time anyway; this is the best it does);
//! - `per-thread`: each thread has its own connection and writes in `BEGIN IMMEDIATE`
//!   transactions, waiting on the busy timeout, as a pool of connections would.
//!
//! The last line, `BASELINE_INSERTS_PER_SEC=…`, is the better of the two; the load script reads it.
//!
//! Run with `cargo bench -p barometer-store --bench sqlite_insert`. The file is created in
//! `BAROMETER_BENCH_DIR` (default: the system's temporary folder), so that it can sit on the same
//! disk as the server's database.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use barometer_store::{DatabaseUrl, DbConn};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

/// A connection configured exactly as barometer's pool configures one.
fn open(url: &DatabaseUrl) -> SqliteConnection {
    match url.connect().expect("opening the SQLite file") {
        DbConn::Sqlite(conn) => conn,
        DbConn::Postgres(_) => unreachable!("a sqlite:// URL opens SQLite"),
    }
}

fn insert(conn: &mut SqliteConnection, thread: u64, n: u64) -> QueryResult<usize> {
    diesel::sql_query("INSERT INTO bench_insert (thread, n, at, payload) VALUES (?, ?, datetime('now'), ?)")
        .bind::<BigInt, _>(thread as i64)
        .bind::<BigInt, _>(n as i64)
        .bind::<Text, _>("a submission-sized row would be larger; this one measures the commit")
        .execute(conn)
}

struct Run {
    inserts: u64,
    errors: u64,
    elapsed: Duration,
}

impl Run {
    fn rate(&self) -> f64 {
        self.inserts as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `work(thread, n)` on `clients` threads until `seconds` have passed; each call is one
/// committed insert.
fn drive<F>(clients: u64, seconds: u64, work: F) -> Run
where
    F: Fn(u64, u64) -> QueryResult<usize> + Send + Sync + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let (inserts, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let work = Arc::new(work);
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|thread| {
            let (stop, inserts, errors, work) = (stop.clone(), inserts.clone(), errors.clone(), work.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    match work(thread, n) {
                        Ok(_) => inserts.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("first error: {e}");
                            }
                            1
                        }
                    };
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for handle in handles {
        handle.join().expect("an insert thread panicked");
    }
    Run { inserts: inserts.load(Ordering::Relaxed), errors: errors.load(Ordering::Relaxed), elapsed: started.elapsed() }
}

fn main() {
    let clients = env_number("BAROMETER_BENCH_CLIENTS", 64);
    let seconds = env_number("BAROMETER_BENCH_SECONDS", 10);
    let dir = match std::env::var_os("BAROMETER_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("creating a temporary folder");
    let path = dir.path().join("insert.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("a sqlite URL");

    let mut setup = open(&url);
    setup
        .batch_execute("CREATE TABLE bench_insert (id INTEGER PRIMARY KEY, thread BIGINT NOT NULL, n BIGINT NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL)")
        .expect("creating the table");
    let mode: String = diesel::sql_query("PRAGMA journal_mode")
        .get_result::<JournalMode>(&mut setup)
        .map(|m| m.journal_mode)
        .expect("reading the journal mode");
    let sync = diesel::sql_query("PRAGMA synchronous").get_result::<Synchronous>(&mut setup).map(|s| s.synchronous).expect("synchronous");
    println!("SQLite {} at {}: journal_mode={mode}, synchronous={sync} (2 = FULL)", sqlite_version(&mut setup), path.display());
    println!("{clients} threads, {seconds} s each way, one row per transaction");

    let shared = Arc::new(Mutex::new(setup));
    let conn = shared.clone();
    let run = drive(clients, seconds, move |thread, n| {
        let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
        conn.transaction(|conn| insert(conn, thread, n))
    });
    report("shared", &run);
    let (best_shared, shared_inserts) = (run.rate(), run.inserts);

    let connections: Arc<Vec<Mutex<SqliteConnection>>> = Arc::new((0..clients).map(|_| Mutex::new(open(&url))).collect());
    let run = drive(clients, seconds, move |thread, n| {
        let mut conn = connections[thread as usize].lock().unwrap_or_else(|e| e.into_inner());
        conn.immediate_transaction(|conn| insert(conn, thread, n))
    });
    report("per-thread", &run);

    // Every counted insert is in the table, and nothing else is.
    let rows = diesel::sql_query("SELECT COUNT(*) AS n FROM bench_insert").get_result::<Count>(&mut open(&url)).expect("counting").n;
    println!("rows in the table: {rows} (counted: {})", shared_inserts + run.inserts);
    assert_eq!(rows as u64, shared_inserts + run.inserts, "the table does not hold what the loop counted");
    println!("BASELINE_INSERTS_PER_SEC={:.0}", best_shared.max(run.rate()));
}

fn report(way: &str, run: &Run) {
    println!(
        "{way:>10}: {} inserts in {:.1} s = {:.0} inserts/s ({} errors)",
        run.inserts,
        run.elapsed.as_secs_f64(),
        run.rate(),
        run.errors
    );
}

fn sqlite_version(conn: &mut SqliteConnection) -> String {
    diesel::sql_query("SELECT sqlite_version() AS version").get_result::<Version>(conn).map(|v| v.version).unwrap_or_default()
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(QueryableByName)]
struct Synchronous {
    #[diesel(sql_type = BigInt)]
    synchronous: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}
