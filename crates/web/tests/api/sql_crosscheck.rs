//! Table 1 and Table 2 computed a second time, in plain SQL against the stored responses, must
//! give the numbers the polars pipelines give — on SQLite and on PostgreSQL.

use std::collections::BTreeMap;

use barometer_domain::{CycleLabel, Lang};
use barometer_test_support::backend_tests;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};

use crate::support::load_demo;

#[derive(QueryableByName)]
struct ThemeRow {
    #[diesel(sql_type = Text)]
    theme: String,
    #[diesel(sql_type = BigInt)]
    assemblies: i64,
    #[diesel(sql_type = BigInt)]
    points: i64,
    #[diesel(sql_type = Double)]
    mean_rank: f64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const TABLE_1: &str = "SELECT rt.theme_code AS theme, CAST(COUNT(*) AS BIGINT) AS assemblies, \
       CAST(SUM(c.max_ranked_themes + 1 - rt.rank) AS BIGINT) AS points, CAST(AVG(rt.rank * 1.0) AS DOUBLE PRECISION) AS mean_rank \
     FROM response_themes rt JOIN responses r ON r.id = rt.response_id JOIN cycles c ON c.label = r.cycle_label \
     WHERE r.cycle_label = '2025' AND r.status = 'submitted' GROUP BY rt.theme_code";

/// Each region with itself and every region above it, so that a sub-region counts for its parents.
const ANCESTORS: &str = "WITH RECURSIVE anc(region, ancestor) AS ( \
       SELECT code, code FROM cycle_regions WHERE cycle_label = '2025' \
       UNION ALL SELECT anc.region, p.parent_code FROM anc JOIN cycle_regions p ON p.cycle_label = '2025' AND p.code = anc.ancestor \
       WHERE p.parent_code IS NOT NULL) ";

fn counts(conn: &mut barometer_store::DbConn, sql: &str) -> BTreeMap<String, i64> {
    diesel::sql_query(sql).load::<Count>(conn).unwrap().into_iter().map(|c| (c.key, c.n)).collect()
}

backend_tests! {
    fn plain_sql_gives_the_same_tables_as_the_polars_pipelines(db) {
        load_demo(&db);
        let mut conn = db.conn();
        let data = barometer_store::cycle_data::load(&mut conn, &CycleLabel::parse("2025").unwrap()).unwrap().unwrap();
        let table1 = barometer_analytics::priorities(&data, Lang::En).unwrap();
        let table2 = barometer_analytics::regions(&data, Lang::En).unwrap();

        let sql1: BTreeMap<String, ThemeRow> = diesel::sql_query(TABLE_1).load::<ThemeRow>(&mut *conn).unwrap().into_iter().map(|r| (r.theme.clone(), r)).collect();
        assert!(sql1.len() >= 10);
        for row in &table1.rows {
            match sql1.get(row.theme.as_str()) {
                Some(s) => {
                    assert_eq!((row.assemblies as i64, row.points as i64), (s.assemblies, s.points), "{}", row.theme);
                    assert!((row.mean_rank.unwrap() - s.mean_rank).abs() < 0.006, "{}: {:?} vs {}", row.theme, row.mean_rank, s.mean_rank);
                    assert!((row.share - s.assemblies as f64 / f64::from(table1.respondents)).abs() < 0.0001);
                }
                None => assert_eq!((row.assemblies, row.points, row.mean_rank), (0, 0, None), "{} is unranked in SQL", row.theme),
            }
        }

        let assemblies = counts(&mut conn, &format!("{ANCESTORS} SELECT anc.ancestor AS key, CAST(COUNT(DISTINCT r.assembly_code) AS BIGINT) AS n \
            FROM response_regions rr JOIN responses r ON r.id = rr.response_id JOIN anc ON anc.region = rr.region_code \
            WHERE r.cycle_label = '2025' AND r.status = 'submitted' GROUP BY anc.ancestor"));
        let activities = counts(&mut conn, &format!("{ANCESTORS} SELECT anc.ancestor AS key, CAST(COUNT(DISTINCT a.id) AS BIGINT) AS n \
            FROM activity_regions ar JOIN activities a ON a.id = ar.activity_id JOIN responses r ON r.id = a.response_id JOIN anc ON anc.region = ar.region_code \
            WHERE r.cycle_label = '2025' AND r.status = 'submitted' AND a.status <> 'cancelled' GROUP BY anc.ancestor"));
        for row in &table2.rows {
            assert_eq!(i64::from(row.assemblies), assemblies.get(row.region.as_str()).copied().unwrap_or(0), "assemblies of {}", row.region);
            assert_eq!(i64::from(row.activities), activities.get(row.region.as_str()).copied().unwrap_or(0), "activities of {}", row.region);
        }
        let countries = counts(&mut conn, "SELECT crc.iso3 AS key, CAST(COUNT(DISTINCT r.assembly_code) AS BIGINT) AS n \
            FROM response_regions rr JOIN responses r ON r.id = rr.response_id \
            JOIN cycle_region_countries crc ON crc.cycle_label = rr.cycle_label AND crc.region_code = rr.region_code \
            WHERE r.cycle_label = '2025' AND r.status = 'submitted' GROUP BY crc.iso3");
        let polars: BTreeMap<String, i64> = table2.countries.iter().map(|c| (c.iso3.to_string(), i64::from(c.assemblies))).collect();
        assert_eq!(polars, countries, "per-country coverage");
    }
}
