//! A data set small enough to work out by hand; every expected number below was computed on
//! paper, and the comments show the arithmetic.

use barometer_analytics::{CycleData, compare, headline, priorities, regions};
use barometer_domain::Lang;
use barometer_domain::response::ActivityInput;
use barometer_domain::results::{Movement, RankShare, Tier};

use crate::fixtures::{activity, answer, cycle, data};

const LATER: &str = r#"{
    "label": "2024", "opens_on": "2024-01-01", "closes_on": "2024-03-31", "max_ranked_themes": 3,
    "themes": [
        {"code": "alpha", "labels": {"en": "Alpha", "fr": "Alpha (fr)"}},
        {"code": "beta", "labels": {"en": "Beta"}},
        {"code": "gamma", "labels": {"en": "Gamma"}, "replaces": ["old-gamma"]},
        {"code": "delta", "labels": {"en": "Delta"}},
        {"code": "epsilon", "labels": {"en": "Epsilon"}},
        {"code": "zeta", "labels": {"en": "Zeta"}}
    ],
    "regions": [
        {"code": "africa", "labels": {"en": "Africa"}, "countries": ["DZA", "MLI", "NER"]},
        {"code": "europe", "labels": {"en": "Europe"}, "countries": ["FRA", "ITA"]},
        {"code": "sahel", "labels": {"en": "Sahel"}, "parent": "africa", "countries": ["MLI", "NER", "BFA"]},
        {"code": "global", "labels": {"en": "Global"}}
    ]
}"#;

const EARLIER: &str = r#"{
    "label": "2023", "opens_on": "2023-01-01", "closes_on": "2023-03-31", "max_ranked_themes": 3,
    "themes": [
        {"code": "alpha", "labels": {"en": "Alpha"}},
        {"code": "beta", "labels": {"en": "Beta"}},
        {"code": "old-gamma", "labels": {"en": "Old gamma"}},
        {"code": "delta", "labels": {"en": "Delta"}},
        {"code": "omega", "labels": {"en": "Omega"}}
    ],
    "regions": [{"code": "global", "labels": {"en": "Global"}}]
}"#;

/// Four respondents of six members, at most three themes each (points 3, 2, 1).
fn later() -> CycleData {
    let mut cancelled = activity("A4", &["europe"]);
    cancelled.status = Some("cancelled".into());
    let with = |mut a: crate::fixtures::Answer<'static>, activities: Vec<ActivityInput>| {
        a.activities = activities;
        a
    };
    data(
        cycle(LATER),
        6,
        vec![
            with(
                answer("PAM", &["alpha", "beta", "gamma"], &["sahel", "europe"]),
                vec![activity("A0", &["sahel", "africa"]), activity("A1", &["europe"])],
            ),
            with(answer("EP", &["beta", "alpha", "delta"], &["africa", "sahel"]), vec![activity("A2", &["sahel"])]),
            with(answer("APF", &["alpha", "gamma", "beta"], &["europe"]), vec![activity("A3", &[]), cancelled]),
            answer("AIPA", &["gamma", "epsilon", "delta"], &["global"]),
        ],
    )
}

/// Three respondents of the earlier cycle.
fn earlier() -> CycleData {
    data(
        cycle(EARLIER),
        5,
        vec![
            answer("PAM", &["beta", "omega", "alpha"], &["global"]),
            answer("EP", &["omega", "beta", "delta"], &[]),
            answer("APF", &["old-gamma", "beta", "alpha"], &[]),
        ],
    )
}

#[test]
fn table_1_matches_the_hand_worked_numbers() {
    let t = priorities(&later(), Lang::En).unwrap();
    assert_eq!((t.cycle.as_str(), t.respondents, t.members), ("2024", 4, 6));
    // theme    ranks given        points            assemblies  share      mean rank
    // alpha    1 (PAM) 2 (EP) 1   3 + 2 + 3 = 8     3           3/4 .75    4/3 = 1.33
    // beta     2, 1, 3            2 + 3 + 1 = 6     3           .75        6/3 = 2.00
    // gamma    3, 2, 1            1 + 2 + 3 = 6     3           .75        6/3 = 2.00
    // delta    3 (EP), 3 (AIPA)   1 + 1 = 2         2           .5         6/2 = 3.00
    // epsilon  2 (AIPA)           2                 1           .25        2.00
    // zeta     —                  0                 0           0          null
    // beta and gamma tie exactly (6 points, 3 assemblies): both rank 2, by code; delta and
    // epsilon tie on points only, so delta (more assemblies) is 4th and epsilon 5th.
    // Tiers at 0.5 / 0.25: .75 and .5 are primary, .25 secondary, 0 other.
    let expected = [
        (1, "alpha", 3, 0.75, 8, Some(1.33), Tier::Primary),
        (2, "beta", 3, 0.75, 6, Some(2.0), Tier::Primary),
        (2, "gamma", 3, 0.75, 6, Some(2.0), Tier::Primary),
        (4, "delta", 2, 0.5, 2, Some(3.0), Tier::Primary),
        (5, "epsilon", 1, 0.25, 2, Some(2.0), Tier::Secondary),
        (6, "zeta", 0, 0.0, 0, None, Tier::Other),
    ];
    let actual: Vec<_> = t.rows.iter().map(|r| (r.rank, r.theme.as_str(), r.assemblies, r.share, r.points, r.mean_rank, r.tier)).collect();
    assert_eq!(actual, expected);
    // 4 respondents × (3 + 2 + 1) = 24 points in all.
    assert_eq!(t.rows.iter().map(|r| r.points).sum::<u32>(), 24);
}

#[test]
fn labels_come_in_the_requested_language_or_english() {
    let t = priorities(&later(), Lang::Fr).unwrap();
    assert_eq!(t.rows[0].label, "Alpha (fr)");
    assert_eq!(t.rows[1].label, "Beta", "no French label: English");
}

#[test]
fn table_2_matches_the_hand_worked_numbers() {
    let t = regions(&later(), Lang::En).unwrap();
    // named:   PAM sahel, europe · EP africa, sahel · APF europe · AIPA global
    // africa   PAM (through sahel), EP (africa and sahel: once)   2   2/4 = .5
    // sahel    PAM, EP                                             2   .5
    // europe   PAM, APF                                            2   .5
    // global   AIPA                                                1   .25
    // activities (A4 is cancelled, A3 has no region):
    // africa   A0 (sahel and africa: once), A2 (sahel)   2
    // sahel    A0, A2                                      2
    // europe   A1                                          1
    // Rows in questionnaire order with each sub-region after its parent.
    let rows: Vec<_> =
        t.rows.iter().map(|r| (r.region.as_str(), r.parent.as_ref().map(|p| p.as_str()), r.assemblies, r.share, r.activities)).collect();
    assert_eq!(
        rows,
        [("africa", None, 2, 0.5, 2), ("sahel", Some("africa"), 2, 0.5, 2), ("europe", None, 2, 0.5, 1), ("global", None, 1, 0.25, 0),]
    );
    // countries, from each named region's own list:
    // PAM: sahel {MLI NER BFA} + europe {FRA ITA} · EP: africa {DZA MLI NER} + sahel {MLI NER BFA}
    // APF: europe {FRA ITA} · AIPA: global {} —
    // BFA PAM EP 2 · DZA EP 1 · FRA PAM APF 2 · ITA 2 · MLI PAM EP 2 · NER 2
    let countries: Vec<_> = t.countries.iter().map(|c| (c.iso3.as_str(), c.assemblies)).collect();
    assert_eq!(countries, [("BFA", 2), ("DZA", 1), ("FRA", 2), ("ITA", 2), ("MLI", 2), ("NER", 2)]);
}

#[test]
fn the_comparison_matches_the_hand_worked_numbers() {
    let c = compare(&earlier(), &later(), Lang::En).unwrap();
    // Earlier Table 1 (3 respondents):
    // beta      3 + 2 + 2 = 7   3   1.0     rank 1
    // omega     2 + 3 = 5       2   .6667   rank 2
    // old-gamma 3               1   .3333   rank 3
    // alpha     1 + 1 = 2       2   .6667   rank 4
    // delta     1               1   .3333   rank 5
    // gamma replaces old-gamma; epsilon and zeta are new; omega is dropped.
    // alpha  4 → 1   +3 up     .75 − .6667 = .0833
    // beta   1 → 2   −1 down   .75 − 1     = −.25
    // gamma  3 → 2   +1 up     .75 − .3333 = .4167
    // delta  5 → 4   +1 up     .5 − .3333  = .1667
    let rs = |rank, share| Some(RankShare { rank, share });
    let rows: Vec<_> = c.rows.iter().map(|r| (r.theme.as_str(), r.from, r.to, r.rank_change, r.share_change, r.movement)).collect();
    assert_eq!(
        rows,
        [
            ("alpha", rs(4, 0.6667), rs(1, 0.75), Some(3), Some(0.0833), Movement::Up),
            ("beta", rs(1, 1.0), rs(2, 0.75), Some(-1), Some(-0.25), Movement::Down),
            ("gamma", rs(3, 0.3333), rs(2, 0.75), Some(1), Some(0.4167), Movement::Up),
            ("delta", rs(5, 0.3333), rs(4, 0.5), Some(1), Some(0.1667), Movement::Up),
            ("epsilon", None, rs(5, 0.25), None, None, Movement::New),
            ("zeta", None, rs(6, 0.0), None, None, Movement::New),
            ("omega", rs(2, 0.6667), None, None, None, Movement::Dropped),
        ]
    );
    assert_eq!(c.rows[6].label, "Omega", "a dropped theme keeps its earlier label");
    assert_eq!(c.summary, "Top priorities moved from Beta and Omega (2023) to Alpha and Beta (2024).");
}

#[test]
fn a_cycle_compared_with_itself_stays() {
    let c = compare(&later(), &later(), Lang::En).unwrap();
    assert!(c.rows.iter().all(|r| r.movement == Movement::Same && r.rank_change == Some(0)));
    assert_eq!(c.summary, "Top priorities stayed Alpha and Beta from 2024 to 2024.");
    let fr = compare(&earlier(), &later(), Lang::Fr).unwrap();
    assert!(fr.summary.starts_with("Les priorités principales sont passées de Beta et Omega (2023)"), "{}", fr.summary);
}

#[test]
fn headline_figures_count_distinct_things() {
    let h = headline(&later());
    // 4 of 6 answered; themes ranked: all but zeta (5); regions named: all 4; activities: A0–A3
    // (A4 is cancelled); countries: BFA DZA FRA ITA MLI NER.
    assert_eq!((h.members, h.respondents, h.response_rate), (6, 4, 0.6667));
    assert_eq!((h.themes_ranked, h.regions_named, h.activities_planned, h.countries_covered), (5, 4, 4, 6));
}

#[test]
fn an_empty_cycle_still_lists_every_theme_and_region() {
    let empty = data(cycle(LATER), 6, vec![]);
    let t = priorities(&empty, Lang::En).unwrap();
    assert_eq!(t.rows.len(), 6);
    assert!(t.rows.iter().all(|r| r.rank == 1 && r.share == 0.0 && r.mean_rank.is_none() && r.tier == Tier::Other));
    let r = regions(&empty, Lang::En).unwrap();
    assert_eq!(r.rows.len(), 4);
    assert!(r.countries.is_empty());
    let c = compare(&empty, &later(), Lang::En).unwrap();
    assert!(c.summary.contains("No priorities were ranked in 2024"), "{}", c.summary);
}
