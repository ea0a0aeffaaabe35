//! `soulspot scan [PATH] [--full]`: scans the music folder (or one folder inside it) in this
//! process, with a progress bar, and prints a summary. Ctrl-C stops it after the batch in hand;
//! running the same command again resumes where it stopped.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use soulspot_application::scan::{
    LibraryScanner, ScanCancelled, ScanError, ScanProgress, ScanProgressSink, ScanSummary,
    scan_root,
};
use soulspot_domain::scan::ScanMode;
use soulspot_infrastructure::SystemClock;
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_infrastructure::walk::FsWalker;

use crate::config::Config;
use crate::serve;

pub async fn scan(config: &Config, path: Option<&Path>, full: bool) -> anyhow::Result<()> {
    let library = &config.library;
    anyhow::ensure!(
        !library.music_folder.as_os_str().is_empty(),
        "no music folder is configured: set library.music_folder in soulspot.toml (or SOULSPOT_LIBRARY__MUSIC_FOLDER)"
    );
    // A relative PATH is taken from the current folder, as any command-line tool does.
    let requested = match path {
        Some(path) if path.is_relative() => Some(
            std::env::current_dir()
                .context("the current folder cannot be read")?
                .join(path),
        ),
        other => other.map(Path::to_path_buf),
    };
    let root = scan_root(&library.music_folder, requested.as_deref())?;
    let mode = if full {
        ScanMode::Full
    } else {
        ScanMode::Quick
    };

    let database = serve::open_database(config).await?;
    serve::apply_migrations(&database).await?;
    let scanner = LibraryScanner::new(
        Arc::new(database),
        Arc::new(FsWalker::new()),
        Arc::new(LoftyTagReader::new()),
        Arc::new(SystemClock),
        library.scan_settings(),
    );

    let sink = BarSink::new(&root, mode);
    let stop = sink.stop.clone();
    let bar = sink.bar.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            bar.println("stopping after the batch in hand…");
            stop.store(true, Ordering::SeqCst);
        }
    });
    let outcome = scanner.scan(&root, mode, &sink).await;
    sink.bar.finish_and_clear();
    match outcome {
        Ok(summary) => {
            print!("{}", summary_text(&summary));
            Ok(())
        }
        Err(ScanError::Cancelled) => anyhow::bail!(
            "the scan was stopped; run the same command again to resume where it stopped"
        ),
        Err(error) => Err(error.into()),
    }
}

/// The progress bar, and the flag Ctrl-C sets.
struct BarSink {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
}

impl BarSink {
    fn new(root: &Path, mode: ScanMode) -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} files ({per_sec}, {eta} left)\n{msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(format!("{} scan", mode.as_str()));
        bar.set_message(format!("walking {}", root.to_string_lossy()));
        bar.enable_steady_tick(Duration::from_millis(200));
        Self {
            bar,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl ScanProgressSink for BarSink {
    fn report(&self, progress: &ScanProgress) -> Result<(), ScanCancelled> {
        self.bar.set_length(progress.files_total);
        self.bar.set_position(progress.files_done);
        let counts = &progress.counts;
        self.bar.set_message(format!(
            "{}/{} folders · {} added · {} updated · {} broken · {}",
            progress.folders_done,
            progress.folders_total,
            counts.added,
            counts.updated,
            counts.broken,
            progress.current_folder.as_deref().unwrap_or(""),
        ));
        if self.stop.load(Ordering::SeqCst) {
            Err(ScanCancelled)
        } else {
            Ok(())
        }
    }
}

/// The summary printed after a scan.
pub fn summary_text(summary: &ScanSummary) -> String {
    let counts = &summary.counts;
    let mut text = format!(
        "Scanned {} ({}{}) in {:.1} s: {} files in {} folders ({:.0} files/s)\n",
        summary.root,
        summary.mode.as_str(),
        if summary.resumed { ", resumed" } else { "" },
        summary.elapsed.as_secs_f64(),
        counts.files,
        counts.folders,
        summary.files_per_second(),
    );
    text.push_str(&format!(
        "  added {}, updated {}, moved {}, missing {}, broken {}, unchanged {}\n",
        counts.added, counts.updated, counts.moved, counts.missing, counts.broken, counts.unchanged,
    ));
    text.push_str(&format!(
        "  {} folders unchanged; {} wanted tracks filled\n",
        counts.folders_unchanged, counts.matched,
    ));
    if counts.problems > 0 {
        text.push_str(&format!(
            "  {} folders or links could not be read:\n",
            counts.problems
        ));
        for problem in &summary.problems {
            text.push_str(&format!("    {}: {}\n", problem.path, problem.reason));
        }
    }
    text
}
