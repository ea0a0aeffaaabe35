//! `library.scan`: the library scan as a job kind, and the use case that turns a scan request
//! (from the API or the CLI) into its payload.
//!
//! Payload: `{"path": "/music/Some Artist" | null, "mode": "quick" | "full"}`; without a path the
//! whole music folder is scanned, and a request naming the music folder itself is the same job
//! as one without a path. A path outside the music folder is refused when requested and again
//! when run, because a payload may come from anywhere. The scan is resumable, so a job whose
//! worker died continues where its last batch was committed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_domain::Clock;
use soulspot_domain::ports::ScanRepository;
use soulspot_domain::scan::{LibraryWalker, ScanCounts, ScanMode, TagReader};

use super::{
    LibraryScanner, ScanCancelled, ScanError, ScanPayload, ScanProgress, ScanProgressSink,
    ScanRootError, ScanSettings, ScanSummary, scan_root,
};
use crate::jobs::{JobContext, JobFailure, JobKindDefinition, JobResult, JobRunner};

/// The `library.scan` kind.
#[derive(Debug, Clone, Copy)]
pub struct LibraryScan;

impl JobKindDefinition for LibraryScan {
    const NAME: &'static str = "library.scan";
    // A scan resumes where it stopped, so attempts cut short by a crash are cheap.
    const MAX_ATTEMPTS: i32 = 10;
    // Watch mode queues at most 16 folder scans per change before it asks for the whole library.
    const MAX_QUEUED: Option<u32> = Some(64);
    // A whole-library scan that just ended found the library as it is: another one right away
    // would read it all again for nothing. Short, so a user who changed files waits little.
    const COOLDOWN_AFTER_SUCCESS: Option<Duration> = Some(Duration::from_secs(10));
    const RETRY_WHEN_FULL: Duration = Duration::from_secs(30);
    type Payload = ScanPayload;

    fn cooldown_applies(payload: &ScanPayload) -> bool {
        payload.path.is_none()
    }

    /// One scan per folder and mode at a time.
    fn dedupe_key(payload: &ScanPayload) -> Option<String> {
        let folder = payload.path.as_ref().map_or_else(
            || "*".to_owned(),
            |path| path.to_string_lossy().into_owned(),
        );
        Some(format!("{}:{}:{folder}", Self::NAME, payload.mode.as_str()))
    }
}

/// Why a scan request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanRequestError {
    #[error("no music folder is configured: set library.music_folder first")]
    NoMusicFolder,
    #[error("{0:?} is not `quick` or `full`")]
    UnknownMode(String),
    #[error(transparent)]
    Root(#[from] ScanRootError),
    #[error("the path check failed: {0}")]
    Task(String),
}

/// The payload of a scan of `path` (absolute, inside the music folder; `None`: the whole
/// library) in `mode` (`quick` when absent). Checks the path on a blocking thread (it resolves
/// links); the music folder itself named as a path becomes `None`, so both requests are one job.
pub async fn scan_request(
    music_folder: Option<&Path>,
    path: Option<&str>,
    mode: Option<&str>,
) -> Result<ScanPayload, ScanRequestError> {
    let mode = match mode {
        None => ScanMode::Quick,
        Some(text) => {
            ScanMode::parse(text).ok_or_else(|| ScanRequestError::UnknownMode(text.to_owned()))?
        }
    };
    let folder = music_folder
        .filter(|folder| !folder.as_os_str().is_empty())
        .ok_or(ScanRequestError::NoMusicFolder)?
        .to_path_buf();
    let requested = path.map(PathBuf::from);
    let path = tokio::task::spawn_blocking(move || {
        let root = scan_root(&folder, requested.as_deref())?;
        let whole_library = scan_root(&folder, None).ok() == Some(root.clone());
        Ok::<_, ScanRootError>((!whole_library).then_some(root))
    })
    .await
    .map_err(|error| ScanRequestError::Task(error.to_string()))??;
    Ok(ScanPayload { path, mode })
}

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
pub struct LibraryScanRunner<S, W, R> {
    scanner: LibraryScanner<S, W, R>,
    music_folder: PathBuf,
}

impl<S, W, R> LibraryScanRunner<S, W, R>
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
        clock: Arc<dyn Clock>,
        settings: ScanSettings,
        music_folder: PathBuf,
    ) -> Self {
        Self {
            scanner: LibraryScanner::new(store, walker, reader, clock, settings),
            music_folder,
        }
    }
}

impl<S, W, R> JobRunner for LibraryScanRunner<S, W, R>
where
    S: ScanRepository + 'static,
    W: LibraryWalker + 'static,
    R: TagReader + 'static,
{
    type Kind = LibraryScan;

    async fn run(&self, payload: ScanPayload, context: &JobContext) -> JobResult {
        let root =
            scan_root(&self.music_folder, payload.path.as_deref()).map_err(
                |error| match error {
                    ScanRootError::MusicFolderUnavailable { .. } => {
                        JobFailure::Retryable(error.to_string())
                    }
                    ScanRootError::Outside | ScanRootError::Refused(_) => {
                        JobFailure::Permanent(error.to_string())
                    }
                },
            )?;
        let sink = JobProgressSink { context };
        let summary = self
            .scanner
            .scan(&root, payload.mode, &sink)
            .await
            .map_err(|error| match error {
                ScanError::Cancelled => JobFailure::Cancelled,
                // The music folder may be an unmounted disk: worth another try later.
                error @ (ScanError::Root(_) | ScanError::Repository(_) | ScanError::Task(_)) => {
                    JobFailure::Retryable(error.to_string())
                }
            })?;
        let result = serde_json::to_string(&ScanJobResult::from(&summary))
            .map_err(|error| JobFailure::Permanent(error.to_string()))?;
        Ok(Some(result))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every path outside the music folder gets the one answer, whether it exists, is
    /// unreadable, climbs out with `..` or is a link inside the library that leads out.
    #[tokio::test]
    async fn every_path_outside_the_music_folder_gets_the_same_answer() {
        let outside = tempfile::tempdir().unwrap();
        let library = tempfile::tempdir().unwrap();
        let music = library.path().join("music");
        std::fs::create_dir_all(music.join("Artist/Album")).unwrap();
        std::os::unix::fs::symlink(outside.path(), music.join("leads-out")).unwrap();
        let music_text = music.to_string_lossy().into_owned();
        let requests = [
            "/nonexistent".to_owned(),
            "/proc/1/root".to_owned(),
            "/etc".to_owned(),
            outside.path().to_string_lossy().into_owned(),
            format!("{music_text}/../../.."),
            format!("{music_text}/Artist/../../elsewhere"),
            format!("{music_text}/leads-out"),
        ];
        for path in &requests {
            let refused = scan_request(Some(&music), Some(path), None).await;
            let Err(ScanRequestError::Root(error)) = refused else {
                panic!("{path}: {refused:?}");
            };
            assert_eq!(error, ScanRootError::Outside, "{path}");
            assert_eq!(error.to_string(), "the path is outside the music folder");
        }
        // Inside the library, the answer may say what is wrong.
        let missing = format!("{music_text}/Nobody");
        let refused = scan_request(Some(&music), Some(&missing), None).await;
        assert!(
            matches!(&refused, Err(ScanRequestError::Root(ScanRootError::Refused(message))) if message.contains("cannot be scanned")),
            "{refused:?}"
        );
        // A folder inside is scanned; the music folder itself is the whole library.
        let album = format!("{music_text}/Artist/Album");
        let payload = scan_request(Some(&music), Some(&album), Some("full"))
            .await
            .unwrap();
        assert_eq!(payload.mode, ScanMode::Full);
        assert!(payload.path.unwrap().ends_with("Artist/Album"));
        let whole = scan_request(Some(&music), Some(&music_text), None)
            .await
            .unwrap();
        assert_eq!(whole.path, None);
        assert_eq!(
            LibraryScan::dedupe_key(&whole).as_deref(),
            Some("library.scan:quick:*")
        );
    }

    #[tokio::test]
    async fn a_request_without_a_music_folder_or_with_an_unknown_mode_is_refused() {
        assert_eq!(
            scan_request(None, None, None).await,
            Err(ScanRequestError::NoMusicFolder)
        );
        let library = tempfile::tempdir().unwrap();
        assert_eq!(
            scan_request(Some(library.path()), None, Some("sometimes")).await,
            Err(ScanRequestError::UnknownMode("sometimes".into()))
        );
    }
}
