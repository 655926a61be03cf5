//! Work that concurrent requests share: a [`Batcher`] answers many waiting requests with one
//! query (one statement on PostgreSQL), so that under load the database parses, plans, answers
//! and (for a write) commits once per batch instead of once per request, and no request waits on
//! a blocking thread of its own. The web service batches the check of every cached read, and on
//! PostgreSQL the amendments of responses ([`crate::responses::amend_all`]).
//!
//! A read is as fresh as a read of its own: its answer comes from a query begun after the request
//! was queued, so it sees every write acknowledged before it was made. A write is answered once
//! the statement that wrote it has returned (committed). Alone, a request is a batch of one and
//! waits for nobody; it is never held back to wait for others.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock, mpsc};

use crate::{DbConn, Pool, Reply, StoreError};

/// How many requests one query takes at most; more wait for the next.
const MAX_BATCH: usize = 256;

/// The query of a batcher: one answer per request, in the requests' order.
type BatchQuery<Q, A> = Arc<dyn Fn(&mut DbConn, Vec<Q>) -> Result<Vec<A>, StoreError> + Send + Sync>;

/// Queues requests of type `Q` for a thread that answers them in batches with `A`s. Cheap to
/// clone. The thread starts with the first request (a batcher that is never asked costs
/// nothing), and ends when the last clone is dropped.
///
/// One thread, so that one query is in flight at a time and every request that arrives meanwhile
/// joins the next batch, as a group commit does; a request never waits for more than the query
/// in flight. With one thread per core (two on a 2-core machine), two half-sized batches ran side
/// by side: under full load on PostgreSQL that cost a third more CPU per submission on average
/// (more statements for the database, more wake-ups for the service), in alternating runs
/// (BENCHMARKS.md, "What one thread per batcher changed").
///
/// When the query fails as a whole (no connection, a failed statement), every request of the
/// batch gets the error [`StoreError::share`] makes of it; a query whose requests can fail one by
/// one answers each with a `Result` of its own.
pub struct Batcher<Q, A> {
    inner: Arc<Inner<Q, A>>,
}

struct Inner<Q, A> {
    pool: Pool,
    name: String,
    query: BatchQuery<Q, A>,
    queue: OnceLock<mpsc::Sender<(Q, Reply<A>)>>,
}

impl<Q, A> Clone for Batcher<Q, A> {
    fn clone(&self) -> Self {
        Batcher { inner: self.inner.clone() }
    }
}

impl<Q: Send + 'static, A: Send + 'static> Batcher<Q, A> {
    /// A batcher whose thread (with a pooled connection while it runs a batch) answers requests
    /// with `query`. `name` names the thread.
    pub fn new<F>(pool: Pool, name: &str, query: F) -> Batcher<Q, A>
    where
        F: Fn(&mut DbConn, Vec<Q>) -> Result<Vec<A>, StoreError> + Send + Sync + 'static,
    {
        let inner = Inner { pool, name: name.to_owned(), query: Arc::new(query), queue: OnceLock::new() };
        Batcher { inner: Arc::new(inner) }
    }

    /// Queues `request`; `reply` is called on a batcher thread with its answer. `reply` must be
    /// quick: it only hands the answer on (to a channel, say).
    pub fn ask(&self, request: Q, reply: Reply<A>) {
        if let Err(mpsc::SendError((_, reply))) = self.queue().send((request, reply)) {
            reply(Err(StoreError::Shared(format!("the {} thread has stopped", self.inner.name))));
        }
    }

    fn queue(&self) -> &mpsc::Sender<(Q, Reply<A>)> {
        let inner = &self.inner;
        inner.queue.get_or_init(|| {
            let (queue, receiver) = mpsc::channel::<(Q, Reply<A>)>();
            let (pool, query) = (inner.pool.clone(), inner.query.clone());
            std::thread::Builder::new()
                .name(inner.name.clone())
                .spawn(move || run(&pool, &receiver, &query))
                .expect("the operating system starts the batcher's thread");
            queue
        })
    }

    /// Queues `request` and waits for its answer. Blocking: for tests and threads of your own.
    pub fn ask_blocking(&self, request: Q) -> Result<A, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.ask(
            request,
            Box::new(move |outcome| {
                let _ = reply.send(outcome);
            }),
        );
        answer.recv().unwrap_or_else(|_| Err(StoreError::Shared("the batched reads stopped before answering".into())))
    }
}

fn run<Q, A>(pool: &Pool, receiver: &mpsc::Receiver<(Q, Reply<A>)>, query: &BatchQuery<Q, A>) {
    // The batch is what has waited while the query before ran (one request when none has).
    while let Some(batch) = next_batch(receiver, MAX_BATCH) {
        let (requests, replies): (Vec<Q>, Vec<Reply<A>>) = batch.into_iter().unzip();
        // The query takes the requests: an answer may be made of its request (a write answers
        // with what it wrote) without copying it.
        let outcome = catch_unwind(AssertUnwindSafe(move || {
            let mut conn = pool.get()?;
            query(&mut conn, requests)
        }));
        match outcome {
            Ok(Ok(answers)) if answers.len() == replies.len() => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    reply(Ok(answer));
                }
            }
            Ok(Ok(answers)) => {
                tracing::error!(requests = replies.len(), answers = answers.len(), "a batched read gave the wrong number of answers");
                answer_all(replies, "the read gave an unexpected answer (a bug, logged)");
            }
            Ok(Err(e)) => {
                for reply in replies {
                    reply(Err(e.share()));
                }
            }
            Err(_) => {
                tracing::error!(requests = replies.len(), "a batched read panicked");
                answer_all(replies, "the read stopped unexpectedly (a bug, logged)");
            }
        }
    }
}

/// Waits for the next item of `queue`, then takes with it whatever else is already waiting, up
/// to `max` in all: a batch of what arrived while the one before was being handled. `None` once
/// every sender is gone. Shared by the batchers and the SQLite writer's group commit.
pub(crate) fn next_batch<T>(queue: &mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let first = queue.recv().ok()?;
    let mut batch = vec![first];
    while batch.len() < max {
        match queue.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}

fn answer_all<A>(replies: Vec<Reply<A>>, why: &str) {
    for reply in replies {
        reply(Err(StoreError::Shared(why.to_owned())));
    }
}
