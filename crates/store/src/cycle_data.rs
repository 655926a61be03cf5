//! A cycle's submitted answers, loaded for the analytics as [`CycleData`].

use barometer_domain::CycleLabel;
use barometer_domain::cycle_data::CycleData;

use crate::error::corrupt;
use crate::{DbConn, StoreError, assemblies, cycles, responses};

/// The cycle's definition, its number of members (the roster on the day it opens) and its
/// submitted responses; `None` when there is no such cycle. Drafts never reach the results.
pub fn load(conn: &mut DbConn, label: &CycleLabel) -> Result<Option<CycleData>, StoreError> {
    let Some(cycle) = cycles::find(conn, label)? else {
        return Ok(None);
    };
    let members = assemblies::members_on(conn, cycle.definition.opens_on)?.len();
    let members = u32::try_from(members).map_err(|e| corrupt("assemblies", e))?;
    let submitted = responses::submitted(conn, label)?;
    let data = CycleData::from_responses(cycle.definition, members, submitted.iter().map(|r| (&r.assembly, &r.content)))
        .map_err(|e| corrupt("responses", e))?;
    Ok(Some(data))
}
