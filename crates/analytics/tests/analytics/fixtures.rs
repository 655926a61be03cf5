//! Builders for small cycles written by hand.

use barometer_analytics::CycleData;
use barometer_domain::response::{ActivityInput, LocationInput, Purpose};
use barometer_domain::{AssemblyCode, CycleDefinition, ResponseContent, ResponseInput};

pub fn cycle(json: &str) -> CycleDefinition {
    CycleDefinition::from_json(json).unwrap_or_else(|e| panic!("fixture cycle is invalid: {e}"))
}

/// An activity on 2024-02-01 in Rome, tagged with `regions`.
pub fn activity(title: &str, regions: &[&str]) -> ActivityInput {
    ActivityInput {
        title: title.into(),
        kind: "conference".into(),
        starts_on: "2024-02-01".into(),
        location: Some(LocationInput { city: "Rome".into(), country: "ITA".into() }),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    }
}

pub struct Answer<'a> {
    pub assembly: &'a str,
    pub themes: &'a [&'a str],
    pub regions: &'a [&'a str],
    pub activities: Vec<ActivityInput>,
}

pub fn answer<'a>(assembly: &'a str, themes: &'a [&'a str], regions: &'a [&'a str]) -> Answer<'a> {
    Answer { assembly, themes, regions, activities: vec![] }
}

/// Cycle data from answers, each validated as a submission.
pub fn data(definition: CycleDefinition, members: u32, answers: Vec<Answer<'_>>) -> CycleData {
    let validated: Vec<(AssemblyCode, ResponseContent)> = answers
        .into_iter()
        .map(|a| {
            let input = ResponseInput::new(
                a.themes.iter().map(|s| s.to_string()).collect(),
                a.regions.iter().map(|s| s.to_string()).collect(),
                a.activities,
                String::new(),
            );
            let content = input.validate(&definition, Purpose::Submit).unwrap_or_else(|e| panic!("{}: {e}", a.assembly));
            (AssemblyCode::parse(a.assembly).unwrap(), content)
        })
        .collect();
    CycleData::from_responses(definition, members, validated.iter().map(|(a, c)| (a, c))).unwrap()
}

/// The demo data set's cycle `label`, with its submitted responses only.
pub fn demo(label: &str) -> CycleData {
    let set = barometer_domain::demo::dataset().unwrap();
    let cycle = set.cycles.iter().find(|c| c.definition.label.as_str() == label).unwrap();
    let members = set.assemblies.iter().filter(|a| a.is_member_on(cycle.definition.opens_on)).count() as u32;
    let submitted = cycle.responses.iter().filter(|r| r.status == barometer_domain::ResponseStatus::Submitted);
    CycleData::from_responses(cycle.definition.clone(), members, submitted.map(|r| (&r.assembly, &r.content))).unwrap()
}
