//! Building and running the application (after zero-to-production's `startup.rs`).

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};

use crate::state::AppState;

/// The app with every route and middleware; `serve` and the tests both use it.
pub fn configure(
    state: AppState,
) -> App<
    impl ServiceFactory<ServiceRequest, Config = (), Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error, InitError = ()>,
> {
    let json_limit = state.config.json_limit;
    App::new()
        .app_data(web::Data::new(state))
        .app_data(crate::routes::json_config(json_limit))
        .app_data(crate::routes::path_config())
        .app_data(crate::routes::query_config())
        .wrap(Compress::default())
        .wrap(crate::headers::security_headers())
        .wrap(from_fn(crate::csrf::ensure_cookie))
        .wrap(from_fn(crate::telemetry::log_requests))
        .configure(crate::routes::routes)
        .default_service(web::to(crate::routes::not_found))
}

/// A bound, ready-to-run server.
pub struct Application {
    server: Server,
    port: u16,
    host: String,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and prepares the server.
    pub fn build(state: AppState) -> std::io::Result<Application> {
        let listener = TcpListener::bind(&state.config.bind)?;
        Application::from_listener(listener, state)
    }

    /// Serves on a listener bound by the caller (who may need its port before configuring).
    pub fn from_listener(listener: TcpListener, state: AppState) -> std::io::Result<Application> {
        let address = listener.local_addr()?;
        let host = match address.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        // The blocking threads do database work only (heavy computing has threads of its own:
        // `AppState::compute`). On PostgreSQL a thread mostly waits for the server, and one
        // without a pooled connection only waits for one: each worker gets its share of the
        // pool. On SQLite a read is CPU work in this process, and more threads than cores only
        // take turns (measured: 2 blocking threads in all answered cached results faster, with
        // a p99 a quarter lower, than 16). actix's default is 512 in all.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let blocking = match state.writer.backend() {
            Ok(barometer_store::Backend::Sqlite) => 1,
            _ => (state.pool.max_size() as usize / workers).max(2),
        };
        let server = HttpServer::new(move || configure(state.clone()))
            .workers(workers)
            .worker_max_blocking_threads(blocking)
            .listen(listener)?
            // In-flight requests get this long to finish after SIGTERM/SIGINT.
            .shutdown_timeout(30)
            .run();
        Ok(Application { server, port: address.port(), host })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL the server listens on.
    pub fn local_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
