//! `barometer report` and `barometer import`, as the Secretariat runs them.

use barometer_domain::{AssemblyCode, CycleLabel};

use crate::support::{barometer, run};

fn command(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let mut c = barometer(dir, "sqlite://barometer.db");
    c.args(args);
    run(c)
}

#[test]
fn report_writes_every_table_and_all_five_charts() {
    let dir = tempfile::tempdir().unwrap();
    assert!(command(dir.path(), &["demo"]).0);
    let (ok, out, err) = command(dir.path(), &["report", "--cycle", "2025", "--compare", "2023-24", "--lang", "ar", "--out", "out"]);
    assert!(ok, "{err}");
    assert!(out.contains("wrote 30 files"), "{out}");
    let folder = dir.path().join("out");
    for table in ["priorities", "regions", "stability", "headline", "compare"] {
        for ext in ["csv", "xlsx", "parquet", "json"] {
            let path = folder.join(format!("{table}.{ext}"));
            assert!(std::fs::metadata(&path).is_ok_and(|m| m.len() > 0), "{} is written", path.display());
        }
    }
    for chart in ["priorities", "regions", "regions-map", "stability", "compare"] {
        let svg = std::fs::read_to_string(folder.join(format!("charts/{chart}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{chart}.svg is SVG");
        let png = std::fs::read(folder.join(format!("charts/{chart}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{chart}.png is PNG");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 2000, "{chart}.png is 2000 px wide");
    }
    let csv = std::fs::read(folder.join("priorities.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}".as_bytes()), "CSV starts with a BOM");
    let (ok, _, err) = command(dir.path(), &["report", "--cycle", "1999", "--out", "out2"]);
    assert!(!ok && err.contains("1999"), "{err}");
}

fn stored_version(dir: &std::path::Path, assembly: &str) -> Option<i32> {
    let url = format!("sqlite://{}", dir.join("barometer.db").display());
    let mut conn = barometer_store::DatabaseUrl::parse(&url).unwrap().connect().unwrap();
    barometer_store::responses::find(&mut conn, &CycleLabel::parse("2026").unwrap(), &AssemblyCode::parse(assembly).unwrap())
        .unwrap()
        .map(|r| r.version)
}

#[test]
fn import_is_all_or_nothing_reports_each_bad_row_and_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    assert!(command(dir.path(), &["demo"]).0);
    std::fs::write(
        dir.path().join("bad.csv"),
        "assembly,theme_1,theme_2,regions\nEP,youth-pve,ai-tech,mena\nAPU,martian-threats,,sahel\nNOPE,cyber,,europe\n",
    )
    .unwrap();
    let (ok, _, err) = command(dir.path(), &["import", "--cycle", "2026", "bad.csv"]);
    assert!(!ok, "a bad file fails");
    assert!(err.contains("row 3") && err.contains("theme_1"), "the bad theme is located: {err}");
    assert!(err.contains("row 4") && err.contains("assembly"), "the unknown assembly is located: {err}");
    assert!(err.contains("nothing was stored"), "{err}");
    assert_eq!(stored_version(dir.path(), "EP"), None, "not even the good row was stored");

    std::fs::write(
        dir.path().join("good.csv"),
        "assembly,theme_1,theme_2,regions\nEP,youth-pve,new-tech,mena\nAPU,cbrn,,sahel;west-africa\n",
    )
    .unwrap();
    let (ok, _, err) = command(dir.path(), &["import", "--cycle", "2026", "good.csv"]);
    assert!(!ok && err.contains("new-tech"), "an unknown code is reported: {err}");
    let (ok, out, err) = command(dir.path(), &["import", "--cycle", "2026", "good.csv", "--map", "new-tech=ai-tech"]);
    assert!(ok, "{err}");
    assert!(out.contains("2 new, 0 updated, 0 unchanged"), "{out}");
    assert_eq!(stored_version(dir.path(), "EP"), Some(1));

    let (ok, out, _) = command(dir.path(), &["import", "--cycle", "2026", "good.csv", "--map", "new-tech=ai-tech"]);
    assert!(ok && out.contains("0 new, 0 updated, 2 unchanged"), "{out}");
    assert_eq!(stored_version(dir.path(), "EP"), Some(1), "a re-import changes nothing, not even the version");
}
