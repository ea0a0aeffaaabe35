//! The SoulSpot binary: the composition root. It reads configuration, builds the process's
//! singletons once (the database pool, the key files, the metrics recorder, the health registry;
//! later the HTTP client and upstream clients) and runs the chosen mode: `serve` (API and worker),
//! `api`, `worker`, `migrate` or `config`.

/// mimalloc instead of the system allocator: reading a large playlist allocates hundreds of
/// thousands of small strings, and glibc's malloc/free took a fifth of that time (see
/// docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod config;
mod logging;
mod scan;
mod serve;
mod upstreams;
mod watch;
mod workers;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, DatabaseOverrides, FlagOverrides, ServerOverrides};

#[derive(Debug, Parser)]
#[command(
    name = "soulspot",
    version,
    about = "Mirror Spotify playlists into your own music library"
)]
struct Cli {
    /// Configuration file (default: ./soulspot.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Where SoulSpot keeps its database and keys (default: ./data).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database: `sqlite://PATH` or `postgres://…` (default: <data-dir>/soulspot.db).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default when no command is given).
    Serve {
        /// Address to listen on (default: 127.0.0.1:8765).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<std::net::SocketAddr>,
        /// Do not apply pending migrations; refuse to start if any are pending.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Run only the HTTP API (job workers run in other processes against the same PostgreSQL).
    Api {
        /// Address to listen on (default: 127.0.0.1:8765).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<std::net::SocketAddr>,
        /// Do not apply pending migrations; refuse to start if any are pending.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Run only the job worker and the scheduler of periodic jobs.
    Worker {
        /// Do not apply pending migrations; refuse to start if any are pending.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the effective configuration (secrets redacted) and exit.
    Config,
    /// Scan the music folder (or one folder inside it) into the library, with a progress bar
    /// and a summary; Ctrl-C stops it, and running it again resumes.
    Scan {
        /// A folder inside the music folder (default: the whole music folder).
        path: Option<std::path::PathBuf>,
        /// Read every file again, not only new and changed ones.
        #[arg(long)]
        full: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One readable line, no backtrace: these are the user's mistakes or environment.
            eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Some(Command::Serve { bind, .. } | Command::Api { bind, .. }) => *bind,
        _ => None,
    };
    let flags = FlagOverrides {
        data_dir: cli.data_dir.clone(),
        server: bind.map(|bind| ServerOverrides { bind: Some(bind) }),
        database: cli
            .database_url
            .clone()
            .map(|url| DatabaseOverrides { url: Some(url) }),
    };
    let config = Config::load(cli.config.as_deref(), std::env::vars(), &flags)?;
    match cli.command.unwrap_or(Command::Serve {
        bind: None,
        no_migrate: false,
    }) {
        Command::Serve { no_migrate, .. } => {
            logging::init(&config.log)?;
            let policy = serve::MigrationPolicy::from_flag(no_migrate);
            serve::serve(&config, policy, serve::RunMode::Both).await
        }
        Command::Api { no_migrate, .. } => {
            logging::init(&config.log)?;
            let policy = serve::MigrationPolicy::from_flag(no_migrate);
            serve::serve(&config, policy, serve::RunMode::Api).await
        }
        Command::Worker { no_migrate } => {
            logging::init(&config.log)?;
            let policy = serve::MigrationPolicy::from_flag(no_migrate);
            serve::serve(&config, policy, serve::RunMode::Worker).await
        }
        Command::Migrate => {
            logging::init(&config.log)?;
            serve::migrate(&config).await
        }
        Command::Scan { path, full } => {
            logging::init(&config.log)?;
            scan::scan(&config, path.as_deref(), full).await
        }
        Command::Config => {
            print!("{}", config.to_redacted_toml()?);
            Ok(())
        }
    }
}
