//! The `library.scan` job: runs the library scan with the job's progress and cancellation.
//!
//! Payload: `{"path": "/music/Some Artist" | null, "mode": "quick" | "full"}`; without a path the
//! whole music folder is scanned. A path outside the music folder is refused (the API checks it
//! first; the handler checks again, because a payload may come from anywhere). The scan itself is
//! resumable, so a job whose worker died continues where its last batch was committed.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use soulspot_application::scan::{
    LibraryScanner, ScanCancelled, ScanError, ScanPayload, ScanProgress, ScanProgressSink,
    ScanRootError, ScanSettings, ScanSummary, scan_root,
};
use soulspot_domain::Job;
use soulspot_domain::ports::ScanRepository;
use soulspot_domain::scan::{LibraryWalker, ScanCounts, ScanMode, TagReader};

use crate::handler::{HandlerFuture, JobContext, JobFailure, JobHandler};

/// What a finished `library.scan` job reports as its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanJobResult {
    pub root: String,
    pub mode: ScanMode,
    pub counts: ScanCounts,
    pub resumed: bool,
    pub elapsed_secs: f64,
    pub files_per_second: f64,
    /// The first folders or links the walk could not list, readable.
    pub problems: Vec<String>,
}

impl From<&ScanSummary> for ScanJobResult {
    fn from(summary: &ScanSummary) -> Self {
        Self {
            root: summary.root.display(),
            mode: summary.mode,
            counts: summary.counts,
            resumed: summary.resumed,
            elapsed_secs: summary.elapsed.as_secs_f64(),
            files_per_second: summary.files_per_second(),
            problems: summary
                .problems
                .iter()
                .map(|problem| format!("{}: {}", problem.path, problem.reason))
                .collect(),
        }
    }
}

/// Runs `library.scan` jobs.
pub struct LibraryScanHandler<S, W, R> {
    scanner: Arc<LibraryScanner<S, W, R>>,
    music_folder: PathBuf,
}

impl<S, W, R> LibraryScanHandler<S, W, R>
where
    S: ScanRepository + 'static,
    W: LibraryWalker + 'static,
    R: TagReader + 'static,
{
    /// `music_folder` is the configured root of the library (resolved at each run, so a disk
    /// mounted later is found).
    pub fn new(
        store: Arc<S>,
        walker: Arc<W>,
        reader: Arc<R>,
        settings: ScanSettings,
        music_folder: PathBuf,
    ) -> Self {
        Self {
            scanner: Arc::new(LibraryScanner::new(store, walker, reader, settings)),
            music_folder,
        }
    }
}

impl<S, W, R> JobHandler for LibraryScanHandler<S, W, R>
where
    S: ScanRepository + 'static,
    W: LibraryWalker + 'static,
    R: TagReader + 'static,
{
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payload: ScanPayload = serde_json::from_str(&job.payload).map_err(|error| {
                JobFailure::Permanent(format!("the scan payload is not valid: {error}"))
            })?;
            let root =
                scan_root(&self.music_folder, payload.path.as_deref()).map_err(
                    |error| match error {
                        ScanRootError::MusicFolderUnavailable { .. } => {
                            JobFailure::Retryable(error.to_string())
                        }
                        ScanRootError::Refused(_) => JobFailure::Permanent(error.to_string()),
                    },
                )?;
            let sink = JobProgressSink { context };
            let summary =
                self.scanner
                    .scan(&root, payload.mode, &sink)
                    .await
                    .map_err(|error| match error {
                        ScanError::Cancelled => JobFailure::Cancelled,
                        // The music folder may be an unmounted disk: worth another try later.
                        error @ (ScanError::Root(_)
                        | ScanError::Repository(_)
                        | ScanError::Task(_)) => JobFailure::Retryable(error.to_string()),
                    })?;
            let result = serde_json::to_string(&ScanJobResult::from(&summary))
                .map_err(|error| JobFailure::Permanent(error.to_string()))?;
            Ok(Some(result))
        })
    }
}

/// Scan progress as job progress: files done of the total, and the folders in the message.
struct JobProgressSink<'a> {
    context: &'a JobContext,
}

impl ScanProgressSink for JobProgressSink<'_> {
    fn report(&self, progress: &ScanProgress) -> Result<(), ScanCancelled> {
        let mut message = format!(
            "{} of {} folders",
            progress.folders_done, progress.folders_total
        );
        if let Some(folder) = &progress.current_folder {
            message.push_str(&format!("; now in {folder}"));
        }
        self.context
            .report(
                i64::try_from(progress.files_done).unwrap_or(i64::MAX),
                Some(i64::try_from(progress.files_total).unwrap_or(i64::MAX)),
                Some(message),
            )
            .map_err(|_| ScanCancelled)
    }
}
