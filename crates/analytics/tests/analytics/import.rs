//! The import of past cycles from CSV and spreadsheets.

use std::collections::BTreeSet;

use barometer_analytics::import::{CodeMap, ImportError, ImportOptions, import_csv, import_file, import_spreadsheet};
use barometer_domain::{AssemblyCode, CycleDefinition};
use proptest::prelude::*;
use rust_xlsxwriter::Workbook;

fn cycle() -> CycleDefinition {
    barometer_domain::demo::dataset().unwrap().cycles.into_iter().find(|c| c.definition.label.as_str() == "2025").unwrap().definition
}

const RESPONSES: &str = "\u{feff}assembly,theme_1,theme_2,theme_3,regions,comment\r\n\
PAM,youth-pve,ai-tech,victims,mena; sahel,\"Quoted, with comma\"\r\n\
EP,cyber,,,europe,\r\n";

const ACTIVITIES: &str = "assembly,title,kind,starts_on,ends_on,city,country,online,themes,regions,partners\n\
PAM,Regional conference,conference,2025-03-10,2025-03-11,Rome,ITA,no,youth-pve,mena;sahel,UNOCT;UNODC\n\
PAM,Webinar,workshop,2025-04-02,,,,yes,,,\n";

fn reasons(errors: &[ImportError]) -> Vec<(String, usize, String)> {
    errors.iter().map(|e| (e.sheet.clone(), e.row, e.column.clone())).collect()
}

#[test]
fn a_valid_csv_becomes_validated_responses() {
    let rows = import_csv(RESPONSES.as_bytes(), Some(ACTIVITIES.as_bytes()), &cycle(), &ImportOptions::default()).unwrap();
    assert_eq!(rows.len(), 2);
    let pam = &rows[0];
    assert_eq!((pam.row, pam.assembly.as_str()), (2, "PAM"));
    assert_eq!(pam.content.themes.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["youth-pve", "ai-tech", "victims"]);
    assert_eq!(pam.content.regions.len(), 2);
    assert_eq!(pam.content.comment, "Quoted, with comma");
    assert_eq!(pam.content.activities.len(), 2);
    assert_eq!(pam.content.activities[0].partners, ["UNOCT", "UNODC"]);
    assert!(pam.content.activities[1].online);
    assert_eq!(rows[1].content.themes.len(), 1);
}

#[test]
fn every_bad_row_is_reported_with_its_row_and_column() {
    let responses = "assembly,theme_1,theme_2,regions\n\
        PAM,youth-pve,nope,mena\n\
        EP,,cyber,europe\n\
        PAM,cyber,,\n\
        bad code,cyber,,\n\
        OSCE-PA,cyber,,atlantis\n";
    let activities = "assembly,title,kind,starts_on,country\n\
        OSCE-PA,Visit,field-visit,2025-13-01,ITA\n\
        PACE,Orphan,conference,2025-03-01,ITA\n";
    let errors = import_csv(responses.as_bytes(), Some(activities.as_bytes()), &cycle(), &ImportOptions::default()).unwrap_err();
    let found = reasons(&errors);
    for expected in [
        ("responses", 2, "theme_2"),    // unknown theme
        ("responses", 3, "theme_1"),    // a gap before theme_2
        ("responses", 4, "assembly"),   // PAM twice
        ("responses", 5, "assembly"),   // not a code
        ("responses", 6, "regions"),    // unknown region
        ("activities", 2, "starts_on"), // not a date
        ("activities", 3, "assembly"),  // no response row for PACE
    ] {
        let expected = (expected.0.to_owned(), expected.1, expected.2.to_owned());
        assert!(found.contains(&expected), "missing {expected:?} in {errors:#?}");
    }
    assert!(errors.iter().all(|e| !e.reason.is_empty()));
    assert!(errors[0].to_string().starts_with("activities row 2, column starts_on:"), "{}", errors[0]);
}

#[test]
fn header_problems_stop_before_the_rows() {
    let errors = import_csv(b"assembly,theme_1,theme_9,colour\nPAM,cyber,,\n", None, &cycle(), &ImportOptions::default()).unwrap_err();
    assert_eq!(reasons(&errors), [("responses".into(), 1, "colour".into()), ("responses".into(), 1, "theme_9".into())]);
    let errors = import_csv(b"theme_1\ncyber\n", None, &cycle(), &ImportOptions::default()).unwrap_err();
    assert_eq!(errors[0].column, "assembly");
}

#[test]
fn unknown_codes_can_be_mapped() {
    let csv = "assembly,theme_1,theme_2,regions\nosce-pa,new-tech,cyber,west-af\n";
    let errors = import_csv(csv.as_bytes(), None, &cycle(), &ImportOptions::default()).unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let options = ImportOptions {
        map: CodeMap::parse(&["new-tech=ai-tech", "west-af=west-africa,osce-pa=OSCE-PA"]).unwrap(),
        ..ImportOptions::default()
    };
    let rows = import_csv(csv.as_bytes(), None, &cycle(), &options).unwrap();
    assert_eq!(rows[0].assembly.as_str(), "OSCE-PA");
    assert_eq!(rows[0].content.themes[0].as_str(), "ai-tech");
    assert!(CodeMap::parse(&["nonsense"]).is_err());
    assert!(CodeMap::parse(&["a=b", "a=c"]).is_err());
}

#[test]
fn assemblies_can_be_limited_to_the_members() {
    let options = ImportOptions { assemblies: Some(BTreeSet::from([AssemblyCode::parse("PAM").unwrap()])), ..ImportOptions::default() };
    let errors = import_csv(RESPONSES.as_bytes(), None, &cycle(), &options).unwrap_err();
    assert_eq!(reasons(&errors), [("responses".into(), 3, "assembly".into())]);
}

#[test]
fn semicolon_separated_files_from_french_excel_are_read() {
    let csv = "assembly;theme_1;regions\nAPF;gender;sahel;\n";
    let rows = import_csv(csv.as_bytes(), None, &cycle(), &ImportOptions::default());
    // The trailing empty cell is a value-less column without a header: fine.
    assert_eq!(rows.unwrap()[0].content.regions[0].as_str(), "sahel");
}

fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Responses").unwrap();
    for (c, h) in ["Assembly", "Theme 1", "Theme 2", "Regions"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["PAM", "youth-pve", "victims", "mena"].iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let activities = book.add_worksheet().set_name("activities").unwrap();
    for (c, h) in ["assembly", "title", "kind", "starts_on", "online"].iter().enumerate() {
        activities.write_string(0, c as u16, *h).unwrap();
    }
    activities.write_string(1, 0, "PAM").unwrap();
    activities.write_string(1, 1, "Webinar").unwrap();
    activities.write_string(1, 2, "workshop").unwrap();
    // A real date cell (a number with a date format), as Excel stores dates.
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, 10).unwrap();
    activities.write_datetime_with_format(1, 3, &date, &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd")).unwrap();
    activities.write_boolean(1, 4, true).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_with_an_activities_sheet_is_read() {
    let bytes = workbook();
    let rows = import_spreadsheet(&bytes, &cycle(), &ImportOptions::default()).unwrap();
    assert_eq!(rows[0].content.themes.len(), 2);
    assert_eq!(rows[0].content.activities[0].starts_on.to_string(), "2025-03-10");
    assert!(rows[0].content.activities[0].online);
    assert_eq!(import_file("past.xlsx", &bytes, &cycle(), &ImportOptions::default()).unwrap(), rows);
    assert_eq!(import_file("upload", &bytes, &cycle(), &ImportOptions::default()).unwrap(), rows, "sniffed by its magic");
}

#[test]
fn reimporting_the_same_file_gives_the_same_rows() {
    let a = import_file("past.csv", RESPONSES.as_bytes(), &cycle(), &ImportOptions::default()).unwrap();
    let b = import_file("past.csv", RESPONSES.as_bytes(), &cycle(), &ImportOptions::default()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn garbage_is_an_error_not_a_crash() {
    assert!(import_spreadsheet(b"PK\x03\x04 not really a zip", &cycle(), &ImportOptions::default()).is_err());
    assert!(import_csv(b"", None, &cycle(), &ImportOptions::default()).is_err());
    assert!(import_csv(b"assembly,theme_1\n\xff\xfe,cyber\n", None, &cycle(), &ImportOptions::default()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_bytes_make_the_parsers_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let cycle = cycle();
        let _ = import_csv(&bytes, Some(&bytes), &cycle, &ImportOptions::default());
        let _ = import_spreadsheet(&bytes, &cycle, &ImportOptions::default());
        let _ = import_file("x.xlsx", &bytes, &cycle, &ImportOptions::default());
    }

    #[test]
    fn no_csv_text_makes_the_parser_panic(
        header in proptest::collection::vec(prop_oneof![
            Just("assembly".to_owned()), Just("theme_1".to_owned()), Just("theme_2".to_owned()), Just("regions".to_owned()),
            Just("comment".to_owned()), Just(String::new()), "[a-z_ 0-9]{0,10}"
        ], 0..7),
        rows in proptest::collection::vec(proptest::collection::vec(
            prop_oneof![Just("PAM".to_owned()), Just("youth-pve".to_owned()), Just("mena;sahel".to_owned()), ".{0,12}"], 0..8), 0..6),
        activities in proptest::collection::vec(proptest::collection::vec(".{0,12}", 0..13), 0..4),
    ) {
        let cycle = cycle();
        let line = |cells: &Vec<String>| cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",");
        let responses = std::iter::once(&header).chain(&rows).map(line).collect::<Vec<_>>().join("\n");
        let mut activity_lines = vec!["assembly,title,kind,starts_on,ends_on,city,country,online,themes,regions,partners,status".to_owned()];
        activity_lines.extend(activities.iter().map(line));
        let result = import_csv(responses.as_bytes(), Some(activity_lines.join("\n").as_bytes()), &cycle, &ImportOptions::default());
        if let Err(errors) = result {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn no_workbook_cells_make_the_parser_panic(cells in proptest::collection::vec(proptest::collection::vec(".{0,12}", 0..6), 0..5)) {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in cells.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, value).unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        let _ = import_spreadsheet(&bytes, &cycle(), &ImportOptions::default());
    }
}

/// Every problem has a reason, and a row's problem names its sheet (row 0 is the file as a whole).
fn well_formed(errors: &[ImportError]) -> Result<(), TestCaseError> {
    prop_assert!(!errors.is_empty());
    for e in errors {
        prop_assert!(!e.sheet.is_empty() || e.row == 0, "a row without its sheet: {e:?}");
        prop_assert!(!e.reason.trim().is_empty(), "no reason: {e:?}");
        prop_assert!(!e.to_string().is_empty());
    }
    Ok(())
}

/// A cell as a spreadsheet may hold it: text (codes, dates, formulas as text, hostile text),
/// numbers, booleans, dates, real formulas, or nothing.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(u16, u8, u8),
    Formula(String),
    Blank,
}

fn any_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        prop_oneof![
            Just("assembly".to_owned()),
            Just("theme_1".to_owned()),
            Just("regions".to_owned()),
            Just("PAM".to_owned()),
            Just("youth-pve".to_owned()),
            Just("mena; sahel".to_owned()),
            Just("=HYPERLINK(\"http://evil.example\")".to_owned()),
            Just("2025-02-30".to_owned()),
            Just("a\u{202E}b".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Cell::Text),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Cell::Number),
        any::<bool>().prop_map(Cell::Bool),
        (1900u16..2100, 1u8..13, 1u8..29).prop_map(|(y, m, d)| Cell::Date(y, m, d)),
        prop_oneof![Just("=1/0".to_owned()), Just("=A1&B1".to_owned()), Just("=NA()".to_owned()), Just("=\"PAM\"".to_owned())]
            .prop_map(Cell::Formula),
        Just(Cell::Blank),
    ]
}

fn write_cell(sheet: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, cell: &Cell) {
    match cell {
        Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
        Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
        Cell::Bool(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
        Cell::Date(y, m, d) => {
            let date = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
            sheet.write_datetime_with_format(r, c, &date, &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd")).map(|_| ())
        }
        Cell::Formula(f) => sheet.write_formula(r, c, f.as_str()).map(|_| ()),
        Cell::Blank => Ok(()),
    }
    .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    /// Workbooks with typed cells (numbers, dates, booleans, formulas) on a responses sheet and
    /// an activities sheet, under a valid header or not.
    #[test]
    fn no_typed_cells_make_the_workbook_parser_panic(
        valid_header in any::<bool>(),
        responses in proptest::collection::vec(proptest::collection::vec(any_cell(), 0..6), 0..6),
        activities in proptest::collection::vec(proptest::collection::vec(any_cell(), 0..12), 0..4),
        sheet_name in prop_oneof![Just("Responses".to_owned()), Just("Sheet1".to_owned()), "[A-Za-z]{1,12}"],
    ) {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet().set_name(&sheet_name).unwrap();
        let mut first = 0;
        if valid_header {
            for (c, h) in ["assembly", "theme_1", "theme_2", "regions", "comment"].iter().enumerate() {
                sheet.write_string(0, c as u16, *h).unwrap();
            }
            first = 1;
        }
        for (r, row) in responses.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                write_cell(sheet, first + r as u32, c as u16, cell);
            }
        }
        if !activities.is_empty() {
            let sheet = book.add_worksheet().set_name("activities").unwrap();
            for (c, h) in ["assembly", "title", "kind", "starts_on", "ends_on", "city", "country", "online", "themes", "regions", "partners", "status"].iter().enumerate() {
                sheet.write_string(0, c as u16, *h).unwrap();
            }
            for (r, row) in activities.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    write_cell(sheet, 1 + r as u32, c as u16, cell);
                }
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        if let Err(errors) = import_spreadsheet(&bytes, &cycle(), &ImportOptions::default()) {
            well_formed(&errors)?;
        }
        if let Err(errors) = import_file("upload.xlsx", &bytes, &cycle(), &ImportOptions::default()) {
            well_formed(&errors)?;
        }
    }

    /// A valid workbook with bytes changed here and there (a damaged or tampered upload).
    #[test]
    fn no_damaged_workbook_makes_the_parser_panic(changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<Option<usize>>()) {
        let mut bytes = workbook();
        for (at, byte) in changes {
            let i = at % bytes.len();
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % bytes.len());
        }
        if let Err(errors) = import_spreadsheet(&bytes, &cycle(), &ImportOptions::default()) {
            well_formed(&errors)?;
        }
    }

    /// CSV text of any shape: every error names its sheet and a reason.
    #[test]
    fn csv_errors_name_where_they_are(text in "(?s).{0,300}", separator in prop_oneof![Just(','), Just(';'), Just('\t')]) {
        let csv = format!("assembly{separator}theme_1{separator}regions\n{text}");
        if let Err(errors) = import_csv(csv.as_bytes(), Some(text.as_bytes()), &cycle(), &ImportOptions::default()) {
            well_formed(&errors)?;
            for e in &errors {
                prop_assert!(e.sheet == "responses" || e.sheet == "activities", "{e:?}");
            }
        }
    }
}
