//! `cargo xtask bench scan`: the library scan on generated libraries of real audio files (10,000
//! and 100,000 by default; generated once under `--corpus-dir` and reused). For each size, on a
//! fresh SQLite database with a warm page cache: a full first scan (files/s), a quick rescan of
//! the unchanged library, the peak resident memory of each (the process's high-water mark is
//! reset before each scan through `/proc/self/clear_refs`), the database bytes per track, and how
//! long a full scan takes to stop once cancelled. Prints a markdown table for
//! docs/PERFORMANCE.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use clap::Args;
use soulspot_application::scan::{
    LibraryScanner, NoProgress, ScanCancelled, ScanError, ScanProgress, ScanProgressSink,
    ScanSettings, ScanSummary,
};
use soulspot_domain::ports::DatabaseMaintenance as _;
use soulspot_domain::scan::ScanMode;
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_infrastructure::walk::FsWalker;
use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};
use soulspot_testkit::library::{LibraryOptions, generate_library};

use super::report::with_thousands;

/// The seed of the generated libraries (a corpus is reused only when it was made with it).
const SEED: u64 = 2026;

#[derive(Debug, Args)]
pub struct ScanBenchArgs {
    /// Library sizes to measure, in files.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000u64, 100_000])]
    files: Vec<u64>,
    /// Where generated libraries are kept between runs (`<dir>/<files>`).
    #[arg(long, default_value = "/tmp/soulspot-bench-corpus")]
    corpus_dir: PathBuf,
}

struct Figures {
    files: u64,
    full: ScanSummary,
    full_peak_rss: u64,
    quick: ScanSummary,
    quick_peak_rss: u64,
    database_bytes: u64,
    cancel_latency: Duration,
}

pub async fn run(arguments: ScanBenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        return super::rerun_in_release().await;
    }
    ensure!(
        !arguments.files.is_empty(),
        "--files needs at least one size"
    );
    let mut rows = Vec::new();
    for files in arguments.files {
        let corpus = corpus(&arguments.corpus_dir, files)?;
        rows.push(measure(&corpus, files).await?);
    }
    println!("{}", super::machine_line());
    println!();
    println!(
        "| files | full scan | full scan files/s | peak RSS (full) | quick rescan (unchanged) | peak RSS (quick) | database bytes/track | cancel → stopped |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {:.2} s | {} | {} MB | {:.2} s | {} MB | {} | {} ms |",
            with_thousands(row.files),
            row.full.elapsed.as_secs_f64(),
            with_thousands(row.full.files_per_second().round() as u64),
            row.full_peak_rss / (1024 * 1024),
            row.quick.elapsed.as_secs_f64(),
            row.quick_peak_rss / (1024 * 1024),
            with_thousands(row.database_bytes / row.files.max(1)),
            row.cancel_latency.as_millis(),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The library of `files` files under `directory`, generated when it is not there yet (a marker
/// file written last says a generation finished).
fn corpus(directory: &Path, files: u64) -> anyhow::Result<PathBuf> {
    let root = directory.join(files.to_string());
    let marker = directory.join(format!("{files}.complete"));
    let music = root.join("music");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(&SEED.to_string()) {
        return Ok(std::fs::canonicalize(music)?);
    }
    ensure!(
        !root.exists(),
        "{} holds an unfinished or foreign library; delete it or pick another --corpus-dir",
        root.display()
    );
    eprintln!("generating {files} files under {} …", music.display());
    let summary = generate_library(&LibraryOptions::new(files, SEED, &music))
        .with_context(|| format!("cannot generate the library under {}", music.display()))?;
    eprintln!(
        "generated {} files ({} MB) in {:.1} s",
        summary.manifest.files,
        summary.bytes / (1024 * 1024),
        summary.elapsed.as_secs_f64()
    );
    std::fs::write(&marker, SEED.to_string())?;
    Ok(std::fs::canonicalize(music)?)
}

async fn measure(music: &Path, files: u64) -> anyhow::Result<Figures> {
    warm_page_cache(music)?;
    let directory = tempfile::tempdir()?;
    let database_path = directory.path().join("bench.db");
    let database = Database::connect(
        &DatabaseUrl::Sqlite(database_path.clone()),
        &PoolSettings::default(),
    )
    .await?;
    database.run_pending_migrations().await?;
    let scanner = scanner(&database);

    eprintln!("{files} files: full scan …");
    reset_peak_rss();
    let full = scanner.scan(music, ScanMode::Full, &NoProgress).await?;
    let full_peak_rss = peak_rss()?;
    ensure!(
        full.counts.files == files && full.counts.added == files && full.counts.broken == 0,
        "the full scan saw {:?}",
        full.counts
    );
    eprintln!("{files} files: quick rescan …");
    reset_peak_rss();
    let quick = scanner.scan(music, ScanMode::Quick, &NoProgress).await?;
    let quick_peak_rss = peak_rss()?;
    ensure!(
        quick.counts.unchanged == files && quick.counts.updated == 0,
        "the quick rescan saw {:?}",
        quick.counts
    );
    database.optimize().await?;
    let database_bytes =
        file_size(&database_path) + file_size(&with_suffix(&database_path, "-wal"));
    drop(scanner);
    drop(database);

    eprintln!("{files} files: cancelling a full scan …");
    let cancel_latency =
        cancel_latency(music, (full.elapsed / 4).min(Duration::from_secs(1))).await?;
    Ok(Figures {
        files,
        full,
        full_peak_rss,
        quick,
        quick_peak_rss,
        database_bytes,
        cancel_latency,
    })
}

fn scanner(database: &Database) -> LibraryScanner<Database, FsWalker, LoftyTagReader> {
    LibraryScanner::new(
        Arc::new(database.clone()),
        Arc::new(FsWalker::new()),
        Arc::new(LoftyTagReader::new()),
        Arc::new(soulspot_infrastructure::SystemClock),
        ScanSettings::default(),
    )
}

/// Stops a scan when asked, and remembers when it was asked.
struct StopWhenAsked {
    stop: AtomicBool,
}

impl ScanProgressSink for StopWhenAsked {
    fn report(&self, _progress: &ScanProgress) -> Result<(), ScanCancelled> {
        if self.stop.load(Ordering::SeqCst) {
            Err(ScanCancelled)
        } else {
            Ok(())
        }
    }
}

/// From a cancel request `after` into a full scan on a fresh database to the scan returning.
async fn cancel_latency(music: &Path, after: Duration) -> anyhow::Result<Duration> {
    let directory = tempfile::tempdir()?;
    let database = Database::connect(
        &DatabaseUrl::Sqlite(directory.path().join("cancel.db")),
        &PoolSettings::default(),
    )
    .await?;
    database.run_pending_migrations().await?;
    let scanner = scanner(&database);
    let sink = Arc::new(StopWhenAsked {
        stop: AtomicBool::new(false),
    });
    let asked_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let trigger = {
        let sink = sink.clone();
        let asked_at = asked_at.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Ok(mut asked) = asked_at.lock() {
                *asked = Some(Instant::now());
            }
            sink.stop.store(true, Ordering::SeqCst);
        })
    };
    let outcome = scanner.scan(music, ScanMode::Full, sink.as_ref()).await;
    let stopped = Instant::now();
    trigger.abort();
    ensure!(
        matches!(outcome, Err(ScanError::Cancelled)),
        "the scan was not cancelled (it finished within {after:?})"
    );
    let asked = asked_at
        .lock()
        .ok()
        .and_then(|asked| *asked)
        .context("the cancel request was never made")?;
    Ok(stopped.duration_since(asked))
}

/// Reads every file once, so the scans measure a warm page cache.
fn warm_page_cache(music: &Path) -> anyhow::Result<()> {
    let mut pending = vec![music.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                pending.push(entry.path());
            } else {
                std::fs::read(entry.path())?;
            }
        }
    }
    Ok(())
}

/// Resets this process's peak resident set size (Linux: writing 5 to `clear_refs`).
fn reset_peak_rss() {
    // Without it, the figure is the peak since start: a larger (safe-side) number.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak resident set size since the last reset, in bytes.
fn peak_rss() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kilobytes = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .context("no VmHWM in /proc/self/status")?;
    Ok(kilobytes * 1024)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |metadata| metadata.len())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
