//! `cargo bench -p barometer-analytics`: Table 1, Table 2 and the comparison on synthetic cycles
//! of 10k, 1M and 10M ranked-theme rows, with wall time and peak memory per size, then the same
//! three computations in DuckDB and pandas (`bench/reference.py`) on the same data, with ratios.
//!
//! Each size runs in a child process of this binary, so that its peak memory (VmHWM) is its own.
//! Environment:
//! - `BAROMETER_BENCH_SIZES=10000,1000000` to choose sizes (ranked-theme rows per cycle);
//! - `BAROMETER_BENCH_RUNS=5` timed runs per size (the median is reported);
//! - `BAROMETER_BENCH_REFERENCE=0` to skip the Python reference;
//! - `BAROMETER_BENCH_VENV` where the reference's virtual environment lives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use barometer_analytics::{CycleData, compare, priorities, regions, synthetic};
use barometer_domain::Lang;
use polars::prelude::*;

const SEED: u64 = 42;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let size = args[i + 1].parse().expect("--child SIZE");
        let dir = args.get(i + 2).map(PathBuf::from);
        child(size, dir.as_deref());
        return;
    }
    // `cargo test --benches` runs bench targets with no `--bench` flag: do nothing then.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    parent();
}

fn env_list(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name).unwrap_or_else(|_| default.to_owned()).split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

fn parent() {
    let sizes = env_list("BAROMETER_BENCH_SIZES", "10000,1000000,10000000");
    let reference = std::env::var("BAROMETER_BENCH_REFERENCE").map_or(true, |v| v != "0");
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    println!("barometer analytics bench: synthetic cycles (demo questionnaires), {threads} cores, seed {SEED}");
    println!("each size in its own process; times are medians; peak = VmHWM while computing (data included)\n");
    let exe = std::env::current_exe().expect("own path");
    let work = tempfile::tempdir().expect("temp dir");
    let mut rust = BTreeMap::new();
    for &size in &sizes {
        let dir = work.path().join(size.to_string());
        std::fs::create_dir_all(&dir).expect("data dir");
        let mut cmd = Command::new(&exe);
        cmd.arg("--child").arg(size.to_string());
        if reference {
            cmd.arg(&dir);
        }
        let out = cmd.output().expect("run the child");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        if let Some(line) = String::from_utf8_lossy(&out.stdout).lines().find(|l| l.starts_with("RESULT ")) {
            rust.insert(size, parse_result(line));
        }
    }
    if !reference {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/reference.py");
    println!("\nreference: {} (DuckDB and pandas from PyPI, in a virtual environment)", script.display());
    for &size in &sizes {
        let Some(ours) = rust.get(&size) else { continue };
        let dir = work.path().join(size.to_string());
        for engine in ["duckdb", "duckdb-masks", "pandas"] {
            let out = Command::new("python3").arg(&script).arg(&dir).arg(engine).output();
            let Ok(out) = out else {
                println!("  {engine}: python3 not available");
                continue;
            };
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            let stdout = String::from_utf8_lossy(&out.stdout);
            let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT ")) else {
                println!("  {size:>10} rows {engine:>13}: failed ({})", out.status);
                continue;
            };
            let theirs = parse_result(line);
            let ratio = |k: &str| theirs[k] / ours[k];
            println!(
                "  {size:>10} rows {engine:>13}: table1 {:>8.1} ms  table2 {:>8.1} ms  compare {:>8.1} ms  total {:>8.1} ms  peak {:>6.0} MB  | barometer is {:.1}x / {:.1}x / {:.1}x / {:.1}x faster{}",
                theirs["table1"] * 1e3,
                theirs["table2"] * 1e3,
                theirs["compare"] * 1e3,
                theirs["total"] * 1e3,
                theirs["peak_mb"],
                ratio("table1"),
                ratio("table2"),
                ratio("compare"),
                ratio("total"),
                if line.contains("agree=yes") { ", results agree" } else { ", RESULTS DIFFER" },
            );
        }
    }
}

fn parse_result(line: &str) -> BTreeMap<String, f64> {
    line.split_whitespace().filter_map(|kv| kv.split_once('=')).filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_owned(), v))).collect()
}

fn status_kb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}

fn median(mut xs: Vec<Duration>) -> f64 {
    xs.sort();
    xs[xs.len() / 2].as_secs_f64()
}

fn child(size: usize, dir: Option<&Path>) {
    let runs = env_list("BAROMETER_BENCH_RUNS", "5").first().copied().unwrap_or(5).max(1);
    let started = Instant::now();
    let (from, to) = synthetic::pair(size, SEED);
    let generated = started.elapsed();
    let rows = to.themes().theme.len();
    let data_mb = status_kb("VmRSS:") / 1024.0;
    // Forget the generator's peak: from here VmHWM measures the computations (with the data resident).
    let _ = std::fs::write("/proc/self/clear_refs", "5");

    // One warm-up (thread pool, page faults of first allocations), then timed runs.
    let (mut t1, mut t2, mut t3, mut total) = (vec![], vec![], vec![], vec![]);
    for run in 0..=runs {
        let a = Instant::now();
        let table1 = priorities(&to, Lang::En).expect("table 1");
        let b = Instant::now();
        let table2 = regions(&to, Lang::En).expect("table 2");
        let c = Instant::now();
        let comparison = compare(&from, &to, Lang::En).expect("comparison");
        let d = Instant::now();
        std::hint::black_box((&table1, &table2, &comparison));
        if run > 0 {
            t1.push(b - a);
            t2.push(c - b);
            t3.push(d - c);
            total.push(d - a);
        }
    }
    let peak_mb = status_kb("VmHWM:") / 1024.0;
    let (t1, t2, t3, total) = (median(t1), median(t2), median(t3), median(total));
    println!(
        "{rows:>10} rows ({} respondents, {} region rows, {} activity tags; generated in {:.2} s, {:.0} MB resident)",
        to.respondents(),
        to.regions().region.len(),
        to.activities().tags.region.len(),
        generated.as_secs_f64(),
        data_mb
    );
    println!(
        "  barometer (polars):  table1 {:>8.1} ms  table2 {:>8.1} ms  compare {:>8.1} ms  total {:>8.1} ms  peak {:>6.0} MB",
        t1 * 1e3,
        t2 * 1e3,
        t3 * 1e3,
        total * 1e3,
        peak_mb
    );
    println!("RESULT size={size} table1={t1} table2={t2} compare={t3} total={total} peak_mb={peak_mb}");
    if let Some(dir) = dir {
        write_reference_data(dir, &from, &to).expect("write the reference data");
    }
}

/// The same cycles as Parquet (index columns and dimension tables) plus our results, for
/// `bench/reference.py`.
fn write_reference_data(dir: &Path, from: &CycleData, to: &CycleData) -> PolarsResult<()> {
    let u32s = |name: &str, v: &[u32]| Column::new(name.into(), v.to_vec());
    let save = |name: &str, columns: Vec<Column>| -> PolarsResult<()> {
        let mut df = DataFrame::new_infer_height(columns)?;
        let file = std::fs::File::create(dir.join(format!("{name}.parquet")))?;
        ParquetWriter::new(file).finish(&mut df)?;
        Ok(())
    };
    for (prefix, data) in [("from", from), ("to", to)] {
        let t = data.themes();
        save(
            &format!("{prefix}_themes"),
            vec![u32s("respondent", &t.respondent), u32s("theme", &t.theme), Column::new("rank".into(), t.rank.to_vec())],
        )?;
        let q = &data.definition().questionnaire;
        let index: Vec<u32> = (0..q.themes.len() as u32).collect();
        let codes: Vec<String> = q.themes.iter().map(|t| t.code.to_string()).collect();
        save(&format!("{prefix}_theme_dim"), vec![u32s("theme", &index), Column::new("code".into(), codes)])?;
    }
    let r = to.regions();
    save("to_regions", vec![u32s("respondent", &r.respondent), u32s("region", &r.region)])?;
    let tags = &to.activities().tags;
    save("to_activity_tags", vec![u32s("activity", &tags.activity), u32s("region", &tags.region)])?;

    let q = &to.definition().questionnaire;
    let index: Vec<u32> = (0..q.regions.len() as u32).collect();
    save(
        "region_dim",
        vec![u32s("region", &index), Column::new("code".into(), q.regions.iter().map(|r| r.code.to_string()).collect::<Vec<_>>())],
    )?;
    let (mut region, mut ancestor, mut c_region, mut iso) = (vec![], vec![], vec![], vec![]);
    for (i, def) in q.regions.iter().enumerate() {
        for a in q.region_and_ancestors(&def.code) {
            region.push(i as u32);
            ancestor.push(q.regions.iter().position(|x| &x.code == a).unwrap() as u32);
        }
        for c in &def.countries {
            c_region.push(i as u32);
            iso.push(c.to_string());
        }
    }
    save("ancestors", vec![u32s("region", &region), u32s("ancestor", &ancestor)])?;
    save("region_countries", vec![u32s("region", &c_region), Column::new("iso3".into(), iso)])?;
    let (mut from_codes, mut to_codes) = (vec![], vec![]);
    for theme in &q.themes {
        for old in std::iter::once(&theme.code).chain(&theme.replaces) {
            if from.definition().questionnaire.theme(old.as_str()).is_some() {
                from_codes.push(old.to_string());
                to_codes.push(theme.code.to_string());
            }
        }
    }
    save("links", vec![Column::new("from_code".into(), from_codes), Column::new("to_code".into(), to_codes)])?;

    // Our results and the parameters, for the script's agreement check.
    let table1 = priorities(to, Lang::En).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    let table2 = regions(to, Lang::En).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    let comparison = compare(from, to, Lang::En).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    let meta = serde_json::json!({
        "from": {"respondents": from.respondents(), "max_ranked_themes": from.definition().max_ranked_themes},
        "to": {"respondents": to.respondents(), "max_ranked_themes": to.definition().max_ranked_themes},
        "tiers": {"primary": to.definition().tiers.primary, "secondary": to.definition().tiers.secondary},
        "table1": table1.rows.iter().map(|r| (r.theme.to_string(), (r.rank, r.points, r.assemblies))).collect::<BTreeMap<_, _>>(),
        "regions": table2.rows.iter().map(|r| (r.region.to_string(), (r.assemblies, r.activities))).collect::<BTreeMap<_, _>>(),
        "countries": table2.countries.iter().map(|c| (c.iso3.to_string(), c.assemblies)).collect::<BTreeMap<_, _>>(),
        "compare": comparison.rows.iter().map(|r| (r.theme.to_string(), (r.from.map(|f| f.rank), r.to.map(|t| t.rank)))).collect::<BTreeMap<_, _>>(),
    });
    std::fs::write(dir.join("meta.json"), serde_json::to_vec_pretty(&meta).unwrap_or_default())?;
    Ok(())
}
