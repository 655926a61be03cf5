//! Importing a past cycle's responses from a spreadsheet, for the API and the cycle page (the
//! CLI's `barometer import` does the same with the same crates): all or nothing, every bad row
//! reported with its sheet, row and column.

use barometer_analytics::import::{CodeMap, ImportOptions};
use barometer_domain::{CycleLabel, FieldErrors, Role};
use barometer_store::responses::Imported;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// What an import request carries.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// `old=new` pairs.
    pub map: Vec<String>,
    pub dry_run: bool,
}

/// Checks the file and, unless it is a dry run, stores every response in one transaction.
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
    let shown = label.clone();
    let outcome = state
        .db(move |conn| {
            let Some(cycle) = barometer_store::cycles::find(conn, &label)? else { return Ok(None) };
            let members = barometer_store::assemblies::members_on(conn, cycle.definition.opens_on)?;
            let options = ImportOptions { map, assemblies: Some(members.iter().map(|a| a.code.clone()).collect()) };
            let parsed = barometer_analytics::import::import_file(&upload.file_name, &upload.bytes, &cycle.definition, &options);
            let rows = match parsed {
                Ok(rows) => rows,
                Err(errors) => return Ok(Some(Err(errors))),
            };
            let count = rows.len();
            if upload.dry_run {
                return Ok(Some(Ok((count, None))));
            }
            let responses: Vec<_> = rows.into_iter().map(|r| (r.assembly, r.content)).collect();
            let done = barometer_store::responses::import_all(conn, &label, &responses, &format!("{actor}:import"))?;
            Ok(Some(Ok((count, Some(done)))))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("cycle {shown}")))?;
    outcome.map_err(|errors| {
        let mut fields = FieldErrors::new();
        for e in &errors {
            let place = if e.row == 0 { e.sheet.clone() } else { format!("{} row {}, column {}", e.sheet, e.row, e.column) };
            fields.add(place, e.reason.clone());
        }
        let mut error = ApiError::invalid(fields);
        error.message = format!("the file cannot be imported ({} problem(s)); nothing was stored", errors.len());
        error
    })
}
