//! The public form's question: the answer is kept here under a random id that the form
//! carries, for a short time and one use, so any instance can check it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::challenges;
use crate::{DbConn, StoreError};

/// Stores `answer` until `expires_at` and returns the id to put in the form. Expired
/// challenges are swept at the same time.
pub fn issue(conn: &mut DbConn, answer: &str, expires_at: NaiveDateTime) -> Result<String, StoreError> {
    diesel::delete(challenges::table.filter(challenges::expires_at.lt(crate::now()))).execute(conn)?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    diesel::insert_into(challenges::table)
        .values((challenges::id.eq(&id), challenges::answer.eq(answer), challenges::expires_at.eq(expires_at)))
        .execute(conn)?;
    Ok(id)
}

/// Spends the challenge `id`: its answer if it exists and has not expired. A second use finds
/// nothing.
pub fn take(conn: &mut DbConn, id: &str) -> Result<Option<String>, StoreError> {
    conn.transaction(|conn| {
        let found: Option<(String, NaiveDateTime)> =
            challenges::table.find(id).select((challenges::answer, challenges::expires_at)).get_result(conn).optional()?;
        if found.is_some() {
            diesel::delete(challenges::table.find(id)).execute(conn)?;
        }
        Ok(found.filter(|(_, expires)| *expires >= crate::now()).map(|(answer, _)| answer))
    })
}
