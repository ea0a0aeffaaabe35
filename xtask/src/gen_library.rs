//! `cargo xtask gen-library --count N --out DIR [--seed S]`: writes a realistic music library of
//! real audio files with varied tags, the corpus of the scan tests and `cargo xtask bench scan`.
//! The generator itself lives in `soulspot_testkit::library`, so tests can make the same library
//! from Rust; this is its command line, with progress every five seconds and a summary.
//!
//! Tagging 100,000 files with an unoptimised lofty takes minutes, so a debug xtask re-runs itself
//! in release, as the benchmarks do.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use soulspot_testkit::library::{
    GenerationProgress, LibraryOptions, generate_library_with_progress,
};

use crate::bench::{rerun_in_release, with_thousands};

/// How often progress is printed.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Args)]
pub struct GenLibraryArgs {
    /// How many audio files to write.
    #[arg(long)]
    count: u64,
    /// The library's root folder: created when absent, refused when it is not empty.
    #[arg(long)]
    out: PathBuf,
    /// The seed every choice is drawn from; the same seed gives the same library, byte for byte.
    #[arg(long, default_value_t = 6)]
    seed: u64,
    /// Threads writing files.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    workers: u64,
}

pub async fn run(arguments: GenLibraryArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        return rerun_in_release().await;
    }
    let options = LibraryOptions {
        count: arguments.count,
        seed: arguments.seed,
        out: arguments.out,
        workers: usize::try_from(arguments.workers).unwrap_or(2),
    };
    eprintln!(
        "writing {} files (seed {}) into {} with {} writer threads",
        with_thousands(options.count),
        options.seed,
        options.out.display(),
        options.workers
    );
    // Every error names the folder or file it concerns.
    let summary = generate_library_with_progress(&options, PROGRESS_INTERVAL, print_progress)?;

    println!("{}", summary.manifest);
    println!(
        "wrote {} files in {} folders, {} bytes ({:.1} MiB), in {:.1} s: {} files/s",
        with_thousands(summary.manifest.files),
        with_thousands(summary.manifest.folders),
        with_thousands(summary.bytes),
        summary.bytes as f64 / (1024.0 * 1024.0),
        summary.elapsed.as_secs_f64(),
        with_thousands(summary.files_per_second().round() as u64),
    );
    Ok(ExitCode::SUCCESS)
}

fn print_progress(progress: &GenerationProgress) {
    let seconds = progress.elapsed.as_secs_f64();
    eprintln!(
        "{:>6.1} s: {} of {} files ({:.0}%), {:.1} MiB, {} files/s",
        seconds,
        with_thousands(progress.files_written),
        with_thousands(progress.files_planned),
        100.0 * progress.files_written as f64 / progress.files_planned.max(1) as f64,
        progress.bytes_written as f64 / (1024.0 * 1024.0),
        with_thousands((progress.files_written as f64 / seconds.max(f64::EPSILON)).round() as u64),
    );
}
