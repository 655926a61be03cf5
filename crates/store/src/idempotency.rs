//! Idempotency keys: the first answer to a keyed request is stored with a hash of the request,
//! in the same transaction as the work it answers, so that a retry returns that answer instead
//! of doing the work again, and a key reused for a different request is refused.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::schema::idempotency_keys;
use crate::{DbConn, StoreError};

/// What a keyed request gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The work was done now; this is its answer.
    Done { status: u16, body: String },
    /// The same request was answered before; this is that answer.
    Replayed { status: u16, body: String },
    /// The key was used before for a different request.
    Mismatch,
}

/// The hash that identifies a request's content.
pub fn request_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// Runs `work` once per (scope, key). `work` runs inside the transaction that records the key,
/// so either both the work and the record commit, or neither does.
pub fn run(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    hash: &str,
    work: impl FnOnce(&mut DbConn) -> Result<(u16, String), StoreError>,
) -> Result<Outcome, StoreError> {
    let attempt = conn.transaction(|conn| {
        if let Some(found) = lookup(conn, scope, key, hash)? {
            return Ok(found);
        }
        let (status, body) = work(conn)?;
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::scope.eq(scope),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(hash),
                idempotency_keys::status.eq(i32::from(status)),
                idempotency_keys::body.eq(&body),
                idempotency_keys::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(Outcome::Done { status, body })
    });
    match attempt {
        // A concurrent request with the same key (through this instance or another) committed
        // first, so this one's insert of the key, or its version-checked write, failed: answer
        // as that request did.
        Err(error @ (StoreError::Conflict(_) | StoreError::VersionConflict { .. })) => match lookup(conn, scope, key, hash)? {
            Some(found) => Ok(found),
            None => Err(error),
        },
        other => other,
    }
}

fn lookup(conn: &mut DbConn, scope: &str, key: &str, hash: &str) -> Result<Option<Outcome>, StoreError> {
    let found: Option<(String, i32, String)> = idempotency_keys::table
        .find((scope, key))
        .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::body))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(stored_hash, status, body)| {
        if stored_hash == hash { Outcome::Replayed { status: u16::try_from(status).unwrap_or(200), body } } else { Outcome::Mismatch }
    }))
}
