//! A cycle's submitted answers in the compact, columnar form the analytics read.
//!
//! The store hands the analytics crate one [`CycleData`] per cycle: the definition, the number of
//! members, and the submitted responses flattened into index columns (respondent, theme, rank as
//! `u32`/`u8`), so that ten million ranked themes take about 90 MB and are never strings.
//! Themes and regions are indices into the definition's questionnaire lists; respondents are
//! numbered `0..respondents` in the order they were added.
//!
//! The only ways in are [`CycleDataBuilder`] (from validated responses) and
//! [`CycleData::from_columns`] (for bulk or synthetic data), and both check every invariant the
//! analytics rely on, so the pipelines can count rows without deduplicating them:
//! - a respondent ranks a theme at most once and uses each rank at most once, `1..=max_ranked_themes`;
//! - a respondent names a region at most once; an activity is tagged with a region at most once;
//! - region rows are grouped by respondent and activity tags by activity, in ascending order.
//!
//! Ranked themes are stored clustered by theme (then respondent): Table 1 groups by theme, and
//! clustered rows let the query engine take contiguous slices instead of hashing every row. The
//! columns sit behind an [`Arc`], so the analytics can hand them to their query engine without
//! copying them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::{ActivityStatus, AssemblyCode, CycleDefinition, ResponseContent};

/// Why columns or a response cannot become cycle data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CycleDataError {
    /// A response names something the cycle does not have, or repeats itself.
    #[error("response of {assembly}: {reason}")]
    Response { assembly: String, reason: String },
    /// Columns that break an invariant (lengths, index ranges, order, repeats).
    #[error("cycle data columns: {0}")]
    Columns(String),
}

/// Ranked themes: one row per (respondent, theme), with the rank the respondent gave it (1 = first).
/// As input, grouped by respondent; as stored in [`CycleData`], clustered by theme, then respondent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeRows {
    pub respondent: Vec<u32>,
    /// Index into `definition.questionnaire.themes`.
    pub theme: Vec<u32>,
    pub rank: Vec<u8>,
}

/// Named priority regions: one row per (respondent, region).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionRows {
    pub respondent: Vec<u32>,
    /// Index into `definition.questionnaire.regions`.
    pub region: Vec<u32>,
}

/// Planned activities: `respondent[a]` is the respondent that plans activity `a`; `tags` holds
/// one row per (activity, region tag).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityRows {
    pub respondent: Vec<u32>,
    pub tags: ActivityTags,
}

/// Region tags of activities: one row per (activity, region).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityTags {
    /// Index into [`ActivityRows::respondent`].
    pub activity: Vec<u32>,
    /// Index into `definition.questionnaire.regions`.
    pub region: Vec<u32>,
}

/// Every column of a cycle's submitted answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// The number of submitted responses (respondents are `0..respondents`).
    pub respondents: u32,
    pub themes: ThemeRows,
    pub regions: RegionRows,
    pub activities: ActivityRows,
}

/// A cycle's definition, membership and submitted answers, checked and ready for the analytics.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleData {
    definition: CycleDefinition,
    members: u32,
    columns: Arc<Columns>,
}

impl CycleData {
    /// Checks every invariant of the columns against the definition (one pass over each column).
    /// Theme rows come grouped by respondent and are stored clustered by theme.
    pub fn from_columns(definition: CycleDefinition, members: u32, mut columns: Columns) -> Result<CycleData, CycleDataError> {
        check_columns(&definition, &columns).map_err(CycleDataError::Columns)?;
        columns.themes = cluster_by_theme(columns.themes, definition.questionnaire.themes.len());
        Ok(CycleData { definition, members, columns: Arc::new(columns) })
    }

    /// Cycle data from validated responses (only the submitted ones: the caller filters).
    pub fn from_responses<'a>(
        definition: CycleDefinition,
        members: u32,
        responses: impl IntoIterator<Item = (&'a AssemblyCode, &'a ResponseContent)>,
    ) -> Result<CycleData, CycleDataError> {
        let mut builder = CycleDataBuilder::new(definition, members);
        for (assembly, content) in responses {
            builder.push(assembly, content)?;
        }
        Ok(builder.finish())
    }

    pub fn definition(&self) -> &CycleDefinition {
        &self.definition
    }

    /// Assemblies on the roster on the day the cycle opened.
    pub fn members(&self) -> u32 {
        self.members
    }

    /// Submitted responses.
    pub fn respondents(&self) -> u32 {
        self.columns.respondents
    }

    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// The columns, shared: for handing them to a query engine without a copy.
    pub fn shared_columns(&self) -> Arc<Columns> {
        Arc::clone(&self.columns)
    }

    pub fn themes(&self) -> &ThemeRows {
        &self.columns.themes
    }

    pub fn regions(&self) -> &RegionRows {
        &self.columns.regions
    }

    pub fn activities(&self) -> &ActivityRows {
        &self.columns.activities
    }
}

/// Adds validated responses one at a time, mapping codes to indices.
#[derive(Debug)]
pub struct CycleDataBuilder {
    definition: CycleDefinition,
    members: u32,
    theme_index: HashMap<String, u32>,
    region_index: HashMap<String, u32>,
    seen: HashSet<AssemblyCode>,
    columns: Columns,
}

impl CycleDataBuilder {
    pub fn new(definition: CycleDefinition, members: u32) -> Self {
        let q = &definition.questionnaire;
        let theme_index = q.themes.iter().enumerate().map(|(i, t)| (t.code.as_str().to_owned(), index(i))).collect();
        let region_index = q.regions.iter().enumerate().map(|(i, r)| (r.code.as_str().to_owned(), index(i))).collect();
        CycleDataBuilder { definition, members, theme_index, region_index, seen: HashSet::new(), columns: Columns::default() }
    }

    /// Adds one submitted response. Cancelled activities are left out: they are not planned.
    pub fn push(&mut self, assembly: &AssemblyCode, content: &ResponseContent) -> Result<(), CycleDataError> {
        let fail = |reason: String| CycleDataError::Response { assembly: assembly.to_string(), reason };
        if self.seen.contains(assembly) {
            return Err(fail("the assembly answers twice".into()));
        }
        let max = usize::from(self.definition.max_ranked_themes);
        if content.themes.len() > max {
            return Err(fail(format!("ranks {} themes; the cycle allows {max}", content.themes.len())));
        }
        let themes = lookup_all(&self.theme_index, content.themes.iter().map(|t| t.as_str()), "theme").map_err(fail)?;
        let regions = lookup_all(&self.region_index, content.regions.iter().map(|r| r.as_str()), "region").map_err(fail)?;
        let mut activities = Vec::new();
        for activity in content.activities.iter().filter(|a| a.status != ActivityStatus::Cancelled) {
            let tags = lookup_all(&self.region_index, activity.regions.iter().map(|r| r.as_str()), "region")
                .map_err(|e| fail(format!("activity {:?}: {e}", activity.title)))?;
            activities.push(tags);
        }

        let respondent = self.columns.respondents;
        let c = &mut self.columns;
        for (position, theme) in themes.into_iter().enumerate() {
            c.themes.respondent.push(respondent);
            c.themes.theme.push(theme);
            c.themes.rank.push(u8::try_from(position + 1).expect("at most 20 ranked themes"));
        }
        for region in regions {
            c.regions.respondent.push(respondent);
            c.regions.region.push(region);
        }
        for tags in activities {
            let activity = index(c.activities.respondent.len());
            c.activities.respondent.push(respondent);
            for region in tags {
                c.activities.tags.activity.push(activity);
                c.activities.tags.region.push(region);
            }
        }
        c.respondents += 1;
        self.seen.insert(assembly.clone());
        Ok(())
    }

    pub fn finish(self) -> CycleData {
        debug_assert!(check_columns(&self.definition, &self.columns).is_ok());
        let mut columns = self.columns;
        columns.themes = cluster_by_theme(columns.themes, self.definition.questionnaire.themes.len());
        CycleData { definition: self.definition, members: self.members, columns: Arc::new(columns) }
    }
}

/// A stable counting sort by theme: rows grouped by respondent become clustered by theme, then
/// respondent. One pass to count, one to place.
fn cluster_by_theme(rows: ThemeRows, themes: usize) -> ThemeRows {
    let mut start = vec![0usize; themes + 1];
    for &t in &rows.theme {
        start[t as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let n = rows.theme.len();
    let mut out = ThemeRows { respondent: vec![0; n], theme: vec![0; n], rank: vec![0; n] };
    for ((&r, &t), &k) in rows.respondent.iter().zip(&rows.theme).zip(&rows.rank) {
        let slot = &mut start[t as usize];
        out.respondent[*slot] = r;
        out.theme[*slot] = t;
        out.rank[*slot] = k;
        *slot += 1;
    }
    out
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 rows")
}

fn lookup_all<'a>(index: &HashMap<String, u32>, codes: impl Iterator<Item = &'a str>, what: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for code in codes {
        let Some(&i) = index.get(code) else {
            return Err(format!("{code} is not a {what} of the cycle"));
        };
        if out.contains(&i) {
            return Err(format!("{what} {code} appears twice"));
        }
        out.push(i);
    }
    Ok(out)
}

fn check_columns(def: &CycleDefinition, c: &Columns) -> Result<(), String> {
    let q = &def.questionnaire;
    let t = &c.themes;
    if t.respondent.len() != t.theme.len() || t.theme.len() != t.rank.len() {
        return Err("themes: respondent, theme and rank differ in length".into());
    }
    check_groups("themes", &t.respondent, &t.theme, c.respondents, q.themes.len())?;
    check_groups("theme ranks", &t.respondent, &t.rank, c.respondents, usize::from(def.max_ranked_themes) + 1)?;
    if t.rank.contains(&0) {
        return Err("theme ranks start at 1".into());
    }
    let r = &c.regions;
    if r.respondent.len() != r.region.len() {
        return Err("regions: respondent and region differ in length".into());
    }
    check_groups("regions", &r.respondent, &r.region, c.respondents, q.regions.len())?;
    let a = &c.activities;
    if let Some(bad) = a.respondent.iter().find(|&&x| x >= c.respondents) {
        return Err(format!("activities: respondent {bad} is out of range"));
    }
    if a.tags.activity.len() != a.tags.region.len() {
        return Err("activity tags: activity and region differ in length".into());
    }
    let activities = u32::try_from(a.respondent.len()).map_err(|_| "too many activities".to_owned())?;
    check_groups("activity tags", &a.tags.activity, &a.tags.region, activities, q.regions.len())
}

/// Checks that `group` is ascending and below `groups`, that `value` is below `values`, and
/// that no value repeats within a group (a stamp per value makes this one pass).
fn check_groups<V: Copy + Into<u32>>(what: &str, group: &[u32], value: &[V], groups: u32, values: usize) -> Result<(), String> {
    let mut stamp = vec![u32::MAX; values];
    let mut previous = 0u32;
    for (row, (&g, &v)) in group.iter().zip(value).enumerate() {
        let v: u32 = v.into();
        if g >= groups {
            return Err(format!("{what}: row {row} belongs to {g}, beyond {groups}"));
        }
        if g < previous {
            return Err(format!("{what}: rows are not grouped in ascending order at row {row}"));
        }
        previous = g;
        let Some(slot) = stamp.get_mut(v as usize) else {
            return Err(format!("{what}: row {row} refers to index {v}, beyond {values}"));
        };
        if *slot == g {
            return Err(format!("{what}: row {row} repeats index {v} within one group"));
        }
        *slot = g;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResponseInput;
    use crate::response::Purpose;

    use crate::response::tests::cycle;

    fn content(themes: &[&str], regions: &[&str]) -> ResponseContent {
        let input = ResponseInput::new(
            themes.iter().map(|s| s.to_string()).collect(),
            regions.iter().map(|s| s.to_string()).collect(),
            vec![],
            String::new(),
        );
        input.validate(&cycle(), Purpose::Submit).unwrap()
    }

    #[test]
    fn responses_become_index_columns() {
        let (a, b) = (AssemblyCode::parse("PAM").unwrap(), AssemblyCode::parse("EP").unwrap());
        let (ca, cb) = (content(&["victims", "youth-pve"], &["sahel"]), content(&["cyber"], &["africa", "sahel"]));
        let data = CycleData::from_responses(cycle(), 5, [(&a, &ca), (&b, &cb)]).unwrap();
        assert_eq!(data.respondents(), 2);
        // Stored clustered by theme: youth-pve (0), victims (1), cyber (2).
        assert_eq!(data.themes().theme, [0, 1, 2]);
        assert_eq!(data.themes().respondent, [0, 0, 1]);
        assert_eq!(data.themes().rank, [2, 1, 1]);
        assert_eq!(data.regions().region, [1, 0, 1]);
        assert!(CycleData::from_responses(cycle(), 5, [(&a, &ca), (&a, &cb)]).is_err(), "an assembly answers once");
    }

    #[test]
    fn columns_that_break_an_invariant_are_refused() {
        let ok = Columns {
            respondents: 2,
            themes: ThemeRows { respondent: vec![0, 0, 1], theme: vec![0, 1, 0], rank: vec![1, 2, 1] },
            ..Default::default()
        };
        assert!(CycleData::from_columns(cycle(), 3, ok.clone()).is_ok());
        let mut repeat = ok.clone();
        repeat.themes.theme[1] = 0;
        let mut unsorted = ok.clone();
        unsorted.themes.respondent = vec![1, 0, 0];
        let mut rank = ok.clone();
        rank.themes.rank[1] = 3;
        let mut range = ok.clone();
        range.themes.theme[2] = 3;
        let mut same_rank = ok;
        same_rank.themes.rank[1] = 1;
        for bad in [repeat, unsorted, rank, range, same_rank] {
            assert!(CycleData::from_columns(cycle(), 3, bad.clone()).is_err(), "{bad:?}");
        }
    }
}
