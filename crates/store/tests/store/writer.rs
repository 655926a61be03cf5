//! The writer: every job answered with its own result, only after commit; a failing job rolls back
//! alone; on SQLite, jobs that wait are committed together (group commit).

use std::sync::mpsc;
use std::thread::JoinHandle;

use barometer_domain::response::Purpose;
use barometer_domain::{AssemblyCode, FieldErrors, ResponseInput, ResponseStatus};
use barometer_store::responses::{self, Save};
use barometer_store::schema::settings;
use barometer_store::{Backend, DbConn, StoreError, Writer};
use barometer_test_support::{TestDb, backend_tests};
use diesel::prelude::*;

use crate::support::seed;

fn put(conn: &mut DbConn, key: &str, value: &str) -> Result<(), StoreError> {
    diesel::insert_into(settings::table).values((settings::key.eq(key), settings::value.eq(value))).execute(conn)?;
    Ok(())
}

fn get(conn: &mut DbConn, key: &str) -> Option<String> {
    settings::table.find(key).select(settings::value).first(conn).optional().unwrap()
}

fn count_prefixed(conn: &mut DbConn, prefix: &str) -> Result<i64, StoreError> {
    Ok(settings::table.filter(settings::key.like(format!("{prefix}%"))).count().get_result(conn)?)
}

/// Holds the SQLite writer inside a job until released, so that the jobs sent meanwhile wait in
/// its queue and are taken together. Returns the release handle and the blocked job's thread.
fn hold_writer(writer: &Writer) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let (release, released) = mpsc::channel::<()>();
    let (started, has_started) = mpsc::channel::<()>();
    let w = writer.clone();
    let handle = std::thread::spawn(move || {
        w.write(move |_| {
            started.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    has_started.recv().unwrap();
    (release, handle)
}

/// Sends a job from a thread of its own and waits until it is queued (SQLite: `queued`) or done
/// (PostgreSQL), so jobs keep the order in which they are sent.
fn send<T: Send + 'static>(
    writer: &Writer,
    queued: bool,
    job: impl FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
) -> JoinHandle<Result<T, StoreError>> {
    let before = writer.stats().waiting;
    let w = writer.clone();
    let handle = std::thread::spawn(move || w.write(job));
    while if queued { writer.stats().waiting == before } else { !handle.is_finished() } {
        std::thread::yield_now();
    }
    handle
}

fn backend(db: &TestDb) -> Backend {
    db.conn().backend()
}

backend_tests! {
    fn concurrent_writes_all_land_each_with_its_own_answer_in_order(db) {
        let writer = Writer::new(db.pool().clone());
        let threads: Vec<_> = (0..12)
            .map(|t| {
                let w = writer.clone();
                std::thread::spawn(move || {
                    (0..8)
                        .map(|j| {
                            w.write(move |conn| {
                                put(conn, &format!("wr:{t}-{j}"), &format!("{t}/{j}"))?;
                                count_prefixed(conn, &format!("wr:{t}-"))
                            })
                            .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for thread in threads {
            // Each job of a thread ran after the one before it, and saw it.
            assert_eq!(thread.join().unwrap(), (1..=8).collect::<Vec<i64>>());
        }
        // Committed: another connection sees every row, exactly once.
        let mut other = db.fresh_conn();
        assert_eq!(count_prefixed(&mut other, "wr:").unwrap(), 96);
        assert_eq!(get(&mut other, "wr:11-7").as_deref(), Some("11/7"));
        let stats = writer.stats();
        assert_eq!(stats.jobs, 96);
        assert!(stats.batches >= 1 && stats.batches <= 96, "{stats:?}");
        assert_eq!(stats.waiting, 0);
        eprintln!("{}: 96 jobs from 12 threads in {} transactions (largest {})", backend(&db), stats.batches, stats.largest_batch);
    }

    fn a_failing_job_rolls_back_alone_and_gets_its_own_error(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let pam = AssemblyCode::parse("PAM").unwrap();
        let content = ResponseInput::new(vec!["victims".into()], vec!["global".into()], vec![], "first".into()).validate(&def, Purpose::Draft).unwrap();
        let label = def.label.clone();
        responses::save(&mut conn, Save { cycle: &label, assembly: &pam, content: &content, status: ResponseStatus::Draft, expected_version: None, actor: "test" }).unwrap();
        drop(conn);

        let writer = Writer::new(db.pool().clone());
        let sqlite = backend(&db) == Backend::Sqlite;
        let held = sqlite.then(|| hold_writer(&writer));
        let first = send(&writer, sqlite, |conn| put(conn, "a", "1"));
        let invalid = send(&writer, sqlite, |conn| {
            put(conn, "b", "2")?;
            Err::<(), _>(StoreError::Invalid(FieldErrors::single("b", "refused after writing")))
        });
        let stale = send(&writer, sqlite, move |conn| {
            let save = Save { cycle: &label, assembly: &pam, content: &content, status: ResponseStatus::Submitted, expected_version: Some(7), actor: "test" };
            responses::save(conn, save).map(|r| r.version)
        });
        let duplicate = send(&writer, sqlite, |conn| put(conn, "a", "again"));
        let reader = send(&writer, sqlite, |conn| {
            put(conn, "c", "3")?;
            Ok((get(conn, "a"), get(conn, "b")))
        });
        if let Some((release, handle)) = held {
            assert_eq!(writer.stats().waiting, 5, "five jobs wait behind the held one");
            release.send(()).unwrap();
            handle.join().unwrap();
        }

        first.join().unwrap().unwrap();
        assert!(matches!(invalid.join().unwrap(), Err(StoreError::Invalid(_))));
        assert!(matches!(stale.join().unwrap(), Err(StoreError::VersionConflict { expected: 7, current: 1 })));
        assert!(matches!(duplicate.join().unwrap(), Err(StoreError::Conflict(_))));
        // Jobs run in the order sent: the last saw the first's write, and not the failed one's.
        assert_eq!(reader.join().unwrap().unwrap(), (Some("1".to_owned()), None));

        let mut other = db.fresh_conn();
        assert_eq!(get(&mut other, "a").as_deref(), Some("1"));
        assert_eq!(get(&mut other, "b"), None, "the failed job's write is rolled back");
        assert_eq!(get(&mut other, "c").as_deref(), Some("3"));
        let stored = responses::find(&mut other, &def.label, &AssemblyCode::parse("PAM").unwrap()).unwrap().unwrap();
        assert_eq!((stored.version, stored.status), (1, ResponseStatus::Draft), "the stale save changed nothing");
        if sqlite {
            let stats = writer.stats();
            assert_eq!((stats.batches, stats.jobs, stats.largest_batch), (2, 6, 5), "the five waiting jobs shared one commit: {stats:?}");
        }
    }
}

#[test]
fn sqlite_commits_every_waiting_job_together() {
    let db = TestDb::sqlite();
    let writer = Writer::new(db.pool().clone());
    let (release, held) = hold_writer(&writer);
    let jobs: Vec<_> = (0..40).map(|i| send(&writer, true, move |conn| put(conn, &format!("gc:{i:02}"), "x").map(|()| i))).collect();
    assert_eq!(writer.stats().waiting, 40);
    release.send(()).unwrap();
    held.join().unwrap();
    for (i, job) in jobs.into_iter().enumerate() {
        assert_eq!(job.join().unwrap().unwrap(), i, "each job gets its own answer");
    }
    let stats = writer.stats();
    assert_eq!((stats.batches, stats.jobs, stats.largest_batch, stats.waiting), (2, 41, 40, 0), "{stats:?}");
    assert_eq!(count_prefixed(&mut db.fresh_conn(), "gc:").unwrap(), 40);
}

#[test]
fn a_panicking_job_fails_its_batch_and_the_writer_goes_on() {
    let db = TestDb::sqlite();
    let writer = Writer::new(db.pool().clone());
    let (release, held) = hold_writer(&writer);
    let before = send(&writer, true, |conn| put(conn, "p1", "x"));
    let panics = send(&writer, true, |_| -> Result<(), StoreError> { panic!("a bug in a job") });
    release.send(()).unwrap();
    held.join().unwrap();
    // Nothing of that batch is kept, and nobody is told otherwise.
    assert!(matches!(before.join().unwrap(), Err(StoreError::Unsaved(_))));
    assert!(matches!(panics.join().unwrap(), Err(StoreError::Unsaved(_))));
    assert_eq!(get(&mut db.fresh_conn(), "p1"), None);
    // The writer is still there, on a sound connection.
    writer.write(|conn| put(conn, "p2", "y")).unwrap();
    assert_eq!(get(&mut db.fresh_conn(), "p2").as_deref(), Some("y"));
}

/// Two saves that read the same version: on PostgreSQL (read committed) the second waits for the
/// first's row lock and must then be refused, not overwrite it.
#[test]
fn postgres_refuses_a_save_that_read_a_version_another_transaction_then_replaced() {
    let Some(db) = TestDb::postgres() else { return };
    let mut conn = db.conn();
    let def = seed(&mut conn);
    let pam = AssemblyCode::parse("PAM").unwrap();
    let content = ResponseInput::new(vec!["victims".into()], vec![], vec![], "v1".into()).validate(&def, Purpose::Draft).unwrap();
    responses::save(
        &mut conn,
        Save { cycle: &def.label, assembly: &pam, content: &content, status: ResponseStatus::Draft, expected_version: None, actor: "t" },
    )
    .unwrap();
    drop(conn);

    let writer = Writer::new(db.pool().clone());
    let (saved, has_saved) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let (w, d, a, c) = (writer.clone(), def.clone(), pam.clone(), content.clone());
    let first = std::thread::spawn(move || {
        w.write(move |conn| {
            let r = responses::save(
                conn,
                Save { cycle: &d.label, assembly: &a, content: &c, status: ResponseStatus::Draft, expected_version: Some(1), actor: "a" },
            )?;
            saved.send(()).unwrap();
            released.recv().unwrap();
            Ok(r.version)
        })
    });
    has_saved.recv().unwrap();
    let (w, d, a, c) = (writer.clone(), def.clone(), pam.clone(), content.clone());
    let second = std::thread::spawn(move || {
        w.write(move |conn| {
            responses::save(
                conn,
                Save { cycle: &d.label, assembly: &a, content: &c, status: ResponseStatus::Draft, expected_version: Some(1), actor: "b" },
            )
            .map(|r| r.version)
        })
    });
    // Release the first only once the second waits for its lock (so it has read version 1).
    let mut watcher = diesel::PgConnection::establish(db.url()).unwrap();
    loop {
        let waiting: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')",
        ))
        .get_result(&mut watcher)
        .unwrap();
        if waiting > 0 {
            break;
        }
        std::thread::yield_now();
    }
    release.send(()).unwrap();
    assert_eq!(first.join().unwrap().unwrap(), 2);
    assert!(matches!(second.join().unwrap(), Err(StoreError::VersionConflict { expected: 1, current: 2 })));
    assert_eq!(responses::find(&mut db.conn(), &def.label, &pam).unwrap().unwrap().version, 2);
}

/// `enqueue` (what the web service uses, so that no thread waits for the writer) answers each
/// job on the writer's thread, and only once its batch is committed: a row it wrote is already
/// visible to another connection when the answer arrives.
#[test]
fn sqlite_queued_jobs_are_answered_after_their_commit() {
    let db = TestDb::sqlite();
    let writer = Writer::new(db.pool().clone());
    let (release, held) = hold_writer(&writer);
    let (answers, answered) = mpsc::channel();
    for i in 0..5 {
        let answers = answers.clone();
        let pool = db.pool().clone();
        writer.enqueue(
            move |conn| put(conn, &format!("q:{i}"), "x").map(|()| i),
            Box::new(move |outcome: Result<i32, StoreError>| {
                let seen = count_prefixed(&mut pool.get().unwrap(), "q:").unwrap();
                answers.send((outcome.unwrap(), seen)).unwrap();
            }),
        );
    }
    assert_eq!(writer.stats().waiting, 5);
    assert!(answered.try_recv().is_err(), "nothing is answered before its commit");
    release.send(()).unwrap();
    held.join().unwrap();
    let got: Vec<(i32, i64)> = (0..5).map(|_| answered.recv().unwrap()).collect();
    assert_eq!(got, (0..5).map(|i| (i, 5)).collect::<Vec<_>>(), "in order, each after all five were committed together");
    // A failing job is answered with its own error, after a commit too.
    let (answer, failed) = mpsc::channel();
    writer
        .enqueue(|conn| put(conn, "q:0", "duplicate key"), Box::new(move |outcome: Result<(), StoreError>| answer.send(outcome).unwrap()));
    assert!(matches!(failed.recv().unwrap(), Err(StoreError::Conflict(_))));
    assert_eq!(get(&mut db.fresh_conn(), "q:0").as_deref(), Some("x"));
}

/// On PostgreSQL nothing is queued: `enqueue` refuses, and writes nothing.
#[test]
fn postgres_refuses_a_queued_write() {
    let Some(db) = TestDb::postgres() else { return };
    let writer = Writer::new(db.pool().clone());
    let (answer, answered) = mpsc::channel();
    writer.enqueue(|conn| put(conn, "pq", "x"), Box::new(move |outcome: Result<(), StoreError>| answer.send(outcome).unwrap()));
    assert!(matches!(answered.recv().unwrap(), Err(StoreError::Unsaved(_))));
    assert_eq!(get(&mut db.fresh_conn(), "pq"), None);
}
