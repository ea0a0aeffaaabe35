//! A scan run and what one committed batch of it writes.
//!
//! A scan is a sequence of batches, each written in one transaction together with the run's
//! resume point and running totals. A scan cut short (a crash, a kill, a cancelled job) resumes
//! from its last committed batch; re-applying a batch is harmless (every write is keyed by path or
//! by id), so the end state equals an uninterrupted scan's.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{AudioFileFacts, LibraryPath, UnreadableFile};
use crate::{LibraryFileId, LibraryFolderId, TrackId};

/// How much a scan re-reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanMode {
    /// Skips folders whose content hash is unchanged, and inside changed folders reads only new
    /// files and files whose size or modification time changed.
    Quick,
    /// Reads every audio file again.
    Full,
}

impl ScanMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quick => "quick",
            Self::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "quick" => Some(Self::Quick),
            "full" => Some(Self::Full),
            _ => None,
        }
    }
}

/// The id of a scan run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanRunId(pub i64);

impl std::fmt::Display for ScanRunId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

/// One scan of one root in one mode, finished or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRun {
    pub id: ScanRunId,
    pub root: LibraryPath,
    pub mode: ScanMode,
    /// The last folder whose batch was committed; the walk resumes after it.
    pub checkpoint: Option<LibraryPath>,
    pub counts: ScanCounts,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// Running totals of a scan (kept with each batch, so they survive a resume).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanCounts {
    pub folders: u64,
    /// Folders skipped because their content hash was unchanged (quick scans).
    pub folders_unchanged: u64,
    /// Audio files seen on disk.
    pub files: u64,
    /// Files read and recorded for the first time.
    pub added: u64,
    /// Known files read again because they changed (or because the scan is full).
    pub updated: u64,
    /// Known files found at a new path (their track kept).
    pub moved: u64,
    /// Known files found gone and marked missing.
    pub missing: u64,
    /// Files recorded as unreadable (also counted as added or updated).
    pub broken: u64,
    /// Files a quick scan left alone (unchanged size and modification time).
    pub unchanged: u64,
    /// Wanted tracks a file filled.
    pub matched: u64,
    /// Folders or links the walk could not list.
    pub problems: u64,
}

impl ScanCounts {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Self) {
        let Self {
            folders,
            folders_unchanged,
            files,
            added,
            updated,
            moved,
            missing,
            broken,
            unchanged,
            matched,
            problems,
        } = other;
        self.folders += folders;
        self.folders_unchanged += folders_unchanged;
        self.files += files;
        self.added += added;
        self.updated += updated;
        self.moved += moved;
        self.missing += missing;
        self.broken += broken;
        self.unchanged += unchanged;
        self.matched += matched;
        self.problems += problems;
    }
}

/// A folder as the library knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFolder {
    pub id: LibraryFolderId,
    pub path: LibraryPath,
    pub content_hash: Option<String>,
}

/// A file as the library knows it: what a scan compares the disk with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFile {
    pub id: LibraryFileId,
    pub path: LibraryPath,
    pub folder_id: Option<LibraryFolderId>,
    pub size_bytes: i64,
    pub modified_at: Option<NaiveDateTime>,
    pub track_id: Option<TrackId>,
    pub missing_since: Option<NaiveDateTime>,
}

/// Everything one batch of a scan writes, in one transaction.
#[derive(Debug)]
pub struct ScanBatch {
    pub run: ScanRunId,
    pub now: NaiveDateTime,
    /// Folders finished in this batch: each row's content hash becomes the one given (matched on
    /// path; created when new). A folder found gone is written with `None`.
    pub folders: Vec<FolderWrite>,
    /// Files read in this batch.
    pub files: Vec<FileWrite>,
    /// Known files found gone: `missing_since` becomes `now` (kept when already set). Nothing on
    /// disk is touched, and the file's track link stays.
    pub missing: Vec<LibraryFileId>,
    /// The run's resume point after this batch.
    pub checkpoint: Option<LibraryPath>,
    /// The run's totals after this batch.
    pub counts: ScanCounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderWrite {
    pub path: LibraryPath,
    pub content_hash: Option<String>,
}

/// One file read in a batch.
#[derive(Debug)]
pub struct FileWrite {
    pub path: LibraryPath,
    /// Index into the batch's `folders`.
    pub folder: usize,
    pub size_bytes: i64,
    pub modified_at: NaiveDateTime,
    /// The row this file rewrites: the row of its path, or the row of a known file that moved
    /// here (then the row's path changes and its id and track link stay). `None`: a new row, or
    /// the row of the same path if one exists (a re-applied batch).
    pub existing: Option<LibraryFileId>,
    pub content: FileContent,
}

/// What reading a file gave.
#[derive(Debug)]
pub enum FileContent {
    Audio(Box<AudioFileFacts>),
    Broken(BrokenFile),
}

/// Why a file is unusable, as stored (`broken_reason` is `"<code>: <message>"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenFile {
    pub code: String,
    pub message: String,
}

impl BrokenFile {
    pub fn stored_reason(&self) -> String {
        format!("{}: {}", self.code, self.message)
    }
}

impl From<&UnreadableFile> for BrokenFile {
    fn from(reason: &UnreadableFile) -> Self {
        Self {
            code: reason.code().to_owned(),
            message: reason.to_string(),
        }
    }
}

/// What applying a batch did beyond what the batch says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanBatchOutcome {
    /// The row of each written file, in the batch's order, and the track it is linked to.
    pub files: Vec<(LibraryFileId, Option<TrackId>)>,
    /// How many wanted tracks (tracks with no present file) a file of this batch filled.
    pub matched_wanted: u64,
    /// How many files were newly marked missing (some may have been missing already).
    pub newly_missing: u64,
}
