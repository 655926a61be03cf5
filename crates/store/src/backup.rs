//! Backup and restore: the whole database as one file that either backend can load, so the same
//! file restores an installation or moves it from SQLite to PostgreSQL.
//!
//! The file is JSON Lines, UTF-8, one object per line:
//! 1. a header: `{"format":"barometer-backup","version":1,"schema":"<newest migration>",
//!    "created_at":"…","tables":[{"name":"settings","rows":1},…]}`;
//! 2. one line per row, `{"table":"assemblies","row":{…}}`, table by table in [`TABLES`] order
//!    (parents first) and within a table sorted by primary key, so that the same contents always
//!    give the same bytes whichever backend they were read from;
//! 3. an end marker: `{"end":"barometer-backup","rows":N,"sha256":"<hex of every row line>"}`,
//!    without which the file is taken as truncated.
//!
//! Values are typed alike on both backends: dates `2025-01-15`, timestamps
//! `2025-01-15T09:30:00.123456` (UTC, to the microsecond, PostgreSQL's precision), booleans as
//! booleans, numbers as numbers, text as strings, binary (a membership letter) as standard
//! base64 text. Migration bookkeeping is not copied: the restore's migrations write it.
//!
//! A backup reads every table in one read transaction (SQLite in WAL mode gives it a snapshot;
//! PostgreSQL runs it REPEATABLE READ, READ ONLY), so it is consistent while the service writes.
//! A restore checks the header, migrates the target, and then inserts everything in one
//! transaction into a database that must be empty: all or nothing.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Backend, DbConn, StoreError, migrations};

mod tables;

pub use tables::{TABLES, Table};

/// The first field of every backup file.
pub const FORMAT: &str = "barometer-backup";
/// The layout version this binary writes and reads. Bump it when the layout (not the schema)
/// changes; the schema is tracked by the header's `schema`.
pub const VERSION: u32 = 1;

/// Why a backup or restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    /// The file is not a backup this binary can read, or is damaged.
    #[error("line {line}: {message}")]
    Format { line: u64, message: String },
    /// A well-formed backup that this binary must not restore (another format or schema version).
    #[error("{0}")]
    Incompatible(String),
    /// The target already holds data; a restore never merges or overwrites.
    #[error(
        "the target database is not empty ({}): a restore only loads into an empty database, so nothing was changed; restore into a new database (a new sqlite:// file, or `createdb` for PostgreSQL)",
        .0.iter().map(|(t, n)| format!("{t}: {n} rows")).collect::<Vec<_>>().join(", ")
    )]
    NotEmpty(Vec<(String, u64)>),
    /// The source database is not at this binary's schema.
    #[error("{0}")]
    Schema(String),
    /// A row that could not be read or stored (only meaningful with the line it came from).
    #[error("{0}")]
    Row(String),
    /// A stored value cannot be written out.
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for BackupError {
    fn from(error: diesel::result::Error) -> Self {
        BackupError::Store(error.into())
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// Told how far a long backup or restore has come (the CLI draws a progress bar).
pub trait Progress {
    fn start(&mut self, _total_rows: u64) {}
    fn table(&mut self, _name: &str) {}
    fn row(&mut self) {}
}

/// No progress reporting.
pub struct Quiet;
impl Progress for Quiet {}

/// The header line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The newest migration of the database the rows came from.
    pub schema: String,
    pub created_at: String,
    pub tables: Vec<TableRows>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRows {
    pub name: String,
    pub rows: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    end: String,
    rows: u64,
    sha256: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowLine {
    table: String,
    row: serde_json::Value,
}

/// What was written or restored: the schema and the rows of each table, in [`TABLES`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema: String,
    pub tables: Vec<TableRows>,
}

impl Summary {
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Writes a consistent backup of the whole database to `out`. The database must be at this
/// binary's schema (run `barometer migrate` first); it is only read.
pub fn backup(conn: &mut DbConn, out: &mut dyn Write, progress: &mut dyn Progress) -> Result<Summary, BackupError> {
    let backend = conn.backend();
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            // Must be the transaction's first statement: every read after it sees one snapshot.
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        // In SQLite's WAL mode the snapshot starts at this first read and lasts until the end.
        let schema = source_schema(conn)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            tables.push(TableRows { name: table.name.to_owned(), rows: (table.count)(conn)? });
        }
        let header = Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            schema: schema.clone(),
            created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            tables: tables.clone(),
        };
        let write_line = |out: &mut dyn Write, line: &str| -> Result<(), BackupError> {
            out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(io("writing the backup"))
        };
        write_line(out, &serde_json::to_string(&header).expect("the header serializes"))?;
        progress.start(tables.iter().map(|t| t.rows).sum());
        let mut hash = Sha256::new();
        let mut total = 0;
        for (table, expected) in TABLES.iter().zip(&tables) {
            progress.table(table.name);
            let written = (table.dump)(conn, &mut |row| {
                let line = format!("{{\"table\":\"{}\",\"row\":{row}}}", table.name);
                hash.update(line.as_bytes());
                hash.update(b"\n");
                progress.row();
                write_line(out, &line)
            })?;
            if written != expected.rows {
                // Cannot happen inside one snapshot; refuse rather than write an inconsistent file.
                return Err(BackupError::Corrupt(format!(
                    "{} changed during the backup ({} rows counted, {written} read)",
                    table.name, expected.rows
                )));
            }
            total += written;
        }
        let end = End { end: FORMAT.to_owned(), rows: total, sha256: hex::encode(hash.finalize()) };
        write_line(out, &serde_json::to_string(&end).expect("the end marker serializes"))?;
        out.flush().map_err(io("writing the backup"))?;
        Ok(Summary { schema, tables })
    })
}

/// [`backup`] into `path`, never leaving a half-written file there: the backup goes to a
/// temporary file in the same folder (readable by its owner only: it holds password and token
/// hashes), is synced to disk, and is renamed into place at the end.
pub fn backup_to_file(conn: &mut DbConn, path: &Path, progress: &mut dyn Progress) -> Result<Summary, BackupError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".barometer-backup-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(io(format!("creating a temporary file in {}", dir.display())))?;
    let summary = {
        let mut writer = BufWriter::new(temp.as_file_mut());
        let summary = backup(conn, &mut writer, progress)?;
        writer.flush().map_err(io("writing the backup"))?;
        summary
    };
    temp.as_file().sync_all().map_err(io("syncing the backup to disk"))?;
    temp.persist(path).map_err(|e| BackupError::Io { what: format!("renaming the backup to {}", path.display()), source: e.error })?;
    // The rename itself is durable once the folder is synced.
    #[cfg(unix)]
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(format!("syncing the folder {}", dir.display())))?;
    Ok(summary)
}

/// Restores `input` into the database behind `conn`: checks the header, applies this binary's
/// migrations, then (in one transaction) checks that every table is empty, inserts every row,
/// checks the counts and checksum, and moves PostgreSQL's sequences past the restored ids.
/// Any problem rolls everything back.
pub fn restore(conn: &mut DbConn, input: &mut dyn BufRead, progress: &mut dyn Progress) -> Result<Summary, BackupError> {
    let mut lines = Lines { input, number: 0, buffer: String::new() };
    let header = match lines.next()? {
        Some(line) => parse_header(line)?,
        None => return Err(BackupError::Format { line: 1, message: "the file is empty, not a barometer backup".into() }),
    };
    let expected: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    let listed: Vec<&str> = header.tables.iter().map(|t| t.name.as_str()).collect();
    if listed != expected {
        return Err(BackupError::Format {
            line: 1,
            message: format!(
                "the header lists the tables {listed:?}, but schema {} has {expected:?}: the file was edited or damaged",
                header.schema
            ),
        });
    }
    migrations::run_pending(conn)?;
    conn.transaction(|conn| {
        let filled: Vec<(String, u64)> = TABLES
            .iter()
            .map(|t| Ok((t.name.to_owned(), (t.count)(conn)?)))
            .filter(|r| !matches!(r, Ok((_, 0))))
            .collect::<Result<_, StoreError>>()?;
        if !filled.is_empty() {
            return Err(BackupError::NotEmpty(filled));
        }
        progress.start(header.tables.iter().map(|t| t.rows).sum());
        let mut counts = vec![0u64; TABLES.len()];
        let mut current = 0;
        let mut hash = Sha256::new();
        let end = loop {
            let number = lines.number + 1;
            let Some(line) = lines.next()? else {
                return Err(BackupError::Format {
                    line: number,
                    message: "the file ends before its end marker: it is truncated (was the backup interrupted, or the copy incomplete?)"
                        .into(),
                });
            };
            let bad = |message: String| BackupError::Format { line: number, message };
            if line.starts_with("{\"end\"") {
                break serde_json::from_str::<End>(line).map_err(|e| bad(format!("a damaged end marker: {e}")))?;
            }
            let row: RowLine =
                serde_json::from_str(line).map_err(|e| bad(format!("not a row of a barometer backup ({e}): the file is damaged")))?;
            let Some(index) = TABLES.iter().position(|t| t.name == row.table) else {
                return Err(bad(format!("a row of an unknown table {:?}: the file is damaged", row.table)));
            };
            if index < current {
                return Err(bad(format!("a row of {} after rows of {}: the file is out of order", row.table, TABLES[current].name)));
            }
            if index != current {
                current = index;
                progress.table(TABLES[index].name);
            }
            (TABLES[index].insert)(conn, row.row).map_err(|e| bad(format!("a row of {} cannot be restored: {e}", row.table)))?;
            hash.update(line.as_bytes());
            hash.update(b"\n");
            counts[index] += 1;
            progress.row();
        };
        let end_line = lines.number;
        while let Some(extra) = lines.next()? {
            if !extra.trim().is_empty() {
                return Err(BackupError::Format {
                    line: lines.number,
                    message: "more lines after the end marker: the file is damaged".into(),
                });
            }
        }
        let bad = |message: String| BackupError::Format { line: end_line, message };
        if end.end != FORMAT {
            return Err(bad(format!("the end marker says {:?}, not {FORMAT:?}", end.end)));
        }
        for ((table, listed), found) in TABLES.iter().zip(&header.tables).zip(&counts) {
            if listed.rows != *found {
                return Err(bad(format!(
                    "the header promises {} rows of {} but the file holds {found}: it is damaged",
                    listed.rows, table.name
                )));
            }
        }
        let total: u64 = counts.iter().sum();
        if end.rows != total || end.sha256 != hex::encode(hash.finalize()) {
            return Err(bad(format!("the rows do not match the end marker's count ({}) and checksum: the file is damaged", end.rows)));
        }
        advance_sequences(conn)?;
        Ok(Summary { schema: header.schema.clone(), tables: header.tables.clone() })
    })
}

/// [`restore`] from the file at `path`.
pub fn restore_from_file(conn: &mut DbConn, path: &Path, progress: &mut dyn Progress) -> Result<Summary, BackupError> {
    let file = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    restore(conn, &mut std::io::BufReader::new(file), progress)
}

/// Reads the header line and refuses a file this binary must not restore.
pub fn parse_header(line: &str) -> Result<Header, BackupError> {
    let not_a_backup = || BackupError::Format {
        line: 1,
        message: format!("not a barometer backup: the first line should be its header, {{\"format\":\"{FORMAT}\",…}}"),
    };
    let value: serde_json::Value = serde_json::from_str(line).map_err(|_| not_a_backup())?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_a_backup());
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) if v > u64::from(VERSION) => {
            return Err(BackupError::Incompatible(format!(
                "this backup is in format version {v}, newer than this barometer reads (version {VERSION}): restore it with the barometer release that wrote it, or a newer one"
            )));
        }
        _ => return Err(BackupError::Format { line: 1, message: "the header has no valid format version: the file is damaged".into() }),
    }
    let header: Header =
        serde_json::from_value(value).map_err(|e| BackupError::Format { line: 1, message: format!("a damaged header: {e}") })?;
    let latest = migrations::latest();
    if header.schema != latest {
        let known = migrations::names();
        return Err(BackupError::Incompatible(if known.contains(&header.schema) {
            format!(
                "this backup holds schema {}, older than this barometer's {latest}: restore it with the barometer release whose newest migration is {} into an empty database, then run this release on that database (it migrates it) and back up again",
                header.schema, header.schema
            )
        } else if header.schema.as_str() > latest.as_str() {
            format!(
                "this backup holds schema {}, newer than this barometer knows (its newest migration is {latest}): restore it with the barometer release that wrote it, or a newer one",
                header.schema
            )
        } else {
            format!(
                "this backup holds schema {}, which is none of this barometer's migrations: the file is damaged or from another program",
                header.schema
            )
        }));
    }
    Ok(header)
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The schema of the source: it must be exactly this binary's, or the rows would not fit.
/// Read with a plain query (not diesel's migration harness, which may create its table) so that
/// it works in a read-only transaction.
fn source_schema(conn: &mut DbConn) -> Result<String, BackupError> {
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<Version>(conn)
        .map_err(|e| {
            BackupError::Schema(format!("the database has no barometer schema ({e}): run `barometer migrate` on it, or check the URL"))
        })?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let known = migrations::versions();
    if let Some(unknown) = applied.iter().find(|v| !known.iter().any(|(version, _)| version == *v)) {
        return Err(BackupError::Schema(format!(
            "the database has migration {unknown}, which this barometer does not know: back it up with the newer barometer that serves it"
        )));
    }
    if let Some((_, missing)) = known.iter().find(|(version, _)| !applied.contains(version)) {
        return Err(BackupError::Schema(format!(
            "the database lacks migration {missing}: run `barometer migrate` first (or back it up with the barometer release that serves it)"
        )));
    }
    Ok(migrations::latest())
}

#[derive(QueryableByName)]
struct SerialColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// After rows were inserted with their ids, PostgreSQL's sequences must be moved past them, or
/// the next insert would reuse an id. (SQLite's AUTOINCREMENT follows explicit ids by itself.)
fn advance_sequences(conn: &mut DbConn) -> Result<(), BackupError> {
    if conn.backend() != Backend::Postgres {
        return Ok(());
    }
    let serials = diesel::sql_query(
        "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
    )
    .load::<SerialColumn>(conn)?;
    for serial in serials {
        let (table, column) = (serial.table_name.replace('"', "\"\""), serial.column_name.replace('"', "\"\""));
        conn.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence(quote_ident('{}'), '{}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)",
            table.replace('\'', "''"),
            column.replace('\'', "''"),
        ))?;
    }
    Ok(())
}

/// Lines of the input, numbered from 1, without their line ending.
struct Lines<'a> {
    input: &'a mut dyn BufRead,
    number: u64,
    buffer: String,
}

impl Lines<'_> {
    fn next(&mut self) -> Result<Option<&str>, BackupError> {
        self.buffer.clear();
        let read = self.input.read_line(&mut self.buffer).map_err(|e| BackupError::Format {
            line: self.number + 1,
            message: format!("cannot be read ({e}): the file is damaged or not a barometer backup"),
        })?;
        if read == 0 {
            return Ok(None);
        }
        self.number += 1;
        Ok(Some(self.buffer.trim_end_matches(['\n', '\r'])))
    }
}

/// Timestamps as ISO 8601 to the microsecond, the same text from both backends.
pub(crate) mod timestamp {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

    pub fn serialize<S: Serializer>(value: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&value.format(FORMAT))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
            .map_err(|e| serde::de::Error::custom(format!("{text:?} is not a timestamp like 2025-01-15T09:30:00.000000 ({e})")))
    }
}

/// [`timestamp`] for nullable columns.
pub(crate) mod timestamp_opt {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::timestamp::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::timestamp")] NaiveDateTime);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

/// Binary columns as standard base64 text (a JSON array of numbers would be four times larger).
pub(crate) mod bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(|e| serde::de::Error::custom(format!("not base64 ({e})")))
    }
}
