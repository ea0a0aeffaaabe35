//! The library scan: walks the music folder, reads the tags of new and changed files, and writes
//! what it learns in batches, each one transaction with the run's resume point.
//!
//! The work is a pipeline. A blocking thread walks the folder tree and sends folder listings down
//! a bounded channel (so memory holds a few hundred folders, never the library). The scan takes
//! groups of folders, asks the store what it knows of them in one query, and skips every folder
//! whose content hash is unchanged (quick mode) without opening a file. Inside changed folders it
//! reads only new files and files whose size or modification time changed (quick) or every file
//! (full), on blocking threads, then writes the group as one batch. A file that appeared at a new
//! path with the size and modification time of a known file that is gone from its old path is the
//! same file moved: its row, id and track link are kept. Known files no longer listed are marked
//! missing; nothing on disk is ever touched.
//!
//! After the walk, known folders under the root that are no longer folders on disk have their
//! files marked missing. A cancelled or killed scan resumes after the last folder it committed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use soulspot_domain::RepositoryError;
use soulspot_domain::ports::ScanRepository;
use soulspot_domain::scan::{
    BrokenFile, FileContent, FileWrite, FolderWrite, KnownFile, LibraryPath, LibraryWalker,
    ScanBatch, ScanCounts, ScanMode, ScanRunId, TagReader, WalkEvent, WalkOptions, WalkProblem,
    WalkTotals,
};
use soulspot_domain::{Clock, LibraryFileId, LibraryFolderId};
use tokio::sync::mpsc;

mod job;
mod plan;

pub use job::{LibraryScan, LibraryScanRunner, ScanJobResult, ScanRequestError, scan_request};

use plan::{
    Group, GroupPlan, GroupWork, PlannedKind, PlannedRead, PreparedGroup, plan_group, settle,
};

/// What a `library.scan` job is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanPayload {
    /// The folder to scan (absolute, inside the music folder); `None`: the whole music folder.
    #[serde(default)]
    pub path: Option<PathBuf>,
    pub mode: ScanMode,
}

/// Why a scan cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanRootError {
    /// The music folder itself cannot be opened (an unmounted disk?): worth trying again later.
    #[error("the music folder {folder} cannot be opened: {reason}")]
    MusicFolderUnavailable { folder: String, reason: String },
    /// The path lies outside the music folder. One answer whatever the path is, whether it
    /// exists or not, so the answer tells nothing about the disk outside the library.
    #[error("the path is outside the music folder")]
    Outside,
    /// The request names a path inside the music folder that cannot be scanned.
    #[error("{0}")]
    Refused(String),
}

/// `path` with `.` and `..` resolved on the text alone (no link is followed, the disk is not
/// asked). `None` when `..` climbs above the root.
fn lexically_normal(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    return None;
                }
            }
            other => normal.push(other.as_os_str()),
        }
    }
    Some(normal)
}

/// Where a scan of `requested` (or of the whole music folder) starts, or why it may not: the
/// path must be absolute, lie inside `music_folder` by its text (checked before the disk is asked
/// anything about it) and once every link is resolved, exist and be a folder.
pub fn scan_root(music_folder: &Path, requested: Option<&Path>) -> Result<PathBuf, ScanRootError> {
    let resolved_music_folder = std::fs::canonicalize(music_folder)
        .ok()
        .filter(|folder| folder.is_dir())
        .ok_or_else(|| ScanRootError::MusicFolderUnavailable {
            folder: music_folder.to_string_lossy().into_owned(),
            reason: "it does not exist or is not a folder".to_owned(),
        })?;
    let Some(requested) = requested else {
        return Ok(resolved_music_folder);
    };
    let shown = requested.to_string_lossy();
    if !requested.is_absolute() {
        return Err(ScanRootError::Refused(format!(
            "the path {shown} is not absolute"
        )));
    }
    // The text first: a path outside the music folder (as configured, or as resolved) is refused
    // before anything about it is looked up.
    let inside_by_text = lexically_normal(requested).is_some_and(|text| {
        lexically_normal(music_folder).is_some_and(|folder| text.starts_with(folder))
            || text.starts_with(&resolved_music_folder)
    });
    if !inside_by_text {
        return Err(ScanRootError::Outside);
    }
    let canonical = std::fs::canonicalize(requested).map_err(|error| {
        ScanRootError::Refused(format!("the path {shown} cannot be scanned: {error}"))
    })?;
    // A link inside the library may still lead out of it.
    if !canonical.starts_with(&resolved_music_folder) {
        return Err(ScanRootError::Outside);
    }
    if !canonical.is_dir() {
        return Err(ScanRootError::Refused(format!(
            "the path {shown} is not a folder"
        )));
    }
    Ok(canonical)
}

/// How a scan batches its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSettings {
    /// Files listed per batch (a batch is one transaction, and cancellation is noticed between
    /// batches).
    pub batch_files: usize,
    /// Folders per batch at most (bounds the quick scan's lookups of unchanged folders).
    pub batch_folders: usize,
    /// Blocking threads reading tags at once.
    pub readers: usize,
    pub walk: WalkOptions,
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self {
            batch_files: 500,
            batch_folders: 256,
            readers: 2,
            walk: WalkOptions::default(),
        }
    }
}

/// Where a scan stands, for a progress bar or a job's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanProgress {
    pub folders_done: u64,
    pub folders_total: u64,
    pub files_done: u64,
    pub files_total: u64,
    /// The last folder handled, readable.
    pub current_folder: Option<String>,
    pub counts: ScanCounts,
}

/// The scan was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the scan was cancelled")]
pub struct ScanCancelled;

/// Receives progress after every batch; answering `Err(ScanCancelled)` stops the scan there (the
/// batches written so far stay, and the next scan of the same root and mode resumes after them).
pub trait ScanProgressSink: Send + Sync {
    fn report(&self, progress: &ScanProgress) -> Result<(), ScanCancelled>;
}

/// A sink for callers that want no progress.
pub struct NoProgress;

impl ScanProgressSink for NoProgress {
    fn report(&self, _progress: &ScanProgress) -> Result<(), ScanCancelled> {
        Ok(())
    }
}

/// How many walk problems a summary keeps (the count keeps going).
pub const MAX_REPORTED_PROBLEMS: usize = 100;

/// What a finished scan did.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSummary {
    pub run: ScanRunId,
    pub root: LibraryPath,
    pub mode: ScanMode,
    pub counts: ScanCounts,
    /// Whether the run continued an earlier, interrupted one.
    pub resumed: bool,
    /// The first [`MAX_REPORTED_PROBLEMS`] folders or links the walk could not list.
    pub problems: Vec<WalkProblem>,
    /// This process's part of the run.
    pub elapsed: Duration,
}

impl ScanSummary {
    /// Files seen per second of this process's part of the run.
    pub fn files_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.counts.files as f64 / seconds
        } else {
            0.0
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot scan {}: {}", .0.path, .0.reason)]
    Root(WalkProblem),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    #[error("the scan was cancelled")]
    Cancelled,
    #[error("a scan thread failed: {0}")]
    Task(String),
}

impl From<ScanCancelled> for ScanError {
    fn from(_: ScanCancelled) -> Self {
        Self::Cancelled
    }
}

/// The library scan over a store, a walker and a tag reader.
pub struct LibraryScanner<S, W, R> {
    store: Arc<S>,
    walker: Arc<W>,
    reader: Arc<R>,
    clock: Arc<dyn Clock>,
    settings: ScanSettings,
}

impl<S, W, R> LibraryScanner<S, W, R>
where
    S: ScanRepository + 'static,
    W: LibraryWalker + 'static,
    R: TagReader + 'static,
{
    pub fn new(
        store: Arc<S>,
        walker: Arc<W>,
        reader: Arc<R>,
        clock: Arc<dyn Clock>,
        settings: ScanSettings,
    ) -> Self {
        Self {
            store,
            walker,
            reader,
            clock,
            settings,
        }
    }

    /// Scans `root` (an absolute path) in `mode`, resuming the unfinished run of the same root and
    /// mode if there is one.
    pub async fn scan(
        &self,
        root: &Path,
        mode: ScanMode,
        sink: &dyn ScanProgressSink,
    ) -> Result<ScanSummary, ScanError> {
        let started = Instant::now();
        let root_path = LibraryPath::from_path(root);
        let run = self
            .store
            .begin_scan(&root_path, mode, self.clock.now())
            .await?;
        let resumed = run.checkpoint.is_some() || run.counts != ScanCounts::default();

        let walker = Arc::clone(&self.walker);
        let options = self.settings.walk.clone();
        let owned_root = root.to_path_buf();
        let checkpoint = run.checkpoint.clone();
        let (sender, mut receiver) = mpsc::channel(self.settings.batch_folders.max(1));
        let (totals_sender, totals_receiver) = tokio::sync::oneshot::channel();
        let walk = tokio::task::spawn_blocking(move || -> Result<(), WalkProblem> {
            let events = walker.walk(&owned_root, &options, checkpoint.as_ref())?;
            // Counting after the walk has started keeps a root error first; the count is a cheap
            // second pass over directory entries the walk has just brought into the cache.
            let _ = totals_sender.send(walker.count(&owned_root, &options));
            for event in events {
                if sender.blocking_send(event).is_err() {
                    break;
                }
            }
            Ok(())
        });

        let mut state = RunState {
            run: run.id,
            started_at: run.started_at,
            counts: run.counts,
            checkpoint: run.checkpoint,
            totals: WalkTotals::default(),
            current_folder: None,
            problems: Vec::new(),
            moved_by_last_group: HashSet::new(),
        };
        let mut totals_receiver = Some(totals_receiver);
        // Two groups are in hand at a time: the files of the next group are read on the reader
        // threads while the group before it is written, so reading and writing overlap.
        let mut in_hand: Option<PreparedGroup> = None;
        loop {
            let group = self.next_group(&mut receiver).await;
            if let Some(receiver) = totals_receiver.as_mut()
                && let Ok(totals) = receiver.try_recv()
            {
                state.totals = totals;
                totals_receiver = None;
            }
            // Whatever stops the scan waits for the reads in flight: no reader thread outlives it.
            let next = match group {
                Some(group) => match self.prepare_group(group, mode).await {
                    Ok(prepared) => Some(prepared),
                    Err(error) => {
                        settle(in_hand).await;
                        return Err(error);
                    }
                },
                None => None,
            };
            if let Some(prepared) = in_hand.take() {
                let finished = match self.finish_group(prepared, &mut state).await {
                    Ok(()) => sink.report(&state.progress()).map_err(ScanError::from),
                    Err(error) => Err(error),
                };
                if let Err(error) = finished {
                    settle(next).await;
                    return Err(error);
                }
            }
            let Some(next) = next else { break };
            in_hand = Some(next);
        }
        match walk.await {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => return Err(ScanError::Root(problem)),
            Err(error) => return Err(ScanError::Task(error.to_string())),
        }

        self.sweep_vanished_folders(&root_path, &mut state).await?;
        // The last groups may have been unchanged folders with nothing to write: the totals are
        // stored once more, with the run's end.
        self.write(&mut state, Vec::new(), Vec::new(), Vec::new())
            .await?;
        self.store.finish_scan(state.run, self.clock.now()).await?;
        sink.report(&state.progress())?;
        Ok(ScanSummary {
            run: state.run,
            root: root_path,
            mode,
            counts: state.counts,
            resumed,
            problems: state.problems,
            elapsed: started.elapsed(),
        })
    }

    /// The next folders to handle together and the problems the walk met on the way to them;
    /// `None` when the walk is over and nothing is left.
    async fn next_group(&self, receiver: &mut mpsc::Receiver<WalkEvent>) -> Option<Group> {
        let mut group = Group::default();
        let mut files = 0;
        while group.folders.len() < self.settings.batch_folders && files < self.settings.batch_files
        {
            let event = if group.folders.is_empty() {
                receiver.recv().await
            } else {
                match receiver.try_recv() {
                    Ok(event) => Some(event),
                    Err(_) => break,
                }
            };
            match event {
                Some(WalkEvent::Folder(folder)) => {
                    files += folder.files.len();
                    group.folders.push(folder);
                }
                Some(WalkEvent::Problem(problem)) => group.problems.push(problem),
                None => break,
            }
        }
        (!group.folders.is_empty() || !group.problems.is_empty()).then_some(group)
    }

    /// Everything about a group that does not depend on the batch written just before it: which
    /// folders changed (one `known_folders` query), which files to read (one `known_files`
    /// query), and the reads themselves, started on the reader threads. Counts go into the
    /// group, not the run, until the group is written.
    async fn prepare_group(
        &self,
        group: Group,
        mode: ScanMode,
    ) -> Result<PreparedGroup, ScanError> {
        let mut prepared = PreparedGroup {
            counts: ScanCounts::default(),
            problems: group.problems,
            last_folder: group.folders.last().map(|folder| folder.path.clone()),
            current_folder: None,
            work: None,
        };
        if group.folders.is_empty() {
            return Ok(prepared);
        }
        let known_folders: HashMap<LibraryPath, (LibraryFolderId, Option<String>)> = self
            .store
            .known_folders(
                group
                    .folders
                    .iter()
                    .map(|folder| folder.path.clone())
                    .collect(),
            )
            .await?
            .into_iter()
            .map(|folder| (folder.path, (folder.id, folder.content_hash)))
            .collect();

        let mut changed = Vec::new();
        for folder in group.folders {
            let known = known_folders.get(&folder.path);
            let unchanged = mode == ScanMode::Quick
                && known.and_then(|(_, hash)| hash.as_deref())
                    == Some(folder.content_hash.as_str());
            prepared.counts.folders += 1;
            prepared.counts.files += folder.files.len() as u64;
            prepared.current_folder = Some(folder.path.display());
            if unchanged {
                prepared.counts.folders_unchanged += 1;
                prepared.counts.unchanged += folder.files.len() as u64;
            } else {
                changed.push((folder, known.map(|(id, _)| *id)));
            }
        }
        if changed.is_empty() {
            return Ok(prepared);
        }

        let known_files = self
            .store
            .known_files(changed.iter().filter_map(|(_, id)| *id).collect())
            .await?;
        let work = plan_group(changed, known_files, mode, &mut prepared.counts);
        let reads = self.start_reads(work.plan.to_read.iter().chain(&work.new_files));
        prepared.work = Some(GroupWork { reads, ..work });
        Ok(prepared)
    }

    /// Writes a prepared group once the batch before it is committed: its walk problems and
    /// counts join the run's, its new files are checked for moves (against the store as that
    /// batch left it), its reads are collected, and the group is written as one batch.
    async fn finish_group(
        &self,
        prepared: PreparedGroup,
        state: &mut RunState,
    ) -> Result<(), ScanError> {
        for problem in prepared.problems {
            state.record_problem(problem);
        }
        state.counts.add(&prepared.counts);
        if prepared.current_folder.is_some() {
            state.current_folder = prepared.current_folder;
        }
        // Rows the batch before this one moved: this group's plan may have seen them at their
        // old path (in one of its folders) and taken them for missing.
        let moved_before = std::mem::take(&mut state.moved_by_last_group);
        let Some(GroupWork {
            mut plan,
            mut new_files,
            listed_paths,
            reads,
        }) = prepared.work
        else {
            return Ok(());
        };
        let mut contents = Vec::with_capacity(plan.to_read.len() + new_files.len());
        for chunk in futures::future::join_all(reads).await {
            contents.extend(chunk.map_err(|error| ScanError::Task(error.to_string()))?);
        }
        plan.missing.retain(|id| !moved_before.contains(id));
        self.recognise_moves(&mut new_files, &listed_paths, &mut plan, state)
            .await?;
        let moved: HashSet<LibraryFileId> = new_files
            .iter()
            .filter(|planned| planned.kind == PlannedKind::Moved)
            .filter_map(|planned| planned.existing)
            .collect();
        plan.to_read.extend(new_files);
        let mut files = Vec::with_capacity(plan.to_read.len());
        for (planned, content) in plan.to_read.into_iter().zip(contents) {
            if matches!(content, FileContent::Broken(_)) {
                state.counts.broken += 1;
            }
            match planned.kind {
                PlannedKind::Added => state.counts.added += 1,
                PlannedKind::Updated => state.counts.updated += 1,
                PlannedKind::Moved => state.counts.moved += 1,
            }
            files.push(FileWrite {
                path: planned.file.path,
                folder: planned.folder,
                size_bytes: planned.file.size_bytes,
                modified_at: planned.file.modified_at,
                existing: planned.existing,
                content,
            });
        }
        state.checkpoint = prepared.last_folder;
        self.write(state, plan.folders, files, plan.missing).await?;
        state.moved_by_last_group = moved;
        Ok(())
    }

    /// Links new files to known rows of the same size and modification time whose file is gone
    /// from its old path: the same file, moved. Each known row moves at most once.
    async fn recognise_moves(
        &self,
        new_files: &mut [PlannedRead],
        listed_paths: &HashSet<LibraryPath>,
        plan: &mut GroupPlan,
        state: &mut RunState,
    ) -> Result<(), ScanError> {
        if new_files.is_empty() {
            return Ok(());
        }
        let identities: Vec<(i64, NaiveDateTime)> = new_files
            .iter()
            .map(|planned| (planned.file.size_bytes, planned.file.modified_at))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let candidates: Vec<KnownFile> = self
            .store
            .files_with_identity(identities)
            .await?
            .into_iter()
            .filter(|candidate| !listed_paths.contains(&candidate.path))
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        // A candidate still on disk at its old path is a copy, not a move.
        let walker = Arc::clone(&self.walker);
        let gone: Vec<KnownFile> = blocking(move || {
            candidates
                .into_iter()
                .filter(|candidate| {
                    candidate.missing_since.is_some()
                        || !walker.is_file(&candidate.path.to_path_buf())
                })
                .collect::<Vec<_>>()
        })
        .await?;
        let mut claimed = HashSet::new();
        for planned in new_files.iter_mut() {
            let Some(candidate) = gone.iter().find(|candidate| {
                candidate.size_bytes == planned.file.size_bytes
                    && candidate.modified_at == Some(planned.file.modified_at)
                    && !claimed.contains(&candidate.id)
            }) else {
                continue;
            };
            claimed.insert(candidate.id);
            planned.existing = Some(candidate.id);
            planned.kind = PlannedKind::Moved;
            // The old row was counted missing earlier in this run, or is about to be in this
            // batch: a move is not a loss.
            if candidate
                .missing_since
                .is_some_and(|since| since >= state.started_at)
            {
                state.counts.missing = state.counts.missing.saturating_sub(1);
            }
            plan.missing.retain(|id| *id != candidate.id);
        }
        Ok(())
    }

    /// Starts reading the planned files on `readers` blocking threads; the answers come back in
    /// plan order, chunk after chunk.
    fn start_reads<'a>(
        &self,
        planned: impl Iterator<Item = &'a PlannedRead>,
    ) -> Vec<tokio::task::JoinHandle<Vec<FileContent>>> {
        let paths: Vec<PathBuf> = planned.map(|read| read.file.path.to_path_buf()).collect();
        if paths.is_empty() {
            return Vec::new();
        }
        let chunk_size = paths.len().div_ceil(self.settings.readers.max(1));
        paths
            .chunks(chunk_size)
            .map(|chunk| {
                let reader = Arc::clone(&self.reader);
                let chunk = chunk.to_vec();
                tokio::task::spawn_blocking(move || {
                    chunk
                        .iter()
                        .map(|path| match reader.read(path) {
                            Ok(facts) => FileContent::Audio(Box::new(facts)),
                            Err(reason) => FileContent::Broken(BrokenFile::from(&reason)),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect()
    }

    /// Marks the files of known folders under `root` that are no longer folders on disk missing.
    async fn sweep_vanished_folders(
        &self,
        root: &LibraryPath,
        state: &mut RunState,
    ) -> Result<(), ScanError> {
        let mut after: Option<LibraryPath> = None;
        loop {
            let page = self
                .store
                .folders_under(root, after.as_ref(), SWEEP_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.path.clone());
            let walker = Arc::clone(&self.walker);
            let vanished = blocking(move || {
                page.into_iter()
                    .filter(|folder| {
                        folder.content_hash.is_some()
                            && !walker.is_folder(&folder.path.to_path_buf())
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
            if vanished.is_empty() {
                continue;
            }
            let missing = self
                .store
                .known_files(vanished.iter().map(|folder| folder.id).collect())
                .await?
                .into_iter()
                .filter(|file| file.missing_since.is_none())
                .map(|file| file.id)
                .collect();
            let folders = vanished
                .into_iter()
                .map(|folder| FolderWrite {
                    path: folder.path,
                    content_hash: None,
                })
                .collect();
            self.write(state, folders, Vec::new(), missing).await?;
        }
        Ok(())
    }

    /// Writes one batch with the run's checkpoint and totals.
    async fn write(
        &self,
        state: &mut RunState,
        folders: Vec<FolderWrite>,
        files: Vec<FileWrite>,
        missing: Vec<LibraryFileId>,
    ) -> Result<(), ScanError> {
        // The totals stored with the batch already include what it does, so a resume neither
        // loses nor repeats them.
        let mut counts = state.counts;
        counts.missing += missing.len() as u64;
        let outcome = self
            .store
            .apply_scan_batch(ScanBatch {
                run: state.run,
                now: self.clock.now(),
                folders,
                files,
                missing,
                checkpoint: state.checkpoint.clone(),
                counts,
            })
            .await?;
        state.counts.missing += outcome.newly_missing;
        state.counts.matched += outcome.matched_wanted;
        Ok(())
    }
}

/// Known folders checked per sweep page.
const SWEEP_PAGE: u32 = 500;

async fn blocking<T, F>(work: F) -> Result<T, ScanError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ScanError::Task(error.to_string()))
}

struct RunState {
    run: ScanRunId,
    started_at: NaiveDateTime,
    counts: ScanCounts,
    checkpoint: Option<LibraryPath>,
    totals: WalkTotals,
    current_folder: Option<String>,
    problems: Vec<WalkProblem>,
    /// Rows the last written group moved to a new path.
    moved_by_last_group: HashSet<LibraryFileId>,
}

impl RunState {
    fn record_problem(&mut self, problem: WalkProblem) {
        tracing::warn!(path = %problem.path, reason = %problem.reason, "scan: cannot list");
        self.counts.problems += 1;
        if self.problems.len() < MAX_REPORTED_PROBLEMS {
            self.problems.push(problem);
        }
    }

    fn progress(&self) -> ScanProgress {
        // The count covers the whole tree, and a resumed run's totals include what it did before
        // the interruption, so both compare with the whole tree.
        ScanProgress {
            folders_done: self.counts.folders,
            folders_total: self.totals.folders.max(self.counts.folders),
            files_done: self.counts.files,
            files_total: self.totals.files.max(self.counts.files),
            current_folder: self.current_folder.clone(),
            counts: self.counts,
        }
    }
}
