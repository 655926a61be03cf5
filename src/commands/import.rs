//! `barometer import --cycle LABEL FILE`: a past cycle's responses from a spreadsheet.

use anyhow::{Context, Result, bail};
use barometer_analytics::import::{CodeMap, ImportOptions};
use barometer_domain::CycleLabel;
use barometer_store::Pool;

use crate::cli::ImportArgs;

pub fn run(pool: &Pool, args: ImportArgs) -> Result<()> {
    let label = CycleLabel::parse(&args.cycle).context("--cycle")?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args.file.file_name().and_then(|n| n.to_str()).unwrap_or("import");
    let mut map = CodeMap::default();
    for pair in &args.map {
        let Some((old, new)) = pair.split_once('=') else { bail!("--map {pair:?}: write OLD=NEW, e.g. --map new-tech=ai-tech") };
        map.insert(old.trim(), new.trim());
    }
    let mut conn = pool.get().context("connecting to the database")?;
    let Some(cycle) = barometer_store::cycles::find(&mut conn, &label)? else {
        bail!("there is no cycle {label}: create it first (with its questionnaire), then import its responses");
    };
    let members = barometer_store::assemblies::members_on(&mut conn, cycle.definition.opens_on)?;
    let options = ImportOptions { map, assemblies: Some(members.iter().map(|a| a.code.clone()).collect()) };
    let outcome = match &args.activities {
        Some(path) => {
            let activities = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            barometer_analytics::import::import_csv(&bytes, Some(&activities), &cycle.definition, &options)
        }
        None => barometer_analytics::import::import_file(name, &bytes, &cycle.definition, &options),
    };
    let rows = match outcome {
        Ok(rows) => rows,
        Err(errors) => {
            eprintln!("{} cannot be imported; nothing was stored. Fix these and run the import again:", args.file.display());
            for error in &errors {
                eprintln!("  {error}");
            }
            bail!("{} problem(s) in {}", errors.len(), args.file.display());
        }
    };
    if args.dry_run {
        println!("{}: {} response(s) are valid for cycle {label}; nothing stored (--dry-run)", args.file.display(), rows.len());
        return Ok(());
    }
    let responses: Vec<_> = rows.into_iter().map(|r| (r.assembly, r.content)).collect();
    let actor = format!("cli:import:{name}");
    let done = barometer_store::responses::import_all(&mut conn, &label, &responses, &actor).context("storing the responses")?;
    println!(
        "imported {} into cycle {label}: {} new, {} updated, {} unchanged",
        args.file.display(),
        done.created,
        done.updated,
        done.unchanged
    );
    Ok(())
}
