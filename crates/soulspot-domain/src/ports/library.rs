//! The music library on disk: files, folders, and what the library scan reads and writes.

use super::*;

/// Audio files of the music library.
pub trait LibraryFileRepository: Send + Sync {
    /// Records files in one transaction, matched on path (a known path is updated, its id kept).
    fn upsert_files(
        &self,
        files: Vec<NewLibraryFile>,
    ) -> impl Future<Output = Result<Vec<LibraryFileId>>> + Send;

    fn file(&self, id: LibraryFileId) -> impl Future<Output = Result<LibraryFile>> + Send;

    fn file_by_path(&self, path: &str) -> impl Future<Output = Result<Option<LibraryFile>>> + Send;

    fn list_files(
        &self,
        page: PageRequest<LibraryFileId>,
    ) -> impl Future<Output = Result<Page<LibraryFile, LibraryFileId>>> + Send;

    /// Every file linked to a track (present, missing or broken), by id.
    fn files_of_track(&self, id: TrackId) -> impl Future<Output = Result<Vec<LibraryFile>>> + Send;
}

/// Folders of the music library and their content fingerprints.
pub trait LibraryFolderRepository: Send + Sync {
    /// Records a folder's fingerprint after a scan (matched on path).
    fn upsert_folder(
        &self,
        path: &str,
        content_hash: Option<&str>,
        scanned_at: NaiveDateTime,
    ) -> impl Future<Output = Result<LibraryFolder>> + Send;

    fn folder_by_path(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<Option<LibraryFolder>>> + Send;
}

/// What the library scan reads and writes. Reads are batched (one statement per call whatever the
/// number of paths); [`ScanRepository::apply_scan_batch`] is one transaction.
pub trait ScanRepository: Send + Sync {
    /// The unfinished run of `root` in `mode` (to resume it), else a new run started at `now`.
    fn begin_scan(
        &self,
        root: &LibraryPath,
        mode: ScanMode,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<ScanRun>> + Send;

    /// Marks a run finished. `NotFound` for an unknown run.
    fn finish_scan(
        &self,
        id: ScanRunId,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<ScanRun>> + Send;

    /// The known folders among `paths`.
    fn known_folders(
        &self,
        paths: Vec<LibraryPath>,
    ) -> impl Future<Output = Result<Vec<KnownFolder>>> + Send;

    /// The known files of these folders (present, missing or broken), by path.
    fn known_files(
        &self,
        folders: Vec<LibraryFolderId>,
    ) -> impl Future<Output = Result<Vec<KnownFile>>> + Send;

    /// Known files with one of these (size, modification time) identities: the candidates for a
    /// file that appeared at a new path having moved there.
    fn files_with_identity(
        &self,
        identities: Vec<(i64, NaiveDateTime)>,
    ) -> impl Future<Output = Result<Vec<KnownFile>>> + Send;

    /// Known folders at or under `root` in path order, after `after`, at most `limit`.
    fn folders_under(
        &self,
        root: &LibraryPath,
        after: Option<&LibraryPath>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<KnownFolder>>> + Send;

    /// Writes one batch in one transaction, with the run's checkpoint and totals:
    /// - folders by path (created or their hash replaced);
    /// - each audio file's catalogue entries: artists matched by MusicBrainz id, then normalised
    ///   name; albums by MusicBrainz id, then normalised title + album artist + year; the track is
    ///   the file's current one when it has one (updated from the tags when the scan created it,
    ///   kept as it is when it came from Spotify), else the wanted track [`crate::catalog::identity::match_track`]
    ///   picks among tracks with no present file, else a new track;
    /// - the file rows (by `existing` id, else by path), clearing `missing_since`;
    /// - `missing` files marked missing.
    fn apply_scan_batch(
        &self,
        batch: ScanBatch,
    ) -> impl Future<Output = Result<ScanBatchOutcome>> + Send;
}
