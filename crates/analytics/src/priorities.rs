//! Table 1: ranked thematic priorities.

use barometer_domain::Lang;
use barometer_domain::ThemeCode;
use barometer_domain::cycle_data::CycleData;
use barometer_domain::results::{PrioritiesTable, PriorityRow, Tier};
use polars::prelude::*;

use crate::AnalyticsError;
use crate::frames::{self, f64s, strs, u32s};

/// Table 1 of a cycle, labels in `lang` (falling back to English).
///
/// Every theme of the questionnaire has a row, ranked or not. Borda points: ranked r-th of at
/// most N earns N + 1 − r. Order: points, then assemblies (both descending), then code; `rank`
/// is shared by exact ties of points and assemblies (1, 2, 2, 4).
pub fn priorities(data: &CycleData, lang: Lang) -> Result<PrioritiesTable, AnalyticsError> {
    let df = frames::collect(table1(data, lang)?)?;
    let rows = rows(&df)?;
    Ok(PrioritiesTable { cycle: data.definition().label.clone(), respondents: data.respondents(), members: data.members(), rows })
}

/// The Table 1 plan: one row per theme with `theme` (index), `code`, `label`, `assemblies`,
/// `points`, `share`, `mean_rank`, `tier`, `rank` and `order` (0-based position in Table 1
/// order), sorted in that order. The comparison reuses it.
pub(crate) fn table1(data: &CycleData, lang: Lang) -> PolarsResult<LazyFrame> {
    let def = data.definition();
    let respondents = data.respondents();
    let n_plus_one = u64::from(def.max_ranked_themes) + 1;

    // The only pass over the big columns: per theme, how many rank it and their mean rank.
    // The rows are clustered by theme, so each group is a slice. polars averages a `u8` slice in
    // place but casts the whole column before summing it, so the rank sum is recovered from the
    // mean: exact after rounding, as Σr < 2⁵³ keeps the error far below ½. Points follow without
    // touching the rows again: Σ(N + 1 − r) = (N + 1)·count − Σr.
    let counts =
        frames::theme_ranks(data)?.group_by([col("theme")]).agg([len().alias("assemblies"), col("rank").mean().alias("rank_mean")]);

    let share = if respondents == 0 { lit(0.0) } else { col("assemblies").cast(DataType::Float64) / lit(f64::from(respondents)) };
    let tiers = def.tiers;
    let tier = when(col("assemblies").gt(lit(0u32)).and(col("share_exact").gt_eq(lit(tiers.primary))))
        .then(lit("primary"))
        .when(col("assemblies").gt(lit(0u32)).and(col("share_exact").gt_eq(lit(tiers.secondary))))
        .then(lit("secondary"))
        .otherwise(lit("other"));
    let mean_rank = when(col("assemblies").gt(lit(0u32)))
        .then((col("rank_sum").cast(DataType::Float64) / col("assemblies").cast(DataType::Float64)).round(2, RoundMode::HalfAwayFromZero))
        .otherwise(lit(NULL).cast(DataType::Float64));
    // Exact ties of (points, assemblies) share the lowest rank: rank a key that orders by points
    // (dense rank, descending) and then by assemblies (descending), with the `min` method.
    let stride = u64::from(respondents) + 1;
    let tie_key =
        col("points_dense").cast(DataType::UInt64) * lit(stride) + (lit(u64::from(respondents)) - col("assemblies").cast(DataType::UInt64));

    Ok(frames::themes_dim(data, lang)?
        .left_join(counts, col("theme"), col("theme"))
        .with_columns([
            col("assemblies").fill_null(lit(0u32)).cast(DataType::UInt32),
            (col("rank_mean") * col("assemblies").cast(DataType::Float64))
                .round(0, RoundMode::HalfAwayFromZero)
                .cast(DataType::UInt64)
                .fill_null(lit(0u64))
                .alias("rank_sum"),
        ])
        .with_columns([
            (lit(n_plus_one) * col("assemblies").cast(DataType::UInt64) - col("rank_sum")).alias("points"),
            share.alias("share_exact"),
        ])
        .with_columns([
            col("share_exact").round(4, RoundMode::HalfAwayFromZero).alias("share"),
            mean_rank.alias("mean_rank"),
            tier.alias("tier"),
            col("points").rank(RankOptions { method: RankMethod::Dense, descending: true }, None).alias("points_dense"),
        ])
        .with_column(tie_key.rank(RankOptions { method: RankMethod::Min, descending: false }, None).alias("rank"))
        .sort_by_exprs(
            [col("points"), col("assemblies"), col("code")],
            SortMultipleOptions::default().with_order_descending_multi([true, true, false]),
        )
        .with_row_index("order", None)
        .select([
            col("theme"),
            col("code"),
            col("label"),
            col("rank").cast(DataType::UInt32),
            col("assemblies"),
            col("share"),
            col("points").cast(DataType::UInt32),
            col("mean_rank"),
            col("tier"),
            col("order").cast(DataType::UInt32),
        ]))
}

fn rows(df: &DataFrame) -> Result<Vec<PriorityRow>, AnalyticsError> {
    let (rank, codes, labels) = (u32s(df, "rank")?, strs(df, "code")?, strs(df, "label")?);
    let (assemblies, share, points) = (u32s(df, "assemblies")?, f64s(df, "share")?, u32s(df, "points")?);
    let (mean_rank, tier) = (f64s(df, "mean_rank")?, strs(df, "tier")?);
    (0..df.height())
        .map(|i| {
            Ok(PriorityRow {
                rank: rank[i].unwrap_or_default(),
                theme: theme_code(codes[i].as_deref())?,
                label: labels[i].clone().unwrap_or_default(),
                assemblies: assemblies[i].unwrap_or_default(),
                share: share[i].unwrap_or_default(),
                points: points[i].unwrap_or_default(),
                mean_rank: mean_rank[i],
                tier: match tier[i].as_deref() {
                    Some("primary") => Tier::Primary,
                    Some("secondary") => Tier::Secondary,
                    _ => Tier::Other,
                },
            })
        })
        .collect()
}

pub(crate) fn theme_code(code: Option<&str>) -> Result<ThemeCode, AnalyticsError> {
    ThemeCode::parse(code.unwrap_or_default()).map_err(|e| AnalyticsError::Engine(e.to_string()))
}
