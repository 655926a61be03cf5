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
    cfg.route("/assemblies", web::get().to(show))
        .route("/assemblies", web::post().to(add))
        .route("/assemblies/{code}/contact", web::post().to(set_contact));
}

/// A row of the roster: the assembly, its contact address as stored (or as just typed, when it
/// was refused), and the message of that refusal.
struct RosterRow {
    assembly: Assembly,
    contact: String,
    error: Option<String>,
}

/// A contact address typed for one assembly and refused.
struct Refused {
    code: String,
    typed: String,
    message: String,
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    ui: Ui,
    chrome: Chrome,
    assemblies: Vec<RosterRow>,
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

/// The roster page; `refused` is a contact address just refused, shown in its row with why.
#[allow(clippy::too_many_arguments)]
async fn page(
    req: &HttpRequest,
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    form: AddForm,
    errors: FieldErrors,
    notice: Option<String>,
    refused: Option<Refused>,
) -> Result<HttpResponse, ApiError> {
    let (assemblies, mut contacts) =
        state.db(|conn| Ok((barometer_store::assemblies::list(conn)?, barometer_store::assemblies::contacts(conn)?))).await?;
    let status = match errors.get("form") {
        Some(_) => StatusCode::FORBIDDEN,
        None if errors.is_empty() && refused.is_none() => StatusCode::OK,
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let assemblies = assemblies
        .into_iter()
        .map(|assembly| {
            let stored = contacts.remove(assembly.code.as_str()).unwrap_or_default();
            match &refused {
                Some(r) if r.code == assembly.code.as_str() => {
                    RosterRow { assembly, contact: r.typed.clone(), error: Some(r.message.clone()) }
                }
                _ => RosterRow { assembly, contact: stored, error: None },
            }
        })
        .collect();
    Ok(render(status, &RosterPage { chrome: Chrome::new(req, &ui, Some(caller)), ui, assemblies, form, errors, notice }))
}

#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    contact_email: String,
}

/// Sets or clears an assembly's contact address from its row of the roster; what was typed is
/// kept, with the message next to it, when it is refused.
async fn set_contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    ui: Ui,
    caller: Caller,
    path: web::Path<String>,
    form: web::Form<ContactForm>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let form = form.into_inner();
    if !crate::csrf::verify(&req, &form.csrf) {
        return page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::single("form", ui.t("csrf-failed")), None, None).await;
    }
    let code = AssemblyCode::parse(&path).map_err(|_| ApiError::not_found(format!("assembly {:?}", path.as_str())))?;
    let email = match crate::membership::contact_email(Some(&form.contact_email)) {
        Ok(email) => email,
        Err(e) => {
            let message = e.fields.get("contact_email").unwrap_or(e.message.as_str()).to_owned();
            let refused = Refused { code: code.to_string(), typed: form.contact_email, message };
            return page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::new(), None, Some(refused)).await;
        }
    };
    let (actor, stored, c) = (caller.actor(), email.clone(), code.clone());
    state.db(move |conn| barometer_store::assemblies::set_contact_email(conn, &c, stored.as_deref(), &actor)).await?;
    let notice = match email {
        Some(_) => ui.t1("contact-saved", "code", code),
        None => ui.t1("contact-cleared", "code", code),
    };
    page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::new(), Some(notice), None).await
}

async fn show(req: HttpRequest, state: web::Data<AppState>, ui: Ui, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Secretariat])?;
    page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::new(), None, None).await
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
        return page(&req, &state, ui, &caller, form, FieldErrors::single("form", ui.t("csrf-failed")), None, None).await;
    }
    let mut errors = FieldErrors::new();
    let code = errors.check("code", AssemblyCode::parse(form.code.trim()));
    let joined_on = errors
        .check("joined_on", form.joined_on.trim().parse::<chrono::NaiveDate>().map_err(|_| "enter the date it joined, as YYYY-MM-DD"));
    let (Some(code), Some(joined_on)) = (code, joined_on) else {
        return page(&req, &state, ui, &caller, form, errors, None, None).await;
    };
    let assembly = Assembly { code: code.clone(), name: form.name.trim().to_owned(), joined_on, left_on: None };
    if let Err(e) = assembly.validate() {
        return page(&req, &state, ui, &caller, form, e, None, None).await;
    }
    let actor = caller.actor();
    match state.db(move |conn| barometer_store::assemblies::insert(conn, &assembly, &actor)).await {
        Ok(()) => {
            page(&req, &state, ui, &caller, AddForm::default(), FieldErrors::new(), Some(ui.t1("assembly-added", "code", code)), None).await
        }
        Err(e) => page(&req, &state, ui, &caller, form, FieldErrors::single("code", e.message), None, None).await,
    }
}
