//! Exports of every results table as CSV, XLSX, Parquet or JSON.
//!
//! - JSON is the contract's shape (the same as the API's body).
//! - CSV is UTF-8 with a byte-order mark (so that Excel shows Arabic right), headed by the
//!   columns' stable keys (`rank`, `theme`, `share`, …), one file per table: the main part of a
//!   table with several parts (Table 2's countries, the comparison's summary) is available with
//!   [`export_part`].
//! - XLSX has one sheet per part, typed numeric cells, headers in the chosen language, and
//!   right-to-left sheets for Arabic.
//! - Parquet has typed columns named by the stable keys.
//!
//! Text cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) are prefixed with `'` in CSV and XLSX (CVE-2019-16184).

mod calendar;
mod csv;
mod parquet;
mod sheet;
mod xlsx;

use barometer_domain::Lang;
use serde::Serialize;

pub use calendar::{CalendarRow, CalendarTable};
pub use sheet::{Part, SheetColumn, Values};

use crate::AnalyticsError;

/// An export format, with its media type and file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Parquet, Format::Json];

    /// `csv`, `xlsx`, `parquet` or `json` (as in `?format=`); case-insensitive.
    pub fn parse(value: &str) -> Option<Format> {
        match value.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "parquet" => Some(Format::Parquet),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
            Format::Json => "json",
        }
    }

    /// The `Content-Type` to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Parquet => "application/vnd.apache.parquet",
            Format::Json => "application/json",
        }
    }
}

/// A results table that can be exported: its JSON shape (serde) and its parts as typed columns.
pub trait Exportable: Serialize {
    /// The file stem, e.g. `priorities`.
    fn name(&self) -> String;
    /// The table's parts, the main one first; headers and text in `lang`.
    fn parts(&self, lang: Lang) -> Vec<Part>;
}

/// The whole table in `format`: JSON and XLSX hold every part, CSV and Parquet the main part.
pub fn export<T: Exportable + ?Sized>(table: &T, format: Format, lang: Lang) -> Result<Vec<u8>, AnalyticsError> {
    match format {
        Format::Json => serde_json::to_vec_pretty(table).map_err(|e| AnalyticsError::Export(e.to_string())),
        Format::Xlsx => xlsx::write(&table.parts(lang), lang),
        Format::Csv | Format::Parquet => export_part(table, 0, format, lang),
    }
}

/// One part of a table (0 = the main one) in CSV, Parquet or XLSX; JSON gives the whole table.
/// Use it to write Table 2's countries (part 1) as their own CSV file.
pub fn export_part<T: Exportable + ?Sized>(table: &T, part: usize, format: Format, lang: Lang) -> Result<Vec<u8>, AnalyticsError> {
    let parts = table.parts(lang);
    let Some(chosen) = parts.get(part) else {
        return Err(AnalyticsError::Invalid(format!("{} has {} parts; there is no part {part}", table.name(), parts.len())));
    };
    match format {
        Format::Csv => csv::write(chosen),
        Format::Parquet => parquet::write(chosen),
        Format::Xlsx => xlsx::write(std::slice::from_ref(chosen), lang),
        Format::Json => export(table, Format::Json, lang),
    }
}

/// Prefixes text that a spreadsheet would read as a formula with `'`.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
