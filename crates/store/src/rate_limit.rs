//! Rate limits kept in the database, so that every instance of the service on one database
//! enforces one limit. Fixed windows: a counter per (bucket, key, window start); keys are stored
//! as SHA-256 hashes, so no address or email is kept in clear. Old windows are swept as new ones
//! open.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::schema::rate_limit_counters;
use crate::{DbConn, StoreError};

/// A limit: at most `max` events per `window_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_secs: i64,
}

/// The answer to a check: go ahead, or wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { retry_after_secs: i64 },
}

impl Verdict {
    pub fn is_limited(self) -> bool {
        matches!(self, Verdict::Limited { .. })
    }
}

/// Windows older than this are deleted when a new window opens.
const KEEP_SECS: i64 = 24 * 3600;

fn key_hash(bucket: &str, key: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(bucket.as_bytes());
    hasher.update([0]);
    hasher.update(key.as_bytes());
    hex::encode(hasher.finalize())
}

fn window(limit: Limit, now: i64) -> i64 {
    now - now.rem_euclid(limit.window_secs.max(1))
}

/// Whether `key` has used up `limit` in the current window (`max` events counted), without
/// counting an event.
pub fn check(conn: &mut DbConn, bucket: &str, key: &str, limit: Limit) -> Result<Verdict, StoreError> {
    check_at(conn, bucket, key, limit, crate::now().and_utc().timestamp())
}

/// Counts one event for `key`: the first `max` events of a window are allowed, later ones are
/// limited.
pub fn hit(conn: &mut DbConn, bucket: &str, key: &str, limit: Limit) -> Result<Verdict, StoreError> {
    hit_at(conn, bucket, key, limit, crate::now().and_utc().timestamp())
}

/// [`hit`] at a given instant (seconds since the epoch), for tests.
pub fn hit_at(conn: &mut DbConn, bucket: &str, key: &str, limit: Limit, now: i64) -> Result<Verdict, StoreError> {
    record_at(conn, bucket, key, limit, now)?;
    let start = window(limit, now);
    let hits = hits(conn, bucket, key, start)?;
    Ok(if hits > i64::from(limit.max) {
        Verdict::Limited { retry_after_secs: (start + limit.window_secs - now).max(1) }
    } else {
        Verdict::Allowed
    })
}

fn hits(conn: &mut DbConn, bucket: &str, key: &str, start: i64) -> Result<i64, StoreError> {
    let hits: Option<i32> = rate_limit_counters::table
        .find((bucket, key_hash(bucket, key), start))
        .select(rate_limit_counters::hits)
        .get_result(conn)
        .optional()?;
    Ok(i64::from(hits.unwrap_or(0)))
}

/// Counts one event for `key` (e.g. a failed sign-in) without asking for a verdict.
pub fn record(conn: &mut DbConn, bucket: &str, key: &str, limit: Limit) -> Result<(), StoreError> {
    record_at(conn, bucket, key, limit, crate::now().and_utc().timestamp())
}

/// [`check`] at a given instant (seconds since the epoch), for tests.
pub fn check_at(conn: &mut DbConn, bucket: &str, key: &str, limit: Limit, now: i64) -> Result<Verdict, StoreError> {
    let start = window(limit, now);
    Ok(if hits(conn, bucket, key, start)? >= i64::from(limit.max) {
        Verdict::Limited { retry_after_secs: (start + limit.window_secs - now).max(1) }
    } else {
        Verdict::Allowed
    })
}

/// [`record`] at a given instant, for tests. An update first; a first event in the window
/// inserts, and a concurrent first insert (a unique violation) falls back to the update.
pub fn record_at(conn: &mut DbConn, bucket: &str, key: &str, limit: Limit, now: i64) -> Result<(), StoreError> {
    let start = window(limit, now);
    let hash = key_hash(bucket, key);
    let target = rate_limit_counters::table.find((bucket, hash.as_str(), start));
    let bump = |conn: &mut DbConn| diesel::update(target).set(rate_limit_counters::hits.eq(rate_limit_counters::hits + 1)).execute(conn);
    if bump(conn)? > 0 {
        return Ok(());
    }
    let inserted = diesel::insert_into(rate_limit_counters::table)
        .values((
            rate_limit_counters::bucket.eq(bucket),
            rate_limit_counters::key_hash.eq(&hash),
            rate_limit_counters::window_start.eq(start),
            rate_limit_counters::hits.eq(1),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {
            sweep(conn, now - KEEP_SECS)?;
            Ok(())
        }
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            bump(conn)?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes every window that started before `before` (seconds since the epoch).
pub fn sweep(conn: &mut DbConn, before: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(rate_limit_counters::table.filter(rate_limit_counters::window_start.lt(before))).execute(conn)?)
}

/// Forgets every counted event of `key` in `bucket` (a successful sign-in clears the failures).
pub fn clear(conn: &mut DbConn, bucket: &str, key: &str) -> Result<(), StoreError> {
    diesel::delete(
        rate_limit_counters::table
            .filter(rate_limit_counters::bucket.eq(bucket))
            .filter(rate_limit_counters::key_hash.eq(key_hash(bucket, key))),
    )
    .execute(conn)?;
    Ok(())
}
