use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use barometer_domain::membership::RequestInput;
use barometer_domain::{AssemblyCode, CycleLabel, ResponseInput, ResponseStatus, Role, response::Purpose};
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_store::backup::{self, BackupError, Quiet, Summary, TABLES};
use barometer_store::responses::{self, Save};
use barometer_store::{DbConn, audit, calendar, challenges, demo, idempotency, membership, rate_limit, settings};
use barometer_test_support::{TestDb, backend_tests};

use crate::support::{day, seed};

/// The demo data set plus a row in every table the demo leaves empty, so that a round trip
/// covers every table and every column type (nulls, booleans, doubles, big integers).
fn populate(conn: &mut DbConn) {
    let set = barometer_domain::demo::dataset().unwrap();
    demo::load(conn, &set, day("2026-11-22")).unwrap();
    settings::secret_key(conn).unwrap();
    let pam = AssemblyCode::parse("PAM").unwrap();
    let user = auth::create_user(conn, "fp@example.org", "a sufficiently long password", Role::FocalPoint, Some(&pam), "test").unwrap();
    let cycle = CycleLabel::parse("2025").unwrap();
    auth::create_token(
        conn,
        NewToken {
            kind: TokenKind::Session,
            role: Role::FocalPoint,
            assembly: Some(&pam),
            cycle: Some(&cycle),
            user_id: Some(&user.id),
            label: "session",
            expires_at: Some(day("2030-01-01").and_hms_micro_opt(12, 30, 15, 123_456).unwrap()),
        },
        "test",
    )
    .unwrap();
    idempotency::run(conn, "submit", "key-1", "hash", |_| Ok((200, "{\"ok\":true}".into()))).unwrap();
    // Membership: a request with its letter (binary), notified (notifications and outbox
    // rows: PAM's focal point above has an address), a rate-limit counter and a challenge.
    let request = RequestInput {
        assembly_name: "Inter-Parliamentary Union".into(),
        members: "180 parliaments".into(),
        relevance: "Counter-terrorism programme".into(),
        contact_email: "ct@ipu.example".into(),
    }
    .validate()
    .unwrap();
    let letter = membership::Letter { file_name: "letter.pdf".into(), content: b"%PDF-1.7\n\x00\xff binary".to_vec() };
    let stored = membership::create(conn, &request, "fr", Some(&letter), "test").unwrap();
    membership::notify(conn, &stored.id, day("2026-11-22"), "A request to join", "Details", "test").unwrap();
    rate_limit::hit(conn, "sign-in", "198.51.100.1", rate_limit::Limit { max: 5, window_secs: 60 }).unwrap();
    challenges::issue(conn, "7", day("2030-01-01").and_hms_opt(0, 0, 0).unwrap()).unwrap();
    // Calendar: the demo brings the Secretariat's events; a mark on a suggestion.
    calendar::set_mark(conn, "a|b", barometer_domain::calendar::joint::Mark::Dismissed, "test").unwrap();
}

fn backup_bytes(conn: &mut DbConn) -> Vec<u8> {
    let mut out = Vec::new();
    backup::backup(conn, &mut out, &mut Quiet).unwrap();
    out
}

fn restore_bytes(conn: &mut DbConn, bytes: &[u8]) -> Result<Summary, BackupError> {
    backup::restore(conn, &mut &bytes[..], &mut Quiet)
}

/// Rows in the whole database (a backup's count; the database must be migrated).
fn total_rows(conn: &mut DbConn) -> u64 {
    let mut out = Vec::new();
    backup::backup(conn, &mut out, &mut Quiet).unwrap().total_rows()
}

/// Two backups hold the same contents: the same bytes but for the header's `created_at`.
fn assert_same_contents(a: &[u8], b: &[u8]) {
    let (a, b) = (std::str::from_utf8(a).unwrap(), std::str::from_utf8(b).unwrap());
    let header = |text: &str| {
        let mut header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        header.as_object_mut().unwrap().remove("created_at").expect("a created_at");
        header
    };
    assert_eq!(header(a), header(b));
    let (rows_a, rows_b): (Vec<&str>, Vec<&str>) = (a.lines().skip(1).collect(), b.lines().skip(1).collect());
    if let Some((i, (x, y))) = rows_a.iter().zip(&rows_b).enumerate().find(|(_, (x, y))| x != y) {
        panic!("line {} differs:\n  {x}\n  {y}", i + 2);
    }
    assert_eq!(rows_a.len(), rows_b.len());
}

/// source → file A → target → file B, A and B identical; then the target keeps working
/// (its audit log and sequences continue after the restored rows).
fn round_trip(source: &TestDb, target: &TestDb) {
    populate(&mut source.conn());
    let a = backup_bytes(&mut source.conn());
    let summary = restore_bytes(&mut target.conn(), &a).unwrap();
    assert_eq!(summary.tables.len(), TABLES.len());
    for table in &summary.tables {
        assert!(table.rows > 0, "the round trip covers every table, but {} is empty", table.name);
    }
    let b = backup_bytes(&mut target.conn());
    assert_same_contents(&a, &b);

    let mut conn = target.conn();
    let restored_max = std::str::from_utf8(&b)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("{\"table\":\"audit_log\""))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["row"]["id"].as_i64().unwrap())
        .max()
        .unwrap();
    audit::append(
        &mut conn,
        audit::Entry { actor: "test", action: "thing.create", entity: "thing", entity_id: "after-restore", before: None, after: None },
    )
    .unwrap();
    let appended = audit::history(&mut conn, "thing", "after-restore").unwrap();
    assert!(appended[0].id > restored_max, "the id sequence was moved past the restored rows");
    let pace = AssemblyCode::parse("PACE").unwrap();
    let user = auth::verify_password(&mut conn, "fp@example.org", "a sufficiently long password").unwrap();
    assert!(user.is_some(), "a restored login still signs in");
    assert!(barometer_store::assemblies::find(&mut conn, &pace).unwrap().is_some());
}

#[test]
fn the_demo_round_trips_sqlite_to_sqlite() {
    round_trip(&TestDb::sqlite(), &TestDb::sqlite());
}

#[test]
fn the_demo_round_trips_sqlite_to_postgres_and_back() {
    let sqlite = TestDb::sqlite();
    let Some(pg) = TestDb::postgres() else { return };
    round_trip(&sqlite, &pg);
    // And the PostgreSQL copy comes back to SQLite unchanged.
    let from_pg = backup_bytes(&mut pg.conn());
    let again = TestDb::sqlite();
    restore_bytes(&mut again.conn(), &from_pg).unwrap();
    assert_same_contents(&from_pg, &backup_bytes(&mut again.conn()));
}

#[test]
fn the_demo_round_trips_postgres_to_sqlite() {
    let Some(pg) = TestDb::postgres() else { return };
    round_trip(&pg, &TestDb::sqlite());
}

#[test]
fn the_demo_round_trips_postgres_to_postgres() {
    let (Some(a), Some(b)) = (TestDb::postgres(), TestDb::postgres()) else { return };
    round_trip(&a, &b);
}

backend_tests! {
    fn every_table_and_column_of_the_schema_is_backed_up(db) {
        let listed: BTreeSet<(String, String)> =
            TABLES.iter().flat_map(|t| t.columns.iter().map(|c| (t.name.to_owned(), (*c).to_owned()))).collect();
        let actual = crate::migrations::schema(&mut db.conn());
        let missing: Vec<_> = actual.difference(&listed).collect();
        let extra: Vec<_> = listed.difference(&actual).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "crates/store/src/backup/tables.rs must list every table and column: missing {missing:?}; not in the database {extra:?}"
        );
    }

    fn a_restore_into_a_database_with_data_is_refused_and_changes_nothing(db) {
        let source = TestDb::sqlite();
        populate(&mut source.conn());
        let file = backup_bytes(&mut source.conn());

        // Even one row (a generated setting) makes the target not empty.
        let mut conn = db.conn();
        settings::secret_key(&mut conn).unwrap();
        let before = backup_bytes(&mut conn);
        let error = restore_bytes(&mut conn, &file).unwrap_err();
        assert!(matches!(error, BackupError::NotEmpty(_)), "{error}");
        let message = error.to_string();
        assert!(message.contains("not empty") && message.contains("settings: 1 rows"), "{message}");
        assert_same_contents(&before, &backup_bytes(&mut conn));

        // And a full database, restored onto itself.
        populate(&mut conn);
        let before = backup_bytes(&mut conn);
        assert!(matches!(restore_bytes(&mut conn, &before), Err(BackupError::NotEmpty(_))));
        assert_same_contents(&before, &backup_bytes(&mut conn));
    }

    fn a_damaged_file_is_refused_and_the_target_stays_empty(db) {
        let source = TestDb::sqlite();
        populate(&mut source.conn());
        let file = String::from_utf8(backup_bytes(&mut source.conn())).unwrap();
        let lines: Vec<&str> = file.lines().collect();
        let join = |lines: &[&str]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let key_row = lines.iter().position(|l| l.starts_with("{\"table\":\"idempotency_keys\"")).unwrap();
        let audit_row = lines.iter().rposition(|l| l.starts_with("{\"table\":\"audit_log\"")).unwrap();
        let theme_row = lines.iter().position(|l| l.starts_with("{\"table\":\"response_themes\"")).unwrap();
        let with = |index: usize, line: String| {
            let mut changed = lines.clone();
            changed[index] = &*Box::leak(line.into_boxed_str());
            join(&changed)
        };
        let wrong_line = format!("line {}", audit_row + 1);
        let cases: Vec<(&str, String, &str)> = vec![
            ("cut in the middle of a line", file[..file.len() / 2].to_owned(), ""),
            ("without its end marker", join(&lines[..lines.len() - 1]), "truncated"),
            ("a row missing", join(&[&lines[..audit_row], &lines[audit_row + 1..]].concat()), "damaged"),
            ("a value of the wrong type", with(audit_row, lines[audit_row].replacen("\"id\":", "\"id\":\"x\",\"was\":", 1)), &wrong_line),
            ("a dangling reference", with(theme_row, lines[theme_row].replacen("\"response_id\":\"", "\"response_id\":\"nope-", 1)), "cannot be restored"),
            ("a changed value", with(key_row, lines[key_row].replacen("\"body\":\"{", "\"body\":\"{ ", 1)), "checksum"),
            ("rows after the end marker", format!("{file}{}\n", lines[1]), "after the end marker"),
            ("an empty file", String::new(), "empty"),
            ("a CSV file", "assembly,theme\nPAM,youth-pve\n".to_owned(), "not a barometer backup"),
        ];
        let mut conn = db.conn();
        for (what, content, expected) in cases {
            assert_ne!(content, file, "{what}: the case changes the file");
            let error = restore_bytes(&mut conn, content.as_bytes()).expect_err(what).to_string();
            assert!(error.contains(expected), "{what}: {error}");
            assert_eq!(total_rows(&mut conn), 0, "{what}: the target stays empty");
        }
        // The intact file still restores into the same database.
        restore_bytes(&mut conn, file.as_bytes()).unwrap();
        assert_same_contents(file.as_bytes(), &backup_bytes(&mut conn));
    }

    fn a_file_from_another_format_or_schema_version_is_refused_with_what_to_do(db) {
        let mut conn = db.conn();
        let file = String::from_utf8(backup_bytes(&mut conn)).unwrap();
        let latest = barometer_store::migrations::latest();
        let names = barometer_store::migrations::names();
        let cases = [
            (file.replacen("\"version\":1,", "\"version\":2,", 1), vec!["format version 2", "newer", "version 1"]),
            (file.replacen(&latest, "2999-01-01-000000_future", 1), vec!["2999-01-01-000000_future", "newer", latest.as_str()]),
            (file.replacen(&latest, &names[0], 1), vec!["older", names[0].as_str(), latest.as_str()]),
            (file.replacen(&latest, "2026-01-01-000000_nonsense", 1), vec!["none of this barometer's migrations"]),
        ];
        for (content, expected) in cases {
            assert_ne!(content, file);
            let error = restore_bytes(&mut conn, content.as_bytes()).unwrap_err();
            assert!(matches!(error, BackupError::Incompatible(_)), "{error}");
            let message = error.to_string();
            for part in expected {
                assert!(message.contains(part), "{part:?} in {message}");
            }
        }
        assert_eq!(total_rows(&mut conn), 0);
    }

    fn a_backup_taken_while_responses_are_saved_is_one_consistent_state(db) {
        let mut conn = db.conn();
        let def = seed(&mut conn);
        let assemblies = [AssemblyCode::parse("PAM").unwrap(), AssemblyCode::parse("PACE").unwrap()];
        let themes = ["youth-pve", "ai-tech", "victims"];
        let stop = AtomicBool::new(false);
        let saves = AtomicUsize::new(0);
        let backups = std::thread::scope(|scope| {
            scope.spawn(|| {
                let _done = SetOnDrop(&stop);
                // The only writer: saves PAM and PACE in turn. A response at version v ranks
                // (v % 3) + 1 themes, and every save writes one audit entry, in one transaction.
                let mut conn = db.fresh_conn();
                let mut versions = [0; 2];
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let k = i % 2;
                    let version = versions[k] + 1;
                    let ranked = themes[..(version % 3 + 1) as usize].iter().map(|t| t.to_string()).collect();
                    let content = ResponseInput::new(ranked, vec!["global".into()], vec![], format!("v{version}")).validate(&def, Purpose::Draft).unwrap();
                    let save = Save { cycle: &def.label, assembly: &assemblies[k], content: &content, status: ResponseStatus::Draft, expected_version: Some(versions[k]), actor: "test" };
                    responses::save(&mut conn, save).unwrap();
                    versions[k] = version;
                    i += 1;
                    saves.store(i, Ordering::Relaxed);
                }
            });
            // Stops the writer even when a backup panics, so that the test fails instead of hanging.
            let _stop = SetOnDrop(&stop);
            while saves.load(Ordering::Relaxed) < 4 && !stop.load(Ordering::Relaxed) {
                std::thread::yield_now();
            }
            let mut conn = db.fresh_conn();
            (0..15).map(|_| backup_bytes(&mut conn)).collect::<Vec<_>>()
        });
        assert_ne!(backups.first(), backups.last(), "the writer ran while the backups were taken");
        for file in &backups {
            let mut versions = BTreeMap::new();
            let mut ranked: BTreeMap<String, i64> = BTreeMap::new();
            let mut response_entries = 0;
            for line in std::str::from_utf8(file).unwrap().lines().skip(1) {
                let line: serde_json::Value = serde_json::from_str(line).unwrap();
                let row = &line["row"];
                match line["table"].as_str() {
                    Some("responses") => {
                        versions.insert(row["id"].as_str().unwrap().to_owned(), row["version"].as_i64().unwrap());
                    }
                    Some("response_themes") => *ranked.entry(row["response_id"].as_str().unwrap().to_owned()).or_default() += 1,
                    Some("audit_log") if row["entity"] == "response" => response_entries += 1,
                    _ => {}
                }
            }
            for (id, version) in &versions {
                assert_eq!(ranked.get(id).copied().unwrap_or(0), version % 3 + 1, "response {id} at version {version}");
            }
            assert_eq!(versions.values().sum::<i64>(), response_entries, "one audit entry per saved version");
        }
        // And the last one restores (every reference finds its row).
        let target = TestDb::sqlite();
        restore_bytes(&mut target.conn(), backups.last().unwrap()).unwrap();
    }
}

struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn a_backup_file_appears_whole_or_not_at_all() {
    let db = TestDb::sqlite();
    populate(&mut db.conn());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("barometer.backup");
    std::fs::write(&path, "an older backup").unwrap();
    let summary = backup::backup_to_file(&mut db.conn(), &path, &mut Quiet).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["barometer.backup"], "no temporary file is left behind");
    let written = std::fs::read(&path).unwrap();
    assert_same_contents(&written, &backup_bytes(&mut db.conn()));
    assert_eq!(summary.total_rows() as usize, written.iter().filter(|b| **b == b'\n').count() - 2);

    // A backup that fails (here: of a database without the schema) leaves the old file alone.
    let empty = tempfile::tempdir().unwrap();
    let mut unmigrated =
        barometer_store::DatabaseUrl::parse(&format!("sqlite://{}", empty.path().join("x.db").display())).unwrap().connect().unwrap();
    let error = backup::backup_to_file(&mut unmigrated, &path, &mut Quiet).unwrap_err();
    assert!(error.to_string().contains("barometer migrate"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), written);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
