use barometer_domain::{Assembly, AssemblyCode, CycleDefinition, CycleStatus};
use barometer_store::DbConn;

pub fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

pub fn assembly(code: &str, joined_on: &str) -> Assembly {
    Assembly { code: AssemblyCode::parse(code).unwrap(), name: format!("Assembly {code}"), joined_on: day(joined_on), left_on: None }
}

pub fn cycle_def(label: &str) -> CycleDefinition {
    CycleDefinition::from_json(&format!(
        r#"{{"label": "{label}", "opens_on": "2025-01-15", "closes_on": "2025-03-31", "max_ranked_themes": 3,
            "themes": [{{"code": "youth-pve", "labels": {{"en": "Youth and PVE", "ar": "الشباب"}}}},
                       {{"code": "ai-tech", "labels": {{"en": "AI"}}, "replaces": ["new-tech"]}},
                       {{"code": "victims", "labels": {{"en": "Victims"}}}}],
            "regions": [{{"code": "africa", "labels": {{"en": "Africa"}}, "countries": ["MLI", "NER", "EGY"]}},
                        {{"code": "sahel", "labels": {{"en": "Sahel"}}, "parent": "africa", "countries": ["MLI", "NER"]}},
                        {{"code": "global", "labels": {{"en": "Global"}}}}]}}"#
    ))
    .unwrap()
}

/// A roster of two assemblies and an open cycle "2025".
pub fn seed(conn: &mut DbConn) -> CycleDefinition {
    barometer_store::assemblies::insert(conn, &assembly("PAM", "2021-12-01"), "test").unwrap();
    barometer_store::assemblies::insert(conn, &assembly("PACE", "2021-12-01"), "test").unwrap();
    let def = cycle_def("2025");
    barometer_store::cycles::insert(conn, &def, CycleStatus::Open, "test").unwrap();
    def
}
