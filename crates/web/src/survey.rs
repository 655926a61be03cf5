//! Writing a response, the same way for the JSON API and the HTML form: the cycle must exist
//! and be open today, the assembly must be one of its members, every rule of the domain crate
//! applies, and the write is atomic (one transaction, or one statement; with its idempotency
//! record when keyed) and answered only once durable: made through the store's
//! [`barometer_store::Writer`], or on PostgreSQL, when it changes only the response's row, in a
//! batch of amendments ([`AppState::amend`]).

use std::sync::Arc;

use barometer_domain::cycle::Window;
use barometer_domain::response::Purpose;
use barometer_domain::{AssemblyCode, CycleLabel, ResponseInput, ResponseStatus, Role};
use barometer_store::StoreError;
use barometer_store::cycles::{CycleCache, StoredCycle};
use barometer_store::idempotency::{self, Outcome};
use barometer_store::responses::{self, Save, StoredResponse, WithCycle};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::held::Held;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Save a draft, or amend a submitted response in place.
    Save,
    /// Submit (or resubmit) the response.
    Submit,
}

/// A keyed request: its key and the hash of what it sent.
#[derive(Clone)]
pub struct Idempotency {
    pub key: String,
    pub hash: String,
}

pub enum Written {
    Saved(Box<StoredResponse>),
    /// The answer to a keyed request: given now, or first given to this key and replayed.
    Keyed {
        status: u16,
        body: String,
        replayed: bool,
    },
}

/// What a focal point may do with a cycle today.
pub fn check_window(cycle: &StoredCycle, today: chrono::NaiveDate) -> Result<(), ApiError> {
    match cycle.definition.window(cycle.status, today) {
        Window::Open { .. } => Ok(()),
        Window::NotYetOpen { opens_on } => {
            Err(ApiError::new(ErrorCode::CycleClosed, format!("cycle {} is not open yet: it opens on {opens_on}", cycle.definition.label)))
        }
        Window::Closed => Err(ApiError::new(
            ErrorCode::CycleClosed,
            format!("cycle {} is closed: its answers can be read but no longer changed", cycle.definition.label),
        )),
    }
}

/// The cycle, if `assembly` is one of its members (404 otherwise: nothing to answer there).
pub fn member_cycle(
    conn: &mut barometer_store::DbConn,
    cycles: &CycleCache,
    label: &CycleLabel,
    assembly: &AssemblyCode,
) -> Result<Option<Arc<StoredCycle>>, StoreError> {
    let Some((cycle, found)) = cycles.find_with_assembly(conn, label, assembly)? else { return Ok(None) };
    Ok(member_of(cycle, found))
}

/// The cycle, if `assembly` (as found on the roster) is one of its members.
fn member_of(cycle: Arc<StoredCycle>, assembly: Option<barometer_domain::Assembly>) -> Option<Arc<StoredCycle>> {
    assembly.is_some_and(|a| a.is_member_on(cycle.definition.opens_on)).then_some(cycle)
}

/// One write of a response.
pub struct WriteRequest {
    pub label: CycleLabel,
    pub assembly: AssemblyCode,
    /// `None` submits what is stored.
    pub input: Option<ResponseInput>,
    pub expected_version: Option<i32>,
    pub mode: Mode,
    pub idempotency: Option<Idempotency>,
}

/// What a write is about to store, once checked: the content (validated against the cycle's
/// questionnaire), its status, and the response as stored when it was read.
struct Ready {
    content: barometer_domain::ResponseContent,
    status: ResponseStatus,
    existing: Option<StoredResponse>,
}

/// The checks of a write, made with what [`responses::find_with_cycle`] found: the cycle must
/// exist and be open today, the assembly must be one of its members, and the content must be
/// valid for the cycle.
fn check(
    found: Option<responses::WithCycle>,
    label: &CycleLabel,
    assembly: &AssemblyCode,
    mode: Mode,
    input: Option<&ResponseInput>,
    today: chrono::NaiveDate,
) -> Result<Ready, ApiError> {
    let found = found.and_then(|((cycle, member), existing)| Some((member_of(cycle, member)?, existing)));
    let Some((cycle, existing)) = found else {
        return Err(ApiError::not_found(format!("cycle {label} for {assembly}")));
    };
    check_window(&cycle, today)?;
    let status = match (mode, existing.as_ref().map(|r| r.status)) {
        (Mode::Submit, _) | (Mode::Save, Some(ResponseStatus::Submitted)) => ResponseStatus::Submitted,
        (Mode::Save, _) => ResponseStatus::Draft,
    };
    let purpose = if status == ResponseStatus::Submitted { Purpose::Submit } else { Purpose::Draft };
    let content = match (input, &existing) {
        (Some(input), _) => input.validate(&cycle.definition, purpose),
        (None, Some(stored)) => stored_input(stored).validate(&cycle.definition, purpose),
        (None, None) => {
            return Err(ApiError::invalid(barometer_domain::FieldErrors::single(
                "themes",
                "there is nothing to submit yet: save the response first, or send it in the body",
            )));
        }
    };
    let content = content.map_err(ApiError::invalid)?;
    Ok(Ready { content, status, existing })
}

/// How many times a write that states no version is made again over a write that got in
/// between its read and its own (see [`write`]).
const ATTEMPTS_WITHOUT_VERSION: usize = 5;

/// How many times a write on PostgreSQL is made again from a fresh read when the response's row
/// moved without a new version between its read and its write ([`responses::moved`]).
const ATTEMPTS_AFTER_A_MOVE: usize = 5;

/// Saves or submits an assembly's response to a cycle.
///
/// A write that states the version it was made over (`If-Match`) meets a version conflict when
/// another write got in first. One that states none is meant over whatever is stored: when
/// another write of the same response committed between its read and its own write (two tabs,
/// or a retry racing its first attempt), it is made again over that one, a few times before
/// it gives up with the conflict.
pub async fn write(state: &AppState, caller: &Caller, request: WriteRequest) -> Result<Written, ApiError> {
    write_after(state, caller, request, None).await
}

/// [`write`], with what its first attempt reads on PostgreSQL when it is unkeyed already read,
/// in the statement that checked the caller ([`crate::auth::Credential::check_with_response`]).
/// Nothing of it is used before the caller's role and assembly are checked; an attempt made
/// again reads anew. A keyed write, or one on SQLite, reads in its own transaction and ignores it.
pub async fn write_after(
    state: &AppState,
    caller: &Caller,
    request: WriteRequest,
    mut read: Option<Option<WithCycle>>,
) -> Result<Written, ApiError> {
    caller.require(&[Role::FocalPoint])?;
    caller.require_assembly(&request.assembly)?;
    let mut attempt = 1;
    loop {
        match write_once(state, caller.actor(), &request, read.take()).await {
            Err(e) if e.code == ErrorCode::VersionConflict && request.expected_version.is_none() && attempt < ATTEMPTS_WITHOUT_VERSION => {
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// One attempt of [`write`]. It borrows the request, so that an attempt made again does not
/// copy it: only the path whose work runs on another thread takes a copy of what it needs.
async fn write_once(state: &AppState, actor: String, request: &WriteRequest, read: Option<Option<WithCycle>>) -> Result<Written, ApiError> {
    let WriteRequest { label, assembly, input, expected_version, mode, idempotency } = request;
    let (expected_version, mode) = (*expected_version, *mode);
    let today = chrono::Utc::now().date_naive();
    if idempotency.is_none() && state.backend()? == barometer_store::Backend::Postgres {
        // On PostgreSQL, unkeyed: the read joins the next batch of reads (one statement for all
        // waiting, at read committed, as it would be inside a transaction), and the write is
        // guarded by the row read (its version and `updated_at`). A write that changes only the
        // response's row joins the next batch of amendments (one statement, one commit for all
        // waiting); any other is one transaction of its own. A write whose row moved without a
        // new version since it was read (an activity's status set in between,
        // [`responses::moved`]) is made again from a fresh read, whatever version it states.
        let mut read = read;
        let mut attempt = 1;
        loop {
            let found = match read.take() {
                Some(found) => found,
                None => state.find_response(label.clone(), assembly.clone()).await?,
            };
            let Ready { content, status, mut existing } = check(found, label, assembly, mode, input.as_ref(), today)?;
            let save = Save { cycle: label, assembly, content: &content, status, expected_version, actor: &actor };
            let written = if let Some(amendment) = responses::Amendment::of(save, &mut existing)? {
                state.amend_or_refusal(amendment).await?
            } else {
                let (label, assembly, actor) = (label.clone(), assembly.clone(), actor.clone());
                state
                    .write_standalone(move |conn| {
                        let save = Save { cycle: &label, assembly: &assembly, content: &content, status, expected_version, actor: &actor };
                        Ok(responses::save_over(conn, save, existing.as_ref()))
                    })
                    .await?
            };
            match written {
                Ok(stored) => {
                    // What it wrote is held, so that the next write of this response reads only its row.
                    state.lists.remember(&stored);
                    return Ok(Written::Saved(Box::new(stored)));
                }
                Err(e) if responses::moved(&e) && attempt < ATTEMPTS_AFTER_A_MOVE => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }
    // Everything from the membership check to the idempotency record is one write: one
    // savepoint of a group commit on SQLite. On PostgreSQL (keyed) the checks read outside a
    // transaction (at read committed, as they would inside one), and the write with its
    // idempotency record is one transaction, guarded by the version the checks read.
    let (cycles_cache, lists_cache) = (state.cycles.clone(), state.lists.clone());
    let (label, assembly, input, idempotency) = (label.clone(), assembly.clone(), input.clone(), idempotency.clone());
    state
        .write_standalone(move |conn| -> Result<Result<Written, ApiError>, StoreError> {
            let found = responses::find_with_cycle(conn, (&cycles_cache, &lists_cache), &label, &assembly)?;
            let Ready { content, status, existing } = match check(found, &label, &assembly, mode, input.as_ref(), today) {
                Ok(ready) => ready,
                Err(e) => return Ok(Err(e)),
            };
            // `existing` was read just now: it is not read again (the write is guarded by its version).
            let save = |conn: &mut barometer_store::DbConn| {
                responses::save_over(
                    conn,
                    Save { cycle: &label, assembly: &assembly, content: &content, status, expected_version, actor: &actor },
                    existing.as_ref(),
                )
            };
            match idempotency {
                None => Ok(Ok(Written::Saved(Box::new(save(conn)?)))),
                Some(key) => {
                    let scope = format!("submit:{label}:{assembly}");
                    let outcome = idempotency::run(conn, &scope, &key.key, &key.hash, |conn| {
                        let stored = save(conn)?;
                        Ok((200, serde_json::to_string(&crate::routes::response_json(&stored)).expect("a response serializes as JSON")))
                    })?;
                    Ok(match outcome {
                        Outcome::Done { status, body } => Ok(Written::Keyed { status, body, replayed: false }),
                        Outcome::Replayed { status, body } => Ok(Written::Keyed { status, body, replayed: true }),
                        Outcome::Mismatch => Err(ApiError::new(
                            ErrorCode::IdempotencyKeyReused,
                            "this Idempotency-Key was already used for a different request; use a new key for a new request",
                        )),
                    })
                }
            }
        })
        .await?
}

/// A submission made from what the caller's last full write through this token left held
/// ([`crate::held`]): every check is made from held data, and the amendment is written guarded by
/// all of it ([`responses::Guard`]), with no read first. `None` when the held data answer
/// anything but yes (a role, an assembly, a window, the content, the version, lists that differ
/// from the stored ones), or when the guarded write finds anything changed: then make the
/// submission the full way ([`write_after`]), which reads afresh and gives its answer. Only a
/// write the database confirmed is answered from here. When the guarded write finds something
/// changed, the held caller (under `token_hash`) is forgotten; a refusal of the held data's own
/// (a stale `If-Match`, an invalid body) leaves it held.
pub async fn write_held(state: &AppState, token_hash: &str, held: &Held, request: &WriteRequest) -> Option<Written> {
    let WriteRequest { label, assembly, input, expected_version, mode, idempotency } = request;
    if idempotency.is_some() {
        return None;
    }
    let caller = Caller { principal: held.principal.clone(), unread: None };
    if caller.require(&[Role::FocalPoint]).is_err() || caller.require_assembly(assembly).is_err() {
        return None;
    }
    let stored = state.lists.get(label, assembly)?;
    let found = Some(((held.cycle.clone(), Some(held.member.clone())), Some((*stored).clone())));
    let today = chrono::Utc::now().date_naive();
    let Ready { content, status, mut existing } = check(found, label, assembly, *mode, input.as_ref(), today).ok()?;
    let actor = caller.actor();
    let save = Save { cycle: label, assembly, content: &content, status, expected_version: *expected_version, actor: &actor };
    let amendment = responses::Amendment::of(save, &mut existing).ok()??;
    let guard = responses::Guard {
        token_id: held.principal.token_id.clone(),
        cycle_updated_at: held.cycle.updated_at,
        joined_on: held.member.joined_on,
        left_on: held.member.left_on,
    };
    match state.amend(amendment.guarded(guard)).await {
        Ok(stored) => {
            state.lists.remember(&stored);
            Some(Written::Saved(Box::new(stored)))
        }
        Err(e) => {
            tracing::debug!(error = %e.message, "a write from held data found something changed; made again the full way");
            state.held.forget(token_hash, label, assembly);
            None
        }
    }
}

/// How long after a cycle closes its personal links keep working (read-only by then).
const LINK_DAYS_AFTER_CLOSE: i64 = 365;

/// Makes a new personal link for `assembly` in cycle `label` (revoking earlier ones) and returns
/// its token, or `None` when the assembly is not a member of the cycle.
pub async fn invite(state: &AppState, caller: &Caller, label: CycleLabel, assembly: AssemblyCode) -> Result<Option<String>, ApiError> {
    caller.require(&[Role::Secretariat])?;
    let actor = caller.actor();
    let cycles_cache = state.cycles.clone();
    state
        .write(move |conn| {
            let Some(cycle) = member_cycle(conn, &cycles_cache, &label, &assembly)? else { return Ok(None) };
            let expires = cycle.definition.closes_on.and_hms_opt(23, 59, 59).map(|t| t + chrono::Duration::days(LINK_DAYS_AFTER_CLOSE));
            barometer_store::invitations::create(conn, &label, &assembly, expires, &actor).map(Some)
        })
        .await
}

/// A stored response as input again (to submit what was saved).
pub fn stored_input(stored: &StoredResponse) -> ResponseInput {
    use barometer_domain::response::{ActivityInput, LocationInput};
    let c = &stored.content;
    ResponseInput::new(
        c.themes.iter().map(|t| t.to_string()).collect(),
        c.regions.iter().map(|r| r.to_string()).collect(),
        c.activities
            .iter()
            .map(|a| ActivityInput {
                id: a.id.clone(),
                title: a.title.clone(),
                kind: a.kind.to_string(),
                starts_on: a.starts_on.to_string(),
                ends_on: Some(a.ends_on.to_string()),
                location: a
                    .location
                    .as_ref()
                    .map(|l| LocationInput { city: l.city.clone().unwrap_or_default(), country: l.country.to_string() }),
                online: a.online,
                themes: a.themes.iter().map(|t| t.to_string()).collect(),
                regions: a.regions.iter().map(|r| r.to_string()).collect(),
                partners: a.partners.clone(),
                status: Some(a.status.as_str().to_owned()),
            })
            .collect(),
        c.comment.clone(),
    )
}
