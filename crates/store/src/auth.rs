//! Users, passwords and tokens. Passwords are hashed with argon2id; tokens are random 256-bit
//! strings stored only as their SHA-256 (they carry enough entropy that a slow hash adds nothing)
//! and compared in constant time.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use barometer_domain::{AssemblyCode, CycleLabel, Role};
use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::audit::{self, Entry};
use crate::error::corrupt;
use crate::schema::{api_tokens, users};
use crate::{DbConn, StoreError};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bearer token for API clients (`barometer admin create-token`).
    Api,
    /// A focal point's personal link for one cycle; also a bearer token for that assembly only.
    Invitation,
    /// A one-time sign-in link (printed by `serve --demo`).
    SignIn,
    /// A web session, created when a person signs in; its cookie holds the token.
    Session,
    /// A private calendar feed URL.
    Calendar,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Api => "api",
            TokenKind::Invitation => "invitation",
            TokenKind::SignIn => "sign-in",
            TokenKind::Session => "session",
            TokenKind::Calendar => "calendar",
        }
    }

    fn parse(value: &str) -> Result<Self, StoreError> {
        match value {
            "api" => Ok(TokenKind::Api),
            "invitation" => Ok(TokenKind::Invitation),
            "sign-in" => Ok(TokenKind::SignIn),
            "session" => Ok(TokenKind::Session),
            "calendar" => Ok(TokenKind::Calendar),
            other => Err(corrupt("api_tokens.kind", other)),
        }
    }
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub kind: TokenKind,
    pub role: Role,
    pub assembly: Option<AssemblyCode>,
    pub cycle: Option<CycleLabel>,
    pub user_id: Option<String>,
}

impl Principal {
    /// How the audit log names this principal: never the token itself.
    pub fn actor(&self) -> String {
        match (&self.user_id, &self.assembly) {
            (Some(user), _) => format!("user:{user}"),
            (None, Some(assembly)) => format!("token:{}:{assembly}", self.token_id),
            (None, None) => format!("token:{}", self.token_id),
        }
    }
}

/// A token to create.
pub struct NewToken<'a> {
    pub kind: TokenKind,
    pub role: Role,
    pub assembly: Option<&'a AssemblyCode>,
    pub cycle: Option<&'a CycleLabel>,
    pub user_id: Option<&'a str>,
    pub label: &'a str,
    pub expires_at: Option<NaiveDateTime>,
}

/// How a token is stored and looked up: the hex SHA-256 of its text.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("bar_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates a token and returns it in clear: the only time it is ever seen.
pub fn create_token(conn: &mut DbConn, new: NewToken<'_>, actor: &str) -> Result<(String, String), StoreError> {
    if (new.role == Role::FocalPoint) != new.assembly.is_some() {
        return Err(StoreError::Invalid(barometer_domain::FieldErrors::single(
            "assembly",
            "a focal-point token needs --assembly CODE, and only focal-point tokens take one",
        )));
    }
    let token = random_token();
    let id = uuid::Uuid::new_v4().to_string();
    conn.transaction(|conn| {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::id.eq(&id),
                api_tokens::token_hash.eq(hash_token(&token)),
                api_tokens::kind.eq(new.kind.as_str()),
                api_tokens::role.eq(new.role.as_str()),
                api_tokens::assembly_code.eq(new.assembly.map(AssemblyCode::as_str)),
                api_tokens::cycle_label.eq(new.cycle.map(CycleLabel::as_str)),
                api_tokens::user_id.eq(new.user_id),
                api_tokens::label.eq(new.label),
                api_tokens::created_at.eq(crate::now()),
                api_tokens::expires_at.eq(new.expires_at),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "token.create",
                entity: "token",
                entity_id: &id,
                before: None,
                after: Some(serde_json::json!({
                    "kind": new.kind.as_str(), "role": new.role.as_str(),
                    "assembly": new.assembly.map(AssemblyCode::as_str), "cycle": new.cycle.map(CycleLabel::as_str),
                    "label": new.label,
                })),
            },
        )
    })?;
    Ok((id, token))
}

#[derive(Queryable, QueryableByName, serde::Deserialize)]
#[diesel(table_name = api_tokens)]
pub(crate) struct TokenRow {
    pub(crate) id: String,
    pub(crate) token_hash: String,
    pub(crate) kind: String,
    pub(crate) role: String,
    pub(crate) assembly_code: Option<String>,
    pub(crate) cycle_label: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) expires_at: Option<NaiveDateTime>,
    pub(crate) revoked_at: Option<NaiveDateTime>,
}

/// The principal of a token in clear, if it is known, unexpired and unrevoked.
pub fn verify_token(conn: &mut DbConn, token: &str) -> Result<Option<Principal>, StoreError> {
    verify_hash(conn, &hash_token(token))
}

pub(crate) fn verify_hash(conn: &mut DbConn, hash: &str) -> Result<Option<Principal>, StoreError> {
    let row: Option<TokenRow> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .select((
            api_tokens::id,
            api_tokens::token_hash,
            api_tokens::kind,
            api_tokens::role,
            api_tokens::assembly_code,
            api_tokens::cycle_label,
            api_tokens::user_id,
            api_tokens::expires_at,
            api_tokens::revoked_at,
        ))
        .get_result(conn)
        .optional()?;
    principal(row, hash)
}

/// [`verify_token`], and the [`crate::responses::results_fingerprint`] of `cycle` (`None` when
/// there is no such cycle): [`verify_tokens`] for one. The fingerprint may be
/// given (or not) when the token is refused: answer nothing from it then.
pub fn verify_token_with_fingerprint(
    conn: &mut DbConn,
    token: &str,
    cycle: &CycleLabel,
) -> Result<(Option<Principal>, Option<String>), StoreError> {
    let check = TokenCheck { token: token.to_owned(), cycle: Some(cycle.clone()) };
    verify_tokens(conn, std::slice::from_ref(&check))?
        .pop()
        .unwrap_or_else(|| Err(StoreError::Shared("no answer for the token (a bug)".into())))
}

/// What a request checks: the caller's token, in clear, and, for a cached read of results, the
/// cycle whose results fingerprint it needs.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    pub token: String,
    pub cycle: Option<CycleLabel>,
}

/// The principal of a checked token (if it is known, unexpired and unrevoked) and the results
/// fingerprint of the checked cycle (if one was asked for and it exists).
pub type Checked = (Option<Principal>, Option<String>);

/// [`verify_token`], and [`verify_token_with_fingerprint`], for many checks at once, answered in
/// their order: the whole database cost of authenticating a batch of requests, cached reads of
/// results included ([`crate::batch::Batcher`]). On PostgreSQL it is one statement, one round
/// trip, whatever the number of checks. On SQLite each token is looked up and each distinct
/// cycle's fingerprint read once. A token whose row cannot be read fails its own check only.
pub fn verify_tokens(conn: &mut DbConn, checks: &[TokenCheck]) -> Result<Vec<Result<Checked, StoreError>>, StoreError> {
    let hashes: Vec<String> = checks.iter().map(|c| hash_token(&c.token)).collect();
    match conn {
        DbConn::Postgres(pg) => {
            let token_hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
            let cycles: Vec<Option<&str>> = checks.iter().map(|c| c.cycle.as_ref().map(CycleLabel::as_str)).collect();
            let rows = crate::responses::tokens_with_fingerprints(pg, &token_hashes, &cycles)?;
            if rows.len() != checks.len() {
                return Err(StoreError::Shared(format!("{} answers to {} token checks (a bug)", rows.len(), checks.len())));
            }
            Ok(rows.into_iter().zip(&hashes).map(|(row, hash)| row.and_then(|(row, fp)| Ok((principal(row, hash)?, fp)))).collect())
        }
        conn => {
            let mut fingerprints: std::collections::HashMap<&CycleLabel, Option<String>> = std::collections::HashMap::new();
            let mut answers = Vec::with_capacity(checks.len());
            for (check, hash) in checks.iter().zip(&hashes) {
                let fingerprint = match &check.cycle {
                    None => None,
                    Some(cycle) => match fingerprints.get(cycle) {
                        Some(fp) => fp.clone(),
                        None => {
                            let fp = crate::responses::results_fingerprint(conn, cycle)?;
                            fingerprints.insert(cycle, fp.clone());
                            fp
                        }
                    },
                };
                answers.push(verify_hash(conn, hash).map(|principal| (principal, fingerprint)));
            }
            Ok(answers)
        }
    }
}

/// The principal of the token row found for `hash`, if it is unexpired and unrevoked.
pub(crate) fn principal(row: Option<TokenRow>, hash: &str) -> Result<Option<Principal>, StoreError> {
    let Some(row) = row else { return Ok(None) };
    // The index lookup already matched; compare again in constant time so that no timing
    // difference depends on how much of a guessed hash was right.
    if !bool::from(row.token_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    let now = crate::now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    Ok(Some(Principal {
        kind: TokenKind::parse(&row.kind)?,
        role: Role::parse(&row.role).map_err(|e| corrupt("api_tokens.role", e))?,
        assembly: row.assembly_code.map(|a| AssemblyCode::parse(&a)).transpose().map_err(|e| corrupt("api_tokens.assembly_code", e))?,
        cycle: row.cycle_label.map(|c| CycleLabel::parse(&c)).transpose().map_err(|e| corrupt("api_tokens.cycle_label", e))?,
        user_id: row.user_id,
        token_id: row.id,
    }))
}

/// Revokes a token; it stops working at once, on every instance.
pub fn revoke_token(conn: &mut DbConn, token_id: &str, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let n = diesel::update(api_tokens::table.find(token_id).filter(api_tokens::revoked_at.is_null()))
            .set(api_tokens::revoked_at.eq(crate::now()))
            .execute(conn)?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("active token {token_id}")));
        }
        audit::append(conn, Entry { actor, action: "token.revoke", entity: "token", entity_id: token_id, before: None, after: None })
    })
}

/// A web login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub assembly: Option<AssemblyCode>,
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Config(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Config(format!("password hashing: {e}")))
}

/// Normalises an email for storage and lookup.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creates a web login with an argon2id password hash.
pub fn create_user(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    role: Role,
    assembly: Option<&AssemblyCode>,
    actor: &str,
) -> Result<User, StoreError> {
    let mut errors = barometer_domain::FieldErrors::new();
    let email = normalise_email(email);
    if !is_plausible_email(&email) {
        errors.add("email", "enter an email address such as name@example.org");
    }
    if password.chars().count() < 12 {
        errors.add("password", "use at least 12 characters");
    }
    if (role == Role::FocalPoint) != assembly.is_some() {
        errors.add("assembly", "a focal point needs an assembly, and only focal points have one");
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let hash = hash_password(password)?;
    let id = uuid::Uuid::new_v4().to_string();
    conn.transaction(|conn| {
        let taken: i64 = users::table.filter(users::email.eq(&email)).count().get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("a user with email {email} already exists")));
        }
        diesel::insert_into(users::table)
            .values((
                users::id.eq(&id),
                users::email.eq(&email),
                users::password_hash.eq(&hash),
                users::role.eq(role.as_str()),
                users::assembly_code.eq(assembly.map(AssemblyCode::as_str)),
                users::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "user.create",
                entity: "user",
                entity_id: &id,
                before: None,
                after: Some(serde_json::json!({"role": role.as_str(), "assembly": assembly.map(AssemblyCode::as_str)})),
            },
        )
    })?;
    Ok(User { id, email, role, assembly: assembly.cloned() })
}

fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
}

/// id, email, password hash, role, assembly, disabled at.
type PasswordRow = (String, String, String, String, Option<String>, Option<NaiveDateTime>);

/// The user whose email and password match, if any (and not disabled).
pub fn verify_password(conn: &mut DbConn, email: &str, password: &str) -> Result<Option<User>, StoreError> {
    let row: Option<PasswordRow> = users::table
        .filter(users::email.eq(normalise_email(email)))
        .select((users::id, users::email, users::password_hash, users::role, users::assembly_code, users::disabled_at))
        .get_result(conn)
        .optional()?;
    let Some((id, email, hash, role, assembly, disabled_at)) = row else {
        // Spend the same effort as a real check, so response time does not reveal which emails exist.
        let _ = hash_password(password);
        return Ok(None);
    };
    let parsed = PasswordHash::new(&hash).map_err(|e| corrupt("users.password_hash", e))?;
    if Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() || disabled_at.is_some() {
        return Ok(None);
    }
    Ok(Some(User {
        id,
        email,
        role: Role::parse(&role).map_err(|e| corrupt("users.role", e))?,
        assembly: assembly.map(|a| AssemblyCode::parse(&a)).transpose().map_err(|e| corrupt("users.assembly_code", e))?,
    }))
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, StoreError> {
    let id: Option<String> = users::table.filter(users::email.eq(normalise_email(email))).select(users::id).get_result(conn).optional()?;
    match id {
        Some(id) => find_user(conn, &id),
        None => Ok(None),
    }
}

pub fn find_user(conn: &mut DbConn, id: &str) -> Result<Option<User>, StoreError> {
    let row: Option<(String, String, String, Option<String>)> = users::table
        .find(id)
        .filter(users::disabled_at.is_null())
        .select((users::id, users::email, users::role, users::assembly_code))
        .get_result(conn)
        .optional()?;
    row.map(|(id, email, role, assembly)| {
        Ok(User {
            id,
            email,
            role: Role::parse(&role).map_err(|e| corrupt("users.role", e))?,
            assembly: assembly.map(|a| AssemblyCode::parse(&a)).transpose().map_err(|e| corrupt("users.assembly_code", e))?,
        })
    })
    .transpose()
}
