use std::sync::Arc;

use barometer_store::{DbConn, Pool, StoreError, Writer};

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
}

impl AppState {
    pub fn new(pool: Pool, config: WebConfig) -> Self {
        AppState { writer: Writer::new(pool.clone()), pool, config: Arc::new(config), results: Arc::default(), cycles: Arc::default() }
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

    /// Runs `work` as one write through [`Writer`]: in one transaction, answered only once that
    /// transaction is durable. On SQLite it joins the single writer's next group commit, so
    /// `work` should do its reads and checks inside and stay short.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let writer = self.writer.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            // On SQLite the work runs on the writer's thread: carry the span there too.
            let job_span = span.clone();
            writer.write(move |conn| {
                let _entered = job_span.enter();
                work(conn)
            })
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
        .map_err(ApiError::from)
    }
}
