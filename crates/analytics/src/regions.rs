//! Table 2: geographic coverage, with sub-regions rolled up into their ancestors and per-country
//! coverage.
//!
//! Counting distinct assemblies per region after a roll-up, and per country after expanding each
//! region into its countries, would mean expanding millions of rows into tens of millions. The
//! plan avoids that: each respondent's named regions become a bit mask, and the respondents are
//! counted per distinct mask. Only that small histogram is expanded into regions, ancestors and
//! countries, where "each assembly once" becomes "each mask once". Activities are counted the
//! same way, with one mask per activity.
//!
//! A mask is the sum of its rows' bits (a sum equals a bitwise or because a respondent names a
//! region at most once). Summing per group over millions of tiny groups is slow in polars (a
//! slice per group), so the sums come from one running total: the rows are grouped by respondent,
//! and a respondent's mask is the running total at its last row minus the one at the previous
//! respondent's last row. Words hold 16 regions each, so the running totals (below 2¹⁶ per row)
//! cannot overflow.

use barometer_domain::cycle_data::CycleData;
use barometer_domain::results::{CountryCoverage, RegionRow, RegionsTable};
use barometer_domain::{Iso3, Lang, RegionCode};
use polars::prelude::*;

use crate::AnalyticsError;
use crate::frames::{self, collect_all, f64s, idx, strs, u32s};

/// Table 2 of a cycle, labels in `lang` (falling back to English).
///
/// - `assemblies`: distinct respondents naming the region or any region below it;
/// - `activities`: distinct planned activities tagged with the region or any region below it;
/// - `countries`: per country, distinct respondents that named a region whose own country list
///   holds it (a parent region's list is its own: naming only Sahel does not cover all of Africa).
pub fn regions(data: &CycleData, lang: Lang) -> Result<RegionsTable, AnalyticsError> {
    let (rows, countries) = plans(data, lang)?;
    let mut out = collect_all(vec![rows, countries])?.into_iter();
    let (rows, countries) = (out.next().unwrap_or_default(), out.next().unwrap_or_default());
    Ok(RegionsTable {
        cycle: data.definition().label.clone(),
        respondents: data.respondents(),
        members: data.members(),
        rows: region_rows(&rows)?,
        countries: country_rows(&countries)?,
    })
}

fn plans(data: &CycleData, lang: Lang) -> PolarsResult<(LazyFrame, LazyFrame)> {
    let regions = data.definition().questionnaire.regions.len();
    let words = regions.div_ceil(BITS).max(1);
    let bits = Bits::new(regions, words);

    let by_respondent = bits.histogram(frames::region_names(data)?, "respondent").cache();
    let by_activity = bits.histogram(frames::activity_tags(data)?, "activity");

    let assemblies = per_ancestor(bits.expand(by_respondent.clone())?, data)?.rename(["count"], ["assemblies"], true);
    let activities = per_ancestor(bits.expand(by_activity)?, data)?.rename(["count"], ["activities"], true);
    let share = if data.respondents() == 0 {
        lit(0.0)
    } else {
        (col("assemblies").cast(DataType::Float64) / lit(f64::from(data.respondents()))).round(4, RoundMode::HalfAwayFromZero)
    };
    let rows = frames::regions_dim(data, lang)?
        .left_join(assemblies, col("region"), col("region"))
        .left_join(activities, col("region"), col("region"))
        .with_columns([
            col("assemblies").fill_null(lit(0u32)).cast(DataType::UInt32),
            col("activities").fill_null(lit(0u32)).cast(DataType::UInt32),
        ])
        .with_column(share.alias("share"))
        .sort(["position"], SortMultipleOptions::default());

    let countries = bits
        .expand(by_respondent)?
        .inner_join(frames::region_countries(data)?, col("region"), col("region"))
        .group_by([col("mask"), col("iso3")])
        .agg([col("count").first()])
        .group_by([col("iso3")])
        .agg([col("count").sum().cast(DataType::UInt32).alias("assemblies")])
        .sort(["iso3"], SortMultipleOptions::default());
    Ok((rows, countries))
}

/// Counts per region: a mask counts once for each region it names and each of their ancestors.
fn per_ancestor(expanded: LazyFrame, data: &CycleData) -> PolarsResult<LazyFrame> {
    Ok(expanded
        .inner_join(frames::ancestors(data)?, col("region"), col("region"))
        .group_by([col("mask"), col("ancestor")])
        .agg([col("count").first()])
        .group_by([col("ancestor")])
        .agg([col("count").sum().cast(DataType::UInt32)])
        .select([col("ancestor").alias("region"), col("count")]))
}

/// Regions per mask word.
const BITS: usize = 16;

/// The bit of each region in its mask word.
struct Bits {
    words: usize,
    bit: Series,
    word: Series,
}

impl Bits {
    fn new(regions: usize, words: usize) -> Bits {
        let bit: Vec<u64> = (0..regions).map(|i| 1u64 << (i % BITS)).collect();
        let word: Vec<u32> = (0..regions).map(|i| idx(i / BITS)).collect();
        Bits { words, bit: Series::new("bit".into(), bit), word: Series::new("word".into(), word) }
    }

    fn mask_names(&self) -> Vec<String> {
        (0..self.words).map(|w| format!("m{w}")).collect()
    }

    /// `mask` (id), `count`, `m0..`: how many keys (respondents or activities) have each
    /// distinct set of regions. `rows` holds `key` (rows grouped by key) and `region`.
    fn histogram(&self, rows: LazyFrame, key: &str) -> LazyFrame {
        let bit = lit(self.bit.clone()).gather(col("region"), false);
        let word = lit(self.word.clone()).gather(col("region"), false);
        let names = self.mask_names();
        let totals: Vec<Expr> = names
            .iter()
            .enumerate()
            .map(|(w, name)| {
                let contribution =
                    if self.words == 1 { bit.clone() } else { when(word.clone().eq(lit(idx(w)))).then(bit.clone()).otherwise(lit(0u64)) };
                contribution.cum_sum(false).alias(name.as_str())
            })
            .collect();
        let last_of_key = col(key).neq(col(key).shift(lit(-1))).fill_null(lit(true)).alias("last");
        let masks: Vec<Expr> =
            names.iter().map(|n| (col(n.as_str()) - col(n.as_str()).shift(lit(1)).fill_null(lit(0u64))).alias(n.as_str())).collect();
        rows.select(totals.into_iter().chain([last_of_key]).collect::<Vec<_>>())
            .filter(col("last"))
            .select(masks)
            .group_by(names.iter().map(|n| col(n.as_str())).collect::<Vec<_>>())
            .agg([len().alias("count")])
            .with_row_index("mask", None)
    }

    /// `mask`, `count`, `region`: the histogram expanded into the regions each mask names.
    fn expand(&self, histogram: LazyFrame) -> PolarsResult<LazyFrame> {
        let regions: Vec<u32> = (0..self.bit.len()).map(idx).collect();
        let dim = DataFrame::new_infer_height(vec![
            frames::u32_column("region", &regions, true),
            self.bit.clone().into_column(),
            self.word.clone().into_column(),
        ])?
        .lazy();
        let mut word = lit(0u64);
        for (w, name) in self.mask_names().into_iter().enumerate().rev() {
            word = when(col("word").eq(lit(idx(w)))).then(col(name.as_str())).otherwise(word);
        }
        let has_bit = word.floor_div(col("bit")) % lit(2u64);
        Ok(histogram.cross_join(dim, None).filter(has_bit.eq(lit(1u64))).select([col("mask"), col("count"), col("region")]))
    }
}

fn region_rows(df: &DataFrame) -> Result<Vec<RegionRow>, AnalyticsError> {
    let (codes, labels, parents) = (strs(df, "code")?, strs(df, "label")?, strs(df, "parent")?);
    let (assemblies, share, activities) = (u32s(df, "assemblies")?, f64s(df, "share")?, u32s(df, "activities")?);
    (0..df.height())
        .map(|i| {
            Ok(RegionRow {
                region: region_code(codes[i].as_deref().unwrap_or_default())?,
                label: labels[i].clone().unwrap_or_default(),
                parent: parents[i].as_deref().map(region_code).transpose()?,
                assemblies: assemblies[i].unwrap_or_default(),
                share: share[i].unwrap_or_default(),
                activities: activities[i].unwrap_or_default(),
            })
        })
        .collect()
}

fn country_rows(df: &DataFrame) -> Result<Vec<CountryCoverage>, AnalyticsError> {
    let (iso, assemblies) = (strs(df, "iso3")?, u32s(df, "assemblies")?);
    (0..df.height())
        .map(|i| {
            let iso3 = Iso3::parse(iso[i].as_deref().unwrap_or_default()).map_err(|e| AnalyticsError::Engine(e.to_string()))?;
            Ok(CountryCoverage { iso3, assemblies: assemblies[i].unwrap_or_default() })
        })
        .collect()
}

fn region_code(code: &str) -> Result<RegionCode, AnalyticsError> {
    RegionCode::parse(code).map_err(|e| AnalyticsError::Engine(e.to_string()))
}
