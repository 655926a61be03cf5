//! Importing a past cycle's responses from a spreadsheet, for the API and the cycle page (the
//! CLI's `barometer import` does the same with the same crates): all or nothing, every bad row
//! reported with its sheet, row and column.

use std::collections::BTreeSet;

use barometer_analytics::import::{CodeMap, ImportError, ImportOptions};
use barometer_domain::{AssemblyCode, CycleLabel, FieldErrors, Role};
use barometer_store::cycles::StoredCycle;
use barometer_store::responses::Imported;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// What an import request carries.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// `old=new` pairs.
    pub map: Vec<String>,
    pub dry_run: bool,
}

/// Checks the file and, unless it is a dry run, stores every response in one write (one
/// transaction).
/// Returns how many responses were valid and what the store did with them.
pub async fn run(state: &AppState, caller: &Caller, label: CycleLabel, upload: Upload) -> Result<(usize, Option<Imported>), ApiError> {
    caller.require(&[Role::Secretariat])?;
    let mut map = CodeMap::default();
    for pair in &upload.map {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let Some((old, new)) = pair.split_once('=') else {
            return Err(ApiError::invalid(FieldErrors::single("map", format!("{pair:?}: write OLD=NEW, e.g. new-tech=ai-tech"))));
        };
        map.insert(old.trim(), new.trim());
    }
    let actor = caller.actor();
    // 1. What the file is checked against: the cycle's questionnaire and its members.
    let read_label = label.clone();
    let (cycle, members) = state
        .db(move |conn| {
            let Some(cycle) = barometer_store::cycles::find(conn, &read_label)? else { return Ok(None) };
            let members = member_codes(conn, &cycle)?;
            Ok(Some((cycle, members)))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("cycle {label}")))?;
    // 2. Reading and checking the file is CPU work on a thread of its own: it holds up neither
    //    a worker nor the database.
    let checked_against = (cycle.definition.clone(), members.clone());
    let rows = state
        .compute(move || {
            let options = ImportOptions { map, assemblies: Some(members) };
            barometer_analytics::import::import_file(&upload.file_name, &upload.bytes, &cycle.definition, &options)
        })
        .await?
        .map_err(|errors| file_errors(&errors))?;
    let count = rows.len();
    if upload.dry_run {
        return Ok((count, None));
    }
    // 3. Storing is one write, through the writer like every other (on SQLite it takes its turn
    //    among the submissions rather than competing with them for the lock). What the file was
    //    checked against is read again inside it: an edit in between refuses the import whole.
    let responses: Vec<_> = rows.into_iter().map(|r| (r.assembly, r.content)).collect();
    let written = state
        .write(move |conn| {
            let now = barometer_store::cycles::find(conn, &label)?;
            let unchanged = match &now {
                Some(cycle) => (&cycle.definition, &member_codes(conn, cycle)?) == (&checked_against.0, &checked_against.1),
                None => false,
            };
            if !unchanged {
                return Ok(Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!(
                        "cycle {label} or its members changed while the file was being checked; nothing was stored: send the file again"
                    ),
                )));
            }
            Ok(Ok(barometer_store::responses::import_all(conn, &label, &responses, &format!("{actor}:import"))?))
        })
        .await??;
    Ok((count, Some(written)))
}

/// The codes of the assemblies that are members of `cycle`.
fn member_codes(conn: &mut barometer_store::DbConn, cycle: &StoredCycle) -> Result<BTreeSet<AssemblyCode>, barometer_store::StoreError> {
    Ok(barometer_store::assemblies::members_on(conn, cycle.definition.opens_on)?.into_iter().map(|a| a.code).collect())
}

/// Every problem of the file, each with its sheet, row and column.
fn file_errors(errors: &[ImportError]) -> ApiError {
    let mut fields = FieldErrors::new();
    for e in errors {
        let place = if e.row == 0 { e.sheet.clone() } else { format!("{} row {}, column {}", e.sheet, e.row, e.column) };
        fields.add(place, e.reason.clone());
    }
    let mut error = ApiError::invalid(fields);
    error.message = format!("the file cannot be imported ({} problem(s)); nothing was stored", errors.len());
    error
}
