//! The roster of assemblies: who is a member, since when.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use barometer_domain::{Assembly, AssemblyCode, FieldErrors, Role};
use serde::Deserialize;

use super::{Chrome, render};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Ui;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assemblies", web::get().to(show)).route("/assemblies", web::post().to(add));
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    ui: Ui,
    chrome: Chrome,
    assemblies: Vec<Assembly>,
    form: AddForm,
    errors: FieldErrors,
    notice: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    joined_on: String,
}

impl RosterPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    form: AddForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let assemblies = state.db(barometer_store::assemblies::list).await?;
    let status = match errors.get("form") {
        Some(_) => StatusCode::FORBIDDEN,
        None if errors.is_empty() => StatusCode::OK,
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok(render(status, &RosterPage { chrome: Chrome::new(req, &ui, Some(caller)), ui, assemblies, form, errors, notice }))
}

async fn show(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::new(), None).await
}

async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let form = form.into_inner();
    if !crate::csrf::verify(&req, &form.csrf) {
        return page(&req, &state, ui, &caller, form, FieldErrors::single("form", ui.t("csrf-failed")), None).await;
    }
    let mut errors = FieldErrors::new();
    let code = errors.check("code", AssemblyCode::parse(form.code.trim()));
    let joined_on = errors
        .check("joined_on", form.joined_on.trim().parse::<chrono::NaiveDate>().map_err(|_| "enter the date it joined, as YYYY-MM-DD"));
    let (Some(code), Some(joined_on)) = (code, joined_on) else {
        return page(&req, &state, ui, &caller, form, errors, None).await;
    };
    let assembly = Assembly { code: code.clone(), name: form.name.trim().to_owned(), joined_on, left_on: None };
    if let Err(e) = assembly.validate() {
        return page(&req, &state, ui, &caller, form, e, None).await;
    }
    let actor = caller.actor();
    match state.db(move |conn| barometer_store::assemblies::insert(conn, &assembly, &actor)).await {
        Ok(()) => {
            page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::new(), Some(ui.t1("assembly-added", "code", code))).await
        }
        Err(e) => page(&req, &state, ui, &caller, form, FieldErrors::single("code", e.message), None).await,
    }
}
