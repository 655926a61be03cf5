//! One log line per request: method, route pattern (never the raw path, which may hold a
//! token), status and duration.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn log_requests(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = route_of(&req);
    let span = tracing::info_span!("request", %method, %route);
    let response = tracing::Instrument::instrument(next.call(req), span).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &response {
        Ok(res) => {
            let status = res.status().as_u16();
            if status >= 500 {
                tracing::warn!(%method, %route, status, elapsed_ms, "request failed");
            } else {
                tracing::info!(%method, %route, status, elapsed_ms, "request");
            }
        }
        Err(error) => tracing::warn!(%method, %route, %error, elapsed_ms, "request error"),
    }
    response
}

/// How many paths each worker remembers the route of before it starts again.
const ROUTES_REMEMBERED: usize = 4096;

thread_local! {
    /// Per worker thread: a hash of each path seen (never the path, which may hold a token) and
    /// its route pattern. Finding the pattern means trying the routes' regular expressions one
    /// after another, which cost a tenth of the CPU of a cached read; paths repeat.
    static ROUTES: RefCell<(RandomState, HashMap<u64, Option<String>>)> = RefCell::new((RandomState::new(), HashMap::new()));
}

/// The route pattern of the request (`unmatched` when none).
fn route_of(req: &ServiceRequest) -> String {
    let pattern = ROUTES.with_borrow_mut(|(hasher, remembered)| {
        let key = hasher.hash_one(req.path());
        if let Some(pattern) = remembered.get(&key) {
            return pattern.clone();
        }
        let pattern = req.match_pattern();
        if remembered.len() >= ROUTES_REMEMBERED {
            remembered.clear();
        }
        remembered.insert(key, pattern.clone());
        pattern
    });
    pattern.unwrap_or_else(|| "unmatched".to_owned())
}
