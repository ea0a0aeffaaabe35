//! `cargo xtask bench db`: measures the database repositories on SQLite and, when a server is
//! named, PostgreSQL, and prints one markdown table per backend for docs/PERFORMANCE.md.
//! `cargo xtask bench api` (in `api`) does the same for the HTTP API, served in-process, and
//! `cargo xtask bench jobs` (in `jobs`) for the job store and the worker runtime, and
//! `cargo xtask bench http` (in `http`) for the outbound HTTP layer, and `cargo xtask bench scan`
//! (in `scan`) for the library scan.
//!
//! Figures from a debug build would be meaningless, so a debug xtask re-runs itself in release.
//! Progress goes to stderr and the tables to stdout, so `> figures.md` captures only the tables.

mod api;
mod http;
mod jobs;
mod report;
mod scan;
mod scenarios;

use std::process::ExitCode;

use anyhow::{Context as _, ensure};
use clap::{Args, Subcommand};
use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};
use soulspot_testkit::TestDatabase;
use soulspot_testkit::database::POSTGRES_URL_VARIABLE;

use crate::{cargo_program, workspace_root};
use report::BackendFigures;
pub(crate) use report::with_thousands;
use scenarios::{PLAYLIST_LENGTH, Plan, WARM_UPS};

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Benchmarks the repositories on SQLite and, with a server URL, on PostgreSQL.
    Db(DatabaseBenchArgs),
    /// Serves the real API on a seeded database and loads it over loopback HTTP/1.1.
    Api(api::ApiBenchArgs),
    /// Enqueues no-op jobs and drains them through the real worker runtime.
    Jobs(jobs::JobsBenchArgs),
    /// Calls a local fake upstream through the outbound HTTP policy, pooled and not.
    Http(http::HttpBenchArgs),
    /// Scans generated libraries of real audio files: full scan, quick rescan, memory, size.
    Scan(scan::ScanBenchArgs),
}

#[derive(Debug, Args)]
pub struct DatabaseBenchArgs {
    /// PostgreSQL server to create a fresh benchmark database on (skipped when absent).
    #[arg(long, env = POSTGRES_URL_VARIABLE)]
    postgres_url: Option<String>,
    /// Tracks of the bulk upsert; the playlist draws from them.
    #[arg(long, default_value_t = 100_000)]
    tracks: u64,
    /// Tracks in the catalogue for the keyset-page and search measurements.
    #[arg(long, default_value_t = 250_000)]
    large: u64,
    /// Measured calls per operation (after two warm-ups).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    iterations: u32,
}

pub async fn run(target: BenchTarget) -> anyhow::Result<ExitCode> {
    match target {
        BenchTarget::Db(arguments) => run_database_bench(arguments).await,
        BenchTarget::Api(arguments) => api::run(arguments).await,
        BenchTarget::Jobs(arguments) => jobs::run(arguments).await,
        BenchTarget::Http(arguments) => http::run(arguments).await,
        BenchTarget::Scan(arguments) => scan::run(arguments).await,
    }
}

async fn run_database_bench(arguments: DatabaseBenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        return rerun_in_release().await;
    }
    ensure!(
        arguments.tracks >= PLAYLIST_LENGTH as u64,
        "--tracks must be at least {PLAYLIST_LENGTH}: the playlist draws its entries from them"
    );
    ensure!(
        arguments.large >= arguments.tracks,
        "--large must be at least --tracks"
    );
    let plan = Plan {
        tracks: arguments.tracks,
        large: arguments.large,
        iterations: arguments.iterations,
    };
    let postgres_url = arguments.postgres_url.filter(|url| !url.trim().is_empty());

    println!("## Database benchmark");
    println!();
    println!(
        "{} Batches of {} tracks.",
        machine_line(),
        with_thousands(scenarios::TRACKS_PER_BATCH)
    );
    println!();

    let sqlite = TestDatabase::sqlite_with(PoolSettings::default()).await;
    let figures = scenarios::measure("SQLite", &sqlite.database, plan)
        .await
        .context("SQLite benchmark")?;
    print_table(&figures, plan);
    drop(sqlite);

    match postgres_url {
        Some(server_url) => {
            let postgres = fresh_postgres(&server_url).await?;
            eprintln!(
                "postgres: benchmarking in the fresh database {}",
                postgres.name
            );
            let figures = scenarios::measure("PostgreSQL", &postgres.database, plan)
                .await
                .context("PostgreSQL benchmark")?;
            print_table(&figures, plan);
            postgres.drop_database().await;
        }
        None => eprintln!("PostgreSQL skipped: pass --postgres-url or set {POSTGRES_URL_VARIABLE}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A fresh, migrated benchmark database on the PostgreSQL server at `server_url`.
pub(crate) async fn fresh_postgres(server_url: &str) -> anyhow::Result<TestDatabase> {
    // The testkit panics on an unreachable server; connecting first turns that into an error.
    let server = DatabaseUrl::parse(server_url)?;
    Database::connect(&server, &PoolSettings::default())
        .await
        .with_context(|| format!("cannot reach the PostgreSQL server {}", server.redacted()))?;
    Ok(TestDatabase::postgres_on(server_url, PoolSettings::default()).await)
}

fn print_table(figures: &BackendFigures, plan: Plan) {
    println!("{}", figures.markdown_table(plan.iterations, WARM_UPS));
}

/// Runs the same command line through `cargo run --release` and exits with its status (figures
/// and bulk work from a debug build would be meaningless or slow). The working folder stays as it
/// is, so relative paths in the arguments mean the same folders.
pub(crate) async fn rerun_in_release() -> anyhow::Result<ExitCode> {
    eprintln!(
        "note: this command needs an optimised build; building xtask in release first \
         (the first release build takes several minutes), then running it"
    );
    let status = tokio::process::Command::new(cargo_program())
        .args(["run", "--release", "--quiet", "--manifest-path"])
        .arg(workspace_root().join("Cargo.toml"))
        .args(["--package", "xtask", "--"])
        .args(std::env::args_os().skip(1))
        .status()
        .await
        .context("cannot run `cargo run --release`")?;
    Ok(
        match status.code().and_then(|code| u8::try_from(code).ok()) {
            Some(code) => ExitCode::from(code),
            // Killed by a signal, or a status a process exit code cannot carry.
            None => ExitCode::FAILURE,
        },
    )
}

/// What the figures were measured on: core count and CPU model.
fn machine_line() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |cores| cores.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|cpuinfo| {
            cpuinfo
                .lines()
                .find_map(|line| {
                    line.strip_prefix("model name")
                        .and_then(|rest| rest.split_once(':'))
                })
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!(
        "Machine: {cores} cores (`nproc`), {model}, {os}; release build.",
        os = std::env::consts::OS,
    )
}
