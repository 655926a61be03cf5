//! Parquet: typed columns named by their stable keys, written by polars.

use polars::prelude::*;

use super::sheet::{Part, Values};
use crate::AnalyticsError;

pub(super) fn write(part: &Part) -> Result<Vec<u8>, AnalyticsError> {
    let columns = part
        .columns
        .iter()
        .map(|c| match &c.values {
            Values::Text(v) => Column::new(c.key.into(), v.clone()),
            Values::Int(v) => Column::new(c.key.into(), v.clone()),
            Values::Float(v) => Column::new(c.key.into(), v.clone()),
        })
        .collect();
    let mut df = DataFrame::new(part.rows(), columns)?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut df)?;
    Ok(out)
}
