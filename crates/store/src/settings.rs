//! Small key-value settings kept in the database, such as the generated secret key.

use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;

use crate::schema::settings;
use crate::{DbConn, StoreError};

pub fn get(conn: &mut DbConn, key: &str) -> Result<Option<String>, StoreError> {
    Ok(settings::table.find(key).select(settings::value).get_result(conn).optional()?)
}

/// The value for `key`, creating it with `make` on first use. Safe under concurrent first use:
/// whoever inserts first wins and everyone reads that value.
pub fn get_or_insert(conn: &mut DbConn, key: &str, make: impl FnOnce() -> String) -> Result<String, StoreError> {
    if let Some(value) = get(conn, key)? {
        return Ok(value);
    }
    let inserted = diesel::insert_into(settings::table).values((settings::key.eq(key), settings::value.eq(make()))).execute(conn);
    match inserted {
        Ok(_) | Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(e) => return Err(e.into()),
    }
    get(conn, key)?.ok_or_else(|| StoreError::NotFound(format!("setting {key}")))
}

/// The key that signs session cookies: generated once and kept in the database, so every
/// instance of the service on the same database shares it.
pub fn secret_key(conn: &mut DbConn) -> Result<Vec<u8>, StoreError> {
    let encoded = get_or_insert(conn, "secret_key", || {
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    })?;
    base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|e| crate::error::corrupt("secret_key setting", e))
}
