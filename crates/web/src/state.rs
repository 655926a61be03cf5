use std::sync::Arc;

use barometer_store::{DbConn, Pool, StoreError};

use crate::config::WebConfig;
use crate::error::ApiError;

/// Shared by every worker: the pool, the configuration and the results caches. Nothing that
/// matters lives only here — sessions, tokens and data are in the database, and caches check the
/// database's fingerprint on every read — so several instances can share one database.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<WebConfig>,
    /// Computed results and charts, each valid for one fingerprint of the data it came from.
    pub results: Arc<crate::results::ResultsCaches>,
}

impl AppState {
    pub fn new(pool: Pool, config: WebConfig) -> Self {
        AppState { pool, config: Arc::new(config), results: Arc::default() }
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
}
