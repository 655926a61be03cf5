//! Loads the illustrative demo data set into an empty or partly loaded database.

use barometer_domain::demo::DemoDataSet;
use barometer_domain::{CycleStatus, ResponseStatus};
use chrono::{Days, NaiveDate};
use tracing::info;

use crate::responses::Save;
use crate::{DbConn, StoreError, assemblies, cycles, responses};

pub const ACTOR: &str = "system:demo";

/// What a load did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub assemblies: usize,
    pub cycles: usize,
    pub responses: usize,
    pub events: usize,
}

impl Loaded {
    pub fn is_empty(&self) -> bool {
        *self == Loaded::default()
    }
}

/// Whether the database holds no assemblies and no cycles (`serve --demo` loads only then).
pub fn is_empty(conn: &mut DbConn) -> Result<bool, StoreError> {
    Ok(assemblies::list(conn)?.is_empty() && cycles::list(conn)?.is_empty())
}

/// Adds whatever of the demo set is missing, and never touches what exists: loading twice
/// changes nothing, and a user's edits to demo records survive a reload. The open cycle's
/// window is moved to surround `today`, so that the demo always has a survey to answer.
pub fn load(conn: &mut DbConn, set: &DemoDataSet, today: NaiveDate) -> Result<Loaded, StoreError> {
    let mut loaded = Loaded::default();
    for assembly in &set.assemblies {
        if assemblies::find(conn, &assembly.code)?.is_none() {
            assemblies::insert(conn, assembly, ACTOR)?;
            loaded.assemblies += 1;
        }
    }
    if crate::meetings::presidencies(conn)?.is_empty() {
        for term in &set.presidencies {
            crate::meetings::record_presidency(conn, term, ACTOR)?;
        }
    }
    for meeting in &set.meetings {
        if crate::meetings::find(conn, meeting.number)?.is_none() {
            crate::meetings::insert(conn, meeting, ACTOR)?;
        }
    }
    for cycle in &set.cycles {
        let mut def = cycle.definition.clone();
        if cycle.status == CycleStatus::Open {
            let length = (def.closes_on - def.opens_on).num_days().max(30) as u64;
            def.opens_on = today.checked_sub_days(Days::new(length / 3)).unwrap_or(today);
            def.closes_on = def.opens_on.checked_add_days(Days::new(length)).unwrap_or(today);
        }
        if cycles::exists(conn, &def.label)? {
            continue;
        }
        cycles::insert(conn, &def, cycle.status, ACTOR)?;
        loaded.cycles += 1;
        for response in &cycle.responses {
            responses::save(
                conn,
                Save {
                    cycle: &def.label,
                    assembly: &response.assembly,
                    content: &response.content,
                    status: response.status,
                    expected_version: None,
                    actor: ACTOR,
                },
            )?;
            loaded.responses += 1;
        }
    }
    for event in &set.events {
        if !crate::calendar::event_exists(conn, &event.title, event.starts_on)? {
            crate::calendar::insert_event(conn, event, ACTOR)?;
            loaded.events += 1;
        }
    }
    if !loaded.is_empty() {
        info!(
            assemblies = loaded.assemblies,
            cycles = loaded.cycles,
            responses = loaded.responses,
            events = loaded.events,
            "demo data loaded"
        );
    }
    Ok(loaded)
}

/// The demo's open cycle and an assembly that has not submitted there yet (for the printed
/// focal-point link).
pub fn sample_focal_point(set: &DemoDataSet) -> Option<(barometer_domain::CycleLabel, barometer_domain::AssemblyCode)> {
    let cycle = set.cycles.iter().find(|c| c.status == CycleStatus::Open)?;
    let answered: Vec<_> = cycle.responses.iter().filter(|r| r.status == ResponseStatus::Submitted).map(|r| &r.assembly).collect();
    let assembly = set
        .assemblies
        .iter()
        .find(|a| a.code.as_str() == "PAM" && !answered.contains(&&a.code))
        .or_else(|| set.assemblies.iter().find(|a| !answered.contains(&&a.code)))?;
    Some((cycle.definition.label.clone(), assembly.code.clone()))
}
