//! Every route the app registers, read from its source (`src/routes/**/*.rs`): the OpenAPI
//! parity test and the access-control matrix both compare their tables with this list, so a
//! route added without an OpenAPI entry or a matrix row fails a test.
//!
//! Routes are registered as `.route("/path", web::get()…)`; files under `src/routes/api` sit in
//! the `/api/v1` scope. A registration written any other way (`web::resource`, a new scope, a
//! `.route(` this scanner cannot read) fails loudly rather than being missed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// (METHOD, path) as a client calls it, e.g. ("GET", "/api/v1/cycles/{label}").
pub type Route = (String, String);

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (method, path) registered under `src/routes`.
pub fn all_routes() -> BTreeSet<Route> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes"));
    let api = root.join("api");
    let pattern = regex::Regex::new(r#"\.route\(\s*"([^"]+)",\s*web::(get|post|put|delete|patch|head)\(\)"#).unwrap();
    let any_route = regex::Regex::new(r"\.route\(").unwrap();
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        let prefix = if file.starts_with(&api) { "/api/v1" } else { "" };
        let found: Vec<_> = pattern.captures_iter(&source).collect();
        assert_eq!(
            found.len(),
            any_route.find_iter(&source).count(),
            "{shown}: a .route( call the scanner cannot read; register routes as .route(\"/path\", web::get().to(handler))"
        );
        assert!(!source.contains("web::resource("), "{shown}: use .route(…) so that the route tables see the route");
        let scopes = source.matches("web::scope(").count();
        assert!(
            scopes == 0 || (shown == "api/mod.rs" && scopes == 1 && source.contains("web::scope(\"/api/v1\")")),
            "{shown}: a new scope; teach tests/api/route_scan.rs its prefix"
        );
        for captures in found {
            routes.insert((captures[2].to_uppercase(), format!("{prefix}{}", &captures[1])));
        }
    }
    routes
}

/// The routes of the JSON API (`/api/v1/…`).
pub fn api_routes() -> BTreeSet<Route> {
    all_routes().into_iter().filter(|(_, path)| path.starts_with("/api/v1/")).collect()
}
