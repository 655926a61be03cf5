//! `barometer`: survey collection and analytics for the UNOCT Coordination Mechanism of
//! parliamentary assemblies. One binary: the web service and its administration commands.
//!
//! This crate is the edge: the command line, the configuration (defaults < environment <
//! flags) and telemetry. Everything else lives in `crates/`.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod config;
mod telemetry;

/// mimalloc rather than the system allocator: a request allocates many small, short-lived
/// values on several threads at once, where glibc's malloc spent a tenth of the service's CPU
/// under load (BENCHMARKS.md, "Load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init(&cli.global);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole context chain on one line: what was being done, and why it failed.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
