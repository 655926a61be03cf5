//! The one way to write: [`Writer::write`] runs a job in a transaction and returns only once that
//! transaction is durable, so nothing is acknowledged before it would survive a crash.
//!
//! - On PostgreSQL each job is its own transaction on a pooled connection (the server already
//!   commits concurrent transactions together). A job of [`Writer::write_standalone`] opens its
//!   own instead, and needs none for a write of one statement.
//! - On SQLite, which allows one writer at a time, a dedicated thread does all of this writing.
//!   It takes every job waiting in its queue, runs them in one `BEGIN IMMEDIATE` transaction with
//!   a savepoint each (a job that fails — bad input, a stale version, a reused idempotency key —
//!   rolls back only its own savepoint and gets its own error), commits once (`synchronous =
//!   FULL`: durable when `COMMIT` returns), and only then answers each job. Under load one fsync
//!   serves many submissions; alone, a job is a batch of one and waits for nobody.
//!
//! Reads do not come here: they keep using the pool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, mpsc};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;

use crate::{Backend, DbConn, Pool, StoreError};

/// Where a queued job's outcome goes: called once, on the writer's thread, after the commit.
pub type Reply<T> = Box<dyn FnOnce(Result<T, StoreError>) + Send>;

/// The most jobs one SQLite transaction takes; more wait for the next commit.
const MAX_BATCH: usize = 256;

/// Who opens a PostgreSQL job's transaction.
#[derive(Clone, Copy)]
enum Transaction {
    Always,
    JobOpensIt,
}

/// Runs writes. Cheap to clone: clones share one queue and one writer thread.
#[derive(Clone)]
pub struct Writer {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    backend: OnceLock<Backend>,
    /// The SQLite writer thread's queue, started on the first SQLite write. The thread ends when
    /// the last clone of the writer is dropped.
    queue: OnceLock<mpsc::Sender<Box<dyn Job>>>,
    counters: Arc<Counters>,
}

/// What the writer has done so far, for tests and benchmarks (never for timing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Transactions begun: one per batch on SQLite; on PostgreSQL one per job (a job of
    /// [`Writer::write_standalone`] counts as one, whatever it opens itself).
    pub batches: u64,
    /// Jobs run.
    pub jobs: u64,
    /// The most jobs one transaction carried.
    pub largest_batch: u64,
    /// Jobs queued that no transaction has taken yet (SQLite only).
    pub waiting: u64,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    jobs: AtomicU64,
    largest_batch: AtomicU64,
    waiting: AtomicU64,
}

impl Counters {
    fn record(&self, jobs: usize) {
        let jobs = jobs as u64;
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.jobs.fetch_add(jobs, Ordering::Relaxed);
        self.largest_batch.fetch_max(jobs, Ordering::Relaxed);
    }
}

impl Writer {
    /// A writer over `pool`'s database. Nothing is opened until the first write.
    pub fn new(pool: Pool) -> Writer {
        Writer { inner: Arc::new(Inner { pool, backend: OnceLock::new(), queue: OnceLock::new(), counters: Arc::default() }) }
    }

    /// Runs `work` in a transaction of its own (PostgreSQL) or in a savepoint of the writer's
    /// next batch (SQLite), and returns its result once committed. When `work` fails, what it
    /// wrote is rolled back and its error is returned; other jobs are not affected. When the
    /// commit itself fails, the answer is [`StoreError::Unsaved`] and nothing of `work` is kept.
    ///
    /// Blocking: call it from `web::block` or a thread of your own, never from an async task.
    pub fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_in(work, Transaction::Always)
    }

    /// [`Writer::write`] for a job that opens its own transaction on PostgreSQL: there it starts
    /// outside any, so that reads before its write, and a write that is one statement, need no
    /// `BEGIN` and `COMMIT` (two round trips of the few a submission makes). The job must put
    /// every write of more than one statement in a transaction itself (`conn.transaction`),
    /// and it is durable when the statement or transaction that wrote it returns. On SQLite it is
    /// the same as [`Writer::write`]: the job runs in its savepoint of the group commit (and a
    /// transaction it opens is a savepoint inside that).
    pub fn write_standalone<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_in(work, Transaction::JobOpensIt)
    }

    fn write_in<T, F>(&self, work: F, transaction: Transaction) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        match self.backend()? {
            Backend::Postgres => {
                let mut pooled = self.inner.pool.get()?;
                let conn: &mut DbConn = &mut pooled;
                self.inner.counters.record(1);
                match transaction {
                    Transaction::Always => conn.transaction(work),
                    Transaction::JobOpensIt => work(conn),
                }
            }
            Backend::Sqlite => {
                let (reply, answer) = mpsc::sync_channel(1);
                self.queue_job(
                    work,
                    Box::new(move |outcome| {
                        // The caller may have gone away; there is nobody left to tell.
                        let _ = reply.send(outcome);
                    }),
                );
                answer.recv().unwrap_or_else(|_| Err(StoreError::Unsaved("the database writer stopped before answering".into())))
            }
        }
    }

    /// Queues `work` for the SQLite writer without waiting: `reply` is called, on the writer's
    /// thread, with the same outcome [`Writer::write`] would return, once it is known (after the
    /// commit). `reply` must be quick: it only hands the outcome on (to a channel, say).
    ///
    /// Only for SQLite ([`Writer::backend`]); on PostgreSQL a write needs a pooled connection of
    /// its own, so use [`Writer::write`] there. Called on PostgreSQL, the work is refused with
    /// [`StoreError::Unsaved`] and nothing is written.
    pub fn enqueue<T, F>(&self, work: F, reply: Reply<T>)
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        match self.backend() {
            Ok(Backend::Sqlite) => self.queue_job(work, reply),
            Ok(Backend::Postgres) => reply(Err(StoreError::Unsaved("a bug: queued write on PostgreSQL; use Writer::write".into()))),
            Err(e) => reply(Err(e)),
        }
    }

    fn queue_job<T, F>(&self, work: F, reply: Reply<T>)
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.inner.counters.waiting.fetch_add(1, Ordering::SeqCst);
        let job = Box::new(Typed { work: Some(work), outcome: None, reply: Some(reply) });
        if let Err(mpsc::SendError(mut job)) = self.queue().send(job) {
            self.inner.counters.waiting.fetch_sub(1, Ordering::SeqCst);
            job.refuse("the database writer has stopped");
        }
    }

    pub fn stats(&self) -> WriterStats {
        let c = &self.inner.counters;
        WriterStats {
            batches: c.batches.load(Ordering::SeqCst),
            jobs: c.jobs.load(Ordering::SeqCst),
            largest_batch: c.largest_batch.load(Ordering::SeqCst),
            waiting: c.waiting.load(Ordering::SeqCst),
        }
    }

    /// The database's backend (on first use this takes a connection from the pool to find out).
    pub fn backend(&self) -> Result<Backend, StoreError> {
        if let Some(backend) = self.inner.backend.get() {
            return Ok(*backend);
        }
        let backend = self.inner.pool.get()?.backend();
        Ok(*self.inner.backend.get_or_init(|| backend))
    }

    fn queue(&self) -> &mpsc::Sender<Box<dyn Job>> {
        self.inner.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel();
            let (pool, counters) = (self.inner.pool.clone(), self.inner.counters.clone());
            std::thread::Builder::new()
                .name("barometer-writer".into())
                .spawn(move || run_writer(&pool, &receiver, &counters))
                .expect("the operating system starts the writer thread");
            sender
        })
    }
}

/// A job in the SQLite writer's queue, with its result type erased.
trait Job: Send {
    /// Runs the work in a savepoint of the open transaction, keeping its outcome for later.
    fn run(&mut self, conn: &mut DbConn);
    /// Answers the caller, once the batch's commit succeeded (`Ok`) or failed (`Err`).
    fn answer(self: Box<Self>, commit: Result<(), &str>);
    /// Answers the caller of a job that never ran.
    fn refuse(&mut self, why: &str);
}

struct Typed<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    reply: Option<Reply<T>>,
}

impl<T, F> Job for Typed<T, F>
where
    F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send,
    T: Send,
{
    fn run(&mut self, conn: &mut DbConn) {
        if let Some(work) = self.work.take() {
            // Inside the batch's transaction, diesel makes this a savepoint: an error rolls back
            // this job's writes only.
            self.outcome = Some(conn.transaction(work));
        }
    }

    fn answer(self: Box<Self>, commit: Result<(), &str>) {
        let outcome = match (self.outcome, commit) {
            (Some(Ok(value)), Ok(())) => Ok(value),
            // Its own error: it kept nothing, whatever became of the batch.
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(_)), Err(why)) => Err(StoreError::Unsaved(why.to_owned())),
            (None, _) => Err(StoreError::Unsaved("the write stopped unexpectedly (a bug, logged)".into())),
        };
        if let Some(reply) = self.reply {
            reply(outcome);
        }
    }

    fn refuse(&mut self, why: &str) {
        if let Some(reply) = self.reply.take() {
            reply(Err(StoreError::Unsaved(why.to_owned())));
        }
    }
}

fn run_writer(pool: &Pool, queue: &mpsc::Receiver<Box<dyn Job>>, counters: &Counters) {
    while let Some(batch) = crate::batch::next_batch(queue, MAX_BATCH) {
        counters.waiting.fetch_sub(batch.len() as u64, Ordering::SeqCst);
        counters.record(batch.len());
        tracing::debug!(jobs = batch.len(), "group commit");
        commit_batch(pool, batch);
    }
}

fn commit_batch(pool: &Pool, mut batch: Vec<Box<dyn Job>>) {
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(e) => return answer_all(batch, Err(&format!("no database connection: {e}"))),
    };
    if let Err(e) = begin_immediate(&mut conn) {
        return answer_all(batch, Err(&format!("cannot begin a transaction: {e}")));
    }
    for job in &mut batch {
        if catch_unwind(AssertUnwindSafe(|| job.run(&mut conn))).is_err() {
            // A bug. diesel's idea of the transaction depth is lost with the unwinding, so the
            // whole batch is rolled back and the connection is dropped (the pool discards a
            // connection that still has a transaction open) rather than trusted again.
            tracing::error!(jobs = batch.len(), "a write panicked; its batch is rolled back");
            let _ = conn.batch_execute("ROLLBACK");
            return answer_all(batch, Err("the write was rolled back because of an unexpected error (logged); nothing of it is stored"));
        }
    }
    match <DbConn as Connection>::TransactionManager::commit_transaction(&mut *conn) {
        Ok(()) => answer_all(batch, Ok(())),
        Err(e) => {
            tracing::error!(error = %e, jobs = batch.len(), "a batch of writes could not be committed");
            answer_all(batch, Err(&format!("the write could not be committed ({e}); nothing of it is stored")));
        }
    }
}

/// Takes SQLite's write lock at once: a deferred transaction that reads first could not upgrade
/// to writing when another connection wrote in between, and would fail without waiting.
fn begin_immediate(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(sqlite) => AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE"),
        DbConn::Postgres(pg) => AnsiTransactionManager::begin_transaction(pg),
    }
}

fn answer_all(batch: Vec<Box<dyn Job>>, commit: Result<(), &str>) {
    for job in batch {
        job.answer(commit);
    }
}
