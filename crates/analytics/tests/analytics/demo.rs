//! The demo data set tells the outcome document's story.

use barometer_analytics::{compare, priorities, regions};
use barometer_domain::Lang;
use barometer_domain::results::{Movement, Tier};

use crate::fixtures::demo;

#[test]
fn the_2025_primary_themes_are_youth_and_ai() {
    let t = priorities(&demo("2025"), Lang::En).unwrap();
    assert_eq!((t.respondents, t.members), (13, 17));
    let tier = |tier: Tier| t.rows.iter().filter(|r| r.tier == tier).map(|r| r.theme.as_str()).collect::<Vec<_>>();
    assert_eq!(tier(Tier::Primary), ["youth-pve", "ai-tech"]);
    let mut secondary = tier(Tier::Secondary);
    secondary.sort_unstable();
    assert_eq!(secondary, ["cyber", "gender", "victims"]);
    assert_eq!(t.rows.len(), 15, "every theme of the questionnaire has a row");
}

#[test]
fn the_comparison_names_the_shift_from_cft_and_victims_to_youth_and_ai() {
    let c = compare(&demo("2023-24"), &demo("2025"), Lang::En).unwrap();
    assert_eq!(
        c.summary,
        "Top priorities moved from Countering the financing of terrorism and Victims of terrorism (2023-24) \
         to Youth and preventing violent extremism and Artificial intelligence and new technologies in countering \
         terrorism and violent extremism (2025)."
    );
    let row = |code: &str| c.rows.iter().find(|r| r.theme.as_str() == code).unwrap();
    assert_eq!(row("cft").movement, Movement::Down);
    // ai-tech replaces new-tech: it is matched, not new, and new-tech is not dropped.
    assert_eq!(row("ai-tech").from.map(|f| f.rank), Some(4));
    assert_eq!(row("ai-tech").movement, Movement::Up);
    assert!(c.rows.iter().all(|r| r.theme.as_str() != "new-tech"));
    for lang in [Lang::Fr, Lang::Ar, Lang::Ru] {
        let summary = compare(&demo("2023-24"), &demo("2025"), lang).unwrap().summary;
        assert!(summary.contains("2023-24") && summary.contains("2025"), "{lang}: {summary}");
    }
}

#[test]
fn table_2_of_2025_rolls_the_sahel_into_africa() {
    let t = regions(&demo("2025"), Lang::En).unwrap();
    let row = |code: &str| t.rows.iter().find(|r| r.region.as_str() == code).unwrap();
    assert!(row("africa").assemblies >= row("sahel").assemblies);
    assert!(t.countries.iter().all(|c| c.assemblies <= t.respondents));
    assert!(t.countries.iter().any(|c| c.iso3.as_str() == "MLI"));
}
