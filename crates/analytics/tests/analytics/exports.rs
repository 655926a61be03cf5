//! Exports: formats, typed cells, languages and formula neutralisation.

use std::io::Cursor;

use barometer_analytics::export::{Format, export_part, neutralise};
use barometer_analytics::{compare, export, headline, priorities, regions, stability};
use barometer_domain::Lang;
use calamine::{Data, Reader, Xlsx};

use crate::fixtures::demo;

fn sheets(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

#[test]
fn formula_like_text_is_neutralised() {
    for text in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
        assert_eq!(neutralise(text), format!("'{text}"));
    }
    assert_eq!(neutralise("Youth"), "Youth");
}

#[test]
fn csv_has_a_bom_stable_headers_and_neutralised_cells() {
    let mut table = priorities(&demo("2025"), Lang::Ar).unwrap();
    table.rows[0].label = "=HYPERLINK(\"http://x\")".into();
    let csv = export(&table, Format::Csv, Lang::Ar).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("rank,theme,label,assemblies,share,points,mean_rank,tier"));
    assert!(lines.next().unwrap().starts_with("1,youth-pve,\"'=HYPERLINK"), "{text}");
    assert!(text.contains("ضحايا الإرهاب"), "Arabic labels survive");
}

#[test]
fn xlsx_has_typed_cells_translated_headers_and_rtl_for_arabic() {
    let mut table = priorities(&demo("2025"), Lang::Fr).unwrap();
    table.rows[1].label = "@evil".into();
    let mut book = sheets(export(&table, Format::Xlsx, Lang::Fr).unwrap());
    assert_eq!(book.sheet_names()[0], "Priorités");
    let range = book.worksheet_range("Priorités").unwrap();
    assert_eq!(range.get((0, 0)), Some(&Data::String("Rang".into())));
    assert_eq!(range.get((1, 0)), Some(&Data::Float(1.0)), "rank is a number");
    assert_eq!(range.get((1, 4)), Some(&Data::Float(0.6923)), "share is a number");
    assert_eq!(range.get((2, 2)), Some(&Data::String("'@evil".into())));

    let arabic = export(&table, Format::Xlsx, Lang::Ar).unwrap();
    let xml = unzip_sheet(&arabic);
    assert!(xml.contains("rightToLeft=\"1\""), "Arabic sheets read right to left");
    assert!(!unzip_sheet(&export(&table, Format::Xlsx, Lang::En).unwrap()).contains("rightToLeft"));
}

/// The first worksheet's XML.
fn unzip_sheet(xlsx: &[u8]) -> String {
    // The sheet XML is stored deflated; calamine does not expose view settings, so look for the
    // attribute in the raw part by reading it through the zip reader calamine already uses.
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut file = archive.by_name("xl/worksheets/sheet1.xml").unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut file, &mut xml).unwrap();
    xml
}

#[test]
fn parquet_and_json_round_trip() {
    let table = regions(&demo("2025"), Lang::En).unwrap();
    let parquet = export(&table, Format::Parquet, Lang::En).unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"));
    let countries = export_part(&table, 1, Format::Csv, Lang::En).unwrap();
    assert!(String::from_utf8_lossy(&countries).contains("iso3,assemblies"));
    let json: serde_json::Value = serde_json::from_slice(&export(&table, Format::Json, Lang::En).unwrap()).unwrap();
    assert_eq!(json["cycle"], "2025");
    assert_eq!(json["respondents"], 13);
    assert!(json["countries"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn every_table_exports_in_every_format() {
    let (earlier, later) = (demo("2023-24"), demo("2025"));
    for lang in Lang::ALL {
        for format in Format::ALL {
            let outputs = [
                export(&priorities(&later, lang).unwrap(), format, lang),
                export(&regions(&later, lang).unwrap(), format, lang),
                export(&compare(&earlier, &later, lang).unwrap(), format, lang),
                export(&stability(&later, 50, 1, lang).unwrap(), format, lang),
                export(&headline(&later), format, lang),
            ];
            for out in outputs {
                assert!(!out.unwrap().is_empty(), "{format:?} {lang}");
            }
        }
    }
    assert_eq!(Format::parse("XLSX"), Some(Format::Xlsx));
    assert_eq!(Format::Parquet.extension(), "parquet");
    assert!(Format::Csv.content_type().starts_with("text/csv"));
}
