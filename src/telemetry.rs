//! Logging with tracing, to standard error (standard output is for what commands print).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::{Global, LogFormat};

pub fn init(global: &Global) {
    let filter = EnvFilter::try_new(&global.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: a log file or a collector gets plain text.
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).with_target(false);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
