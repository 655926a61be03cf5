//! Files to grids of text cells: CSV (any common delimiter, with or without a byte-order mark)
//! and spreadsheets (XLSX, XLS, XLSB, ODS through calamine).

use std::io::Cursor;

use calamine::{Data, Reader};

use super::ImportError;

/// One table of text cells with spreadsheet row numbers (the header is usually row 1).
#[derive(Debug, Clone, Default)]
pub(super) struct Grid {
    pub sheet: String,
    pub header_row: usize,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

pub(super) fn csv(bytes: &[u8], sheet: &str) -> Result<Grid, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first_line.iter().filter(|b| *b == d).count()).unwrap_or(b',');
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(bytes);
    let mut grid = Grid { sheet: sheet.to_owned(), header_row: 1, ..Grid::default() };
    for (i, record) in reader.byte_records().enumerate() {
        let row = i + 1;
        let record = record.map_err(|e| ImportError::new(sheet, row, "", format!("not readable as CSV: {e}")))?;
        let mut cells = Vec::with_capacity(record.len());
        for (c, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(text) => cells.push(text.to_owned()),
                Err(_) => {
                    let column = if row == 1 { format!("column {}", c + 1) } else { grid.header.get(c).cloned().unwrap_or_default() };
                    return Err(ImportError::new(sheet, row, column, "not UTF-8 text: save the file as CSV UTF-8"));
                }
            }
        }
        if row == 1 {
            grid.header = cells;
        } else {
            grid.rows.push((row, cells));
        }
    }
    if grid.header.is_empty() {
        return Err(ImportError::new(sheet, 1, "", "the file is empty"));
    }
    Ok(grid)
}

/// The `responses` sheet (or the first one) and the `activities` sheet when there is one.
pub(super) fn spreadsheet(bytes: &[u8]) -> Result<(Grid, Option<Grid>), ImportError> {
    // calamine parses untrusted archives; a panic inside it must not take the service down.
    let result = std::panic::catch_unwind(|| read_sheets(bytes));
    match result {
        Ok(result) => result,
        Err(_) => Err(ImportError::new("", 0, "", "the spreadsheet cannot be read (damaged file?)")),
    }
}

fn read_sheets(bytes: &[u8]) -> Result<(Grid, Option<Grid>), ImportError> {
    let unreadable = |e: String| ImportError::new("", 0, "", format!("not a readable spreadsheet (XLSX, XLS or ODS): {e}"));
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let names = workbook.sheet_names();
    let find = |wanted: &str| names.iter().find(|n| n.trim().eq_ignore_ascii_case(wanted)).cloned();
    let Some(responses) = find("responses").or_else(|| names.first().cloned()) else {
        return Err(unreadable("it has no sheet".into()));
    };
    let activities = find("activities").filter(|a| *a != responses);
    let mut grid = |name: &str| -> Result<Grid, ImportError> {
        let range = workbook.worksheet_range(name).map_err(|e| unreadable(e.to_string()))?;
        let first = range.start().map_or(0, |(row, _)| row as usize);
        let mut grid = Grid { sheet: name.to_owned(), header_row: first + 1, ..Grid::default() };
        for (i, cells) in range.rows().enumerate() {
            let row = first + i + 1;
            let mut texts = Vec::with_capacity(cells.len());
            for (c, cell) in cells.iter().enumerate() {
                let column = if i == 0 { format!("column {}", c + 1) } else { grid.header.get(c).cloned().unwrap_or_default() };
                texts.push(text(cell).map_err(|reason| ImportError::new(name, row, column, reason))?);
            }
            if i == 0 {
                grid.header = texts;
            } else {
                grid.rows.push((row, texts));
            }
        }
        if grid.header.is_empty() {
            return Err(ImportError::new(name, 1, "", "the sheet is empty"));
        }
        Ok(grid)
    };
    let responses = grid(&responses)?;
    let activities = activities.map(|a| grid(&a)).transpose()?;
    Ok((responses, activities))
}

fn text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::Error(e) => return Err(format!("the cell holds a spreadsheet error ({e})")),
    })
}
