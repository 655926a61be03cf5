//! Responses: one per assembly and cycle, saved whole (themes, regions, activities, comment)
//! in one transaction with its audit entry, guarded by a version number.

use std::collections::{BTreeMap, BTreeSet};

use barometer_domain::response::Activity;
use barometer_domain::{
    ActivityStatus, AssemblyCode, CycleLabel, FieldErrors, Iso3, KindCode, Location, RegionCode, ResponseContent, ResponseStatus, ThemeCode,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::audit;
use crate::error::corrupt;
use crate::schema::{activities, activity_regions, activity_themes, response_regions, response_themes, responses};
use crate::{DbConn, StoreError};

mod pg_read;
mod pg_write;

#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub id: String,
    pub cycle: CycleLabel,
    pub assembly: AssemblyCode,
    pub status: ResponseStatus,
    pub version: i32,
    /// Every activity carries its id.
    pub content: ResponseContent,
    pub receipt: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
}

/// A response's row. Its fields are in the order of the table's columns: diesel reads it by
/// position, and so does serde from the JSON arrays of `pg_read`.
#[derive(Queryable, QueryableByName, serde::Deserialize)]
#[diesel(table_name = responses)]
struct Row {
    id: String,
    cycle_label: String,
    assembly_code: String,
    status: String,
    version: i32,
    comment: String,
    receipt: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
}

/// An activity's row (what `pg_read` gives of it as a JSON array, read by position).
#[derive(Queryable, serde::Deserialize)]
struct ActivityRow {
    id: String,
    title: String,
    kind_code: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    city: Option<String>,
    country: Option<String>,
    online: bool,
    partners: String,
    status: String,
}

/// What a save writes: the content, the status it leaves the response in, and the version the
/// writer last saw (`None` skips the check, as a form without a version field does).
pub struct Save<'a> {
    pub cycle: &'a CycleLabel,
    pub assembly: &'a AssemblyCode,
    pub content: &'a ResponseContent,
    pub status: ResponseStatus,
    pub expected_version: Option<i32>,
    pub actor: &'a str,
}

/// A row of the response-rate tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRow {
    pub assembly: AssemblyCode,
    pub status: ResponseStatus,
    pub version: i32,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
}

/// Codes by activity id.
type Tags = BTreeMap<String, Vec<String>>;

/// A response's lists as read, before they are checked and put together by [`assemble`].
struct Parts {
    /// Theme codes by rank.
    themes: Vec<String>,
    /// Region codes in code order.
    regions: Vec<String>,
    /// Activities by position.
    activities: Vec<ActivityRow>,
    activity_themes: Tags,
    activity_regions: Tags,
}

/// Reads the lists of the response `row` (just read), one statement per table. PostgreSQL reads
/// the row and its lists in one statement instead ([`pg_read`]); these statements serve SQLite,
/// where a statement is a call into the library rather than a round trip.
fn read_parts(conn: &mut DbConn, row: &Row) -> Result<Parts, StoreError> {
    let themes: Vec<String> = response_themes::table
        .filter(response_themes::response_id.eq(&row.id))
        .order(response_themes::rank.asc())
        .select(response_themes::theme_code)
        .load(conn)?;
    let regions: Vec<String> = response_regions::table
        .filter(response_regions::response_id.eq(&row.id))
        .order(response_regions::region_code.asc())
        .select(response_regions::region_code)
        .load(conn)?;
    let activities: Vec<ActivityRow> = activities::table
        .filter(activities::response_id.eq(&row.id))
        .order(activities::position.asc())
        .select((
            activities::id,
            activities::title,
            activities::kind_code,
            activities::starts_on,
            activities::ends_on,
            activities::city,
            activities::country,
            activities::online,
            activities::partners,
            activities::status,
        ))
        .load(conn)?;
    let (mut activity_themes, mut activity_regions) = (Tags::new(), Tags::new());
    if !activities.is_empty() {
        // A join on the response: one statement text whatever the number of activities.
        let theme_rows: Vec<(String, String)> = activity_themes::table
            .inner_join(activities::table)
            .filter(activities::response_id.eq(&row.id))
            .order((activity_themes::activity_id, activity_themes::theme_code))
            .select((activity_themes::activity_id, activity_themes::theme_code))
            .load(conn)?;
        let region_rows: Vec<(String, String)> = activity_regions::table
            .inner_join(activities::table)
            .filter(activities::response_id.eq(&row.id))
            .order((activity_regions::activity_id, activity_regions::region_code))
            .select((activity_regions::activity_id, activity_regions::region_code))
            .load(conn)?;
        for (id, code) in theme_rows {
            activity_themes.entry(id).or_default().push(code);
        }
        for (id, code) in region_rows {
            activity_regions.entry(id).or_default().push(code);
        }
    }
    Ok(Parts { themes, regions, activities, activity_themes, activity_regions })
}

pub fn find(conn: &mut DbConn, cycle: &CycleLabel, assembly: &AssemblyCode) -> Result<Option<StoredResponse>, StoreError> {
    if let DbConn::Postgres(pg) = conn {
        let which = pg_read::Which::One { cycle: cycle.as_str(), assembly: assembly.as_str() };
        return pg_read::read(pg, which)?.into_iter().next().map(|(row, parts)| assemble(row, parts)).transpose();
    }
    let row: Option<Row> = responses::table
        .filter(responses::cycle_label.eq(cycle.as_str()))
        .filter(responses::assembly_code.eq(assembly.as_str()))
        .get_result(conn)
        .optional()?;
    row.map(|row| load_content(conn, row)).transpose()
}

/// What the survey's write reads before it writes: the cycle (through `cycles`), the assembly
/// `assembly` when it is on the roster, and its response to the cycle when it has one; `None`
/// when there is no such cycle. One statement on PostgreSQL (the cycle's questionnaire is read
/// only when its row changed, and the response's lists only when its row changed: see
/// [`ListsCache`]); on SQLite, [`crate::cycles::CycleCache::find_with_assembly`] and [`find`].
pub fn find_with_cycle(
    conn: &mut DbConn,
    caches: (&crate::cycles::CycleCache, &ListsCache),
    cycle: &CycleLabel,
    assembly: &AssemblyCode,
) -> Result<Option<WithCycle>, StoreError> {
    if !matches!(conn, DbConn::Postgres(_)) {
        let Some(found) = caches.0.find_with_assembly(conn, cycle, assembly)? else { return Ok(None) };
        return Ok(Some((found, find(conn, cycle, assembly)?)));
    }
    let read = Read { token: None, cycle: cycle.clone(), assembly: assembly.clone() };
    let (_, found) = find_all_with_cycle(conn, caches, std::slice::from_ref(&read))?
        .pop()
        .unwrap_or_else(|| Err(StoreError::Shared("no answer for the response (a bug)".into())))?;
    Ok(found)
}

/// What [`find_with_cycle`] finds: the cycle, the assembly (if on the roster) and its response.
pub type WithCycle = (crate::cycles::CycleWithAssembly, Option<StoredResponse>);

/// One read of [`find_all_with_cycle`]: `assembly`'s response to `cycle` and, when `token` (in
/// clear) is given, the principal of that token, checked in the same statement on PostgreSQL.
/// An unkeyed submission there authenticates its caller and reads what it writes over in one
/// trip to the database instead of two.
#[derive(Debug, Clone)]
pub struct Read {
    pub token: Option<String>,
    pub cycle: CycleLabel,
    pub assembly: AssemblyCode,
}

/// What [`find_all_with_cycle`] answers to a [`Read`]: the token's principal (`None` when no
/// token was given, or it is unknown, expired or revoked, as [`crate::auth::verify_token`]
/// decides), and what [`find_with_cycle`] finds. The second is read whatever the first: answer
/// nothing from it to a caller who is refused.
pub type ReadAnswer = (Option<crate::auth::Principal>, Option<WithCycle>);

/// [`Read`]s, answered in their order: on PostgreSQL one statement for all of them, so that
/// concurrent writes share one read ([`crate::batch::Batcher`]); on SQLite
/// [`crate::auth::verify_token`] and [`find_with_cycle`] for each. A read whose rows cannot be
/// read fails alone.
pub fn find_all_with_cycle(
    conn: &mut DbConn,
    (cycles, held): (&crate::cycles::CycleCache, &ListsCache),
    reads: &[Read],
) -> Result<Vec<Result<ReadAnswer, StoreError>>, StoreError> {
    let hashes: Vec<Option<String>> = reads.iter().map(|r| r.token.as_deref().map(crate::auth::hash_token)).collect();
    let DbConn::Postgres(pg) = conn else {
        return Ok(reads
            .iter()
            .zip(&hashes)
            .map(|(read, hash)| {
                let principal = match hash {
                    Some(hash) => crate::auth::verify_hash(conn, hash)?,
                    None => None,
                };
                Ok((principal, find_with_cycle(conn, (cycles, held), &read.cycle, &read.assembly)?))
            })
            .collect());
    };
    let labels: Vec<&str> = reads.iter().map(|r| r.cycle.as_str()).collect();
    let codes: Vec<&str> = reads.iter().map(|r| r.assembly.as_str()).collect();
    let token_hashes: Vec<Option<&str>> = hashes.iter().map(Option::as_deref).collect();
    // The responses held for each read are taken now, so that what the statement answers about
    // their lists is about these very lists, whatever another thread stores in the cache meanwhile.
    let known_lists: Vec<Option<std::sync::Arc<StoredResponse>>> = reads.iter().map(|r| held.get(&r.cycle, &r.assembly)).collect();
    let mut known = pg_read::Known::default();
    for entry in &known_lists {
        known.ids.push(entry.as_ref().map(|e| e.id.as_str()));
        known.versions.push(entry.as_ref().map(|e| e.version));
        known.updated_at.push(entry.as_ref().map(|e| e.updated_at));
    }
    let rows = pg_read::read_with_cycle(pg, &labels, &codes, &known, &token_hashes)?;
    if rows.len() != reads.len() {
        return Err(StoreError::Shared(format!("{} answers to {} reads (a bug)", rows.len(), reads.len())));
    }
    Ok(rows
        .into_iter()
        .zip(reads)
        .zip(known_lists.into_iter().zip(&hashes))
        .map(|((row, read), (known, hash))| {
            let (token, found) = row?;
            let principal = match hash {
                Some(hash) => crate::auth::principal(token, hash)?,
                None => None,
            };
            let Some((row, member, response)) = found else { return Ok((principal, None)) };
            let stored = cycles.resolve(conn, &read.cycle, row)?;
            let member = member.map(crate::assemblies::Row::into_domain).transpose()?;
            let response = match response {
                None => None,
                Some((row, Some(parts))) => {
                    let response = assemble(row, parts)?;
                    held.put(&read.cycle, &read.assembly, std::sync::Arc::new(response.clone()));
                    Some(response)
                }
                Some((row, None)) => {
                    let kept = known.ok_or_else(|| StoreError::Shared("lists left out that were not held (a bug)".into()))?;
                    let c = &kept.content;
                    Some(assemble_with(
                        row,
                        Lists { themes: c.themes.clone(), regions: c.regions.clone(), activities: c.activities.clone() },
                    )?)
                }
            };
            Ok((principal, Some(((stored, member), response))))
        })
        .collect())
}

/// The responses the survey's write path read or wrote last on PostgreSQL, whole: their rows and
/// their lists (themes, regions, activities with their tags). [`find_all_with_cycle`] names each
/// held row (its id, version and `updated_at`) in its statement, which gathers a response's lists
/// only when the stored row is no longer that one: gathering them, and decoding them, was most of
/// the read a submission makes before it writes. A submission made without reading first
/// starts from the held response, and its write is guarded by that row ([`Guard`]).
///
/// Nothing is taken on trust: every read still reads the response's row, in the same statement,
/// and every write from a held response is guarded by it. Both rest on what
/// [`results_fingerprint`] rests on too: every write that changes a response moves its row, by a
/// new version ([`save_over`]) or a new `updated_at` (an activity's status, [`crate::calendar`]),
/// and every write stamps the current instant. So a change made through another instance is seen
/// at once. Keep one cache per database (the web state holds one per pool). SQLite reads its
/// lists in-process and uses none.
#[derive(Debug, Default)]
pub struct ListsCache {
    entries: std::sync::Mutex<std::collections::HashMap<(CycleLabel, AssemblyCode), std::sync::Arc<StoredResponse>>>,
}

impl ListsCache {
    /// At most this many responses are held (a few kilobytes each); when it is full, it starts
    /// again empty. A cycle has one response per assembly: some twenty, not thousands.
    const CAPACITY: usize = 4096;

    fn entries(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<(CycleLabel, AssemblyCode), std::sync::Arc<StoredResponse>>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The response of `assembly` to `cycle` as last read or written here, if it is held. It may
    /// be stale: a write made from it must be guarded by its version and `updated_at`.
    pub fn get(&self, cycle: &CycleLabel, assembly: &AssemblyCode) -> Option<std::sync::Arc<StoredResponse>> {
        self.entries().get(&(cycle.clone(), assembly.clone())).cloned()
    }

    fn put(&self, cycle: &CycleLabel, assembly: &AssemblyCode, held: std::sync::Arc<StoredResponse>) {
        let mut entries = self.entries();
        let key = (cycle.clone(), assembly.clone());
        if entries.len() >= Self::CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, held);
    }

    /// Holds a response just written: a write answers with exactly what it stored, row and lists
    /// (checked against a fresh read after every kind of change), so the next write of the same
    /// response need not gather them again. Harmless if the write's transaction did not commit
    /// after all: no row will ever have its version and instant.
    pub fn remember(&self, response: &StoredResponse) {
        self.put(&response.cycle, &response.assembly, std::sync::Arc::new(response.clone()));
    }

    /// How many responses are held.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every response of a cycle with its status (drafts included), by assembly code.
pub fn statuses(conn: &mut DbConn, cycle: &CycleLabel) -> Result<Vec<StatusRow>, StoreError> {
    let rows: Vec<(String, String, i32, NaiveDateTime, Option<NaiveDateTime>)> = responses::table
        .filter(responses::cycle_label.eq(cycle.as_str()))
        .order(responses::assembly_code.asc())
        .select((responses::assembly_code, responses::status, responses::version, responses::updated_at, responses::submitted_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(a, s, version, updated_at, submitted_at)| {
            Ok(StatusRow {
                assembly: AssemblyCode::parse(&a).map_err(|e| corrupt("responses.assembly_code", e))?,
                status: ResponseStatus::parse(&s).map_err(|e| corrupt("responses.status", e))?,
                version,
                updated_at,
                submitted_at,
            })
        })
        .collect()
}

/// Every submitted response of a cycle, with its content (the input of every result).
pub fn submitted(conn: &mut DbConn, cycle: &CycleLabel) -> Result<Vec<StoredResponse>, StoreError> {
    if let DbConn::Postgres(pg) = conn {
        let which = pg_read::Which::WithStatus { cycle: cycle.as_str(), status: ResponseStatus::Submitted.as_str() };
        return pg_read::read(pg, which)?.into_iter().map(|(row, parts)| assemble(row, parts)).collect();
    }
    let rows: Vec<Row> = responses::table
        .filter(responses::cycle_label.eq(cycle.as_str()))
        .filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
        .order(responses::assembly_code.asc())
        .load(conn)?;
    rows.into_iter().map(|row| load_content(conn, row)).collect()
}

fn load_content(conn: &mut DbConn, row: Row) -> Result<StoredResponse, StoreError> {
    let parts = read_parts(conn, &row)?;
    assemble(row, parts)
}

/// Checks what was read and puts the response together.
fn assemble(row: Row, parts: Parts) -> Result<StoredResponse, StoreError> {
    assemble_with(row, lists(parts)?)
}

/// A response's lists, checked and put together.
#[derive(Debug, Clone)]
struct Lists {
    themes: Vec<ThemeCode>,
    regions: Vec<RegionCode>,
    activities: Vec<Activity>,
}

fn lists(parts: Parts) -> Result<Lists, StoreError> {
    let Parts { themes, regions, activities: activity_rows, activity_themes: a_themes, activity_regions: a_regions } = parts;
    let theme = |c: &String| ThemeCode::parse(c).map_err(|e| corrupt("theme code", e));
    let region = |c: &String| RegionCode::parse(c).map_err(|e| corrupt("region code", e));
    let activities = activity_rows
        .into_iter()
        .map(|a| {
            let location = match a.country {
                Some(country) => {
                    Some(Location { city: a.city, country: Iso3::parse(&country).map_err(|e| corrupt("activities.country", e))? })
                }
                None => None,
            };
            Ok(Activity {
                themes: a_themes.get(&a.id).into_iter().flatten().map(theme).collect::<Result<_, _>>()?,
                regions: a_regions.get(&a.id).into_iter().flatten().map(region).collect::<Result<_, _>>()?,
                kind: KindCode::parse(&a.kind_code).map_err(|e| corrupt("activities.kind_code", e))?,
                partners: serde_json::from_str(&a.partners).map_err(|e| corrupt("activities.partners", e))?,
                status: ActivityStatus::parse(&a.status).map_err(|e| corrupt("activities.status", e))?,
                status_given: true,
                id: Some(a.id),
                title: a.title,
                starts_on: a.starts_on,
                ends_on: a.ends_on,
                location,
                online: a.online,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Lists {
        themes: themes.iter().map(theme).collect::<Result<_, _>>()?,
        regions: regions.iter().map(region).collect::<Result<_, _>>()?,
        activities,
    })
}

fn assemble_with(row: Row, lists: Lists) -> Result<StoredResponse, StoreError> {
    Ok(StoredResponse {
        cycle: CycleLabel::parse(&row.cycle_label).map_err(|e| corrupt("responses.cycle_label", e))?,
        assembly: AssemblyCode::parse(&row.assembly_code).map_err(|e| corrupt("responses.assembly_code", e))?,
        status: ResponseStatus::parse(&row.status).map_err(|e| corrupt("responses.status", e))?,
        content: ResponseContent { themes: lists.themes, regions: lists.regions, activities: lists.activities, comment: row.comment },
        id: row.id,
        version: row.version,
        receipt: row.receipt,
        created_at: row.created_at,
        updated_at: row.updated_at,
        submitted_at: row.submitted_at,
    })
}

/// Writes a response whole: creates it on first save, otherwise replaces its content and bumps
/// its version. Activities sent with an id keep it (and with it their calendar identity), as do
/// activities sent without one that repeat a stored activity exactly ([`identities`]); those
/// left out are removed. Submitting stamps a receipt that names the version and a digest of
/// what was submitted. One transaction, with its audit entry.
pub fn save(conn: &mut DbConn, save: Save<'_>) -> Result<StoredResponse, StoreError> {
    conn.transaction(|conn| {
        let existing = find(conn, save.cycle, save.assembly)?;
        save_over(conn, save, existing.as_ref())
    })
}

/// [`save`] with the response already read (`existing`, from [`find`]), so that it is not read
/// again: the survey's write path needs the stored response for its own checks first.
///
/// Only what changed is written: lists equal to the stored ones are left alone, kept activities
/// are updated only when they differ, new rows go in through `insert_rows!` (one multi-row
/// statement per table on PostgreSQL, cached single-row statements on SQLite). The
/// answer is built from what was written rather than read back; a test holds it equal to a
/// fresh [`find`].
///
/// Inside a transaction the caller holds, the write joins it; on error nothing is undone here,
/// and the caller's transaction must roll back, as returning the error from `conn.transaction`
/// (or a job of the [`crate::Writer`]) does. Outside one, it opens its own, except where the
/// whole write is one statement: on PostgreSQL, amending a response whose lists are unchanged
/// is one statement (the row's update with its audit entry, [`pg_write`]), atomic on its own.
///
/// `existing` may be stale on PostgreSQL (read committed, or read before this transaction): the
/// update is guarded by its version and its `updated_at`, so a save that committed in between
/// ends this one with [`StoreError::VersionConflict`] instead of being overwritten unseen, and so
/// does an activity's status set in between (its current version is then the expected one,
/// [`moved`]), rather than being answered, and held, as it was before.
pub fn save_over(conn: &mut DbConn, save: Save<'_>, existing: Option<&StoredResponse>) -> Result<StoredResponse, StoreError> {
    let unchanged = existing.is_some_and(|old| lists_unchanged(save.content, &old.content));
    if (unchanged && matches!(conn, DbConn::Postgres(_))) || crate::db::in_transaction(conn) {
        write_response(conn, save, existing, unchanged)
    } else {
        conn.transaction(|conn| write_response(conn, save, existing, unchanged))
    }
}

/// [`save_over`]'s write; `unchanged`: the lists equal the stored ones ([`lists_unchanged`]).
fn write_response(
    conn: &mut DbConn,
    save: Save<'_>,
    existing: Option<&StoredResponse>,
    unchanged: bool,
) -> Result<StoredResponse, StoreError> {
    let current_version = existing.map_or(0, |r| r.version);
    if let Some(expected) = save.expected_version
        && expected != current_version
    {
        return Err(StoreError::VersionConflict { expected, current: current_version });
    }
    let now = crate::now();
    let Some(old) = existing else {
        // The first save: version 1.
        let version = 1;
        let submitting = save.status == ResponseStatus::Submitted;
        let new_receipt = submitting.then(|| receipt(&save, version));
        let entity_id = format!("{}/{}", save.cycle, save.assembly);
        let id = uuid::Uuid::now_v7().to_string();
        let submitted_at = submitting.then_some(now);
        diesel::insert_into(responses::table)
            .values((
                responses::id.eq(&id),
                responses::cycle_label.eq(save.cycle.as_str()),
                responses::assembly_code.eq(save.assembly.as_str()),
                responses::status.eq(save.status.as_str()),
                responses::version.eq(version),
                responses::comment.eq(&save.content.comment),
                responses::receipt.eq(&new_receipt),
                responses::created_at.eq(now),
                responses::updated_at.eq(now),
                responses::submitted_at.eq(submitted_at),
            ))
            .execute(conn)?;
        let content = write_lists(conn, &id, &save, None, now)?;
        let stored = StoredResponse {
            id,
            cycle: save.cycle.clone(),
            assembly: save.assembly.clone(),
            status: save.status,
            version,
            content,
            receipt: new_receipt,
            created_at: now,
            updated_at: now,
            submitted_at,
        };
        let action = audit_action(None, save.status);
        let after = audit_json(&stored);
        let entry =
            audit::Serialized { actor: save.actor, action, entity: "response", entity_id: &entity_id, before: None, after: Some(&after) };
        audit::append_serialized(conn, entry)?;
        return Ok(stored);
    };
    let conflict = |conn: &mut DbConn| -> Result<StoredResponse, StoreError> {
        let current = responses::table.find(&old.id).select(responses::version).get_result(conn)?;
        Err(StoreError::VersionConflict { expected: save.expected_version.unwrap_or(current_version), current })
    };
    let content = if unchanged {
        unchanged_content(save.content, old)
    } else {
        // The lists are written first, so that the row's update can carry the audit entry in
        // the same statement on PostgreSQL. The row is locked first there, as read (version and
        // `updated_at`): a concurrent save of the same response then waits here and ends in a
        // version conflict, rather than racing this one's list rows.
        if let DbConn::Postgres(pg) = conn {
            let locked: Option<i32> = responses::table
                .find(&old.id)
                .filter(responses::version.eq(current_version))
                .filter(responses::updated_at.eq(old.updated_at))
                .select(responses::version)
                .for_update()
                .get_result(pg)
                .optional()?;
            if locked.is_none() {
                return conflict(conn);
            }
        }
        write_lists(conn, &old.id, &save, existing, now)?
    };
    let amendment = Amendment::new(&save, old, content, now);
    // Guarded by the version read: on PostgreSQL a concurrent save may have committed since
    // `old` was read, and must not be overwritten unseen.
    if write_amendments(conn, &[&amendment])? != [true] {
        return conflict(conn);
    }
    Ok(amendment.stored)
}

/// How the audit log names a save with `status` of a response stored with `previous` (`None`:
/// the first save).
fn audit_action(previous: Option<ResponseStatus>, status: ResponseStatus) -> &'static str {
    match (previous, status) {
        (_, ResponseStatus::Draft) => "response.save",
        (Some(ResponseStatus::Submitted), ResponseStatus::Submitted) => "response.amend",
        (_, ResponseStatus::Submitted) => "response.submit",
    }
}

/// The content [`write_lists`] answers when the lists are unchanged ([`lists_unchanged`]): the
/// stored one, with the comment sent.
fn unchanged_content(sent: &ResponseContent, old: &StoredResponse) -> ResponseContent {
    ResponseContent { comment: sent.comment.clone(), ..old.content.clone() }
}

/// A save that changes a stored response's row (status, version, comment, receipt) and adds its
/// audit entry, made ready without the database. On PostgreSQL the row and the entry are written
/// by one statement, which takes any number of amendments ([`amend_all`]).
#[derive(Debug, Clone)]
pub struct Amendment {
    expected_version: i32,
    /// The amended row's `updated_at` as read: the update is guarded by it as by the version.
    expected_at: NaiveDateTime,
    guard: Option<Guard>,
    stored: StoredResponse,
    actor: String,
    action: &'static str,
    entity_id: String,
    before: String,
    after: String,
    audit_at: NaiveDateTime,
}

impl Amendment {
    /// What `save` makes of `existing`, the response as read, when it changes the response's
    /// row only: when its lists are the stored ones. Then the amendment takes `existing` (it is
    /// left `None`), whose lists become the amended response's without being copied.
    /// `Ok(None)`, with `existing` left as it was, when there is no stored response or the lists
    /// differ (write it with [`save_over`]); a version conflict when `save.expected_version` is
    /// not `existing`'s.
    pub fn of(save: Save<'_>, existing: &mut Option<StoredResponse>) -> Result<Option<Amendment>, StoreError> {
        let Some(old) = existing.as_ref() else { return Ok(None) };
        if let Some(expected) = save.expected_version
            && expected != old.version
        {
            return Err(StoreError::VersionConflict { expected, current: old.version });
        }
        if !lists_unchanged(save.content, &old.content) {
            return Ok(None);
        }
        let Some(mut old) = existing.take() else { return Ok(None) };
        let before = audit_json(&old);
        let empty = ResponseContent { themes: Vec::new(), regions: Vec::new(), activities: Vec::new(), comment: String::new() };
        // What `unchanged_content` gives, with the stored lists moved rather than cloned.
        let content = ResponseContent { comment: save.content.comment.clone(), ..std::mem::replace(&mut old.content, empty) };
        Ok(Some(Amendment::with_before(&save, &old, content, crate::now(), before)))
    }

    fn new(save: &Save<'_>, old: &StoredResponse, content: ResponseContent, now: NaiveDateTime) -> Amendment {
        Amendment::with_before(save, old, content, now, audit_json(old))
    }

    /// [`Amendment::new`] with the audit document of `old` (its lists may have been moved out).
    fn with_before(save: &Save<'_>, old: &StoredResponse, content: ResponseContent, now: NaiveDateTime, before: String) -> Amendment {
        let version = old.version + 1;
        let submitting = save.status == ResponseStatus::Submitted;
        let (receipt, submitted_at) =
            if submitting { (Some(receipt(save, version)), Some(now)) } else { (old.receipt.clone(), old.submitted_at) };
        let action = audit_action(Some(old.status), save.status);
        let stored = StoredResponse {
            id: old.id.clone(),
            cycle: save.cycle.clone(),
            assembly: save.assembly.clone(),
            status: save.status,
            version,
            content,
            receipt,
            created_at: old.created_at,
            updated_at: now,
            submitted_at,
        };
        Amendment {
            expected_version: old.version,
            expected_at: old.updated_at,
            guard: None,
            actor: save.actor.to_owned(),
            action,
            entity_id: format!("{}/{}", save.cycle, save.assembly),
            before,
            after: audit_json(&stored),
            audit_at: crate::now(),
            stored,
        }
    }

    /// The id of the response it amends.
    pub fn response_id(&self) -> &str {
        &self.stored.id
    }

    /// The amendment, to be written only where `guard` still holds, and the amended row is still
    /// exactly the one it was made from (its version and its `updated_at`): an amendment made
    /// from held data ([`ListsCache::get`]) without reading first. Where anything has changed,
    /// nothing is written and [`amend_all`] answers a [`StoreError::VersionConflict`] (whose
    /// current version may be the expected one): read, check and write again.
    pub fn guarded(mut self, guard: Guard) -> Amendment {
        self.guard = Some(guard);
        self
    }
}

/// What the checks of a write made without reading first rested on, checked again by the write
/// itself, in the same statement on PostgreSQL (the statement sees all of it as of one instant)
/// and in the same transaction of the single writer on SQLite. Together with the amended row's
/// version and `updated_at`, it is everything the checks read: who the caller is (a token's
/// principal depends only on its row, whose only changing columns are `revoked_at` and
/// `expires_at`), whether the cycle is open to it (its row: status and window), and whether the
/// assembly is one of its members (its dates on the roster).
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    /// The caller's token, which must be unrevoked and unexpired when the amendment is written.
    pub token_id: String,
    /// The cycle's `updated_at`: its row must not have changed.
    pub cycle_updated_at: NaiveDateTime,
    /// The assembly's dates on the roster, which must not have changed.
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// Writes amendments and answers each, in order: the response as now stored, a version
/// conflict when someone else saved it since it was read, or [`StoreError::Unsaved`] when the
/// database failed; in both of the last cases nothing of that amendment is written. A conflict
/// whose current version is the expected one says that the row moved without a new version
/// (an activity's status set in between, or a guard that failed, [`Amendment::guarded`]): what
/// was read is stale, not the caller's version, so read again ([`moved`]).
///
/// On PostgreSQL the amendments are one statement, atomic and durable on its own outside a
/// transaction: many submissions, one commit. Amendments of the same response go in turn, each
/// in a statement of its own after the one before (so the later ones meet a version conflict, as
/// they would one by one). On SQLite each is an update and an insert: call it inside a write of
/// the [`crate::Writer`].
pub fn amend_all(conn: &mut DbConn, amendments: Vec<Amendment>) -> Vec<Result<StoredResponse, StoreError>> {
    // `Ok(())`: written; each written amendment's response is moved out at the end.
    let mut answers: Vec<Option<Result<(), StoreError>>> = amendments.iter().map(|_| None).collect();
    let mut left: Vec<usize> = (0..amendments.len()).collect();
    while !left.is_empty() {
        // A round: the first amendment of each response still left.
        let mut seen = BTreeSet::new();
        let (round, later): (Vec<usize>, Vec<usize>) = left.iter().partition(|&&i| seen.insert(amendments[i].response_id()));
        let batch: Vec<&Amendment> = round.iter().map(|&i| &amendments[i]).collect();
        // On PostgreSQL the round is one statement, atomic on its own; on SQLite its updates and
        // inserts are wrapped so that a failure keeps none of them.
        let written = match conn {
            DbConn::Postgres(_) => write_amendments(conn, &batch),
            DbConn::Sqlite(_) => conn.transaction(|conn| write_amendments(conn, &batch)),
        };
        let outcome = written.and_then(|written| {
            let conflicted: Vec<&str> = batch.iter().zip(&written).filter(|(_, ok)| !**ok).map(|(a, _)| a.response_id()).collect();
            let current: BTreeMap<String, i32> = if conflicted.is_empty() {
                BTreeMap::new()
            } else {
                responses::table
                    .filter(responses::id.eq_any(&conflicted))
                    .select((responses::id, responses::version))
                    .load::<(String, i32)>(conn)?
                    .into_iter()
                    .collect()
            };
            Ok((written, current))
        });
        let (written, current) = match outcome {
            Ok(found) => found,
            Err(e) => {
                // The statement failed whole (or its conflicts could not be told): this round and
                // the ones after it are not written.
                tracing::error!(error = %e, amendments = left.len(), "amendments could not be written");
                for &i in &left {
                    answers[i] = Some(Err(StoreError::Unsaved(e.to_string())));
                }
                break;
            }
        };
        for (&i, ok) in round.iter().zip(written) {
            let a = &amendments[i];
            answers[i] = Some(if ok {
                Ok(())
            } else {
                match current.get(a.response_id()) {
                    Some(&current) => Err(StoreError::VersionConflict { expected: a.expected_version, current }),
                    None => Err(StoreError::NotFound(format!("response {}", a.entity_id))),
                }
            });
        }
        left = later;
    }
    amendments
        .into_iter()
        .zip(answers)
        .map(|(a, answer)| match answer {
            Some(Ok(())) => Ok(a.stored),
            Some(Err(e)) => Err(e),
            None => Err(StoreError::Unsaved("an amendment was not written (a bug)".into())),
        })
        .collect()
}

/// Writes each amendment's row, guarded by its expected version, with its audit entry, and says
/// which were written. The amendments must be of different responses.
fn write_amendments(conn: &mut DbConn, amendments: &[&Amendment]) -> Result<Vec<bool>, StoreError> {
    match conn {
        DbConn::Postgres(pg) => {
            let rows: Vec<pg_write::Amend<'_>> = amendments
                .iter()
                .map(|a| pg_write::Amend {
                    id: &a.stored.id,
                    expected_version: a.expected_version,
                    expected_at: a.expected_at,
                    token_id: a.guard.as_ref().map(|g| g.token_id.as_str()),
                    cycle_at: a.guard.as_ref().map(|g| g.cycle_updated_at),
                    joined_on: a.guard.as_ref().map(|g| g.joined_on),
                    left_on: a.guard.as_ref().and_then(|g| g.left_on),
                    status: a.stored.status.as_str(),
                    version: a.stored.version,
                    comment: &a.stored.content.comment,
                    receipt: a.stored.receipt.as_deref(),
                    updated_at: a.stored.updated_at,
                    submitted_at: a.stored.submitted_at,
                    audit_at: a.audit_at,
                    actor: &a.actor,
                    action: a.action,
                    entity_id: &a.entity_id,
                    before_json: &a.before,
                    after_json: &a.after,
                })
                .collect();
            Ok(pg_write::amend_with_audit(pg, &rows)?)
        }
        DbConn::Sqlite(_) => {
            let mut written = Vec::with_capacity(amendments.len());
            for a in amendments {
                if !guard_holds(conn, a)? {
                    written.push(false);
                    continue;
                }
                let r = &a.stored;
                let guarded = responses::table
                    .find(&r.id)
                    .filter(responses::version.eq(a.expected_version))
                    .filter(responses::updated_at.eq(a.expected_at));
                let updated = diesel::update(guarded)
                    .set((
                        responses::status.eq(r.status.as_str()),
                        responses::version.eq(r.version),
                        responses::comment.eq(&r.content.comment),
                        responses::receipt.eq(&r.receipt),
                        responses::updated_at.eq(r.updated_at),
                        responses::submitted_at.eq(r.submitted_at),
                    ))
                    .execute(conn)?
                    == 1;
                if updated {
                    diesel::insert_into(crate::schema::audit_log::table)
                        .values((
                            crate::schema::audit_log::at.eq(a.audit_at),
                            crate::schema::audit_log::actor.eq(&a.actor),
                            crate::schema::audit_log::action.eq(a.action),
                            crate::schema::audit_log::entity.eq("response"),
                            crate::schema::audit_log::entity_id.eq(&a.entity_id),
                            crate::schema::audit_log::before_json.eq(&a.before),
                            crate::schema::audit_log::after_json.eq(&a.after),
                        ))
                        .execute(conn)?;
                }
                written.push(updated);
            }
            Ok(written)
        }
    }
}

/// Whether a write's version conflict ([`amend_all`], [`save_over`]) says only that the
/// response's row moved without a new version since it was read (an activity's status set in
/// between, or a failed [`Guard`]): the write was made from a stale read, and is to be made
/// again from a fresh one, whatever version the caller stated.
pub fn moved(e: &StoreError) -> bool {
    matches!(e, StoreError::VersionConflict { expected, current } if expected == current)
}

/// Whether a guarded amendment's [`Guard`] still holds (always, for one without a guard), read on
/// SQLite inside the writer's transaction, where no other write can come in between (the
/// amended row's version and `updated_at` are the update's own filter).
fn guard_holds(conn: &mut DbConn, a: &Amendment) -> Result<bool, StoreError> {
    use crate::schema::{api_tokens, assemblies, cycles};
    let Some(g) = &a.guard else { return Ok(true) };
    let token: i64 = api_tokens::table
        .find(&g.token_id)
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(a.audit_at)))
        .count()
        .get_result(conn)?;
    let cycle: Option<NaiveDateTime> =
        cycles::table.find(a.stored.cycle.as_str()).select(cycles::updated_at).get_result(conn).optional()?;
    let member: Option<(NaiveDate, Option<NaiveDate>)> = assemblies::table
        .find(a.stored.assembly.as_str())
        .select((assemblies::joined_on, assemblies::left_on))
        .get_result(conn)
        .optional()?;
    Ok(token == 1 && cycle == Some(g.cycle_updated_at) && member == Some((g.joined_on, g.left_on)))
}

fn receipt(save: &Save<'_>, version: i32) -> String {
    let digest = Sha256::digest(serde_json::to_vec(save.content).expect("responses serialize"));
    let short = hex::encode_upper(&digest[..4]);
    format!("{}-{}-V{version}-{short}", save.cycle, save.assembly)
}

/// A response as its audit entries record it (before and after a change).
#[derive(serde::Serialize)]
struct AuditDoc<'a> {
    status: &'a str,
    version: i32,
    receipt: &'a Option<String>,
    content: &'a ResponseContent,
}

/// The audit document of `r`, serialized straight from the response: building a
/// `serde_json::Value` first (and dropping it) was most of an amendment's own CPU.
fn audit_json(r: &StoredResponse) -> String {
    let doc = AuditDoc { status: r.status.as_str(), version: r.version, receipt: &r.receipt, content: &r.content };
    serde_json::to_string(&doc).expect("a response serializes as JSON")
}

/// Codes in the order [`find`] reads them back (by their text).
fn sorted<T: Clone + AsRef<str>>(codes: &[T]) -> Vec<T> {
    let mut codes = codes.to_vec();
    codes.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
    codes
}

/// The stored activity each sent activity is, by position in `sent` (`None`: a new one). An
/// activity sent with its id is that activity. One sent without an id takes the identity of a
/// stored activity that it repeats exactly (title, kind, dates, place, online, partners, themes
/// and regions) and that no other sent activity has claimed, the first such in stored order: a
/// client that sends the whole answer again without the ids (a re-import, an integration that
/// keeps no ids) does not turn its unchanged activities into new ones, with new calendar UIDs
/// and the statuses the Secretariat had set on them lost.
fn identities<'a>(sent: &'a [Activity], stored: &'a [Activity]) -> Vec<Option<&'a str>> {
    let mut claimed: BTreeSet<&str> = sent.iter().filter_map(|a| a.id.as_deref()).collect();
    sent.iter()
        .map(|a| {
            if let Some(id) = a.id.as_deref() {
                return Some(id);
            }
            let twin =
                stored.iter().filter_map(|s| s.id.as_deref().map(|id| (id, s))).find(|(id, s)| !claimed.contains(id) && repeats(a, s));
            let id = twin.map(|(id, _)| id)?;
            claimed.insert(id);
            Some(id)
        })
        .collect()
}

/// Whether [`write_lists`] would send no statement at all: the same themes in the same order,
/// the same regions, and the same activities in the same places (each sent with its id, or
/// repeating it exactly), with the same codes and no status sent. It errs on the side of
/// `false`, which only costs a transaction.
fn lists_unchanged(content: &ResponseContent, old: &ResponseContent) -> bool {
    if content.themes != old.themes || sorted(&content.regions) != old.regions || content.activities.len() != old.activities.len() {
        return false;
    }
    let ids = identities(&content.activities, &old.activities);
    content
        .activities
        .iter()
        .zip(&ids)
        .zip(&old.activities)
        .all(|((a, id), o)| !a.status_given && o.id.is_some() && *id == o.id.as_deref() && repeats(a, o))
}

/// Whether the activity `sent` says what `stored` (as read) says, its codes in any order; ids
/// and statuses aside.
fn repeats(sent: &Activity, stored: &Activity) -> bool {
    same_details(sent, stored) && sorted(&sent.themes) == stored.themes && sorted(&sent.regions) == stored.regions
}

/// Whether two activities have the same title, kind, dates, place, online flag and partners.
fn same_details(a: &Activity, b: &Activity) -> bool {
    a.title == b.title
        && a.kind == b.kind
        && a.starts_on == b.starts_on
        && a.ends_on == b.ends_on
        && a.location == b.location
        && a.online == b.online
        && a.partners == b.partners
}

/// Writes the response's lists and activities where they differ from `existing`, and returns
/// the content as [`find`] would now read it: activity ids filled in, regions and each
/// activity's codes in code order, and each activity's status as stored.
fn write_lists(
    conn: &mut DbConn,
    response_id: &str,
    save: &Save<'_>,
    existing: Option<&StoredResponse>,
    now: NaiveDateTime,
) -> Result<ResponseContent, StoreError> {
    let cycle = save.cycle.as_str();
    let content = save.content;
    let old = existing.map(|r| &r.content);

    if old.map(|c| &c.themes) != Some(&content.themes) {
        diesel::delete(response_themes::table.filter(response_themes::response_id.eq(response_id))).execute(conn)?;
        let themes: Vec<_> = content
            .themes
            .iter()
            .zip(1..)
            .map(|(t, rank): (&ThemeCode, i32)| {
                (
                    response_themes::response_id.eq(response_id),
                    response_themes::cycle_label.eq(cycle),
                    response_themes::rank.eq(rank),
                    response_themes::theme_code.eq(t.as_str()),
                )
            })
            .collect();
        insert_rows!(conn, response_themes::table, themes);
    }
    let regions = sorted(&content.regions);
    if old.map(|c| &c.regions) != Some(&regions) {
        diesel::delete(response_regions::table.filter(response_regions::response_id.eq(response_id))).execute(conn)?;
        let rows: Vec<_> = regions
            .iter()
            .map(|r| {
                (
                    response_regions::response_id.eq(response_id),
                    response_regions::cycle_label.eq(cycle),
                    response_regions::region_code.eq(r.as_str()),
                )
            })
            .collect();
        insert_rows!(conn, response_regions::table, rows);
    }

    let known: BTreeMap<&str, (i32, &Activity)> = old
        .into_iter()
        .flat_map(|c| c.activities.iter().zip(0..))
        .filter_map(|(a, position)| a.id.as_deref().map(|id| (id, (position, a))))
        .collect();
    let mut errors = FieldErrors::new();
    for (i, activity) in content.activities.iter().enumerate() {
        if let Some(id) = &activity.id
            && !known.contains_key(id.as_str())
        {
            errors.add(format!("activities[{i}].id"), "no activity of this response has this id; omit the id to add a new activity");
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let ids = identities(&content.activities, old.map_or(&[][..], |c| &c.activities[..]));
    let kept: BTreeSet<&str> = ids.iter().flatten().copied().collect();
    let removed: Vec<&str> = known.keys().copied().filter(|id| !kept.contains(id)).collect();
    // Their themes and regions go with them (ON DELETE CASCADE).
    if !removed.is_empty() && kept.is_empty() {
        // All of them: a statement of one text, prepared once.
        diesel::delete(activities::table.filter(activities::response_id.eq(response_id))).execute(conn)?;
    } else if !removed.is_empty() {
        diesel::delete(activities::table.filter(activities::id.eq_any(&removed))).execute(conn)?;
    }
    // What the assembly last said about each kept activity's status (see `reported_status` in
    // the calendar migration): sending it again, or sending none, is not a change, so a status
    // the Secretariat set in between is kept.
    let reported: BTreeMap<String, String> = if content.activities.iter().zip(&ids).any(|(a, id)| id.is_some() && a.status_given) {
        activities::table
            .filter(activities::id.eq_any(kept.iter().copied().collect::<Vec<&str>>()))
            .select((activities::id, activities::reported_status))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    } else {
        BTreeMap::new()
    };

    let partners = |a: &Activity| serde_json::to_string(&a.partners).expect("strings serialize");
    let mut stored = Vec::with_capacity(content.activities.len());
    let mut new_rows = Vec::new();
    // Activities whose themes (regions) are written afresh: new ones, and kept ones whose list changed.
    let mut fresh_themes: Vec<(String, &[ThemeCode])> = Vec::new();
    let mut fresh_regions: Vec<(String, &[RegionCode])> = Vec::new();
    for ((activity, id), position) in content.activities.iter().zip(&ids).zip(0..) {
        let mut written = activity.clone();
        written.themes = sorted(&activity.themes);
        written.regions = sorted(&activity.regions);
        written.status_given = true;
        match id.and_then(|id| known.get(id).map(|k| (id, *k))) {
            Some((id, (old_position, old))) => {
                written.id = Some(id.to_owned());
                if activity.status_given && reported.get(id).map(String::as_str) != Some(activity.status.as_str()) {
                    diesel::update(activities::table.find(id))
                        .set((activities::status.eq(activity.status.as_str()), activities::reported_status.eq(activity.status.as_str())))
                        .execute(conn)?;
                } else {
                    written.status = old.status;
                }
                if old_position != position || !same_details(activity, old) {
                    diesel::update(activities::table.find(id))
                        .set((
                            activities::position.eq(position),
                            activities::title.eq(&activity.title),
                            activities::kind_code.eq(activity.kind.as_str()),
                            activities::starts_on.eq(activity.starts_on),
                            activities::ends_on.eq(activity.ends_on),
                            activities::city.eq(activity.location.as_ref().and_then(|l| l.city.as_deref())),
                            activities::country.eq(activity.location.as_ref().map(|l| l.country.as_str())),
                            activities::online.eq(activity.online),
                            activities::partners.eq(partners(activity)),
                            activities::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                if old.themes != written.themes {
                    diesel::delete(activity_themes::table.filter(activity_themes::activity_id.eq(id))).execute(conn)?;
                    fresh_themes.push((id.to_owned(), &activity.themes));
                }
                if old.regions != written.regions {
                    diesel::delete(activity_regions::table.filter(activity_regions::activity_id.eq(id))).execute(conn)?;
                    fresh_regions.push((id.to_owned(), &activity.regions));
                }
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                new_rows.push((id.clone(), position, activity));
                fresh_themes.push((id.clone(), &activity.themes));
                fresh_regions.push((id.clone(), &activity.regions));
                written.id = Some(id);
            }
        }
        stored.push(written);
    }
    if let DbConn::Postgres(pg) = conn {
        // One statement for all three tables (see `pg_write::insert_activities`).
        if !(new_rows.is_empty() && fresh_themes.is_empty() && fresh_regions.is_empty()) {
            let mut rows = pg_write::NewActivities { response_id, cycle, now, ..Default::default() };
            for (id, position, activity) in &new_rows {
                rows.ids.push(id);
                rows.positions.push(*position);
                rows.titles.push(&activity.title);
                rows.kinds.push(activity.kind.as_str());
                rows.starts_on.push(activity.starts_on);
                rows.ends_on.push(activity.ends_on);
                rows.cities.push(activity.location.as_ref().and_then(|l| l.city.as_deref()));
                rows.countries.push(activity.location.as_ref().map(|l| l.country.as_str()));
                rows.online.push(activity.online);
                rows.partners.push(partners(activity));
                rows.statuses.push(activity.status.as_str());
            }
            for (id, themes) in &fresh_themes {
                for t in *themes {
                    rows.theme_activities.push(id);
                    rows.theme_codes.push(t.as_str());
                }
            }
            for (id, regions) in &fresh_regions {
                for r in *regions {
                    rows.region_activities.push(id);
                    rows.region_codes.push(r.as_str());
                }
            }
            pg_write::insert_activities(pg, rows)?;
        }
    } else {
        let activity_rows: Vec<_> = new_rows
            .iter()
            .map(|(id, position, activity)| {
                (
                    activities::id.eq(id.as_str()),
                    activities::response_id.eq(response_id),
                    activities::cycle_label.eq(cycle),
                    activities::position.eq(*position),
                    activities::title.eq(activity.title.as_str()),
                    activities::kind_code.eq(activity.kind.as_str()),
                    activities::starts_on.eq(activity.starts_on),
                    activities::ends_on.eq(activity.ends_on),
                    activities::city.eq(activity.location.as_ref().and_then(|l| l.city.as_deref())),
                    activities::country.eq(activity.location.as_ref().map(|l| l.country.as_str())),
                    activities::online.eq(activity.online),
                    activities::partners.eq(partners(activity)),
                    activities::status.eq(activity.status.as_str()),
                    activities::reported_status.eq(activity.status.as_str()),
                    activities::created_at.eq(now),
                    activities::updated_at.eq(now),
                )
            })
            .collect();
        insert_rows!(conn, activities::table, activity_rows);
        let theme_rows: Vec<_> = fresh_themes
            .iter()
            .flat_map(|(id, themes)| {
                themes.iter().map(move |t| {
                    (
                        activity_themes::activity_id.eq(id.as_str()),
                        activity_themes::cycle_label.eq(cycle),
                        activity_themes::theme_code.eq(t.as_str()),
                    )
                })
            })
            .collect();
        insert_rows!(conn, activity_themes::table, theme_rows);
        let region_rows: Vec<_> = fresh_regions
            .iter()
            .flat_map(|(id, regions)| {
                regions.iter().map(move |r| {
                    (
                        activity_regions::activity_id.eq(id.as_str()),
                        activity_regions::cycle_label.eq(cycle),
                        activity_regions::region_code.eq(r.as_str()),
                    )
                })
            })
            .collect();
        insert_rows!(conn, activity_regions::table, region_rows);
    }

    Ok(ResponseContent { themes: content.themes.clone(), regions, activities: stored, comment: content.comment.clone() })
}

/// A value that changes whenever anything a cycle's results depend on changes: a submission, an
/// amendment, a withdrawal to draft, the cycle (status, window), or the roster. Results caches
/// compare it on every read, so a change made through any instance is seen at once by every
/// instance.
///
/// One statement of one row, whatever the size of the cycle: the cycle's `updated_at`; the
/// count, version sum and latest `updated_at` of its submitted responses; the count and latest
/// `updated_at` of the roster. Every write that matters moves one of them: a submission
/// or withdrawal changes the count, an amendment raises a version (versions only grow), and a
/// withdrawal paired with another submission of equal version still brings a newer `updated_at`
/// (every write stamps the current instant).
pub fn results_fingerprint(conn: &mut DbConn, cycle: &CycleLabel) -> Result<Option<String>, StoreError> {
    use crate::schema::{assemblies, cycles};
    use diesel::dsl::{count_star, max, sum};
    // One statement (one round trip, the whole cost of a cached read on PostgreSQL): the cycle's
    // row, with the submitted responses and the roster summed up in subqueries.
    let submitted = || {
        responses::table.filter(responses::cycle_label.eq(cycle.as_str())).filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
    };
    type Counts = (NaiveDateTime, Option<i64>, Option<i64>, Option<NaiveDateTime>, Option<i64>, Option<NaiveDateTime>);
    let row: Option<Counts> = cycles::table
        .find(cycle.as_str())
        .select((
            cycles::updated_at,
            submitted().select(count_star()).single_value(),
            submitted().select(sum(responses::version)).single_value(),
            submitted().select(max(responses::updated_at)).single_value(),
            assemblies::table.select(count_star()).single_value(),
            assemblies::table.select(max(assemblies::updated_at)).single_value(),
        ))
        .get_result(conn)
        .optional()?;
    let Some((cycle_changed, submitted, versions, latest, members, roster_changed)) = row else { return Ok(None) };
    Ok(Some(fingerprint_of(Summary {
        cycle_changed,
        submitted: submitted.unwrap_or(0),
        versions,
        latest,
        members: members.unwrap_or(0),
        roster_changed,
    })))
}

/// What [`results_fingerprint`] is made of.
struct Summary {
    cycle_changed: NaiveDateTime,
    submitted: i64,
    versions: Option<i64>,
    latest: Option<NaiveDateTime>,
    members: i64,
    roster_changed: Option<NaiveDateTime>,
}

fn fingerprint_of(s: Summary) -> String {
    let text = format!(
        "{}|{}:{}:{}#{}:{}",
        s.cycle_changed,
        s.submitted,
        s.versions.unwrap_or(0),
        s.latest.map(|t| t.to_string()).unwrap_or_default(),
        s.members,
        s.roster_changed.map(|t| t.to_string()).unwrap_or_default()
    );
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// For each `(token hash, cycle)` pair, in order, the token row for the hash and the results
/// fingerprint of the cycle (if one is named), all in one statement (PostgreSQL; see
/// [`crate::auth::verify_tokens`]).
pub(crate) fn tokens_with_fingerprints(
    conn: &mut diesel::PgConnection,
    token_hashes: &[&str],
    cycles: &[Option<&str>],
) -> Result<Vec<Result<pg_read::TokenAndFingerprint, StoreError>>, StoreError> {
    pg_read::tokens_with_fingerprints(conn, token_hashes, cycles, ResponseStatus::Submitted.as_str())
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Stores imported responses as submitted, all in one transaction: either every row is stored or
/// none is. A response whose content is already stored exactly as imported is left alone, so
/// importing the same file twice changes nothing (not even a version number).
pub fn import_all(
    conn: &mut DbConn,
    cycle: &CycleLabel,
    rows: &[(AssemblyCode, ResponseContent)],
    actor: &str,
) -> Result<Imported, StoreError> {
    conn.transaction(|conn| {
        let mut outcome = Imported::default();
        for (assembly, content) in rows {
            let existing = find(conn, cycle, assembly)?;
            let same = existing.as_ref().is_some_and(|r| r.status == ResponseStatus::Submitted && same_content(&r.content, content));
            if same {
                outcome.unchanged += 1;
                continue;
            }
            // Activities of an imported row are matched to stored ones by position, keeping their ids.
            let mut content = content.clone();
            if let Some(old) = &existing {
                for (new, kept) in content.activities.iter_mut().zip(old.content.activities.iter()) {
                    new.id = kept.id.clone();
                }
            }
            let save = Save { cycle, assembly, content: &content, status: ResponseStatus::Submitted, expected_version: None, actor };
            save_over(conn, save, existing.as_ref())?;
            if existing.is_some() { outcome.updated += 1 } else { outcome.created += 1 }
        }
        Ok(outcome)
    })
}

/// Equal content, ignoring activity ids (an imported file carries none).
fn same_content(stored: &ResponseContent, imported: &ResponseContent) -> bool {
    let strip = |c: &ResponseContent| {
        let mut c = c.clone();
        for a in &mut c.activities {
            a.id = None;
            a.status_given = true;
        }
        c.regions.sort();
        c
    };
    strip(stored) == strip(imported)
}
