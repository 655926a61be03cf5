//! The year-over-year comparison of two cycles' Table 1.

use std::collections::BTreeSet;

use barometer_domain::cycle_data::CycleData;
use barometer_domain::results::{Comparison, ComparisonRow, Movement, RankShare};
use barometer_domain::{CycleLabel, Lang};
use polars::prelude::*;

use crate::AnalyticsError;
use crate::frames::{collect_all, f64s, i64s, strs, u32s};
use crate::labels;
use crate::priorities::{table1, theme_code};

/// Compares the thematic priorities of an earlier cycle (`from`) with a later one (`to`).
///
/// Themes are joined on their stable codes, following `replaces`: a theme of `to` that replaces
/// old codes is matched with those themes of `from`. When it replaces several (a merge), its
/// `from` side is the best ranked of them. A theme of `to` without a match is `new`; a theme of
/// `from` that nothing in `to` continues is `dropped`. Rows come by rank in `to`, then the dropped
/// themes by their rank in `from`. Labels are `to`'s (`from`'s for dropped themes), in `lang`.
pub fn compare(from: &CycleData, to: &CycleData, lang: Lang) -> Result<Comparison, AnalyticsError> {
    let earlier = table1(from, lang)?.cache();
    let later = table1(to, lang)?.cache();
    let links = links(from, to)?;

    // The best-ranked predecessor of each theme of `to`.
    let matched = later
        .clone()
        .select([col("code").alias("to_code")])
        .inner_join(links.clone(), col("to_code"), col("to_code"))
        .inner_join(
            earlier.clone().select([
                col("code").alias("from_code"),
                col("rank").alias("from_rank"),
                col("share").alias("from_share"),
                col("order").alias("from_order"),
            ]),
            col("from_code"),
            col("from_code"),
        )
        .sort(["to_code", "from_order"], SortMultipleOptions::default())
        .group_by([col("to_code")])
        .agg([col("from_code").first(), col("from_rank").first(), col("from_share").first()]);

    let kept = later.clone().left_join(matched, col("code"), col("to_code")).select([
        lit(0u32).alias("section"),
        col("order"),
        col("code"),
        col("label"),
        col("from_rank"),
        col("from_share"),
        col("rank").alias("to_rank").cast(DataType::UInt32),
        col("share").alias("to_share"),
    ]);
    let dropped = earlier
        .clone()
        .left_join(links.select([col("from_code"), col("to_code")]), col("code"), col("from_code"))
        .filter(col("to_code").is_null())
        .select([
            lit(1u32).alias("section"),
            col("order"),
            col("code"),
            col("label"),
            col("rank").alias("from_rank").cast(DataType::UInt32),
            col("share").alias("from_share"),
            lit(NULL).cast(DataType::UInt32).alias("to_rank"),
            lit(NULL).cast(DataType::Float64).alias("to_share"),
        ]);
    let rank_change = col("from_rank").cast(DataType::Int64) - col("to_rank").cast(DataType::Int64);
    let movement = when(col("from_rank").is_null())
        .then(lit("new"))
        .when(col("to_rank").is_null())
        .then(lit("dropped"))
        .when(col("rank_change").gt(lit(0i64)))
        .then(lit("up"))
        .when(col("rank_change").lt(lit(0i64)))
        .then(lit("down"))
        .otherwise(lit("same"));
    let rows = concat([kept, dropped], UnionArgs::default())?
        .with_columns([
            rank_change.alias("rank_change"),
            (col("to_share") - col("from_share")).round(4, RoundMode::HalfAwayFromZero).alias("share_change"),
        ])
        .with_column(movement.alias("movement"))
        .sort(["section", "order"], SortMultipleOptions::default());

    // The top two of each cycle (themes somebody ranked), for the summary sentence.
    let top = |t: LazyFrame| t.filter(col("assemblies").gt(lit(0u32))).sort(["order"], SortMultipleOptions::default()).limit(2);
    let mut out = collect_all(vec![rows, top(earlier), top(later)])?.into_iter();
    let (rows, top_from, top_to) = (out.next().unwrap_or_default(), out.next().unwrap_or_default(), out.next().unwrap_or_default());

    let top_from = top_themes(&top_from)?;
    let top_to = top_themes(&top_to)?;
    let continued: BTreeSet<String> = top_from.iter().map(|(code, _)| successor(to, code)).collect();
    let stayed = !top_to.is_empty() && continued == top_to.iter().map(|(code, _)| code.clone()).collect();
    let summary = summary(lang, from.definition().label.clone(), to.definition().label.clone(), &top_from, &top_to, stayed);
    Ok(Comparison { from: from.definition().label.clone(), to: to.definition().label.clone(), summary, rows: comparison_rows(&rows)? })
}

/// `from_code`, `to_code`: which theme of `to` continues which theme of `from` (same code, or
/// named in `replaces`). Small, built from the two questionnaires.
fn links(from: &CycleData, to: &CycleData) -> PolarsResult<LazyFrame> {
    let earlier = &from.definition().questionnaire;
    let (mut from_codes, mut to_codes) = (Vec::new(), Vec::new());
    for theme in &to.definition().questionnaire.themes {
        for old in std::iter::once(&theme.code).chain(&theme.replaces) {
            if earlier.theme(old.as_str()).is_some()
                && !from_codes.iter().zip(&to_codes).any(|(f, t)| f == old.as_str() && t == theme.code.as_str())
            {
                from_codes.push(old.to_string());
                to_codes.push(theme.code.to_string());
            }
        }
    }
    Ok(DataFrame::new_infer_height(vec![Column::new("from_code".into(), from_codes), Column::new("to_code".into(), to_codes)])?.lazy())
}

/// The code of `to` that continues `code` of the earlier cycle (itself when nothing replaces it).
fn successor(to: &CycleData, code: &str) -> String {
    let q = &to.definition().questionnaire;
    if q.theme(code).is_some() {
        return code.to_owned();
    }
    q.themes.iter().find(|t| t.replaces.iter().any(|r| r.as_str() == code)).map(|t| t.code.to_string()).unwrap_or_else(|| code.to_owned())
}

fn top_themes(df: &DataFrame) -> Result<Vec<(String, String)>, AnalyticsError> {
    let (codes, labels) = (strs(df, "code")?, strs(df, "label")?);
    Ok(codes.into_iter().zip(labels).map(|(c, l)| (c.unwrap_or_default(), l.unwrap_or_default())).collect())
}

fn summary(
    lang: Lang,
    from: CycleLabel,
    to: CycleLabel,
    top_from: &[(String, String)],
    top_to: &[(String, String)],
    stayed: bool,
) -> String {
    let names = |top: &[(String, String)]| labels::and_list(lang, top.iter().map(|(_, label)| label.as_str()));
    if top_from.is_empty() || top_to.is_empty() {
        let empty = if top_from.is_empty() { &from } else { &to };
        return labels::no_priorities(lang, empty.as_str());
    }
    if stayed {
        labels::priorities_stayed(lang, &names(top_to), from.as_str(), to.as_str())
    } else {
        labels::priorities_moved(lang, &names(top_from), from.as_str(), &names(top_to), to.as_str())
    }
}

fn comparison_rows(df: &DataFrame) -> Result<Vec<ComparisonRow>, AnalyticsError> {
    let (codes, labels, movement) = (strs(df, "code")?, strs(df, "label")?, strs(df, "movement")?);
    let (from_rank, from_share) = (u32s(df, "from_rank")?, f64s(df, "from_share")?);
    let (to_rank, to_share) = (u32s(df, "to_rank")?, f64s(df, "to_share")?);
    let (rank_change, share_change) = (i64s(df, "rank_change")?, f64s(df, "share_change")?);
    let side = |rank: Option<u32>, share: Option<f64>| rank.map(|rank| RankShare { rank, share: share.unwrap_or_default() });
    (0..df.height())
        .map(|i| {
            Ok(ComparisonRow {
                theme: theme_code(codes[i].as_deref())?,
                label: labels[i].clone().unwrap_or_default(),
                from: side(from_rank[i], from_share[i]),
                to: side(to_rank[i], to_share[i]),
                rank_change: rank_change[i].and_then(|c| i32::try_from(c).ok()),
                share_change: share_change[i],
                movement: match movement[i].as_deref() {
                    Some("new") => Movement::New,
                    Some("dropped") => Movement::Dropped,
                    Some("up") => Movement::Up,
                    Some("down") => Movement::Down,
                    _ => Movement::Same,
                },
            })
        })
        .collect()
}
