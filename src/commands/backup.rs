//! `barometer backup FILE` and `barometer restore FILE`: the work is in `barometer_store::backup`.

use std::io::IsTerminal;

use anyhow::{Context, Result, bail};
use barometer_store::DatabaseUrl;
use barometer_store::backup::{self, Summary};

use crate::cli::{BackupArgs, RestoreArgs};

pub fn backup(url: &DatabaseUrl, args: BackupArgs) -> Result<()> {
    if let Some(path) = url.sqlite_path()
        && !std::path::Path::new(path).exists()
    {
        bail!("there is no database at {}: check BAROMETER_DATABASE_URL or --database-url", url.redacted());
    }
    let mut conn = url.connect().with_context(|| format!("opening the database {}", url.redacted()))?;
    let mut bar = Bar::new("backing up");
    let summary = backup::backup_to_file(&mut conn, &args.file, &mut bar)
        .with_context(|| format!("backing up {} to {}", url.redacted(), args.file.display()))?;
    bar.finish();
    println!("wrote {} from {} (schema {}):", args.file.display(), url.redacted(), summary.schema);
    print_tables(&summary);
    Ok(())
}

pub fn restore(url: &DatabaseUrl, args: RestoreArgs) -> Result<()> {
    let mut conn = url.connect().with_context(|| format!("opening the database {}", url.redacted()))?;
    let mut bar = Bar::new("restoring");
    let summary = backup::restore_from_file(&mut conn, &args.file, &mut bar)
        .with_context(|| format!("restoring {} into {}", args.file.display(), url.redacted()))?;
    bar.finish();
    println!("restored {} into {} (schema {}):", args.file.display(), url.redacted(), summary.schema);
    print_tables(&summary);
    Ok(())
}

fn print_tables(summary: &Summary) {
    let width = summary.tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for table in &summary.tables {
        println!("  {:<width$}  {:>8}", table.name, table.rows);
    }
    println!("  {:<width$}  {:>8}", "total rows", summary.total_rows());
}

/// A progress bar on a terminal (standard error); nothing otherwise, so logs and pipes stay clean.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    what: &'static str,
}

impl Bar {
    fn new(what: &'static str) -> Bar {
        Bar { bar: None, what }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl backup::Progress for Bar {
    fn start(&mut self, total_rows: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = indicatif::ProgressBar::new(total_rows);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:30} {bar:30} {pos}/{len} rows") {
            bar.set_style(style);
        }
        bar.set_message(self.what);
        self.bar = Some(bar);
    }

    fn table(&mut self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} {name}", self.what));
        }
    }

    fn row(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
