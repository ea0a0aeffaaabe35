//! Downloads of wanted tracks, their candidates, and the peers and files not to use.

use super::*;

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
