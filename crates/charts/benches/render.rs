//! Render times of the charts, SVG and PNG, at 2000 px wide (the goal: a bar chart PNG under
//! 20 ms, the map PNG under 60 ms). `cargo bench -p barometer-charts`; prints the median and
//! the fastest wall-clock time of RUNS runs, and the CPU time per run (all threads), after a warm-up that pays the one-off costs (parsing the fonts and
//! projecting the world), which a running service pays once per process.

use std::hint::black_box;
use std::time::{Duration, Instant};

use barometer_charts::{ChartInput, render_svg, svg_to_png};
use barometer_domain::Lang;
use barometer_domain::questionnaire::RegionDef;
use barometer_domain::results::{Comparison, PrioritiesTable, RegionsTable, Stability};

const RUNS: usize = 40;
const WIDTH: u32 = 2000;

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

/// This process's CPU time so far (all threads, finished ones included), from /proc on Linux.
/// Wall time on a shared machine measures the neighbours too; CPU time does not.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel reports in USER_HZ, 100 on every mainstream Linux build.
    Some(Duration::from_millis(ticks * 10))
}

fn time(label: &str, mut f: impl FnMut()) {
    f();
    let cpu_before = cpu_time();
    let mut samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    let cpu = cpu_before.zip(cpu_time()).map(|(a, b)| (b - a) / RUNS as u32);
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let cpu = cpu.map_or_else(|| "   n/a".to_owned(), |c| format!("{:>6.1}", ms(c)));
    println!("{label:<32} wall median {:>7.2} ms  min {:>7.2} ms  CPU/run {cpu} ms", ms(samples[RUNS / 2]), ms(samples[0]));
}

fn main() {
    let started = Instant::now();
    let priorities: PrioritiesTable = fixture("priorities-2025.en.json");
    let regions: RegionsTable = fixture("regions-2025.en.json");
    let defs: Vec<RegionDef> = fixture("region-defs-2025.json");
    let comparison: Comparison = fixture("compare-2023-24-2025.en.json");
    let stability: Stability = fixture("stability-2025.en.json");
    let map = ChartInput::RegionsMap { table: &regions, regions: &defs };
    let first = render_svg(&map, Lang::En).unwrap();
    svg_to_png(&first, WIDTH).unwrap();
    println!("first map render, with one-off setup: {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    println!("{RUNS} runs each, PNG at {WIDTH} px wide");

    for (name, input) in [
        ("priorities", ChartInput::Priorities(&priorities)),
        ("regions-map", map),
        ("regions", ChartInput::Regions(&regions)),
        ("compare", ChartInput::Compare { comparison: &comparison, respondents: Some((7, 13)) }),
        ("stability", ChartInput::Stability(&stability)),
    ] {
        for lang in [Lang::En, Lang::Ar] {
            time(&format!("{name} {lang} SVG"), || {
                black_box(render_svg(&input, lang).unwrap());
            });
            let svg = render_svg(&input, lang).unwrap();
            time(&format!("{name} {lang} PNG from SVG"), || {
                black_box(svg_to_png(&svg, WIDTH).unwrap());
            });
            time(&format!("{name} {lang} SVG+PNG"), || {
                black_box(svg_to_png(&render_svg(&input, lang).unwrap(), WIDTH).unwrap());
            });
        }
    }
}
