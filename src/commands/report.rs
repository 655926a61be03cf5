//! `barometer report`: every table and chart of a cycle, written to a folder.

use std::io::IsTerminal;

use anyhow::{Context, Result, anyhow};
use barometer_analytics::{Exportable, Format};
use barometer_charts::ChartInput;
use barometer_domain::{CycleLabel, Lang};
use barometer_store::Pool;

use crate::cli::ReportArgs;

/// A fixed seed, the same the web service uses: a report and the page show the same figures.
const STABILITY_SEED: u64 = 20_250_101;

pub fn run(pool: &Pool, args: ReportArgs) -> Result<()> {
    let label = CycleLabel::parse(&args.cycle).context("--cycle")?;
    let compare = args.compare.as_deref().map(CycleLabel::parse).transpose().context("--compare")?;
    let lang = Lang::parse(&args.lang).ok_or_else(|| anyhow!("--lang {:?}: use en, fr, ar or ru", args.lang))?;
    let mut conn = pool.get().context("connecting to the database")?;
    let data = barometer_store::cycle_data::load(&mut conn, &label)?.ok_or_else(|| anyhow!("there is no cycle {label}"))?;
    let earlier = match &compare {
        Some(c) => Some(barometer_store::cycle_data::load(&mut conn, c)?.ok_or_else(|| anyhow!("--compare: there is no cycle {c}"))?),
        None => None,
    };
    std::fs::create_dir_all(args.out.join("charts")).with_context(|| format!("creating {}", args.out.display()))?;

    let tables = 4 + usize::from(earlier.is_some());
    let charts = 4 + usize::from(earlier.is_some());
    let progress = Progress::new((tables * Format::ALL.len() + charts * 2 + 1) as u64);

    progress.step("computing results");
    let priorities = barometer_analytics::priorities(&data, lang)?;
    let regions = barometer_analytics::regions(&data, lang)?;
    let stability = barometer_analytics::stability(&data, barometer_analytics::DEFAULT_RESAMPLES, STABILITY_SEED, lang)?;
    let headline = barometer_analytics::headline(&data);
    let comparison = earlier.as_ref().map(|e| barometer_analytics::compare(e, &data, lang)).transpose()?;

    let mut written = Vec::new();
    let mut write_table = |table: &dyn ErasedTable, stem: &str| -> Result<()> {
        for format in Format::ALL {
            progress.step(&format!("{stem}.{}", format.extension()));
            let bytes = table.export(format, lang)?;
            let path = args.out.join(format!("{stem}.{}", format.extension()));
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            written.push(path);
        }
        Ok(())
    };
    write_table(&priorities, "priorities")?;
    write_table(&regions, "regions")?;
    write_table(&stability, "stability")?;
    write_table(&headline, "headline")?;
    if let Some(c) = &comparison {
        write_table(c, "compare")?;
    }

    let region_defs = data.definition().questionnaire.regions.clone();
    let mut inputs: Vec<(&str, ChartInput<'_>)> = vec![
        ("priorities", ChartInput::Priorities(&priorities)),
        ("regions", ChartInput::Regions(&regions)),
        ("regions-map", ChartInput::RegionsMap { table: &regions, regions: &region_defs }),
        ("stability", ChartInput::Stability(&stability)),
    ];
    let respondents = earlier.as_ref().map(|e| (e.respondents(), data.respondents()));
    if let Some(c) = &comparison {
        inputs.push(("compare", ChartInput::Compare { comparison: c, respondents }));
    }
    for (stem, input) in &inputs {
        progress.step(&format!("charts/{stem}.svg"));
        let svg = barometer_charts::render_svg(input, lang).map_err(|e| anyhow!("drawing {stem}: {e}"))?;
        let path = args.out.join("charts").join(format!("{stem}.svg"));
        std::fs::write(&path, &svg).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
        progress.step(&format!("charts/{stem}.png"));
        let png = barometer_charts::svg_to_png(&svg, args.width).map_err(|e| anyhow!("drawing {stem}: {e}"))?;
        let path = args.out.join("charts").join(format!("{stem}.png"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    progress.finish();
    println!("wrote {} files for cycle {label} ({lang}) to {}", written.len(), args.out.display());
    for path in &written {
        println!("  {}", path.strip_prefix(&args.out).unwrap_or(path).display());
    }
    Ok(())
}

/// The export of any table, behind one object-safe face.
trait ErasedTable {
    fn export(&self, format: Format, lang: Lang) -> Result<Vec<u8>>;
}

impl<T: Exportable> ErasedTable for T {
    fn export(&self, format: Format, lang: Lang) -> Result<Vec<u8>> {
        barometer_analytics::export(self, format, lang).map_err(|e| anyhow!("exporting {}: {e}", self.name()))
    }
}

/// A progress bar on a terminal; nothing otherwise (logs and pipes stay clean).
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(steps: u64) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(steps);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    fn step(&self, what: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(what.to_owned());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
