//! One log line per request: method, route pattern (never the raw path, which may hold a
//! token), status and duration.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn log_requests(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
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
