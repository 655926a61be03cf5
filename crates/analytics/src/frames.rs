//! [`CycleData`] as polars frames: the big index columns (shared with the cycle data without a
//! copy, and flagged sorted where the domain guarantees it, so group-bys take polars' sorted-key
//! path) and the small dimension tables built from the questionnaire.

use std::sync::Arc;

use barometer_domain::Lang;
use barometer_domain::cycle_data::{Columns, CycleData};
use polars::prelude::*;
use polars::series::IsSorted;
use polars_arrow::array::PrimitiveArray;
use polars_buffer::Buffer;

/// Which index column of [`Columns`] a zero-copy buffer reads.
#[derive(Clone, Copy)]
enum Which {
    Theme,
    RegionRespondent,
    Region,
    TagActivity,
    TagRegion,
}

/// Keeps the cycle data's columns alive for as long as polars holds a buffer over one of them.
struct Shared(Arc<Columns>, Which);

impl AsRef<[u32]> for Shared {
    fn as_ref(&self) -> &[u32] {
        let c = &self.0;
        match self.1 {
            Which::Theme => &c.themes.theme,
            Which::RegionRespondent => &c.regions.respondent,
            Which::Region => &c.regions.region,
            Which::TagActivity => &c.activities.tags.activity,
            Which::TagRegion => &c.activities.tags.region,
        }
    }
}

struct SharedRanks(Arc<Columns>);

impl AsRef<[u8]> for SharedRanks {
    fn as_ref(&self) -> &[u8] {
        &self.0.themes.rank
    }
}

fn shared_u32(data: &CycleData, name: &str, which: Which, sorted: bool) -> Column {
    let array = PrimitiveArray::<u32>::new(ArrowDataType::UInt32, Buffer::from_owner(Shared(data.shared_columns(), which)), None);
    let mut ca = UInt32Chunked::with_chunk(name.into(), array);
    if sorted {
        ca.set_sorted_flag(IsSorted::Ascending);
    }
    ca.into_series().into_column()
}

pub(crate) fn u32_column(name: &str, values: &[u32], sorted: bool) -> Column {
    let mut ca = UInt32Chunked::from_vec(name.into(), values.to_vec());
    if sorted {
        ca.set_sorted_flag(IsSorted::Ascending);
    }
    ca.into_series().into_column()
}

fn str_column(name: &str, values: Vec<String>) -> Column {
    Column::new(name.into(), values)
}

fn opt_str_column(name: &str, values: Vec<Option<String>>) -> Column {
    Column::new(name.into(), values)
}

fn frame(columns: Vec<Column>) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(columns)
}

/// `theme` (sorted: the rows are clustered by theme), `rank`: one row per ranked theme. The
/// respondent column is not needed for Table 1.
pub(crate) fn theme_ranks(data: &CycleData) -> PolarsResult<LazyFrame> {
    let ranks = PrimitiveArray::<u8>::new(ArrowDataType::UInt8, Buffer::from_owner(SharedRanks(data.shared_columns())), None);
    let ranks = UInt8Chunked::with_chunk("rank".into(), ranks).into_series().into_column();
    Ok(frame(vec![shared_u32(data, "theme", Which::Theme, true), ranks])?.lazy())
}

/// `respondent` (sorted), `region`: one row per named region.
pub(crate) fn region_names(data: &CycleData) -> PolarsResult<LazyFrame> {
    Ok(frame(vec![shared_u32(data, "respondent", Which::RegionRespondent, true), shared_u32(data, "region", Which::Region, false)])?.lazy())
}

/// `activity` (sorted), `region`: one row per region tag of a planned activity.
pub(crate) fn activity_tags(data: &CycleData) -> PolarsResult<LazyFrame> {
    Ok(frame(vec![shared_u32(data, "activity", Which::TagActivity, true), shared_u32(data, "region", Which::TagRegion, false)])?.lazy())
}

/// `theme` (index), `code`, `label`: every theme of the questionnaire.
pub(crate) fn themes_dim(data: &CycleData, lang: Lang) -> PolarsResult<LazyFrame> {
    let themes = &data.definition().questionnaire.themes;
    let index: Vec<u32> = (0..themes.len()).map(idx).collect();
    let codes = themes.iter().map(|t| t.code.to_string()).collect();
    let labels = themes.iter().map(|t| t.labels.get(lang).to_owned()).collect();
    Ok(frame(vec![u32_column("theme", &index, true), str_column("code", codes), str_column("label", labels)])?.lazy())
}

/// `region` (index), `code`, `label`, `parent` (code or null), `position` (questionnaire
/// order, each sub-region after its parent).
pub(crate) fn regions_dim(data: &CycleData, lang: Lang) -> PolarsResult<LazyFrame> {
    let q = &data.definition().questionnaire;
    let mut position = vec![u32::MAX; q.regions.len()];
    for (order, (_, region)) in q.regions_grouped().into_iter().enumerate() {
        if let Some(i) = q.regions.iter().position(|r| r.code == region.code) {
            position[i] = idx(order);
        }
    }
    let index: Vec<u32> = (0..q.regions.len()).map(idx).collect();
    let codes = q.regions.iter().map(|r| r.code.to_string()).collect();
    let labels = q.regions.iter().map(|r| r.labels.get(lang).to_owned()).collect();
    let parents = q.regions.iter().map(|r| r.parent.as_ref().map(ToString::to_string)).collect();
    Ok(frame(vec![
        u32_column("region", &index, true),
        str_column("code", codes),
        str_column("label", labels),
        opt_str_column("parent", parents),
        u32_column("position", &position, false),
    ])?
    .lazy())
}

/// `region`, `ancestor`: each region paired with itself and every region above it.
pub(crate) fn ancestors(data: &CycleData) -> PolarsResult<LazyFrame> {
    let q = &data.definition().questionnaire;
    let (mut region, mut ancestor) = (Vec::new(), Vec::new());
    for (i, r) in q.regions.iter().enumerate() {
        for a in q.region_and_ancestors(&r.code) {
            if let Some(j) = q.regions.iter().position(|x| &x.code == a) {
                region.push(idx(i));
                ancestor.push(idx(j));
            }
        }
    }
    Ok(frame(vec![u32_column("region", &region, true), u32_column("ancestor", &ancestor, false)])?.lazy())
}

/// `region`, `iso3`: each region's own country list (a parent's list is its own, not the union
/// of its sub-regions').
pub(crate) fn region_countries(data: &CycleData) -> PolarsResult<LazyFrame> {
    let q = &data.definition().questionnaire;
    let (mut region, mut iso) = (Vec::new(), Vec::new());
    for (i, r) in q.regions.iter().enumerate() {
        for c in &r.countries {
            region.push(idx(i));
            iso.push(c.to_string());
        }
    }
    Ok(frame(vec![u32_column("region", &region, true), str_column("iso3", iso)])?.lazy())
}

pub(crate) fn idx(i: usize) -> u32 {
    u32::try_from(i).expect("questionnaire lists are small")
}

/// Runs several lazy frames as one query (shared sub-plans computed once) with one collect.
pub(crate) fn collect_all(frames: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    let plans = frames.into_iter().map(|lf| lf.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::InMemory, OptFlags::default())
}

/// Collects one lazy frame with the in-memory engine (the streaming engine measured no faster on
/// these plans, and the in-memory one keeps polars' sorted-key group-by).
pub(crate) fn collect(frame: LazyFrame) -> PolarsResult<DataFrame> {
    frame.collect_with_engine(Engine::InMemory).map(|r| r.unwrap_single())
}

/// Typed column readers for the small result frames.
pub(crate) fn u32s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u32>>> {
    let column = df.column(name)?.cast(&DataType::UInt32)?;
    Ok(column.u32()?.iter().collect())
}

pub(crate) fn f64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let column = df.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.iter().collect())
}

pub(crate) fn i64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let column = df.column(name)?.cast(&DataType::Int64)?;
    Ok(column.i64()?.iter().collect())
}

pub(crate) fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.map(str::to_owned)).collect())
}
