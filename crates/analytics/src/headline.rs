//! Headline figures, in the style of "Counter-Terrorism Compact in numbers".

use std::collections::BTreeSet;

use barometer_domain::cycle_data::CycleData;
use barometer_domain::results::Headline;

/// Members, respondents, response rate (4 decimals), distinct themes ranked, distinct regions
/// named (as named, before any roll-up), planned activities, and countries covered (those with
/// at least one assembly in Table 2's per-country coverage).
///
/// One pass over the index columns in plain Rust: these are distinct counts over small code
/// lists, cheaper than building a query.
pub fn headline(data: &CycleData) -> Headline {
    let q = &data.definition().questionnaire;
    let mut themes = vec![false; q.themes.len()];
    for &t in &data.themes().theme {
        themes[t as usize] = true;
    }
    let mut regions = vec![false; q.regions.len()];
    for &r in &data.regions().region {
        regions[r as usize] = true;
    }
    let countries: BTreeSet<&str> = q
        .regions
        .iter()
        .zip(&regions)
        .filter(|(_, named)| **named)
        .flat_map(|(region, _)| region.countries.iter().map(|c| c.as_str()))
        .collect();
    let count = |flags: &[bool]| flags.iter().filter(|f| **f).count() as u32;
    let response_rate =
        if data.members() == 0 { 0.0 } else { (f64::from(data.respondents()) / f64::from(data.members()) * 10_000.0).round() / 10_000.0 };
    Headline {
        cycle: data.definition().label.clone(),
        members: data.members(),
        respondents: data.respondents(),
        response_rate,
        themes_ranked: count(&themes),
        regions_named: count(&regions),
        activities_planned: u32::try_from(data.activities().respondent.len()).unwrap_or(u32::MAX),
        countries_covered: u32::try_from(countries.len()).unwrap_or(u32::MAX),
    }
}
