//! The illustrative demo data set (`demo/demo.json`): the Mechanism's roster and three cycles
//! whose answers agree with what the outcome documents report. It is labelled as illustrative
//! wherever it is shown; the Mechanism's real answers are not public.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::membership::{Meeting, Presidency};
use crate::response::Purpose;
use crate::{Assembly, AssemblyCode, CycleDefinition, CycleStatus, FieldErrors, ResponseContent, ResponseInput, ResponseStatus};

const DEMO_JSON: &str = include_str!("../demo/demo.json");

#[derive(Debug, Clone)]
pub struct DemoDataSet {
    pub notice: String,
    pub assemblies: Vec<Assembly>,
    /// Terms of the Presidency, oldest first.
    pub presidencies: Vec<Presidency>,
    pub meetings: Vec<Meeting>,
    pub cycles: Vec<DemoCycle>,
    /// Secretariat events of the calendar (Mechanism meetings, UNOCT events).
    pub events: Vec<crate::calendar::Event>,
}

#[derive(Debug, Clone)]
pub struct DemoCycle {
    pub status: CycleStatus,
    pub definition: CycleDefinition,
    pub responses: Vec<DemoResponse>,
}

#[derive(Debug, Clone)]
pub struct DemoResponse {
    pub assembly: AssemblyCode,
    pub status: ResponseStatus,
    pub updated_at: DateTime<Utc>,
    pub content: ResponseContent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    notice: String,
    assemblies: Vec<Assembly>,
    #[serde(default)]
    presidencies: Vec<Presidency>,
    #[serde(default)]
    meetings: Vec<Meeting>,
    cycles: Vec<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    events: Vec<crate::calendar::EventInput>,
}

#[derive(Deserialize)]
struct RawResponseMeta {
    assembly: AssemblyCode,
    status: ResponseStatus,
    updated_at: DateTime<Utc>,
}

/// Parses and validates the compiled-in demo data set with the same rules as user input.
pub fn dataset() -> Result<DemoDataSet, FieldErrors> {
    parse(DEMO_JSON)
}

fn parse(text: &str) -> Result<DemoDataSet, FieldErrors> {
    let raw: RawSet = crate::cycle::deserialize_with_path(&mut serde_json::Deserializer::from_str(text))?;
    let mut cycles = Vec::new();
    for (i, mut map) in raw.cycles.into_iter().enumerate() {
        let at = |path: &str| format!("cycles[{i}].{path}");
        let status = map.remove("status").and_then(|s| s.as_str().map(str::to_owned)).unwrap_or_default();
        let status = CycleStatus::parse(&status).map_err(|e| FieldErrors::single(at("status"), e))?;
        let responses = map.remove("responses").unwrap_or(serde_json::Value::Array(vec![]));
        let definition: CycleDefinition =
            serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| FieldErrors::single(at(""), e.to_string()))?;
        definition.validate().map_err(|e| {
            let mut errors = FieldErrors::new();
            errors.merge_prefixed(&format!("cycles[{i}]"), e);
            errors
        })?;
        let serde_json::Value::Array(responses) = responses else {
            return Err(FieldErrors::single(at("responses"), "must be a list"));
        };
        let mut parsed = Vec::new();
        for (j, value) in responses.into_iter().enumerate() {
            let path = format!("cycles[{i}].responses[{j}]");
            let meta: RawResponseMeta = serde_json::from_value(value.clone()).map_err(|e| FieldErrors::single(&path, e.to_string()))?;
            let input: ResponseInput = serde_json::from_value(value).map_err(|e| FieldErrors::single(&path, e.to_string()))?;
            let purpose = if meta.status == ResponseStatus::Submitted { Purpose::Submit } else { Purpose::Draft };
            let content = input.validate(&definition, purpose).map_err(|e| {
                let mut errors = FieldErrors::new();
                errors.merge_prefixed(&path, e);
                errors
            })?;
            parsed.push(DemoResponse { assembly: meta.assembly, status: meta.status, updated_at: meta.updated_at, content });
        }
        cycles.push(DemoCycle { status, definition, responses: parsed });
    }
    for (i, term) in raw.presidencies.iter().enumerate() {
        term.validate().map_err(|e| {
            let mut errors = FieldErrors::new();
            errors.merge_prefixed(&format!("presidencies[{i}]"), e);
            errors
        })?;
    }
    for (i, meeting) in raw.meetings.iter().enumerate() {
        meeting.validate().map_err(|e| {
            let mut errors = FieldErrors::new();
            errors.merge_prefixed(&format!("meetings[{i}]"), e);
            errors
        })?;
    }
    let mut events = Vec::new();
    for (i, input) in raw.events.iter().enumerate() {
        events.push(input.validate().map_err(|e| {
            let mut errors = FieldErrors::new();
            errors.merge_prefixed(&format!("events[{i}]"), e);
            errors
        })?);
    }
    Ok(DemoDataSet {
        notice: raw.notice,
        assemblies: raw.assemblies,
        presidencies: raw.presidencies,
        meetings: raw.meetings,
        cycles,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_set_obeys_every_rule() {
        let set = dataset().unwrap_or_else(|e| panic!("demo data is invalid: {e}"));
        assert_eq!(set.assemblies.len(), 17);
        assert!(set.notice.to_lowercase().contains("illustrative"));
        assert!(set.events.iter().any(|e| e.title.starts_with("Seventh Meeting of the Coordination Mechanism")));
        for assembly in &set.assemblies {
            assembly.validate().unwrap();
        }
        for cycle in &set.cycles {
            for response in &cycle.responses {
                assert!(
                    set.assemblies.iter().any(|a| a.code == response.assembly && a.is_member_on(cycle.definition.opens_on)),
                    "{} answers {} without being a member",
                    response.assembly,
                    cycle.definition.label
                );
            }
        }
    }

    #[test]
    fn the_2025_cycle_has_13_respondents_of_17_members() {
        let set = dataset().unwrap();
        let cycle = set.cycles.iter().find(|c| c.definition.label.as_str() == "2025").expect("a 2025 cycle");
        let members = set.assemblies.iter().filter(|a| a.is_member_on(cycle.definition.opens_on)).count();
        let submitted = cycle.responses.iter().filter(|r| r.status == ResponseStatus::Submitted).count();
        assert_eq!((members, submitted), (17, 13));
    }

    #[test]
    fn pam_holds_the_presidency_from_the_sixth_meeting() {
        let set = dataset().unwrap();
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(crate::membership::presidency_on(&set.presidencies, day("2024-12-05")).unwrap().assembly.as_str(), "OSCE-PA");
        assert_eq!(crate::membership::presidency_on(&set.presidencies, day("2024-12-06")).unwrap().assembly.as_str(), "PAM");
        let sixth = set.meetings.iter().find(|m| m.number == 6).expect("the Sixth Meeting");
        assert_eq!((sixth.date, sixth.venue.as_str()), (day("2024-12-06"), "Rome"));
        assert!(set.meetings.iter().any(|m| m.number == 7));
    }
}
