//! Cycles and their questionnaires, stored in normalised tables so that results can be
//! recomputed in plain SQL.

use barometer_domain::questionnaire::{KindDef, Questionnaire, RegionDef, ThemeDef};
use barometer_domain::{
    Assembly, AssemblyCode, CycleDefinition, CycleLabel, CycleStatus, Iso3, KindCode, Labels, RegionCode, ThemeCode, Tiers,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Entry};
use crate::error::corrupt;
use crate::schema::{cycle_activity_kinds, cycle_region_countries, cycle_regions, cycle_themes, cycles};
use crate::{DbConn, StoreError};

/// A cycle as stored: its definition plus where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCycle {
    pub definition: CycleDefinition,
    pub status: CycleStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A cycle in a list, without its questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleSummary {
    pub label: CycleLabel,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub status: CycleStatus,
    pub max_ranked_themes: u8,
}

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, serde::Deserialize)]
#[diesel(table_name = cycles)]
pub(crate) struct CycleRow {
    label: String,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    status: String,
    max_ranked_themes: i32,
    tier_primary: f64,
    tier_secondary: f64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl CycleRow {
    fn label(&self) -> Result<CycleLabel, StoreError> {
        CycleLabel::parse(&self.label).map_err(|e| corrupt("cycles.label", e))
    }
    fn status(&self) -> Result<CycleStatus, StoreError> {
        CycleStatus::parse(&self.status).map_err(|e| corrupt("cycles.status", e))
    }
    fn max(&self) -> Result<u8, StoreError> {
        u8::try_from(self.max_ranked_themes).map_err(|e| corrupt("cycles.max_ranked_themes", e))
    }
}

pub fn list(conn: &mut DbConn) -> Result<Vec<CycleSummary>, StoreError> {
    let rows: Vec<CycleRow> = cycles::table.order(cycles::opens_on.desc()).load(conn)?;
    rows.iter()
        .map(|r| {
            Ok(CycleSummary {
                label: r.label()?,
                opens_on: r.opens_on,
                closes_on: r.closes_on,
                status: r.status()?,
                max_ranked_themes: r.max()?,
            })
        })
        .collect()
}

pub fn exists(conn: &mut DbConn, label: &CycleLabel) -> Result<bool, StoreError> {
    Ok(cycles::table.find(label.as_str()).count().get_result::<i64>(conn)? > 0)
}

/// The cycle with its whole questionnaire.
pub fn find(conn: &mut DbConn, label: &CycleLabel) -> Result<Option<StoredCycle>, StoreError> {
    let Some(row) = cycles::table.find(label.as_str()).get_result::<CycleRow>(conn).optional()? else {
        return Ok(None);
    };
    let questionnaire = questionnaire(conn, label)?;
    stored(row, questionnaire).map(Some)
}

/// Cycles already read, for the survey's hot path. A questionnaire is written once, with its
/// cycle, and never changed; what does change (status, window) is in the cycle's own row. So
/// [`CycleCache::find_with_assembly`] reads that one row and, when it is exactly the row it read
/// last time, answers with the cycle it built then, without reading or copying the questionnaire
/// again. A cycle made anew under the same label (a restore into a fresh database) has another
/// row (`created_at`), so it is read afresh. Keep one cache per database (the web state holds one
/// per pool).
#[derive(Debug, Default)]
pub struct CycleCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (CycleRow, std::sync::Arc<StoredCycle>)>>,
}

/// A cycle, and an assembly if it is on the roster.
pub type CycleWithAssembly = (std::sync::Arc<StoredCycle>, Option<Assembly>);

impl CycleCache {
    /// [`find`], reading the questionnaire only when the cycle's row has changed, and the
    /// assembly `code` from the roster (`None` when it is not on it): the survey's write path
    /// needs both, and they are one statement (one round trip on PostgreSQL).
    pub fn find_with_assembly(
        &self,
        conn: &mut DbConn,
        label: &CycleLabel,
        code: &AssemblyCode,
    ) -> Result<Option<CycleWithAssembly>, StoreError> {
        use crate::schema::assemblies;
        let found: Option<(CycleRow, Option<crate::assemblies::Row>)> = cycles::table
            .left_join(assemblies::table.on(assemblies::code.eq(code.as_str())))
            .filter(cycles::label.eq(label.as_str()))
            .select((cycles::all_columns, crate::assemblies::COLUMNS.nullable()))
            .get_result(conn)
            .optional()?;
        let Some((row, assembly)) = found else { return Ok(None) };
        Ok(Some((self.resolve(conn, label, row)?, assembly.map(crate::assemblies::Row::into_domain).transpose()?)))
    }

    /// The cycle whose row was just read: the cached one while the row is unchanged, otherwise
    /// read whole (its questionnaire) and cached.
    pub(crate) fn resolve(&self, conn: &mut DbConn, label: &CycleLabel, row: CycleRow) -> Result<std::sync::Arc<StoredCycle>, StoreError> {
        let entries = || self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, cycle)) = entries().get(label.as_str()).filter(|(seen, _)| *seen == row) {
            return Ok(cycle.clone());
        }
        let questionnaire = questionnaire(conn, label)?;
        let cycle = std::sync::Arc::new(stored(row.clone(), questionnaire)?);
        entries().insert(label.as_str().to_owned(), (row, cycle.clone()));
        Ok(cycle)
    }
}

fn questionnaire(conn: &mut DbConn, label: &CycleLabel) -> Result<Questionnaire, StoreError> {
    let themes: Vec<(String, String, String)> = cycle_themes::table
        .filter(cycle_themes::cycle_label.eq(label.as_str()))
        .order(cycle_themes::position.asc())
        .select((cycle_themes::code, cycle_themes::labels, cycle_themes::replaces))
        .load(conn)?;
    let regions: Vec<(String, String, Option<String>)> = cycle_regions::table
        .filter(cycle_regions::cycle_label.eq(label.as_str()))
        .order(cycle_regions::position.asc())
        .select((cycle_regions::code, cycle_regions::labels, cycle_regions::parent_code))
        .load(conn)?;
    let countries: Vec<(String, String)> = cycle_region_countries::table
        .filter(cycle_region_countries::cycle_label.eq(label.as_str()))
        .order((cycle_region_countries::region_code.asc(), cycle_region_countries::iso3.asc()))
        .select((cycle_region_countries::region_code, cycle_region_countries::iso3))
        .load(conn)?;
    let kinds: Vec<(String, String)> = cycle_activity_kinds::table
        .filter(cycle_activity_kinds::cycle_label.eq(label.as_str()))
        .order(cycle_activity_kinds::position.asc())
        .select((cycle_activity_kinds::code, cycle_activity_kinds::labels))
        .load(conn)?;

    let labels = |json: &str| serde_json::from_str::<Labels>(json).map_err(|e| corrupt("questionnaire labels", e));
    let questionnaire = Questionnaire {
        themes: themes
            .into_iter()
            .map(|(code, l, replaces)| {
                Ok(ThemeDef {
                    code: ThemeCode::parse(&code).map_err(|e| corrupt("cycle_themes.code", e))?,
                    labels: labels(&l)?,
                    replaces: serde_json::from_str(&replaces).map_err(|e| corrupt("cycle_themes.replaces", e))?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        regions: regions
            .into_iter()
            .map(|(code, l, parent)| {
                let members = countries
                    .iter()
                    .filter(|(region, _)| *region == code)
                    .map(|(_, iso3)| Iso3::parse(iso3).map_err(|e| corrupt("cycle_region_countries.iso3", e)))
                    .collect::<Result<_, _>>()?;
                Ok(RegionDef {
                    code: RegionCode::parse(&code).map_err(|e| corrupt("cycle_regions.code", e))?,
                    labels: labels(&l)?,
                    parent: parent.map(|p| RegionCode::parse(&p)).transpose().map_err(|e| corrupt("cycle_regions.parent_code", e))?,
                    countries: members,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        activity_kinds: kinds
            .into_iter()
            .map(|(code, l)| {
                Ok(KindDef { code: KindCode::parse(&code).map_err(|e| corrupt("cycle_activity_kinds.code", e))?, labels: labels(&l)? })
            })
            .collect::<Result<_, StoreError>>()?,
    };
    Ok(questionnaire)
}

fn stored(row: CycleRow, questionnaire: Questionnaire) -> Result<StoredCycle, StoreError> {
    Ok(StoredCycle {
        definition: CycleDefinition {
            label: row.label()?,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            max_ranked_themes: row.max()?,
            tiers: Tiers { primary: row.tier_primary, secondary: row.tier_secondary },
            questionnaire,
        },
        status: row.status()?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Creates a cycle with its questionnaire, in one transaction with its audit entry. The
/// definition must already be valid (`CycleDefinition::validate`).
pub fn insert(conn: &mut DbConn, def: &CycleDefinition, status: CycleStatus, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        if exists(conn, &def.label)? {
            return Err(StoreError::Conflict(format!("a cycle labelled {} already exists", def.label)));
        }
        let now = crate::now();
        let label = def.label.as_str();
        diesel::insert_into(cycles::table)
            .values((
                cycles::label.eq(label),
                cycles::opens_on.eq(def.opens_on),
                cycles::closes_on.eq(def.closes_on),
                cycles::status.eq(status.as_str()),
                cycles::max_ranked_themes.eq(i32::from(def.max_ranked_themes)),
                cycles::tier_primary.eq(def.tiers.primary),
                cycles::tier_secondary.eq(def.tiers.secondary),
                cycles::created_at.eq(now),
                cycles::updated_at.eq(now),
            ))
            .execute(conn)?;
        let q = &def.questionnaire;
        let themes: Vec<_> = q
            .themes
            .iter()
            .zip(0..)
            .map(|(t, i): (&ThemeDef, i32)| {
                (
                    cycle_themes::cycle_label.eq(label),
                    cycle_themes::code.eq(t.code.as_str()),
                    cycle_themes::position.eq(i),
                    cycle_themes::labels.eq(json(&t.labels)),
                    cycle_themes::replaces.eq(json(&t.replaces)),
                )
            })
            .collect();
        insert_rows!(conn, cycle_themes::table, themes);
        let regions: Vec<_> = q
            .regions
            .iter()
            .zip(0..)
            .map(|(r, i): (&RegionDef, i32)| {
                (
                    cycle_regions::cycle_label.eq(label),
                    cycle_regions::code.eq(r.code.as_str()),
                    cycle_regions::position.eq(i),
                    cycle_regions::labels.eq(json(&r.labels)),
                    cycle_regions::parent_code.eq(r.parent.as_ref().map(RegionCode::as_str)),
                )
            })
            .collect();
        insert_rows!(conn, cycle_regions::table, regions);
        let countries: Vec<_> = q
            .regions
            .iter()
            .flat_map(|r| {
                r.countries.iter().map(move |c| {
                    (
                        cycle_region_countries::cycle_label.eq(label),
                        cycle_region_countries::region_code.eq(r.code.as_str()),
                        cycle_region_countries::iso3.eq(c.as_str()),
                    )
                })
            })
            .collect();
        insert_rows!(conn, cycle_region_countries::table, countries);
        let kinds: Vec<_> = q
            .activity_kinds
            .iter()
            .zip(0..)
            .map(|(k, i): (&KindDef, i32)| {
                (
                    cycle_activity_kinds::cycle_label.eq(label),
                    cycle_activity_kinds::code.eq(k.code.as_str()),
                    cycle_activity_kinds::position.eq(i),
                    cycle_activity_kinds::labels.eq(json(&k.labels)),
                )
            })
            .collect();
        insert_rows!(conn, cycle_activity_kinds::table, kinds);
        let mut after = serde_json::to_value(def).expect("definitions serialize");
        after["status"] = status.as_str().into();
        audit::append(conn, Entry { actor, action: "cycle.create", entity: "cycle", entity_id: label, before: None, after: Some(after) })
    })
}

/// Moves a cycle to another status, if the move is allowed.
pub fn set_status(conn: &mut DbConn, label: &CycleLabel, next: CycleStatus, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let current: String = cycles::table
            .find(label.as_str())
            .select(cycles::status)
            .get_result(conn)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("cycle {label}")))?;
        let current = CycleStatus::parse(&current).map_err(|e| corrupt("cycles.status", e))?;
        if current == next {
            return Ok(());
        }
        if !current.can_become(next) {
            return Err(StoreError::Conflict(format!(
                "cycle {label} is {} and cannot become {} (the order is draft → open → closed → published; a closed cycle can be reopened)",
                current.as_str(),
                next.as_str()
            )));
        }
        diesel::update(cycles::table.find(label.as_str()))
            .set((cycles::status.eq(next.as_str()), cycles::updated_at.eq(crate::now())))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "cycle.status",
                entity: "cycle",
                entity_id: label.as_str(),
                before: Some(serde_json::json!({"status": current.as_str()})),
                after: Some(serde_json::json!({"status": next.as_str()})),
            },
        )
    })
}

/// Shifts a cycle's window (the demo uses this to keep its open cycle open today).
pub fn set_window(conn: &mut DbConn, label: &CycleLabel, opens_on: NaiveDate, closes_on: NaiveDate) -> Result<(), StoreError> {
    diesel::update(cycles::table.find(label.as_str()))
        .set((cycles::opens_on.eq(opens_on), cycles::closes_on.eq(closes_on), cycles::updated_at.eq(crate::now())))
        .execute(conn)?;
    Ok(())
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("questionnaire parts serialize")
}
