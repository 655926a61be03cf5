use crate::support::{barometer, run};

/// The lines after the header: the rows and the end marker (the header differs by its time).
fn contents(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn demo_backup_and_restore_move_an_installation_to_another_database() {
    let dir = tempfile::tempdir().unwrap();
    let step = |url: &str, args: &[&str]| {
        let mut c = barometer(dir.path(), url);
        c.args(args);
        run(c)
    };
    let source = "sqlite://source.db";
    let (ok, out, err) = step(source, &["demo"]);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = step(source, &["backup", "demo.backup"]);
    assert!(ok, "{err}");
    assert!(out.contains("wrote demo.backup") && out.contains("assemblies") && out.contains("total rows"), "{out}");
    let file = dir.path().join("demo.backup");
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("{\"format\":\"barometer-backup\",\"version\":1,"));

    // Into a new SQLite file, and into an empty PostgreSQL database when one is configured.
    let pg = barometer_test_support::TestDb::postgres_empty();
    let mut targets = vec!["sqlite://target.db".to_owned()];
    targets.extend(pg.as_ref().map(|db| db.url().to_owned()));
    for target in &targets {
        let (ok, out, err) = step(target, &["restore", "demo.backup"]);
        assert!(ok, "{target}: {err}");
        assert!(out.contains("restored demo.backup") && out.contains("responses"), "{out}");
        let (ok, _, err) = step(target, &["restore", "demo.backup"]);
        assert!(!ok && err.contains("not empty") && err.contains("nothing was changed"), "{target}: a second restore is refused: {err}");
        let (ok, out, _) = step(target, &["migrate"]);
        assert!(ok && out.contains("up to date"), "{out}");
        let (ok, _, err) = step(target, &["backup", "again.backup"]);
        assert!(ok, "{err}");
        assert_eq!(contents(&file), contents(&dir.path().join("again.backup")), "{target} holds what the source held");
    }

    let (ok, _, err) = step("sqlite://missing.db", &["backup", "x.backup"]);
    assert!(!ok && err.contains("no database at sqlite://missing.db"), "{err}");
    assert!(!dir.path().join("missing.db").exists() && !dir.path().join("x.backup").exists());
    let (ok, _, err) = step("sqlite://other.db", &["restore", "no-such-file"]);
    assert!(!ok && err.contains("no-such-file"), "{err}");
}
