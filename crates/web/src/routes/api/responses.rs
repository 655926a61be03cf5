//! `/api/v1/cycles/{label}/responses/{assembly}`: an assembly's answer, read, saved and submitted.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use barometer_domain::{AssemblyCode, ResponseInput, Role};
use barometer_store::responses;

use super::cycles::label;
use crate::auth::{Caller, Credential};
use crate::error::{ApiError, ErrorCode};
use crate::routes::{empty_response_json, response_json};
use crate::state::AppState;
use crate::strict_json::Strict;
use crate::survey::{self, Idempotency, Mode, WriteRequest, Written};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cycles/{label}/responses/{assembly}", web::get().to(show))
        .route("/cycles/{label}/responses/{assembly}", web::put().to(save))
        .route("/cycles/{label}/responses/{assembly}/submit", web::post().to(submit));
}

fn assembly(raw: &str) -> Result<AssemblyCode, ApiError> {
    AssemblyCode::parse(raw).map_err(|_| ApiError::not_found(format!("assembly {raw:?}")))
}

/// `If-Match: 3` (or `"3"`, `W/"3"`): the version the client last saw.
fn if_match(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.trim_start_matches("W/").trim_matches('"');
    if text == "*" {
        return Ok(None);
    }
    text.parse::<i32>().map(Some).map_err(|_| {
        ApiError::new(ErrorCode::MalformedRequest, "If-Match must be the response's version number, as GET returns it (e.g. If-Match: 3)")
    })
}

fn with_version(mut response: HttpResponse, version: i64) -> HttpResponse {
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(actix_web::http::header::ETAG, value);
    }
    response
}

async fn show(state: web::Data<AppState>, caller: Caller, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (label, code) = (label(&path.0)?, assembly(&path.1)?);
    caller.require(&[Role::Secretariat, Role::FocalPoint])?;
    caller.require_assembly(&code)?;
    let (l, a, cycles_cache) = (label.clone(), code.clone(), state.cycles.clone());
    let (cycle, stored) = state
        .db(move |conn| {
            let cycle = survey::member_cycle(conn, &cycles_cache, &l, &a)?;
            Ok((cycle, responses::find(conn, &l, &a)?))
        })
        .await?;
    if cycle.is_none() {
        return Err(ApiError::not_found(format!("cycle {label} for {code}")));
    }
    Ok(match stored {
        Some(r) => with_version(HttpResponse::Ok().json(response_json(&r)), r.version.into()),
        None => with_version(HttpResponse::Ok().json(empty_response_json(label.as_str(), code.as_str())), 0),
    })
}

/// Parses a response body, telling apart bad JSON (400) from JSON of the wrong shape (422, with
/// the path of the member).
fn parse_input(body: serde_json::Value) -> Result<ResponseInput, ApiError> {
    barometer_domain::cycle::object_with_path(body).map_err(ApiError::invalid)
}

/// [`parse_input`] for a body as sent: read straight into a [`ResponseInput`] when it is exactly
/// one ([`ResponseInput::from_exact_json`]), and otherwise read strictly as a value first (a
/// member given twice is refused, 400) and then as a response (422, with the member's path), so
/// that every refusal is the one that way gives.
fn parse_body(body: &[u8]) -> Result<ResponseInput, ApiError> {
    if let Some(input) = ResponseInput::from_exact_json(body) {
        return Ok(input);
    }
    let Strict(value) =
        serde_json::from_slice(body).map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("the body is not valid JSON: {e}")))?;
    parse_input(value)
}

fn written(result: Written, status: StatusCode) -> HttpResponse {
    match result {
        Written::Saved(r) => with_version(HttpResponse::build(status).json(response_json(&r)), r.version.into()),
        Written::Keyed { status, body, replayed } => {
            let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            response.content_type("application/json");
            // Only a retry is marked: the first answer to a key is not a replay.
            if replayed {
                response.insert_header(("Idempotent-Replayed", "true"));
            }
            response.body(body)
        }
    }
}

async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<Strict>,
) -> Result<HttpResponse, ApiError> {
    let (label, code) = (label(&path.0)?, assembly(&path.1)?);
    let input = parse_input(body.into_inner().0)?;
    let request =
        WriteRequest { label, assembly: code, input: Some(input), expected_version: if_match(&req)?, mode: Mode::Save, idempotency: None };
    let result = survey::write(&state, &caller, request).await?;
    Ok(written(result, StatusCode::OK))
}

/// Submits: the body, when there is one, is the response to submit; without a body, what is
/// stored is submitted. `Idempotency-Key` makes retries safe.
///
/// An unkeyed submission on PostgreSQL checks its caller in the statement that reads what it
/// writes over ([`crate::auth::Credential::check_with_response`]): one trip to the database
/// before the write, not two. When the last such submission through the same token succeeded,
/// this one is first written without reading at all, guarded by everything its checks rest on
/// ([`crate::held`]); whatever that way cannot confirm is made the full way. Every check is made
/// in the same order either way: the caller (401), the path (404), the body, the caller's role
/// and assembly (403, 404), the write.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    credential: Credential,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let keyed = req.headers().contains_key("Idempotency-Key");
    let mut body = Body::Unread(payload);
    let mut token_hash = None;
    let (caller, read) = match (label(&path.0), assembly(&path.1)) {
        (Ok(label), Ok(code)) if !keyed && state.backend()? == barometer_store::Backend::Postgres => {
            let hash = credential.token_hash();
            if let Some(held) = state.held.get(&hash, &label, &code).filter(|held| credential.accepts(held.principal.kind)) {
                body = match body {
                    Body::Unread(payload) => {
                        let bytes = crate::routes::body::read_limited(payload, state.config.json_limit).await;
                        let request = bytes.as_ref().ok().and_then(|bytes| write_request(&req, label.clone(), code.clone(), bytes).ok());
                        let done = match &request {
                            Some(request) => survey::write_held(&state, &hash, &held, request).await,
                            None => None,
                        };
                        state.held.count(done.is_some());
                        if let Some(done) = done {
                            return Ok(written(done, StatusCode::OK));
                        }
                        Body::Read(bytes)
                    }
                    read => read,
                };
            }
            token_hash = Some(hash);
            let (caller, found) = credential.check_with_response(&state, label, code).await?;
            (caller?, Some(found))
        }
        _ => (credential.check(&state).await?, None),
    };
    let (label, code) = (label(&path.0)?, assembly(&path.1)?);
    let bytes = match body {
        Body::Unread(payload) => crate::routes::body::read_limited(payload, state.config.json_limit).await?,
        Body::Read(bytes) => bytes?,
    };
    let request = write_request(&req, label.clone(), code.clone(), &bytes)?;
    // What this write's checks rest on, held for the next submission through the same token.
    let basis = read.as_ref().and_then(Option::as_ref).and_then(|((cycle, member), _)| Some((cycle.clone(), member.clone()?)));
    let result = survey::write_after(&state, &caller, request, read).await?;
    if let (Some(hash), Some((cycle, member)), Written::Saved(_)) = (token_hash, basis, &result) {
        state.held.put(hash, label, code, crate::held::Held { principal: caller.principal, cycle, member });
    }
    Ok(written(result, StatusCode::OK))
}

/// A submission's body: still to be read, or read already (by the way that writes from held data).
enum Body {
    Unread(web::Payload),
    Read(Result<web::Bytes, ApiError>),
}

/// What a submission asks for, from its headers and its body, checked in this order: the
/// content type, the body, `If-Match`, `Idempotency-Key`.
fn write_request(
    req: &HttpRequest,
    label: barometer_domain::CycleLabel,
    code: AssemblyCode,
    body: &[u8],
) -> Result<WriteRequest, ApiError> {
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let content_type = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !content_type.starts_with("application/json") {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "send the body as JSON with Content-Type: application/json"));
        }
        Some(parse_body(body)?)
    };
    let expected = if_match(req)?;
    let idempotency = match req.headers().get("Idempotency-Key") {
        None => None,
        Some(value) => {
            let key = value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 255).ok_or_else(|| {
                ApiError::new(ErrorCode::MalformedRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID")
            })?;
            let version = expected.map(|v| v.to_string()).unwrap_or_default();
            Some(Idempotency { key: key.to_owned(), hash: barometer_store::idempotency::request_hash(&[body, version.as_bytes()]) })
        }
    };
    Ok(WriteRequest { label, assembly: code, input, expected_version: expected, mode: Mode::Submit, idempotency })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A refusal as its status, message and fields.
    fn refusal(e: ApiError) -> (u16, String) {
        (e.code.status().as_u16(), format!("{} {:?}", e.message, e.fields))
    }

    /// What the strict way gives for a body: the input, or the refusal.
    fn strictly(body: &[u8]) -> Result<ResponseInput, (u16, String)> {
        let Strict(value) = serde_json::from_slice(body)
            .map_err(|e| refusal(ApiError::new(ErrorCode::MalformedRequest, format!("the body is not valid JSON: {e}"))))?;
        parse_input(value).map_err(refusal)
    }

    fn activity() -> serde_json::Value {
        json!({"title": "Conference \"on\" youth\u{202e}", "kind": "conference", "starts_on": "2026-05-19", "ends_on": "2026-05-20",
               "location": {"city": "Rome", "country": "ITA"}, "online": false, "themes": ["youth-pve"], "regions": ["mena"],
               "partners": ["UNOCT"], "id": "a1", "status": "planned"})
    }

    #[test]
    fn a_body_read_straight_is_read_as_the_strict_way_reads_it() {
        let full = json!({"themes": ["youth-pve", "cft"], "regions": ["sahel"], "activities": [activity(), {"title": "x", "kind": "k", "location": null}], "comment": "ü ✓ 🙂 \\ \n"});
        for body in [full.to_string(), json!({}).to_string(), " {\"comment\": \"only\"} ".to_owned(), json!({"activities": []}).to_string()]
        {
            let straight = ResponseInput::from_exact_json(body.as_bytes());
            assert!(straight.is_some(), "read straight: {body}");
            assert_eq!(straight.map(Ok), Some(strictly(body.as_bytes())), "{body}");
        }
    }

    #[test]
    fn a_body_that_is_not_exactly_a_response_is_left_to_the_strict_way() {
        let full = json!({"themes": ["cft"], "activities": [activity()]}).to_string();
        let cases = [
            // A member given twice, at the top, in an activity, in its location.
            full.replacen('{', r#"{"themes": ["victims"], "#, 1),
            full.replacen(r#""kind":"conference""#, r#""kind":"conference","kind":"seminar""#, 1),
            full.replacen(r#""city":"Rome""#, r#""city":"Rome","city":"Oslo""#, 1),
            // Read-only members echoed from a fetched response, one with a repeat inside.
            r#"{"themes": ["cft"], "version": 3, "receipt": null}"#.to_owned(),
            r#"{"themes": ["cft"], "assembly": {"code": "PAM", "code": "PACE"}}"#.to_owned(),
            // Not an object, not JSON, not all of it JSON, the wrong shape, an unknown member.
            "[]".to_owned(),
            "null".to_owned(),
            r#"{"themes": ["#.to_owned(),
            "{} and more".to_owned(),
            r#"{"themes": "cft"}"#.to_owned(),
            r#"{"colour": "red"}"#.to_owned(),
            r#"{"activities": [{"title": "a", "budget": 1}]}"#.to_owned(),
        ];
        for body in &cases {
            assert_eq!(ResponseInput::from_exact_json(body.as_bytes()), None, "{body}");
            let strict = strictly(body.as_bytes());
            let given = parse_body(body.as_bytes()).map_err(refusal);
            assert_eq!(given, strict, "{body}");
        }
        // The echoed members are accepted, the strict way.
        assert!(parse_body(cases[3].as_bytes()).is_ok());
        // Repeats are refused, as bad JSON, not as the wrong shape.
        for body in &cases[..3] {
            assert_eq!(parse_body(body.as_bytes()).map_err(|e| e.code), Err(ErrorCode::MalformedRequest), "{body}");
        }
    }
}
