//! XLSX: one sheet per part, bold translated headers, typed numeric cells, right to left for
//! Arabic, formula-like text neutralised.

use barometer_domain::Lang;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::neutralise;
use super::sheet::{Part, Values};
use crate::AnalyticsError;

pub(super) fn write(parts: &[Part], lang: Lang) -> Result<Vec<u8>, AnalyticsError> {
    build(parts, lang).map_err(|e| AnalyticsError::Export(e.to_string()))
}

fn build(parts: &[Part], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut used = Vec::new();
    for part in parts {
        let sheet = workbook.add_worksheet();
        sheet.set_name(unique_title(&part.title, &mut used))?;
        sheet.set_right_to_left(lang.is_rtl());
        for (c, column) in part.columns.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, neutralise(&column.header), &bold)?;
            for row in 0..part.rows() {
                let r = u32::try_from(row + 1).unwrap_or(u32::MAX);
                match &column.values {
                    Values::Text(v) => {
                        if let Some(text) = &v[row] {
                            sheet.write_string(r, c, neutralise(text))?;
                        }
                    }
                    Values::Int(v) => {
                        if let Some(x) = v[row] {
                            sheet.write_number(r, c, x as f64)?;
                        }
                    }
                    Values::Float(v) => {
                        if let Some(x) = v[row] {
                            sheet.write_number(r, c, x)?;
                        }
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    workbook.save_to_buffer()
}

/// Sheet names are at most 31 characters, unique, and free of `[]:*?/\`.
fn unique_title(title: &str, used: &mut Vec<String>) -> String {
    let clean: String = title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
    let mut name = if clean.trim().is_empty() { "Sheet".to_owned() } else { clean };
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{} {n}", name.chars().take(28).collect::<String>());
        n += 1;
    }
    used.push(name.clone());
    name
}
