//! Synthetic cycles of any size, for benchmarks and load tests: the demo data set's
//! questionnaires (15 themes, 13 regions with sub-regions and country lists, `ai-tech` replacing
//! `new-tech`) answered by as many invented respondents as asked, reproducibly from a seed.

use barometer_domain::CycleDefinition;
use barometer_domain::cycle_data::{ActivityRows, ActivityTags, Columns, CycleData, RegionRows, ThemeRows};

use crate::rng::SplitMix64;

/// Two consecutive synthetic cycles (the demo's 2023-24 and 2025 questionnaires), each with
/// about `theme_rows` ranked-theme rows, for Table 1, Table 2 and the comparison.
pub fn pair(theme_rows: usize, seed: u64) -> (CycleData, CycleData) {
    let set = barometer_domain::demo::dataset().expect("the compiled-in demo data set is valid");
    let definition =
        |label: &str| set.cycles.iter().find(|c| c.definition.label.as_str() == label).map(|c| c.definition.clone()).expect("demo cycles");
    (cycle(definition("2023-24"), theme_rows, seed), cycle(definition("2025"), theme_rows, seed.wrapping_add(1)))
}

/// A synthetic cycle over `definition`: every respondent ranks `max_ranked_themes` themes
/// (popularity skewed, differently for each seed), names one to three regions, and plans zero to
/// three activities tagged with one or two regions each.
pub fn cycle(definition: CycleDefinition, theme_rows: usize, seed: u64) -> CycleData {
    let mut rng = SplitMix64::new(seed);
    let themes = definition.questionnaire.themes.len();
    let regions = definition.questionnaire.regions.len();
    let per_respondent = usize::from(definition.max_ranked_themes).min(themes).max(1);
    let respondents = theme_rows.div_ceil(per_respondent);
    let theme_weights = skewed(themes, &mut rng);
    let region_weights = skewed(regions, &mut rng);

    let mut c = Columns {
        respondents: u32::try_from(respondents).expect("fewer than 2^32 respondents"),
        themes: ThemeRows {
            respondent: Vec::with_capacity(respondents * per_respondent),
            theme: Vec::with_capacity(respondents * per_respondent),
            rank: Vec::with_capacity(respondents * per_respondent),
        },
        regions: RegionRows { respondent: Vec::with_capacity(respondents * 2), region: Vec::with_capacity(respondents * 2) },
        activities: ActivityRows {
            respondent: Vec::with_capacity(respondents * 3 / 2),
            tags: ActivityTags { activity: Vec::with_capacity(respondents * 9 / 4), region: Vec::with_capacity(respondents * 9 / 4) },
        },
    };
    let mut picked = Vec::with_capacity(per_respondent);
    for respondent in 0..c.respondents {
        draw(&theme_weights, per_respondent, &mut rng, &mut picked);
        for (position, &theme) in picked.iter().enumerate() {
            c.themes.respondent.push(respondent);
            c.themes.theme.push(theme);
            c.themes.rank.push(position as u8 + 1);
        }
        if regions == 0 {
            continue;
        }
        draw(&region_weights, 1 + rng.below(3.min(regions)), &mut rng, &mut picked);
        for &region in &picked {
            c.regions.respondent.push(respondent);
            c.regions.region.push(region);
        }
        for _ in 0..rng.below(4) {
            let activity = u32::try_from(c.activities.respondent.len()).expect("fewer than 2^32 activities");
            c.activities.respondent.push(respondent);
            draw(&region_weights, 1 + rng.below(2.min(regions)), &mut rng, &mut picked);
            for &region in &picked {
                c.activities.tags.activity.push(activity);
                c.activities.tags.region.push(region);
            }
        }
    }
    let members = c.respondents + c.respondents / 4;
    CycleData::from_columns(definition, members, c).expect("synthetic columns keep every invariant")
}

/// Cumulative weights 1/1, 1/2, 1/3, … over a seed-dependent order of the items.
fn skewed(items: usize, rng: &mut SplitMix64) -> Vec<u64> {
    let mut order: Vec<usize> = (0..items).collect();
    for i in (1..items).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut weights = vec![0u64; items];
    for (position, &item) in order.iter().enumerate() {
        weights[item] = 1_000_000 / (position as u64 + 1);
    }
    let mut total = 0;
    for w in &mut weights {
        total += *w;
        *w = total;
    }
    weights
}

/// `count` distinct items by weight, into `out`.
fn draw(cumulative: &[u64], count: usize, rng: &mut SplitMix64, out: &mut Vec<u32>) {
    out.clear();
    let total = cumulative.last().copied().unwrap_or(0);
    let count = count.min(cumulative.len());
    while out.len() < count {
        let x = rng.below(total as usize) as u64;
        let item = cumulative.partition_point(|&c| c <= x) as u32;
        if !out.contains(&item) {
            out.push(item);
        }
    }
}
