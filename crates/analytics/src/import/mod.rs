//! The import of a past cycle's responses from CSV or a spreadsheet (the format is documented in
//! `crates/analytics/IMPORT.md`).
//!
//! The parser is all or nothing: it returns every response, or every problem found, each with
//! its sheet, row number (as a spreadsheet shows it) and column. Responses are checked with the
//! same rules as a submission ([`ResponseInput::validate`] with [`Purpose::Submit`]). Writing
//! them, in one transaction, is the caller's job.

mod read;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use barometer_domain::response::{ActivityInput, LocationInput, Purpose};
use barometer_domain::{AssemblyCode, CycleDefinition, FieldErrors, ResponseContent, ResponseInput};

use read::Grid;

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Codes of the file replaced by codes of the cycle (themes, regions, kinds, assemblies).
    pub map: CodeMap,
    /// When given, every assembly must be one of these (e.g. the cycle's members).
    pub assemblies: Option<BTreeSet<AssemblyCode>>,
}

/// `old=new` replacements for codes a file uses that the cycle does not (a renamed theme, an
/// old assembly abbreviation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeMap(BTreeMap<String, String>);

impl CodeMap {
    /// Parses `old=new` pairs, as given to `--map` (also accepts `old=new,old2=new2`).
    pub fn parse<S: AsRef<str>>(pairs: &[S]) -> Result<CodeMap, String> {
        let mut map = CodeMap::default();
        for pair in pairs.iter().flat_map(|p| p.as_ref().split(',')).filter(|p| !p.trim().is_empty()) {
            let Some((old, new)) = pair.split_once('=') else {
                return Err(format!("{pair:?} is not a mapping: write old=new, e.g. --map new-tech=ai-tech"));
            };
            let (old, new) = (old.trim(), new.trim());
            if old.is_empty() || new.is_empty() {
                return Err(format!("{pair:?}: both sides of old=new are needed"));
            }
            if let Some(previous) = map.0.insert(old.to_owned(), new.to_owned())
                && previous != new
            {
                return Err(format!("{old} is mapped twice ({previous} and {new})"));
            }
        }
        Ok(map)
    }

    pub fn insert(&mut self, old: impl Into<String>, new: impl Into<String>) {
        self.0.insert(old.into(), new.into());
    }

    /// The code to use for `code` (itself when not mapped).
    pub fn apply(&self, code: &str) -> String {
        let code = code.trim();
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

/// One imported response: the spreadsheet row it came from, the assembly, the input as read and
/// the response as validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedResponse {
    pub row: usize,
    pub assembly: AssemblyCode,
    pub input: ResponseInput,
    pub content: ResponseContent,
}

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ImportError {
    /// `responses` or `activities` (the sheet's name in a workbook).
    pub sheet: String,
    /// The row number a spreadsheet shows (the header is row 1); 0 for the file as a whole.
    pub row: usize,
    /// The column's header, empty when the problem is the whole row or file.
    pub column: String,
    pub reason: String,
}

impl ImportError {
    fn new(sheet: &str, row: usize, column: impl Into<String>, reason: impl Into<String>) -> ImportError {
        ImportError { sheet: sheet.to_owned(), row, column: column.into(), reason: reason.into() }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.sheet.is_empty(), self.row, self.column.is_empty()) {
            (_, 0, _) => write!(f, "{}", self.reason),
            (true, row, true) => write!(f, "row {row}: {}", self.reason),
            (true, row, false) => write!(f, "row {row}, column {}: {}", self.column, self.reason),
            (false, row, true) => write!(f, "{} row {row}: {}", self.sheet, self.reason),
            (false, row, false) => write!(f, "{} row {row}, column {}: {}", self.sheet, self.column, self.reason),
        }
    }
}

/// Every response, or every problem.
pub type ImportResult = Result<Vec<ImportedResponse>, Vec<ImportError>>;

/// Imports a file, choosing CSV or spreadsheet by its name's extension (`.csv`, `.tsv`, `.txt`;
/// `.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`), or by its first bytes when the name says nothing.
pub fn import_file(name: &str, bytes: &[u8], cycle: &CycleDefinition, options: &ImportOptions) -> ImportResult {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let spreadsheet = match extension.as_str() {
        "csv" | "tsv" | "txt" => false,
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => true,
        // ZIP (xlsx, ods) or OLE (xls) magic.
        _ => bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
    };
    if spreadsheet { import_spreadsheet(bytes, cycle, options) } else { import_csv(bytes, None, cycle, options) }
}

/// Imports responses from CSV, with planned activities from a second CSV when given.
pub fn import_csv(responses: &[u8], activities: Option<&[u8]>, cycle: &CycleDefinition, options: &ImportOptions) -> ImportResult {
    let responses = read::csv(responses, "responses").map_err(|e| vec![e])?;
    let activities = activities.map(|a| read::csv(a, "activities")).transpose().map_err(|e| vec![e])?;
    build(&responses, activities.as_ref(), cycle, options)
}

/// Imports a workbook: the `responses` sheet (or the first sheet) and, when present, the
/// `activities` sheet.
pub fn import_spreadsheet(bytes: &[u8], cycle: &CycleDefinition, options: &ImportOptions) -> ImportResult {
    let (responses, activities) = read::spreadsheet(bytes).map_err(|e| vec![e])?;
    build(&responses, activities.as_ref(), cycle, options)
}

/// `Theme 1` → `theme_1`.
fn normalise(header: &str) -> String {
    header.trim().to_lowercase().replace([' ', '-'], "_")
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split([';', ',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn cell(cells: &[String], c: Option<usize>) -> &str {
    c.and_then(|c| cells.get(c)).map_or("", |s| s.trim())
}

/// Column positions by normalised name; reports unknown, repeated and unnamed-but-used columns.
fn columns(grid: &Grid, known: impl Fn(&str) -> Result<(), String>, errors: &mut Vec<ImportError>) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for (c, raw) in grid.header.iter().enumerate() {
        let name = normalise(raw);
        if name.is_empty() {
            if let Some((row, _)) = grid.rows.iter().find(|(_, cells)| cells.get(c).is_some_and(|v| !v.trim().is_empty())) {
                errors.push(ImportError::new(&grid.sheet, *row, format!("column {}", c + 1), "a value in a column without a header"));
            }
            continue;
        }
        if let Err(reason) = known(&name) {
            errors.push(ImportError::new(&grid.sheet, grid.header_row, raw.trim(), reason));
        } else if out.insert(name.clone(), c).is_some() {
            errors.push(ImportError::new(&grid.sheet, grid.header_row, raw.trim(), "the column appears twice"));
        }
    }
    out
}

const ACTIVITY_COLUMNS: [&str; 12] =
    ["assembly", "title", "kind", "starts_on", "ends_on", "city", "country", "online", "themes", "regions", "partners", "status"];

struct Pending {
    row: usize,
    /// `None` when the code is unusable (already reported): the row is still checked.
    assembly: Option<AssemblyCode>,
    input: ResponseInput,
    /// The row of each activity, in order.
    activity_rows: Vec<usize>,
}

fn build(responses: &Grid, activities: Option<&Grid>, cycle: &CycleDefinition, options: &ImportOptions) -> ImportResult {
    let mut errors = Vec::new();
    let max = usize::from(cycle.max_ranked_themes);
    let sheet = responses.sheet.as_str();

    let known = |name: &str| -> Result<(), String> {
        match name {
            "assembly" | "regions" | "comment" => Ok(()),
            _ => match name.strip_prefix("theme_").and_then(|k| k.parse::<usize>().ok()) {
                Some(k) if (1..=max).contains(&k) => Ok(()),
                Some(_) => Err(format!("this cycle ranks at most {max} themes (theme_1 … theme_{max})")),
                None => Err(format!("unknown column: use assembly, theme_1 … theme_{max}, regions and comment")),
            },
        }
    };
    let cols = columns(responses, known, &mut errors);
    if !cols.contains_key("assembly") {
        errors.push(ImportError::new(sheet, responses.header_row, "assembly", "the assembly column is missing"));
    }
    let theme_cols: Vec<(usize, Option<usize>)> = (1..=max).map(|k| (k, cols.get(&format!("theme_{k}")).copied())).collect();
    if theme_cols.iter().all(|(_, c)| c.is_none()) {
        errors.push(ImportError::new(sheet, responses.header_row, "theme_1", "no theme columns: add theme_1, theme_2, …"));
    }
    if !errors.is_empty() {
        errors.sort();
        return Err(errors);
    }

    let map = &options.map;
    let mut pending: Vec<Pending> = Vec::new();
    let mut by_assembly: HashMap<AssemblyCode, usize> = HashMap::new();
    for (row, cells) in &responses.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let raw = cell(cells, cols.get("assembly").copied());
        let mut assembly = parse_assembly(raw, map, options, sheet, *row, &mut errors);
        if let Some(a) = &assembly
            && let Some(&first) = by_assembly.get(a)
        {
            errors.push(ImportError::new(
                sheet,
                *row,
                "assembly",
                format!("{a} already answers on row {}: one row per assembly", pending[first].row),
            ));
            assembly = None;
        }
        let mut themes = Vec::new();
        let mut gap: Option<usize> = None;
        for &(k, c) in &theme_cols {
            let value = cell(cells, c);
            if value.is_empty() {
                gap.get_or_insert(k);
            } else if let Some(empty) = gap {
                errors.push(ImportError::new(
                    sheet,
                    *row,
                    format!("theme_{empty}"),
                    format!("empty, but theme_{k} is filled: rank without gaps"),
                ));
                break;
            } else {
                themes.push(map.apply(value));
            }
        }
        let regions = split_list(cell(cells, cols.get("regions").copied())).iter().map(|r| map.apply(r)).collect();
        let comment = cell(cells, cols.get("comment").copied()).to_owned();
        if let Some(a) = &assembly {
            by_assembly.insert(a.clone(), pending.len());
        }
        pending.push(Pending { row: *row, assembly, input: ResponseInput::new(themes, regions, vec![], comment), activity_rows: vec![] });
    }

    if let Some(grid) = activities {
        read_activities(grid, map, options, &mut pending, &by_assembly, &mut errors);
    }

    let mut imported = Vec::new();
    for p in pending {
        match p.input.validate(cycle, Purpose::Submit) {
            Ok(content) => {
                if let Some(assembly) = p.assembly {
                    imported.push(ImportedResponse { row: p.row, assembly, input: p.input, content });
                }
            }
            Err(field_errors) => locate(&field_errors, &p, sheet, activities.map_or("activities", |a| a.sheet.as_str()), &mut errors),
        }
    }
    if errors.is_empty() {
        Ok(imported)
    } else {
        errors.sort();
        errors.dedup();
        Err(errors)
    }
}

fn parse_assembly(
    raw: &str,
    map: &CodeMap,
    options: &ImportOptions,
    sheet: &str,
    row: usize,
    errors: &mut Vec<ImportError>,
) -> Option<AssemblyCode> {
    if raw.is_empty() {
        errors.push(ImportError::new(sheet, row, "assembly", "the assembly's code is missing"));
        return None;
    }
    let assembly = match AssemblyCode::parse(&map.apply(raw)) {
        Ok(a) => a,
        Err(e) => {
            errors.push(ImportError::new(sheet, row, "assembly", format!("{e}; map it with old=new if the file uses another code")));
            return None;
        }
    };
    if let Some(members) = &options.assemblies
        && !members.contains(&assembly)
    {
        errors.push(ImportError::new(sheet, row, "assembly", format!("{assembly} is not a member for this cycle")));
        return None;
    }
    Some(assembly)
}

fn read_activities(
    grid: &Grid,
    map: &CodeMap,
    options: &ImportOptions,
    pending: &mut [Pending],
    by_assembly: &HashMap<AssemblyCode, usize>,
    errors: &mut Vec<ImportError>,
) {
    let sheet = grid.sheet.as_str();
    let known = |name: &str| {
        if ACTIVITY_COLUMNS.contains(&name) { Ok(()) } else { Err(format!("unknown column: use {}", ACTIVITY_COLUMNS.join(", "))) }
    };
    let cols = columns(grid, known, errors);
    if !cols.contains_key("assembly") {
        errors.push(ImportError::new(sheet, grid.header_row, "assembly", "the assembly column is missing"));
        return;
    }
    let get = |cells: &[String], name: &str| cell(cells, cols.get(name).copied()).to_owned();
    for (row, cells) in &grid.rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(assembly) = parse_assembly(&get(cells, "assembly"), map, options, sheet, *row, errors) else { continue };
        let Some(&index) = by_assembly.get(&assembly) else {
            errors.push(ImportError::new(sheet, *row, "assembly", format!("{assembly} has no row in the responses")));
            continue;
        };
        let online = match get(cells, "online").to_lowercase().as_str() {
            "" | "no" | "n" | "false" | "0" | "non" | "нет" | "لا" => false,
            "yes" | "y" | "true" | "1" | "x" | "oui" | "да" | "نعم" => true,
            other => {
                errors.push(ImportError::new(sheet, *row, "online", format!("{other:?} is not yes or no")));
                false
            }
        };
        let (city, country) = (get(cells, "city"), get(cells, "country"));
        let location = (!city.is_empty() || !country.is_empty()).then(|| LocationInput { city, country: map.apply(&country) });
        let ends_on = get(cells, "ends_on");
        let status = get(cells, "status");
        let activity = ActivityInput {
            title: get(cells, "title"),
            kind: map.apply(&get(cells, "kind")),
            starts_on: get(cells, "starts_on"),
            ends_on: (!ends_on.is_empty()).then_some(ends_on),
            location,
            online,
            themes: split_list(&get(cells, "themes")).iter().map(|t| map.apply(t)).collect(),
            regions: split_list(&get(cells, "regions")).iter().map(|r| map.apply(r)).collect(),
            partners: get(cells, "partners").split(';').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            status: (!status.is_empty()).then(|| status.to_lowercase()),
            ..ActivityInput::default()
        };
        let p = &mut pending[index];
        p.input.activities.push(activity);
        p.activity_rows.push(*row);
    }
}

/// Puts each validation error of a response at its sheet, row and column.
fn locate(field_errors: &FieldErrors, p: &Pending, sheet: &str, activities_sheet: &str, errors: &mut Vec<ImportError>) {
    for (path, message) in field_errors.iter() {
        let (head, rest) = split_path(path);
        let error = match (head, rest) {
            ("themes", Some(i)) => ImportError::new(sheet, p.row, format!("theme_{}", i.index + 1), message),
            ("themes", None) => ImportError::new(sheet, p.row, "theme_1", message),
            ("regions", _) => ImportError::new(sheet, p.row, "regions", message),
            ("comment", _) => ImportError::new(sheet, p.row, "comment", message),
            ("activities", Some(i)) => {
                let row = p.activity_rows.get(i.index).copied().unwrap_or(p.row);
                let column = match i.rest.split(['.', '[']).next().unwrap_or_default() {
                    "location" => i.rest.trim_start_matches("location.").to_owned(),
                    "" => String::new(),
                    other => other.to_owned(),
                };
                ImportError::new(activities_sheet, row, column, message)
            }
            ("activities", None) => {
                let row = p.activity_rows.get(barometer_domain::response::MAX_ACTIVITIES).copied().unwrap_or(p.row);
                ImportError::new(activities_sheet, row, "assembly", message)
            }
            _ => ImportError::new(sheet, p.row, "", format!("{path}: {message}")),
        };
        errors.push(error);
    }
}

struct Indexed<'a> {
    index: usize,
    rest: &'a str,
}

/// `activities[2].location.country` → (`activities`, 2, `location.country`).
fn split_path(path: &str) -> (&str, Option<Indexed<'_>>) {
    let Some((head, tail)) = path.split_once('[') else {
        return (path, None);
    };
    let Some((index, rest)) = tail.split_once(']') else {
        return (head, None);
    };
    match index.parse() {
        Ok(index) => (head, Some(Indexed { index, rest: rest.trim_start_matches('.') })),
        Err(_) => (head, None),
    }
}
