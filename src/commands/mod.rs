//! One module per command.

use anyhow::{Context, Result};
use barometer_store::{DatabaseUrl, Pool};

use crate::cli::{Cli, Command};

mod admin;
mod backup;
mod import;
mod report;
mod serve;

pub fn run(cli: Cli) -> Result<()> {
    let url = crate::config::database(&cli.global.database_url)?;
    match cli.command {
        Command::Serve(args) => serve::run(&url, args),
        Command::Migrate => {
            let pool = open(&url, 1)?;
            let applied = migrate(&pool)?;
            if applied.is_empty() {
                println!("{} is up to date", url.redacted());
            } else {
                println!("applied {} migration(s) to {}: {}", applied.len(), url.redacted(), applied.join(", "));
            }
            Ok(())
        }
        Command::Demo => {
            let pool = open(&url, 1)?;
            migrate(&pool)?;
            let loaded = load_demo(&pool)?;
            if loaded.is_empty() {
                println!("the demo data set is already loaded in {}", url.redacted());
            } else {
                println!(
                    "loaded the demo data set into {}: {} assemblies, {} cycles, {} responses, {} calendar events (illustrative data)",
                    url.redacted(),
                    loaded.assemblies,
                    loaded.cycles,
                    loaded.responses,
                    loaded.events
                );
            }
            Ok(())
        }
        Command::Import(args) => {
            let pool = open(&url, 1)?;
            migrate(&pool)?;
            import::run(&pool, args)
        }
        Command::Report(args) => {
            let pool = open(&url, 1)?;
            migrate(&pool)?;
            report::run(&pool, args)
        }
        Command::Backup(args) => backup::backup(&url, args),
        Command::Restore(args) => backup::restore(&url, args),
        Command::Admin(command) => {
            let pool = open(&url, 1)?;
            migrate(&pool)?;
            admin::run(&pool, command)
        }
    }
}

/// Opens the pool; fails at once when the database cannot be reached.
pub fn open(url: &DatabaseUrl, size: u32) -> Result<Pool> {
    barometer_store::pool(url, size).with_context(|| format!("opening the database {}", url.redacted()))
}

/// Applies pending migrations; returns their names.
pub fn migrate(pool: &Pool) -> Result<Vec<String>> {
    let mut conn = pool.get().context("connecting to the database")?;
    let applied = barometer_store::migrations::run_pending(&mut conn).context("applying migrations")?;
    for name in &applied {
        tracing::info!(migration = %name, "migration applied");
    }
    Ok(applied)
}

pub fn load_demo(pool: &Pool) -> Result<barometer_store::demo::Loaded> {
    let set = barometer_domain::demo::dataset().map_err(|e| anyhow::anyhow!("the built-in demo data set is invalid: {e}"))?;
    let mut conn = pool.get().context("connecting to the database")?;
    let today = chrono::Utc::now().date_naive();
    barometer_store::demo::load(&mut conn, &set, today).context("loading the demo data set")
}
