//! SoulSpot's developer tasks, run as `cargo xtask <command>` (the alias lives in
//! `.cargo/config.toml`): migrating a database, proving that dependencies point inwards, and
//! writing the OpenAPI document, and
//! benchmarking the database repositories.
//!
//! This is an edge of the system, so failures are `anyhow` errors: `main` prints the chain once as
//! `error: …` and exits with status 1.

/// The same allocator as the server, so benchmarks measure what production runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod gen_library;
mod layers;
mod migrate;
mod openapi;
mod time_reads;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "SoulSpot's developer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Applies the embedded migrations the database lacks.
    Migrate {
        /// `postgres://…`, `sqlite://PATH` or a bare SQLite file path.
        #[arg(long)]
        database_url: String,
    },
    /// Fails when an inner crate (domain, application) depends on a driver or framework, or an
    /// outer one (api, worker) on a database driver.
    CheckLayers,
    /// Writes docs/openapi.json from the code (`--check`: fails when the file is stale).
    Openapi {
        #[arg(long)]
        check: bool,
    },
    /// Writes a realistic music library of real, tagged audio files (the scan's corpus).
    GenLibrary(gen_library::GenLibraryArgs),
    /// Performance measurements.
    Bench {
        #[command(subcommand)]
        target: bench::BenchTarget,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Migrate { database_url } => migrate::run(&database_url)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::CheckLayers => layers::run().await.map(|()| ExitCode::SUCCESS),
        Command::Openapi { check } => openapi::run(check).map(|()| ExitCode::SUCCESS),
        Command::GenLibrary(arguments) => gen_library::run(arguments).await,
        Command::Bench { target } => bench::run(target).await,
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The cargo that started us (cargo sets `CARGO` for `cargo run`), or the one on `PATH`.
fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The workspace root, so the cargo commands we spawn see the same workspace wherever
/// `cargo xtask` was started from.
fn workspace_root() -> PathBuf {
    let manifest_directory = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match manifest_directory.parent() {
        Some(root) => root.to_path_buf(),
        None => manifest_directory,
    }
}
