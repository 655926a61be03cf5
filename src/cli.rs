//! The command line, as `../shared/CONTRACT.md` lists it.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "barometer",
    version,
    about = "Survey collection and analytics for the UNOCT Coordination Mechanism of parliamentary assemblies"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes. Each flag can also be set in the environment.
#[derive(Debug, Args)]
pub struct Global {
    /// sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "BAROMETER_DATABASE_URL", default_value = "sqlite://barometer.db")]
    pub database_url: String,
    /// Log filter, e.g. `info`, `barometer=debug,actix_web=info`.
    #[arg(long, global = true, env = "BAROMETER_LOG", default_value = "info")]
    pub log: String,
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, global = true, env = "BAROMETER_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web service (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the illustrative demo data set (idempotent).
    Demo,
    /// Import a past cycle's responses from CSV or XLSX (all or nothing; every bad row reported).
    Import(ImportArgs),
    /// Write every results table (CSV, XLSX, Parquet, JSON) and chart (SVG, PNG) of a cycle.
    Report(ReportArgs),
    /// Write a consistent snapshot of the whole database to FILE (safe while the service runs).
    Backup(BackupArgs),
    /// Load a backup FILE into an empty database of either backend (all or nothing).
    Restore(RestoreArgs),
    /// Administration: tokens and users.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "BAROMETER_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The public address for absolute links; default: derived from the bound address.
    #[arg(long, env = "BAROMETER_BASE_URL")]
    pub base_url: Option<String>,
    /// Load the demo data set if the database is empty, and print sign-in links to try it.
    #[arg(long)]
    pub demo: bool,
    /// Largest accepted JSON body, in KiB.
    #[arg(long, env = "BAROMETER_JSON_LIMIT_KIB", default_value_t = 256)]
    pub json_limit_kib: usize,
    /// Database connections in the pool.
    #[arg(long, env = "BAROMETER_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
    /// A plain SMTP relay, smtp://HOST:PORT; without it email waits in the outbox.
    #[arg(long, env = "BAROMETER_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender address of email.
    #[arg(long, env = "BAROMETER_MAIL_FROM", default_value = "barometer@localhost")]
    pub mail_from: String,
    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, env = "BAROMETER_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Largest letter attached to an expression of interest, in KiB.
    #[arg(long, env = "BAROMETER_LETTER_LIMIT_KIB", default_value_t = 5120)]
    pub letter_limit_kib: usize,
    /// Expressions of interest accepted per client address per hour.
    #[arg(long, env = "BAROMETER_MEMBERSHIP_REQUESTS_PER_HOUR", default_value_t = 5)]
    pub membership_requests_per_hour: u32,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The cycle the responses answer (it must exist, with its questionnaire).
    #[arg(long)]
    pub cycle: String,
    /// A .csv or .xlsx file: one row per assembly (see crates/analytics/IMPORT.md).
    pub file: std::path::PathBuf,
    /// With a CSV file: a second CSV file of planned activities (an XLSX file holds both sheets).
    #[arg(long)]
    pub activities: Option<std::path::PathBuf>,
    /// Replace a code the file uses by one of the cycle's, e.g. --map new-tech=ai-tech (repeatable).
    #[arg(long = "map", value_name = "OLD=NEW")]
    pub map: Vec<String>,
    /// Check the file and report, without storing anything.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The cycle to report on.
    #[arg(long)]
    pub cycle: String,
    /// An earlier cycle to compare it with (adds the comparison table and chart).
    #[arg(long)]
    pub compare: Option<String>,
    /// Language of labels and charts: en, fr, ar or ru.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Folder to write into (created if missing).
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Width of the PNG charts, in pixels (2000 suits slides; 3300 prints A4 at 300 dpi).
    #[arg(long, default_value_t = 2000)]
    pub width: u32,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (replaced whole at the end; never left half-written).
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `barometer backup` (from SQLite or PostgreSQL).
    pub file: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print a new API token (shown once, stored hashed).
    CreateToken {
        /// secretariat, analyst or focal-point.
        #[arg(long)]
        role: String,
        /// The assembly a focal-point token speaks for.
        #[arg(long)]
        assembly: Option<String>,
        /// A note on what the token is for.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Create a web login; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        email: String,
        /// secretariat, analyst or focal-point.
        #[arg(long)]
        role: String,
        /// The assembly of a focal point.
        #[arg(long)]
        assembly: Option<String>,
    },
}
