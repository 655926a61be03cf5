//! `GET /api/openapi.json` and `GET /api/docs`: the API's description, browsable offline (the
//! page is rendered here from the same document; it loads nothing from elsewhere).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::Caller;
use crate::i18n::Ui;
use crate::routes::pages::{Chrome, render};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi)).route("/api/docs", web::get().to(docs));
}

async fn openapi(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document(&state.config.base_url))
}

struct Operation {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    description: String,
    parameters: Vec<(String, String, String)>,
    body: Option<String>,
    responses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    ui: Ui,
    chrome: Chrome,
    title: String,
    intro: String,
    operations: Vec<Operation>,
    schemas: Vec<(String, String)>,
}

fn schema_name(value: &serde_json::Value) -> String {
    match value.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => r.rsplit('/').next().unwrap_or(r).to_owned(),
        None => value.get("type").and_then(|t| t.as_str()).unwrap_or("object").to_owned(),
    }
}

async fn docs(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Option<Caller>) -> HttpResponse {
    let doc = crate::openapi::document(&state.config.base_url);
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let shared: Vec<serde_json::Value> = item.get("parameters").and_then(|p| p.as_array()).cloned().unwrap_or_default();
        for method in ["get", "post", "put", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let own: Vec<serde_json::Value> = op.get("parameters").and_then(|p| p.as_array()).cloned().unwrap_or_default();
            let parameters = shared
                .iter()
                .chain(own.iter())
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_owned(),
                        p["in"].as_str().unwrap_or("").to_owned(),
                        p["description"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            let body = op.pointer("/requestBody/content/application~1json/schema").map(schema_name);
            let mut responses: Vec<(String, String)> = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(code, r)| (code.clone(), r["description"].as_str().unwrap_or("").to_owned()))
                .collect();
            responses.sort();
            operations.push(Operation {
                method: method.to_uppercase(),
                anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
                path: path.clone(),
                summary: op["summary"].as_str().unwrap_or("").to_owned(),
                description: op["description"].as_str().unwrap_or("").to_owned(),
                parameters,
                body,
                responses,
            });
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| (name.clone(), serde_json::to_string_pretty(s).unwrap_or_default()))
        .collect();
    let page = DocsPage {
        chrome: Chrome::new(&req, &ui, caller.as_ref()),
        title: doc["info"]["title"].as_str().unwrap_or("API").to_owned(),
        intro: doc["info"]["description"].as_str().unwrap_or("").to_owned(),
        operations,
        schemas,
        ui,
    };
    render(StatusCode::OK, &page)
}
