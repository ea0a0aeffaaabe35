//! Port traits: what the application needs from storage, written as the domain sees it, one
//! module per feature (the scan's file-system ports are in `scan`, the upstream services' in
//! `upstream`, the clock in `clock`).
//!
//! Every method is one atomic unit: the adapter opens and commits whatever transaction it needs,
//! so connections never travel through application code. Errors follow [`RepositoryError`]'s
//! contract: a missing row is `NotFound`, a violated uniqueness rule is `Conflict`.

use std::future::Future;

use chrono::NaiveDateTime;

use crate::scan::{
    KnownFile, KnownFolder, LibraryPath, ScanBatch, ScanBatchOutcome, ScanMode, ScanRun, ScanRunId,
};
use crate::{
    Album, AlbumId, Artist, ArtistId, BlockRule, BlocklistEntry, BlocklistEntryId, CatalogBatch,
    CatalogBatchIds, Download, DownloadCandidate, DownloadEvent, DownloadId, Isrc, Job, JobFilter,
    JobId, JobKind, JobProgress, LibraryFile, LibraryFileId, LibraryFolder, LibraryFolderId,
    LibraryStats, ListOrder, NewDownloadCandidate, NewJob, NewLibraryFile, NewPlaylist, OrderedKey,
    Page, PageRequest, Playlist, PlaylistEntryDetails, PlaylistId, QualityProfile,
    QualityProfileId, QualityRules, RepositoryError, SealedSecret, SpotifyId, StoredOAuthToken,
    StoredSecret, Track, TrackDetails, TrackFilter, TrackId, TrackSearchHit,
};

type Result<T> = std::result::Result<T, RepositoryError>;

mod catalog;
mod database;
mod downloads;
mod jobs;
mod library;
mod playlists;
mod settings;

pub use catalog::*;
pub use database::*;
pub use downloads::*;
pub use jobs::*;
pub use library::*;
pub use playlists::*;
pub use settings::*;
