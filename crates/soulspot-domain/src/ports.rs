//! Port traits: what the application needs from storage, written as the domain sees it.
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

/// Artists, albums and tracks.
pub trait CatalogRepository: Send + Sync {
    /// Writes a whole batch in one transaction: artists and albums are matched on Spotify id, then
    /// MusicBrainz id; tracks on Spotify id; anything unmatched is inserted. A written track's
    /// artist credits are replaced by the batch's, in order. Large batches are chunked internally.
    /// Fails with `InvalidData` when the batch's internal references are broken.
    fn upsert_catalog(
        &self,
        batch: CatalogBatch,
    ) -> impl Future<Output = Result<CatalogBatchIds>> + Send;

    /// One track with its artists, album and file status; `NotFound` when it does not exist.
    fn track_details(&self, id: TrackId) -> impl Future<Output = Result<TrackDetails>> + Send;

    /// The tracks carrying this ISRC (one recording may appear on several releases).
    fn tracks_by_isrc(&self, isrc: &Isrc) -> impl Future<Output = Result<Vec<Track>>> + Send;

    /// The track with this Spotify id, if any.
    fn track_by_spotify_id(
        &self,
        id: &SpotifyId,
    ) -> impl Future<Output = Result<Option<Track>>> + Send;

    /// Tracks matching `filter`, in `order` (by name: the normalised title), with details, in a
    /// constant number of statements per page (at most three) whatever the page size.
    fn list_tracks(
        &self,
        filter: TrackFilter,
        order: ListOrder,
        page: PageRequest<OrderedKey<TrackId>>,
    ) -> impl Future<Output = Result<Page<TrackDetails, OrderedKey<TrackId>>>> + Send;

    /// Details of the given tracks in the given order; ids that do not exist are skipped. A
    /// constant number of statements per 10,000 ids.
    fn tracks_details(
        &self,
        ids: Vec<TrackId>,
    ) -> impl Future<Output = Result<Vec<TrackDetails>>> + Send;

    /// The tracks of an album by disc, track number and id, with details (empty for an unknown
    /// album: callers check the album first).
    fn album_tracks(&self, id: AlbumId) -> impl Future<Output = Result<Vec<TrackDetails>>> + Send;

    /// The albums an artist is the album artist of, or has a credited track on, by year (unknown
    /// last), title and id.
    fn albums_of_artist(&self, id: ArtistId) -> impl Future<Output = Result<Vec<Album>>> + Send;

    /// Full-text search over artist names, best first, under the same rules as `search_tracks`.
    fn search_artists(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Artist>>> + Send;

    /// Full-text search over album titles and album artist names, best first, under the same rules
    /// as `search_tracks`.
    fn search_albums(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Album>>> + Send;

    /// Full-text search over track title, artist names and album title. `query` is plain user
    /// text: adapters must never pass it to the search engine's query syntax unescaped. Words are
    /// matched as prefixes and all must match. An empty or operator-only query returns nothing.
    fn search_tracks(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<TrackSearchHit>>> + Send;

    fn artist(&self, id: ArtistId) -> impl Future<Output = Result<Artist>> + Send;

    /// Artists in `order` (by name: the normalised name), one statement per page.
    fn list_artists(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<ArtistId>>,
    ) -> impl Future<Output = Result<Page<Artist, OrderedKey<ArtistId>>>> + Send;

    fn album(&self, id: AlbumId) -> impl Future<Output = Result<Album>> + Send;

    /// Albums in `order` (by name: the normalised title), one statement per page.
    fn list_albums(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<AlbumId>>,
    ) -> impl Future<Output = Result<Page<Album, OrderedKey<AlbumId>>>> + Send;
}

/// Playlists and their ordered entries.
pub trait PlaylistRepository: Send + Sync {
    /// Creates a playlist, or updates the one with the same Spotify id.
    fn upsert_playlist(
        &self,
        playlist: NewPlaylist,
    ) -> impl Future<Output = Result<Playlist>> + Send;

    fn playlist(&self, id: PlaylistId) -> impl Future<Output = Result<Playlist>> + Send;

    fn list_playlists(
        &self,
        page: PageRequest<PlaylistId>,
    ) -> impl Future<Output = Result<Page<Playlist, PlaylistId>>> + Send;

    /// Replaces all entries of a playlist in one transaction; positions become 0..n in the given
    /// order. `NotFound` for an unknown playlist, `Conflict` when a track id does not exist.
    fn replace_entries(
        &self,
        id: PlaylistId,
        entries: Vec<(TrackId, Option<NaiveDateTime>)>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// A page of entries by position, each with its track, artists, album and file status, in at
    /// most two statements whatever the page size (a third, only for an empty page, tells an empty
    /// playlist from an unknown one: `NotFound`).
    fn entries_page(
        &self,
        id: PlaylistId,
        page: PageRequest<i32>,
    ) -> impl Future<Output = Result<Page<PlaylistEntryDetails, i32>>> + Send;

    /// Every entry of a playlist, in at most two statements whatever its length.
    fn all_entries(
        &self,
        id: PlaylistId,
    ) -> impl Future<Output = Result<Vec<PlaylistEntryDetails>>> + Send;
}

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

/// Figures about the whole library, each one aggregate query.
pub trait StatsRepository: Send + Sync {
    fn library_stats(&self) -> impl Future<Output = Result<LibraryStats>> + Send;
}

/// Downloads of wanted tracks.
pub trait DownloadRepository: Send + Sync {
    /// Starts a download for a track in state `wanted`. `Conflict` when the track already has an
    /// active download; `NotFound` when the track does not exist.
    fn create_download(
        &self,
        track_id: TrackId,
        priority: i32,
    ) -> impl Future<Output = Result<Download>> + Send;

    fn download(&self, id: DownloadId) -> impl Future<Output = Result<Download>> + Send;

    /// Applies an event atomically (compare-and-set on the state read). `Conflict` when the
    /// state machine refuses the event or the row changed concurrently.
    fn apply_download_event(
        &self,
        id: DownloadId,
        event: DownloadEvent,
        error: Option<String>,
    ) -> impl Future<Output = Result<Download>> + Send;

    /// The next wanted downloads whose `next_attempt_at` has passed: highest priority first, then
    /// oldest.
    fn next_wanted(
        &self,
        now: NaiveDateTime,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Download>>> + Send;

    fn list_downloads(
        &self,
        page: PageRequest<DownloadId>,
    ) -> impl Future<Output = Result<Page<Download, DownloadId>>> + Send;
}

/// The ranked search results of each download.
pub trait DownloadCandidateRepository: Send + Sync {
    /// Replaces the candidates of a download (a new search replaces the old ranking) in one
    /// transaction. `NotFound` for an unknown download.
    fn replace_candidates(
        &self,
        download_id: DownloadId,
        candidates: Vec<NewDownloadCandidate>,
    ) -> impl Future<Output = Result<Vec<DownloadCandidate>>> + Send;

    /// The candidates of a download: ranked ones by rank, then rejected ones.
    fn candidates(
        &self,
        download_id: DownloadId,
    ) -> impl Future<Output = Result<Vec<DownloadCandidate>>> + Send;
}

/// Peers and files not to download from.
pub trait BlocklistRepository: Send + Sync {
    /// `InvalidData` for a blank reason.
    fn add_block(
        &self,
        rule: BlockRule,
        reason: &str,
        expires_at: Option<NaiveDateTime>,
    ) -> impl Future<Output = Result<BlocklistEntry>> + Send;

    /// `NotFound` when no such entry exists.
    fn remove_block(&self, id: BlocklistEntryId) -> impl Future<Output = Result<()>> + Send;

    /// Entries still in force at `now`, oldest first (blocklists are short; ranking checks every
    /// candidate against all of them in memory).
    fn active_blocks(
        &self,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Vec<BlocklistEntry>>> + Send;
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

/// Sealed secrets (credentials by key) and sealed OAuth tokens (by provider). Sealing happens
/// before this port; it never sees a plaintext.
pub trait SecretRepository: Send + Sync {
    fn put_secret(
        &self,
        key: &str,
        sealed: SealedSecret,
    ) -> impl Future<Output = Result<()>> + Send;

    fn secret(&self, key: &str) -> impl Future<Output = Result<Option<StoredSecret>>> + Send;

    /// Whether a secret was there to delete.
    fn delete_secret(&self, key: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Creates or replaces the tokens of `token.provider` (its `updated_at` is set by storage).
    fn put_oauth_token(&self, token: StoredOAuthToken) -> impl Future<Output = Result<()>> + Send;

    fn oauth_token(
        &self,
        provider: &str,
    ) -> impl Future<Output = Result<Option<StoredOAuthToken>>> + Send;

    fn delete_oauth_token(&self, provider: &str) -> impl Future<Output = Result<bool>> + Send;
}

/// Quality profiles; at most one is active.
pub trait QualityProfileRepository: Send + Sync {
    /// `Conflict` when the name is taken.
    fn create_profile(
        &self,
        rules: QualityRules,
    ) -> impl Future<Output = Result<QualityProfile>> + Send;

    fn update_profile(
        &self,
        id: QualityProfileId,
        rules: QualityRules,
    ) -> impl Future<Output = Result<QualityProfile>> + Send;

    /// `Conflict` when the profile is the active one.
    fn delete_profile(&self, id: QualityProfileId) -> impl Future<Output = Result<()>> + Send;

    fn profile(&self, id: QualityProfileId) -> impl Future<Output = Result<QualityProfile>> + Send;

    /// All profiles by name (there are few).
    fn list_profiles(&self) -> impl Future<Output = Result<Vec<QualityProfile>>> + Send;

    /// Makes this profile the only active one, in one transaction.
    fn activate_profile(
        &self,
        id: QualityProfileId,
    ) -> impl Future<Output = Result<QualityProfile>> + Send;

    fn active_profile(&self) -> impl Future<Output = Result<Option<QualityProfile>>> + Send;
}

/// Non-secret settings as JSON documents by key.
pub trait SettingsRepository: Send + Sync {
    fn setting(&self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;

    fn put_setting(&self, key: &str, json_value: &str) -> impl Future<Output = Result<()>> + Send;

    fn all_settings(&self) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
}

/// The durable job queue. Times (`now`, `run_at`, lease expiry) come from the caller's clock, so
/// the runtime (and its tests, on paused time) decides what "now" is; adapters never read the
/// wall clock for scheduling decisions.
///
/// A job's `attempts` counts claims: it grows when a worker takes the job, so an attempt cut short
/// by a crash still counts. Mutations of a claimed job name the `owner` holding its lease; a call
/// by anyone else (the lease expired and another worker took the job) fails with `Conflict` and
/// changes nothing, so a stale worker can never overwrite a newer attempt.
pub trait JobRepository: Send + Sync {
    /// Enqueues a job. When `dedupe_key` is set and a non-final job with the same key exists,
    /// that job is returned instead and nothing is inserted.
    fn enqueue(&self, job: NewJob) -> impl Future<Output = Result<Job>> + Send;

    fn job(&self, id: JobId) -> impl Future<Output = Result<Job>> + Send;

    /// Jobs matching `filter`, newest first (by id, descending).
    fn list_jobs(
        &self,
        filter: JobFilter,
        page: PageRequest<JobId>,
    ) -> impl Future<Output = Result<Page<Job, JobId>>> + Send;

    /// Atomically claims up to `limit` runnable jobs — queued, `run_at <= now`, of one of `kinds`
    /// — by priority (highest first), then `run_at`, then id: each becomes running, leased to
    /// `owner` until `now + lease`, its attempts incremented, `started_at` set. Two concurrent
    /// claimers never get the same job (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
    /// immediate transaction).
    fn claim(
        &self,
        owner: &str,
        kinds: &[JobKind],
        limit: u32,
        now: NaiveDateTime,
        lease: std::time::Duration,
    ) -> impl Future<Output = Result<Vec<Job>>> + Send;

    /// Extends the lease of a running job to `now + lease` and records its progress when given.
    /// Returns whether cancellation was requested, so the handler can stop.
    fn heartbeat(
        &self,
        id: JobId,
        owner: &str,
        progress: Option<JobProgress>,
        now: NaiveDateTime,
        lease: std::time::Duration,
    ) -> impl Future<Output = Result<Heartbeat>> + Send;

    /// Finishes a running job as succeeded with an optional JSON result.
    fn succeed(
        &self,
        id: JobId,
        owner: &str,
        result: Option<String>,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Finishes an attempt that failed: queued again at `retry_at` when given (keeping `error` as
    /// the last error), else dead with `error`.
    fn fail(
        &self,
        id: JobId,
        owner: &str,
        error: &str,
        retry_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Gives a running job back without running it (a worker shutting down): queued, runnable at
    /// once, and the attempt it was claimed for is not counted.
    fn release(
        &self,
        id: JobId,
        owner: &str,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Cancels a job: a queued one at once (cancelled); a running one by setting
    /// `cancel_requested`, which its next heartbeat reports; a final one is `Conflict`.
    fn cancel(&self, id: JobId, now: NaiveDateTime) -> impl Future<Output = Result<Job>> + Send;

    /// A running job whose handler stopped after a cancel request becomes cancelled.
    fn confirm_cancelled(
        &self,
        id: JobId,
        owner: &str,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Queues a dead or cancelled job again with fresh attempts; other states are `Conflict`.
    fn retry(&self, id: JobId, now: NaiveDateTime) -> impl Future<Output = Result<Job>> + Send;

    /// Running jobs whose lease expired before `now` (their worker died) are queued again,
    /// runnable at once, or dead when they have used all their attempts. Returns how many.
    fn reclaim_expired(&self, now: NaiveDateTime) -> impl Future<Output = Result<u64>> + Send;

    /// Deletes final jobs that finished before `before`. Returns how many.
    fn prune_finished(&self, before: NaiveDateTime) -> impl Future<Output = Result<u64>> + Send;
}

/// Database upkeep, run by the scheduled maintenance job.
pub trait DatabaseMaintenance: Send + Sync {
    /// Refreshes the query planner's statistics and does the online compaction the backend
    /// offers (SQLite: `PRAGMA optimize` and a WAL checkpoint; PostgreSQL: `ANALYZE`).
    fn optimize(&self) -> impl Future<Output = Result<()>> + Send;
}

/// What a heartbeat learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub cancel_requested: bool,
}

/// Why a sealed secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretCipherError {
    #[error("the secret cannot be decrypted: the key file changed or the stored value was altered")]
    Undecryptable,
}

/// Seals and opens secrets with an authenticated cipher. `context` (e.g. the secret's key) is bound
/// to the ciphertext as associated data, so a sealed value copied to another key does not open.
/// Synchronous: sealing a few hundred bytes is a pure computation.
pub trait SecretCipher: Send + Sync {
    /// Seals `plaintext` with a fresh random nonce.
    fn seal(&self, context: &str, plaintext: &[u8]) -> SealedSecret;

    /// `Undecryptable` when the key, the context or any stored byte differs from sealing time.
    fn open(
        &self,
        context: &str,
        sealed: &SealedSecret,
    ) -> std::result::Result<Vec<u8>, SecretCipherError>;
}

/// What a readiness probe learns about the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStatus {
    pub backend: &'static str,
    /// Migrations the binary carries that the database has not applied.
    pub pending_migrations: Vec<String>,
}

/// Lets the application ask whether storage is usable.
pub trait DatabaseProbe: Send + Sync {
    /// `Unavailable` when the database cannot be reached.
    fn database_status(&self) -> impl Future<Output = Result<DatabaseStatus>> + Send;
}
