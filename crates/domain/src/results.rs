//! The shapes of the outcome document's tables, as the contract publishes them. The analytics
//! crate computes them, the charts crate draws them, the web crate serves them: plain data, so
//! that neither the charts nor the web crate depends on polars.

use serde::{Deserialize, Serialize};

use crate::{CycleLabel, Iso3, RegionCode, ThemeCode};

/// Table 1's tiers, by share thresholds set per cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Primary,
    Secondary,
    Other,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Primary => "primary",
            Tier::Secondary => "secondary",
            Tier::Other => "other",
        }
    }
}

/// One row of Table 1 (ranked thematic priorities).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityRow {
    /// Shared by exact ties (same points and assemblies).
    pub rank: u32,
    pub theme: ThemeCode,
    /// In the requested language, falling back to English.
    pub label: String,
    /// Submitted responses that rank the theme.
    pub assemblies: u32,
    /// assemblies / respondents, rounded to 4 decimals; 0 when there are no respondents.
    pub share: f64,
    /// Borda count: ranked r-th of at most N earns N + 1 − r.
    pub points: u32,
    /// Mean position among the responses that rank it (2 decimals); null when nobody does.
    pub mean_rank: Option<f64>,
    pub tier: Tier,
}

/// Table 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrioritiesTable {
    pub cycle: CycleLabel,
    pub respondents: u32,
    pub members: u32,
    pub rows: Vec<PriorityRow>,
}

/// One row of Table 2 (geographic coverage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionRow {
    pub region: RegionCode,
    pub label: String,
    pub parent: Option<RegionCode>,
    /// Distinct submitted responses naming the region or one of its sub-regions.
    pub assemblies: u32,
    pub share: f64,
    /// Planned activities of submitted responses tagged with the region or a sub-region.
    pub activities: u32,
}

/// Per-country coverage: distinct assemblies whose named regions include the country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountryCoverage {
    pub iso3: Iso3,
    pub assemblies: u32,
}

/// Table 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionsTable {
    pub cycle: CycleLabel,
    pub respondents: u32,
    pub members: u32,
    /// In questionnaire order, each sub-region after its parent.
    pub rows: Vec<RegionRow>,
    /// Countries with at least one assembly, by ISO3 code.
    pub countries: Vec<CountryCoverage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Movement {
    New,
    Dropped,
    Up,
    Down,
    Same,
}

impl Movement {
    pub fn as_str(self) -> &'static str {
        match self {
            Movement::New => "new",
            Movement::Dropped => "dropped",
            Movement::Up => "up",
            Movement::Down => "down",
            Movement::Same => "same",
        }
    }
}

/// A theme's place in one cycle of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankShare {
    pub rank: u32,
    pub share: f64,
}

/// One row of the year-over-year comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The code in the later cycle (or in the earlier one, for a dropped theme).
    pub theme: ThemeCode,
    pub label: String,
    pub from: Option<RankShare>,
    pub to: Option<RankShare>,
    /// from.rank − to.rank: positive when the theme rose. Null when either side is absent.
    pub rank_change: Option<i32>,
    /// to.share − from.share (4 decimals). Null when either side is absent.
    pub share_change: Option<f64>,
    pub movement: Movement,
}

/// The year-over-year comparison of two cycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub from: CycleLabel,
    pub to: CycleLabel,
    /// One sentence in the requested language.
    pub summary: String,
    /// By rank in the later cycle, then dropped themes by their earlier rank.
    pub rows: Vec<ComparisonRow>,
}

/// One theme's rank stability, from a bootstrap over respondents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityRow {
    pub theme: ThemeCode,
    pub label: String,
    /// The theme's rank in the observed Table 1.
    pub rank: u32,
    pub p_top2: f64,
    pub p_top5: f64,
    /// The 90% interval of its rank over the resamples (5th and 95th percentiles).
    pub rank_low: u32,
    pub rank_high: u32,
    pub rank_median: f64,
}

/// Rank stability of every theme of a cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    pub cycle: CycleLabel,
    pub respondents: u32,
    pub resamples: u32,
    pub seed: u64,
    pub rows: Vec<StabilityRow>,
}

/// Headline figures, in the style of "Counter-Terrorism Compact in numbers".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub cycle: CycleLabel,
    pub members: u32,
    pub respondents: u32,
    pub response_rate: f64,
    /// Distinct themes ranked by at least one respondent.
    pub themes_ranked: u32,
    /// Distinct regions named by at least one respondent.
    pub regions_named: u32,
    pub activities_planned: u32,
    /// Countries with at least one assembly in per-country coverage.
    pub countries_covered: u32,
}
