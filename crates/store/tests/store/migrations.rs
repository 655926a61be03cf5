use std::collections::BTreeSet;

use barometer_store::{Backend, DbConn, migrations};
use barometer_test_support::{TestDb, backend_tests};
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Every (table, column) of the application schema, migrations bookkeeping excluded.
pub fn schema(conn: &mut DbConn) -> BTreeSet<(String, String)> {
    let query = match conn.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(query).load::<Column>(conn).unwrap().into_iter().map(|c| (c.table_name, c.column_name)).collect()
}

/// Up, down, up again; returns the schema at the end.
fn up_down_up(db: &TestDb) -> BTreeSet<(String, String)> {
    let mut conn = db.fresh_conn();
    assert!(migrations::pending(&mut conn).unwrap().is_empty(), "TestDb applies every migration");
    let applied = schema(&mut conn);
    assert!(applied.contains(&("responses".into(), "version".into())));
    let reverted = migrations::revert_all(&mut conn).unwrap();
    assert!(!reverted.is_empty());
    assert!(schema(&mut conn).is_empty(), "down migrations leave no table behind");
    let reapplied = migrations::run_pending(&mut conn).unwrap();
    assert_eq!(reapplied.len(), reverted.len());
    let again = schema(&mut conn);
    assert_eq!(applied, again, "up → down → up ends where up ended");
    again
}

backend_tests! {
    fn every_migration_goes_up_down_and_up_again(db) {
        up_down_up(&db);
    }
}

#[test]
fn both_backends_end_with_the_same_tables_and_columns() {
    let sqlite = up_down_up(&TestDb::sqlite());
    let Some(pg) = TestDb::postgres() else { return };
    let postgres = up_down_up(&pg);
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(only_sqlite.is_empty() && only_postgres.is_empty(), "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}");
}

#[derive(QueryableByName)]
struct Pragma {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct Mode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[test]
fn every_pooled_sqlite_connection_enforces_foreign_keys_and_is_durable() {
    let db = TestDb::sqlite();
    // Hold several connections at once so that each is a distinct pooled connection.
    let mut held: Vec<_> = (0..4).map(|_| db.conn()).collect();
    for conn in &mut held {
        let fk = diesel::sql_query("SELECT foreign_keys AS value FROM pragma_foreign_keys").get_result::<Pragma>(&mut **conn).unwrap();
        assert_eq!(fk.value, 1, "foreign_keys is on");
        let sync = diesel::sql_query("SELECT synchronous AS value FROM pragma_synchronous").get_result::<Pragma>(&mut **conn).unwrap();
        assert_eq!(sync.value, 2, "synchronous is FULL");
        let busy = diesel::sql_query("SELECT timeout AS value FROM pragma_busy_timeout").get_result::<Pragma>(&mut **conn).unwrap();
        assert!(busy.value >= 1000, "a busy timeout is set");
        let mode = diesel::sql_query("PRAGMA journal_mode").get_result::<Mode>(&mut **conn).unwrap();
        assert_eq!(mode.journal_mode, "wal");
        // And the database really refuses a dangling reference on this connection.
        let orphan = diesel::sql_query(
            "INSERT INTO responses (id, cycle_label, assembly_code, status, version, comment, created_at, updated_at) \
             VALUES ('x', 'no-such-cycle', 'NOPE', 'draft', 1, '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        )
        .execute(&mut **conn);
        let message = orphan.expect_err("a foreign key violation").to_string();
        assert!(message.contains("FOREIGN KEY"), "{message}");
    }
}
