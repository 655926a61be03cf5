//! Invariants on random cycles, checked against a plain-Rust recomputation.

use std::collections::{BTreeMap, BTreeSet};

use barometer_analytics::{CycleData, compare, priorities, regions};
use barometer_domain::cycle_data::{ActivityRows, ActivityTags, Columns, RegionRows, ThemeRows};
use barometer_domain::questionnaire::{Questionnaire, RegionDef, ThemeDef, default_activity_kinds};
use barometer_domain::results::Movement;
use barometer_domain::{CycleDefinition, CycleLabel, Iso3, Labels, Lang, RegionCode, ThemeCode, Tiers};
use proptest::prelude::*;

const COUNTRIES: [&str; 12] = ["MLI", "NER", "BFA", "DZA", "EGY", "FRA", "ITA", "DEU", "IDN", "MYS", "BRA", "MEX"];

/// One respondent: ranked themes (distinct), named regions (distinct), each activity's region tags.
type Answer = (Vec<usize>, Vec<usize>, Vec<Vec<usize>>);

/// A random questionnaire shape and random answers, as plain numbers.
#[derive(Debug, Clone)]
struct Shape {
    themes: usize,
    max: u8,
    /// Parent of each region: an earlier region or none (so no loops).
    parents: Vec<Option<usize>>,
    countries: Vec<Vec<usize>>,
    answers: Vec<Answer>,
}

fn distinct(pool: usize, max: usize) -> impl Strategy<Value = Vec<usize>> {
    Just((0..pool).collect::<Vec<_>>()).prop_shuffle().prop_flat_map(move |all| (0..=max.min(pool)).prop_map(move |k| all[..k].to_vec()))
}

fn shape(min_regions: usize, max_regions: usize) -> impl Strategy<Value = Shape> {
    (1usize..8, min_regions..=max_regions).prop_flat_map(|(themes, regions)| {
        let parents =
            (0..regions).map(|i| if i == 0 { Just(None).boxed() } else { proptest::option::of(0..i).boxed() }).collect::<Vec<_>>();
        let countries = proptest::collection::vec(distinct(COUNTRIES.len(), 4), regions);
        (1u8..=themes as u8, Just(themes), parents, countries).prop_flat_map(move |(max, themes, parents, countries)| {
            let answer = (distinct(themes, max as usize), distinct(regions, 4), proptest::collection::vec(distinct(regions, 3), 0..3));
            proptest::collection::vec(answer, 0..25).prop_map(move |answers| Shape {
                themes,
                max,
                parents: parents.clone(),
                countries: countries.clone(),
                answers,
            })
        })
    })
}

fn label(i: usize) -> Labels {
    Labels::new(format!("Item {i}"))
}

fn definition(s: &Shape, label_text: &str) -> CycleDefinition {
    let themes =
        (0..s.themes).map(|i| ThemeDef { code: ThemeCode::parse(&format!("t{i}")).unwrap(), labels: label(i), replaces: vec![] }).collect();
    let regions = (0..s.parents.len())
        .map(|i| RegionDef {
            code: RegionCode::parse(&format!("r{i}")).unwrap(),
            labels: label(i),
            parent: s.parents[i].map(|p| RegionCode::parse(&format!("r{p}")).unwrap()),
            countries: s.countries[i].iter().map(|&c| Iso3::parse(COUNTRIES[c]).unwrap()).collect(),
        })
        .collect();
    CycleDefinition {
        label: CycleLabel::parse(label_text).unwrap(),
        opens_on: "2025-01-01".parse().unwrap(),
        closes_on: "2025-02-01".parse().unwrap(),
        max_ranked_themes: s.max,
        tiers: Tiers::default(),
        questionnaire: Questionnaire { themes, regions, activity_kinds: default_activity_kinds() },
    }
}

fn data(s: &Shape) -> CycleData {
    let mut c = Columns { respondents: s.answers.len() as u32, ..Default::default() };
    let (t, r): (&mut ThemeRows, &mut RegionRows) = (&mut c.themes, &mut c.regions);
    let a: &mut ActivityRows = &mut c.activities;
    for (i, (themes, regions, activities)) in s.answers.iter().enumerate() {
        for (position, &theme) in themes.iter().enumerate() {
            t.respondent.push(i as u32);
            t.theme.push(theme as u32);
            t.rank.push(position as u8 + 1);
        }
        for &region in regions {
            r.respondent.push(i as u32);
            r.region.push(region as u32);
        }
        for tags in activities {
            let id = a.respondent.len() as u32;
            a.respondent.push(i as u32);
            let ActivityTags { activity, region } = &mut a.tags;
            for &tag in tags {
                activity.push(id);
                region.push(tag as u32);
            }
        }
    }
    CycleData::from_columns(definition(s, "2025"), s.answers.len() as u32 + 2, c).unwrap()
}

/// Region `i` and everything above it.
fn ancestors(s: &Shape, mut i: usize) -> Vec<usize> {
    let mut out = vec![i];
    while let Some(p) = s.parents[i] {
        out.push(p);
        i = p;
    }
    out
}

fn check(s: &Shape) -> Result<(), TestCaseError> {
    let d = data(s);
    let n = s.answers.len() as u32;
    let t1 = priorities(&d, Lang::En).unwrap();
    prop_assert_eq!(t1.rows.len(), s.themes);
    for row in &t1.rows {
        prop_assert!((0.0..=1.0).contains(&row.share), "share {}", row.share);
    }
    // Points: a respondent ranking k themes gives N + (N − 1) + … + (N + 1 − k).
    let n_plus_one = u32::from(s.max) + 1;
    let implied: u32 = s.answers.iter().map(|(themes, _, _)| (1..=themes.len() as u32).map(|r| n_plus_one - r).sum::<u32>()).sum();
    prop_assert_eq!(t1.rows.iter().map(|r| r.points).sum::<u32>(), implied);
    // Ranks: 1 + the number of themes strictly ahead on (points, assemblies).
    for row in &t1.rows {
        let ahead = t1.rows.iter().filter(|o| (o.points, o.assemblies) > (row.points, row.assemblies)).count() as u32;
        prop_assert_eq!(row.rank, ahead + 1);
    }

    let t2 = regions(&d, Lang::En).unwrap();
    let mut expected_assemblies: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut expected_activities: BTreeMap<usize, BTreeSet<(usize, usize)>> = BTreeMap::new();
    let mut expected_countries: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (i, (_, named, activities)) in s.answers.iter().enumerate() {
        for &region in named {
            for a in ancestors(s, region) {
                expected_assemblies.entry(a).or_default().insert(i);
            }
            for &c in &s.countries[region] {
                expected_countries.entry(COUNTRIES[c]).or_default().insert(i);
            }
        }
        for (j, tags) in activities.iter().enumerate() {
            for &region in tags {
                for a in ancestors(s, region) {
                    expected_activities.entry(a).or_default().insert((i, j));
                }
            }
        }
    }
    prop_assert_eq!(t2.rows.len(), s.parents.len());
    for row in &t2.rows {
        let i: usize = row.region.as_str()[1..].parse().unwrap();
        prop_assert!((0.0..=1.0).contains(&row.share));
        prop_assert!(row.assemblies <= n, "an assembly counts at most once per region");
        prop_assert_eq!(row.assemblies as usize, expected_assemblies.get(&i).map_or(0, BTreeSet::len), "region r{}", i);
        prop_assert_eq!(row.activities as usize, expected_activities.get(&i).map_or(0, BTreeSet::len), "activities r{}", i);
    }
    for c in &t2.countries {
        prop_assert!(c.assemblies <= n, "coverage {} > respondents {}", c.assemblies, n);
    }
    let countries: BTreeMap<&str, u32> = t2.countries.iter().map(|c| (c.iso3.as_str(), c.assemblies)).collect();
    let expected: BTreeMap<&str, u32> = expected_countries.iter().map(|(k, v)| (*k, v.len() as u32)).collect();
    prop_assert_eq!(countries, expected);

    let same = compare(&d, &d, Lang::En).unwrap();
    prop_assert_eq!(same.rows.len(), s.themes);
    prop_assert!(same.rows.iter().all(|r| r.movement == Movement::Same && r.rank_change == Some(0) && r.share_change == Some(0.0)));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn tables_keep_their_invariants(s in shape(1, 10)) {
        check(&s)?;
    }

    /// More than 64 regions: the masks span several words.
    #[test]
    fn tables_keep_their_invariants_beyond_64_regions(s in shape(65, 150)) {
        check(&s)?;
    }
}
