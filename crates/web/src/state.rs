use std::sync::Arc;

use barometer_domain::{AssemblyCode, CycleLabel};
use barometer_store::auth::{Checked, TokenCheck};
use barometer_store::batch::Batcher;
use barometer_store::responses::{Amendment, Read, ReadAnswer, StoredResponse, WithCycle};
use barometer_store::{Backend, DbConn, Pool, StoreError, Writer};

use crate::config::WebConfig;
use crate::error::ApiError;

/// Shared by every worker: the pool, the configuration and the results caches. Nothing that
/// matters lives only here — sessions, tokens and data are in the database, and caches check the
/// database's fingerprint on every read — so several instances can share one database.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// Where writes go: one transaction each on PostgreSQL, group commit on SQLite.
    pub writer: Writer,
    pub config: Arc<WebConfig>,
    /// Computed results and charts, each valid for one fingerprint of the data it came from.
    pub results: Arc<crate::results::ResultsCaches>,
    /// Cycles with their questionnaires, which never change once the cycle exists (the cycle's
    /// row is still read on every use: status and window do change).
    pub cycles: Arc<barometer_store::cycles::CycleCache>,
    /// The lists of the responses the survey's write path last read or wrote on PostgreSQL, each
    /// valid for one version and `updated_at` of its response's row, which is still read on every
    /// use ([`barometer_store::responses::ListsCache`]).
    pub lists: Arc<barometer_store::responses::ListsCache>,
    /// The checks of callers' tokens (with the results fingerprint, for cached reads), answered in
    /// batches: under load one statement checks every request waiting ([`barometer_store::batch`]).
    pub tokens: Batcher<TokenCheck, Result<Checked, StoreError>>,
    /// Amendments of responses whose lists are unchanged, written in batches on PostgreSQL: under
    /// load one statement, one commit, carries every amendment waiting
    /// ([`barometer_store::responses::amend_all`]). Never asked on SQLite, whose writes all go
    /// through the [`Writer`]'s group commit, so it starts no thread there.
    pub amendments: Batcher<Amendment, Result<StoredResponse, StoreError>>,
    /// What unkeyed writes of responses read first on PostgreSQL (the cycle, the assembly and its
    /// response, and for a submission the caller's token), in batches: one statement for every
    /// write waiting ([`barometer_store::responses::find_all_with_cycle`]).
    pub responses: Batcher<Read, Result<ReadAnswer, StoreError>>,
    /// What unkeyed submissions' checks rested on, by caller, for the next submission to write
    /// without reading first, guarded by all of it (PostgreSQL only, [`crate::held`]).
    pub held: Arc<crate::held::HeldCallers>,
    /// How many [`AppState::compute`] tasks may run at once; more wait for a turn.
    compute_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(pool: Pool, config: WebConfig) -> Self {
        let writer = Writer::new(pool.clone());
        // Learn the backend now, while starting, rather than on a worker at the first write (an
        // error here is not final: the first write asks again and reports it).
        let _ = writer.backend();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let cycles: Arc<barometer_store::cycles::CycleCache> = Arc::default();
        let lists: Arc<barometer_store::responses::ListsCache> = Arc::default();
        let (cache, kept) = (cycles.clone(), lists.clone());
        AppState {
            writer,
            responses: Batcher::new(pool.clone(), "barometer-find", move |conn, reads| {
                barometer_store::responses::find_all_with_cycle(conn, (&cache, &kept), &reads)
            }),
            tokens: Batcher::new(pool.clone(), "barometer-tokens", |conn, checks| barometer_store::auth::verify_tokens(conn, &checks)),
            amendments: Batcher::new(pool.clone(), "barometer-amend", |conn, amendments| {
                Ok(barometer_store::responses::amend_all(conn, amendments))
            }),
            pool,
            config: Arc::new(config),
            results: Arc::default(),
            cycles,
            lists,
            held: Arc::default(),
            compute_slots: Arc::new(tokio::sync::Semaphore::new(cores.max(2))),
        }
    }

    /// Runs blocking database work on actix's blocking thread pool, never on a worker thread,
    /// keeping the caller's tracing span.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
        .map_err(ApiError::from)
    }

    /// Checks a token (and reads a cycle's results fingerprint, when asked) through
    /// [`AppState::tokens`], waiting without holding a thread.
    pub async fn check(&self, check: TokenCheck) -> Result<Checked, ApiError> {
        ask(&self.tokens, check).await
    }

    /// Writes an amendment through [`AppState::amendments`] (PostgreSQL only), answered once it
    /// is durable, waiting without holding a thread.
    pub async fn amend(&self, amendment: Amendment) -> Result<StoredResponse, ApiError> {
        ask(&self.amendments, amendment).await
    }

    /// [`AppState::amend`], with the store's refusal as it came, so that a row that moved without
    /// a new version ([`barometer_store::responses::moved`]) can be told from a version conflict.
    pub async fn amend_or_refusal(&self, amendment: Amendment) -> Result<Result<StoredResponse, StoreError>, ApiError> {
        ask_or_refusal(&self.amendments, amendment).await
    }

    /// What a write of `assembly`'s response to `cycle` reads first, through
    /// [`AppState::responses`] (see [`barometer_store::responses::find_with_cycle`]).
    pub async fn find_response(&self, cycle: CycleLabel, assembly: AssemblyCode) -> Result<Option<WithCycle>, ApiError> {
        let (_, found) = ask(&self.responses, Read { token: None, cycle, assembly }).await?;
        Ok(found)
    }

    /// [`AppState::find_response`] with the check of a caller's token (in clear) in the same
    /// statement: the token's principal, if it is valid, and what the write reads first, read
    /// whatever the principal (see [`crate::auth::Credential::check_with_response`]).
    pub async fn find_response_for(&self, token: String, cycle: CycleLabel, assembly: AssemblyCode) -> Result<ReadAnswer, ApiError> {
        ask(&self.responses, Read { token: Some(token), cycle, assembly }).await
    }

    /// The database's backend.
    pub fn backend(&self) -> Result<Backend, ApiError> {
        Ok(self.writer.backend()?)
    }

    /// Runs CPU-heavy work (analytics, chart rendering, exports) on a thread of its own, so that
    /// it never holds up the workers or the blocking threads, which are kept for database work
    /// (on SQLite one per worker: its reads are CPU work too, and more threads than cores only
    /// take turns). Such work happens on a cache miss or an export, far less often than a read,
    /// so a thread per task costs little beside the task. At most as many run at once as there
    /// are cores (two at least); the rest wait for a turn without a thread, so a flood of export
    /// requests cannot start a flood of threads.
    pub async fn compute<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // The turn goes with the thread: a request that goes away does not free it early.
        let turn = self.compute_slots.clone().acquire_owned().await.map_err(|e| ApiError::internal(format!("compute slots: {e}")))?;
        let span = tracing::Span::current();
        let (reply, answer) = futures_channel::oneshot::channel();
        std::thread::Builder::new()
            .name("barometer-compute".into())
            .spawn(move || {
                let _entered = span.enter();
                // A panic drops `reply`, and the request gets a 500 below.
                let _ = reply.send(work());
                drop(turn);
            })
            .map_err(|e| ApiError::internal(format!("cannot start a thread: {e}")))?;
        answer.await.map_err(|_| ApiError::internal("the computation failed (a bug, logged)"))
    }

    /// How many [`AppState::compute`] tasks could start now without waiting.
    pub fn compute_slots_free(&self) -> usize {
        self.compute_slots.available_permits()
    }

    /// Runs `work` as one write through [`Writer`]: in one transaction, answered only once that
    /// transaction is durable. On SQLite it joins the single writer's next group commit, so
    /// `work` should do its reads and checks inside and stay short; this task waits for the
    /// writer's answer without holding a blocking thread. On PostgreSQL the write runs on the
    /// blocking thread pool with a pooled connection of its own.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_in(work, false).await
    }

    /// [`AppState::write`] for work that opens its own transaction on PostgreSQL
    /// ([`barometer_store::Writer::write_standalone`]): there it starts outside any, so that its
    /// reads and a write of one statement go without `BEGIN` and `COMMIT`. On SQLite the same
    /// as [`AppState::write`].
    pub async fn write_standalone<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_in(work, true).await
    }

    async fn write_in<T, F>(&self, work: F, standalone: bool) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let writer = self.writer.clone();
        let span = tracing::Span::current();
        // The work runs on another thread (the writer's or a blocking one): carry the span there.
        let job_span = span.clone();
        let work = move |conn: &mut DbConn| {
            let _entered = job_span.enter();
            work(conn)
        };
        if writer.backend()? == Backend::Sqlite {
            let (reply, answer) = futures_channel::oneshot::channel();
            writer.enqueue(
                work,
                Box::new(move |outcome| {
                    // The request may have been dropped (the client went away): nobody to tell.
                    let _ = reply.send(outcome);
                }),
            );
            return match answer.await {
                Ok(outcome) => outcome.map_err(ApiError::from),
                Err(_) => Err(ApiError::from(StoreError::Unsaved("the database writer stopped before answering".into()))),
            };
        }
        actix_web::web::block(move || {
            let _entered = span.enter();
            if standalone { writer.write_standalone(work) } else { writer.write(work) }
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
        .map_err(ApiError::from)
    }
}

/// Hands `request` to `batcher` and waits for its answer.
async fn ask<Q: Send + 'static, A: Send + 'static>(batcher: &Batcher<Q, Result<A, StoreError>>, request: Q) -> Result<A, ApiError> {
    Ok(ask_or_refusal(batcher, request).await??)
}

/// [`ask`], with the store's refusal (of the batch or of this request) as it came.
async fn ask_or_refusal<Q: Send + 'static, A: Send + 'static>(
    batcher: &Batcher<Q, Result<A, StoreError>>,
    request: Q,
) -> Result<Result<A, StoreError>, ApiError> {
    let (reply, answer) = futures_channel::oneshot::channel();
    batcher.ask(
        request,
        Box::new(move |outcome| {
            // The request may have gone away; there is nobody left to tell.
            let _ = reply.send(outcome);
        }),
    );
    let answer = answer.await.map_err(|_| ApiError::internal("the database's batches stopped before answering"))?;
    Ok(answer.and_then(|own| own))
}
