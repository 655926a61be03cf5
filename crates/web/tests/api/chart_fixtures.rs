//! The charts crate's reference gallery is drawn from fixtures; they must be exactly what the
//! analytics pipeline computes for the demo data, or the gallery would show numbers the service
//! never serves. Regenerate with `crates/charts/tests/fixtures/regenerate.sh`.

use barometer_domain::{CycleLabel, Lang};
use barometer_test_support::TestDb;

use crate::support::load_demo;

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/../charts/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

#[test]
fn the_chart_fixtures_are_what_the_pipeline_computes_for_the_demo() {
    let db = TestDb::sqlite();
    load_demo(&db);
    let mut conn = db.conn();
    let load = |conn: &mut barometer_store::DbConn, label: &str| {
        barometer_store::cycle_data::load(conn, &CycleLabel::parse(label).unwrap()).unwrap().unwrap()
    };
    let (y2025, y2023) = (load(&mut conn, "2025"), load(&mut conn, "2023-24"));
    let hint = "regenerate with crates/charts/tests/fixtures/regenerate.sh, then UPDATE_GALLERY=1 cargo test -p barometer-charts --test charts gallery";
    for lang in Lang::ALL {
        let code = lang.code();
        let value = |v: &dyn erased::Json| v.json();
        let checks: Vec<(String, serde_json::Value)> = vec![
            (format!("priorities-2025.{code}.json"), value(&barometer_analytics::priorities(&y2025, lang).unwrap())),
            (format!("regions-2025.{code}.json"), value(&barometer_analytics::regions(&y2025, lang).unwrap())),
            (format!("priorities-2023-24.{code}.json"), value(&barometer_analytics::priorities(&y2023, lang).unwrap())),
            (format!("regions-2023-24.{code}.json"), value(&barometer_analytics::regions(&y2023, lang).unwrap())),
            (format!("compare-2023-24-2025.{code}.json"), value(&barometer_analytics::compare(&y2023, &y2025, lang).unwrap())),
            (
                format!("stability-2025.{code}.json"),
                value(&barometer_analytics::stability(&y2025, barometer_analytics::DEFAULT_RESAMPLES, 20_250_101, lang).unwrap()),
            ),
        ];
        for (name, computed) in checks {
            assert_eq!(fixture(&name), computed, "{name} differs from the pipeline: {hint}");
        }
    }
}

mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}
