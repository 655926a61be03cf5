//! The stylesheet and icon, compiled in so the binary serves them without files on disk.

use actix_web::{HttpResponse, web};

const APP_CSS: &str = include_str!("../../../static/app.css");
const FAVICON: &str = include_str!("../../../static/favicon.svg");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/app.css", web::get().to(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/static/favicon.svg", web::get().to(|| async { asset("image/svg+xml", FAVICON) }));
}

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).insert_header(("Cache-Control", "public, max-age=3600")).body(body)
}
