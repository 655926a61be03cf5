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

use crate::audit::{self, Entry};
use crate::error::corrupt;
use crate::schema::{activities, activity_regions, activity_themes, response_regions, response_themes, responses};
use crate::{DbConn, StoreError};

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

#[derive(Queryable)]
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

#[derive(Queryable)]
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

pub fn find(conn: &mut DbConn, cycle: &CycleLabel, assembly: &AssemblyCode) -> Result<Option<StoredResponse>, StoreError> {
    let row: Option<Row> = responses::table
        .filter(responses::cycle_label.eq(cycle.as_str()))
        .filter(responses::assembly_code.eq(assembly.as_str()))
        .first(conn)
        .optional()?;
    row.map(|row| load_content(conn, row)).transpose()
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
    let rows: Vec<Row> = responses::table
        .filter(responses::cycle_label.eq(cycle.as_str()))
        .filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
        .order(responses::assembly_code.asc())
        .load(conn)?;
    rows.into_iter().map(|row| load_content(conn, row)).collect()
}

fn load_content(conn: &mut DbConn, row: Row) -> Result<StoredResponse, StoreError> {
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
    let activity_rows: Vec<ActivityRow> = activities::table
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
    let ids: Vec<&str> = activity_rows.iter().map(|a| a.id.as_str()).collect();
    let mut a_themes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, code) in activity_themes::table
        .filter(activity_themes::activity_id.eq_any(&ids))
        .order((activity_themes::activity_id, activity_themes::theme_code))
        .select((activity_themes::activity_id, activity_themes::theme_code))
        .load::<(String, String)>(conn)?
    {
        a_themes.entry(id).or_default().push(code);
    }
    let mut a_regions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, code) in activity_regions::table
        .filter(activity_regions::activity_id.eq_any(&ids))
        .order((activity_regions::activity_id, activity_regions::region_code))
        .select((activity_regions::activity_id, activity_regions::region_code))
        .load::<(String, String)>(conn)?
    {
        a_regions.entry(id).or_default().push(code);
    }

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
    Ok(StoredResponse {
        cycle: CycleLabel::parse(&row.cycle_label).map_err(|e| corrupt("responses.cycle_label", e))?,
        assembly: AssemblyCode::parse(&row.assembly_code).map_err(|e| corrupt("responses.assembly_code", e))?,
        status: ResponseStatus::parse(&row.status).map_err(|e| corrupt("responses.status", e))?,
        content: ResponseContent {
            themes: themes.iter().map(theme).collect::<Result<_, _>>()?,
            regions: regions.iter().map(region).collect::<Result<_, _>>()?,
            activities,
            comment: row.comment,
        },
        id: row.id,
        version: row.version,
        receipt: row.receipt,
        created_at: row.created_at,
        updated_at: row.updated_at,
        submitted_at: row.submitted_at,
    })
}

/// Writes a response whole: creates it on first save, otherwise replaces its content and bumps
/// its version. Activities sent with an id keep it (and with it their calendar identity); those
/// left out are removed. Submitting stamps a receipt that names the version and a digest of
/// what was submitted.
pub fn save(conn: &mut DbConn, save: Save<'_>) -> Result<StoredResponse, StoreError> {
    conn.transaction(|conn| {
        let existing = find(conn, save.cycle, save.assembly)?;
        let current_version = existing.as_ref().map_or(0, |r| r.version);
        if let Some(expected) = save.expected_version
            && expected != current_version
        {
            return Err(StoreError::VersionConflict { expected, current: current_version });
        }
        let now = crate::now();
        let version = current_version + 1;
        let submitting = save.status == ResponseStatus::Submitted;
        let receipt = submitting.then(|| receipt(&save, version));
        let response_id = match &existing {
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                diesel::insert_into(responses::table)
                    .values((
                        responses::id.eq(&id),
                        responses::cycle_label.eq(save.cycle.as_str()),
                        responses::assembly_code.eq(save.assembly.as_str()),
                        responses::status.eq(save.status.as_str()),
                        responses::version.eq(version),
                        responses::comment.eq(&save.content.comment),
                        responses::receipt.eq(&receipt),
                        responses::created_at.eq(now),
                        responses::updated_at.eq(now),
                        responses::submitted_at.eq(submitting.then_some(now)),
                    ))
                    .execute(conn)?;
                id
            }
            Some(old) => {
                let (receipt, submitted_at) =
                    if submitting { (receipt.clone(), Some(now)) } else { (old.receipt.clone(), old.submitted_at) };
                // Guarded by the version read above: on PostgreSQL (read committed) a concurrent
                // save may have committed since, and must not be overwritten unseen.
                let updated = diesel::update(responses::table.find(&old.id).filter(responses::version.eq(current_version)))
                    .set((
                        responses::status.eq(save.status.as_str()),
                        responses::version.eq(version),
                        responses::comment.eq(&save.content.comment),
                        responses::receipt.eq(receipt),
                        responses::updated_at.eq(now),
                        responses::submitted_at.eq(submitted_at),
                    ))
                    .execute(conn)?;
                if updated == 0 {
                    let current = responses::table.find(&old.id).select(responses::version).first(conn)?;
                    return Err(StoreError::VersionConflict { expected: save.expected_version.unwrap_or(current_version), current });
                }
                old.id.clone()
            }
        };
        write_lists(conn, &response_id, &save, existing.as_ref(), now)?;
        let stored = find(conn, save.cycle, save.assembly)?.ok_or_else(|| StoreError::NotFound("response just saved".into()))?;
        let action = match (existing.as_ref().map(|r| r.status), submitting) {
            (_, false) => "response.save",
            (Some(ResponseStatus::Submitted), true) => "response.amend",
            (_, true) => "response.submit",
        };
        audit::append(
            conn,
            Entry {
                actor: save.actor,
                action,
                entity: "response",
                entity_id: &format!("{}/{}", save.cycle, save.assembly),
                before: existing.as_ref().map(audit_json),
                after: Some(audit_json(&stored)),
            },
        )?;
        Ok(stored)
    })
}

fn receipt(save: &Save<'_>, version: i32) -> String {
    let digest = Sha256::digest(serde_json::to_vec(save.content).expect("responses serialize"));
    let short: String = digest.iter().take(4).map(|b| format!("{b:02X}")).collect();
    format!("{}-{}-V{version}-{short}", save.cycle, save.assembly)
}

fn audit_json(r: &StoredResponse) -> serde_json::Value {
    serde_json::json!({"status": r.status.as_str(), "version": r.version, "receipt": r.receipt, "content": r.content})
}

fn write_lists(
    conn: &mut DbConn,
    response_id: &str,
    save: &Save<'_>,
    existing: Option<&StoredResponse>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let cycle = save.cycle.as_str();
    diesel::delete(response_themes::table.filter(response_themes::response_id.eq(response_id))).execute(conn)?;
    let themes: Vec<_> = save
        .content
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
    insert_each!(conn, response_themes::table, themes);
    diesel::delete(response_regions::table.filter(response_regions::response_id.eq(response_id))).execute(conn)?;
    let regions: Vec<_> = save
        .content
        .regions
        .iter()
        .map(|r| {
            (
                response_regions::response_id.eq(response_id),
                response_regions::cycle_label.eq(cycle),
                response_regions::region_code.eq(r.as_str()),
            )
        })
        .collect();
    insert_each!(conn, response_regions::table, regions);

    let known: BTreeSet<&str> = existing.into_iter().flat_map(|r| r.content.activities.iter()).filter_map(|a| a.id.as_deref()).collect();
    let mut errors = FieldErrors::new();
    for (i, activity) in save.content.activities.iter().enumerate() {
        if let Some(id) = &activity.id
            && !known.contains(id.as_str())
        {
            errors.add(format!("activities[{i}].id"), "no activity of this response has this id; omit the id to add a new activity");
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let kept: BTreeSet<&str> = save.content.activities.iter().filter_map(|a| a.id.as_deref()).collect();
    let removed: Vec<&str> = known.difference(&kept).copied().collect();
    if !removed.is_empty() {
        diesel::delete(activities::table.filter(activities::id.eq_any(&removed))).execute(conn)?;
    }
    // What the assembly last said about each kept activity's status (see `reported_status` in
    // the calendar migration): sending it again, or sending none, is not a change, so a status
    // the Secretariat set in between is kept.
    let reported: BTreeMap<String, String> = if kept.is_empty() {
        BTreeMap::new()
    } else {
        activities::table
            .filter(activities::id.eq_any(kept.iter().copied().collect::<Vec<&str>>()))
            .select((activities::id, activities::reported_status))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    for (activity, position) in save.content.activities.iter().zip(0..) {
        let id = match &activity.id {
            Some(id) => {
                if activity.status_given && reported.get(id).map(String::as_str) != Some(activity.status.as_str()) {
                    diesel::update(activities::table.find(id))
                        .set((activities::status.eq(activity.status.as_str()), activities::reported_status.eq(activity.status.as_str())))
                        .execute(conn)?;
                }
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
                        activities::partners.eq(serde_json::to_string(&activity.partners).expect("strings serialize")),
                        activities::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                id.clone()
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                diesel::insert_into(activities::table)
                    .values((
                        activities::id.eq(&id),
                        activities::response_id.eq(response_id),
                        activities::cycle_label.eq(cycle),
                        activities::position.eq(position),
                        activities::title.eq(&activity.title),
                        activities::kind_code.eq(activity.kind.as_str()),
                        activities::starts_on.eq(activity.starts_on),
                        activities::ends_on.eq(activity.ends_on),
                        activities::city.eq(activity.location.as_ref().and_then(|l| l.city.as_deref())),
                        activities::country.eq(activity.location.as_ref().map(|l| l.country.as_str())),
                        activities::online.eq(activity.online),
                        activities::partners.eq(serde_json::to_string(&activity.partners).expect("strings serialize")),
                        activities::status.eq(activity.status.as_str()),
                        activities::reported_status.eq(activity.status.as_str()),
                        activities::created_at.eq(now),
                        activities::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                id
            }
        };
        diesel::delete(activity_themes::table.filter(activity_themes::activity_id.eq(&id))).execute(conn)?;
        let themes: Vec<_> = activity
            .themes
            .iter()
            .map(|t| {
                (activity_themes::activity_id.eq(&id), activity_themes::cycle_label.eq(cycle), activity_themes::theme_code.eq(t.as_str()))
            })
            .collect();
        insert_each!(conn, activity_themes::table, themes);
        diesel::delete(activity_regions::table.filter(activity_regions::activity_id.eq(&id))).execute(conn)?;
        let regions: Vec<_> = activity
            .regions
            .iter()
            .map(|r| {
                (
                    activity_regions::activity_id.eq(&id),
                    activity_regions::cycle_label.eq(cycle),
                    activity_regions::region_code.eq(r.as_str()),
                )
            })
            .collect();
        insert_each!(conn, activity_regions::table, regions);
    }
    Ok(())
}

/// A value that changes whenever anything a cycle's results depend on changes: a submission, an
/// amendment, a withdrawal to draft, the questionnaire, or the roster. Results caches compare it
/// on every read, so a change made through any instance is seen at once by every instance.
pub fn results_fingerprint(conn: &mut DbConn, cycle: &CycleLabel) -> Result<Option<String>, StoreError> {
    use crate::schema::{assemblies, cycles};
    let Some(cycle_changed) = cycles::table.find(cycle.as_str()).select(cycles::updated_at).first::<NaiveDateTime>(conn).optional()? else {
        return Ok(None);
    };
    let submitted: Vec<(String, i32, NaiveDateTime)> = responses::table
        .filter(responses::cycle_label.eq(cycle.as_str()))
        .filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
        .order(responses::id.asc())
        .select((responses::id, responses::version, responses::updated_at))
        .load(conn)?;
    let roster: Vec<(String, NaiveDateTime)> =
        assemblies::table.order(assemblies::code.asc()).select((assemblies::code, assemblies::updated_at)).load(conn)?;
    let mut hasher = Sha256::new();
    hasher.update(cycle_changed.to_string());
    for (id, version, at) in &submitted {
        hasher.update(format!("|{id}:{version}:{at}"));
    }
    for (code, at) in &roster {
        hasher.update(format!("#{code}:{at}"));
    }
    Ok(Some(hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()))
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
            save(conn, Save { cycle, assembly, content: &content, status: ResponseStatus::Submitted, expected_version: None, actor })?;
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
