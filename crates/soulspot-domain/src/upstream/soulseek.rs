//! The Soulseek network, reached through an slskd daemon: the server connection, searches and the
//! peers' answers, and downloads (slskd calls them transfers) from one peer at a time.
//!
//! slskd reports the state of a search or a transfer as a set of Soulseek.NET flags, written as
//! .NET writes a flags enum: the names of the set flags joined with `", "` (`"Completed,
//! Succeeded"`, `"Queued, Remotely"`). [`TransferStateFlags`] and [`SearchStateFlags`] read those
//! strings leniently — a name this code does not know is skipped, never a failure — and answer the
//! questions the application asks: has it ended, did it succeed, is it still waiting or moving.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod states;

use super::UpstreamFailure;

pub use states::{SearchStateFlags, TransferFailureKind, TransferStateFlags};

/// slskd's connection to the Soulseek server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SoulseekServerState {
    pub is_connected: bool,
    pub is_logged_in: bool,
    /// Connecting, logging in or disconnecting right now.
    pub is_transitioning: bool,
    /// slskd's own words, e.g. `"Connected, LoggedIn"`.
    pub state: String,
    /// The Soulseek server's address, when slskd reports it.
    pub address: Option<String>,
}

impl SoulseekServerState {
    /// Searches and downloads are possible.
    pub fn is_ready(&self) -> bool {
        self.is_connected && self.is_logged_in
    }
}

/// A search's id: a UUID the caller chooses, so starting a search can be retried safely (slskd
/// refuses a second search with the same id). Kept in lower-case hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SoulseekSearchId(String);

/// The text is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a UUID (32 hexadecimal digits, optionally hyphenated 8-4-4-4-12)")]
pub struct SoulseekSearchIdError {
    pub input: String,
}

impl SoulseekSearchId {
    /// Accepts a UUID with or without hyphens (and braces), in any case.
    pub fn parse(text: &str) -> Result<Self, SoulseekSearchIdError> {
        let error = || SoulseekSearchIdError {
            input: text.to_owned(),
        };
        let trimmed = text.trim();
        let inner = trimmed
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .unwrap_or(trimmed);
        let hex = match inner.len() {
            32 => inner.to_owned(),
            36 => {
                let lengths: Vec<usize> = inner.split('-').map(str::len).collect();
                if lengths != [8, 4, 4, 4, 12] {
                    return Err(error());
                }
                inner.replace('-', "")
            }
            _ => return Err(error()),
        };
        if !hex.chars().all(|character| character.is_ascii_hexdigit()) {
            return Err(error());
        }
        Ok(Self::from_hex(&hex.to_ascii_lowercase()))
    }

    /// A random (version 4) UUID made of `random_bytes`, which the caller draws from its random
    /// source (this crate has none).
    pub fn from_random_bytes(mut random_bytes: [u8; 16]) -> Self {
        random_bytes[6] = (random_bytes[6] & 0x0f) | 0x40;
        random_bytes[8] = (random_bytes[8] & 0x3f) | 0x80;
        let hex: String = random_bytes
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self::from_hex(&hex)
    }

    /// `hex` is 32 lower-case hexadecimal digits.
    fn from_hex(hex: &str) -> Self {
        Self(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SoulseekSearchId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl TryFrom<String> for SoulseekSearchId {
    type Error = SoulseekSearchIdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<SoulseekSearchId> for String {
    fn from(id: SoulseekSearchId) -> Self {
        id.0
    }
}

/// A search to start. [`SearchRequest::new`] gives slskd's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Our own id for the search; `None` lets the adapter choose one.
    pub id: Option<SoulseekSearchId>,
    pub search_text: String,
    /// An inactivity timeout: the search ends this long after the last response arrived.
    pub search_timeout: Duration,
    /// The search ends after this many responses.
    pub response_limit: u32,
    /// The search ends after this many files.
    pub file_limit: u32,
    /// Whether the peer filters below apply.
    pub filter_responses: bool,
    /// Peers answering with fewer unlocked files are dropped.
    pub minimum_response_file_count: u32,
    /// Peers with longer upload queues are dropped (`None`: no limit).
    pub maximum_peer_queue_length: Option<u32>,
    /// Peers uploading slower (bytes per second) are dropped.
    pub minimum_peer_upload_speed: u64,
}

impl SearchRequest {
    /// A search for `search_text` with slskd's defaults: 15 s inactivity timeout, 250 responses,
    /// 25,000 files, filtering on, at least one file per response, any queue, any speed.
    pub fn new(search_text: impl Into<String>) -> Self {
        Self {
            id: None,
            search_text: search_text.into(),
            search_timeout: Duration::from_secs(15),
            response_limit: 250,
            file_limit: 25_000,
            filter_responses: true,
            minimum_response_file_count: 1,
            maximum_peer_queue_length: None,
            minimum_peer_upload_speed: 0,
        }
    }

    pub fn with_id(mut self, id: SoulseekSearchId) -> Self {
        self.id = Some(id);
        self
    }
}

/// Where a search stands. The counts grow while it runs; slskd hands out the responses only once
/// it is complete.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchStatus {
    pub id: SoulseekSearchId,
    pub search_text: String,
    pub state: SearchStateFlags,
    /// slskd's `isComplete` (or, when absent, derived from `state`).
    pub is_complete: bool,
    pub response_count: u32,
    pub file_count: u32,
    pub locked_file_count: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One file in a peer's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RemoteFile {
    /// The full remote path, `\`-separated (e.g. `@@music\Artist\Album\01 - Title.flac`); a
    /// download must name it exactly so.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// As the peer reports it (often without the dot, sometimes missing).
    pub extension: Option<String>,
    /// kbit/s; peers often leave the audio attributes out.
    pub bit_rate: Option<u32>,
    pub bit_depth: Option<u32>,
    /// Hz.
    pub sample_rate: Option<u32>,
    pub length_seconds: Option<u32>,
    pub is_variable_bit_rate: Option<bool>,
    /// Shared with the peer's buddies only: listed, never downloadable.
    pub is_locked: bool,
}

impl RemoteFile {
    /// The last component of the remote path.
    pub fn file_name(&self) -> &str {
        self.filename
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or(&self.filename)
    }

    /// The remote folder holding the file (everything before the last separator).
    pub fn directory(&self) -> &str {
        self.filename
            .rfind(['\\', '/'])
            .map_or("", |index| &self.filename[..index])
    }
}

/// One peer's answer to a search.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeerResponse {
    pub username: String,
    pub has_free_upload_slot: bool,
    /// Uploads waiting in the peer's queue.
    pub queue_length: u64,
    /// Bytes per second, as the Soulseek server reports it.
    pub upload_speed: u64,
    pub files: Vec<RemoteFile>,
    /// Files shared with buddies only (slskd lists them apart; they cannot be downloaded).
    pub locked_files: Vec<RemoteFile>,
}

/// slskd's id of a transfer (a GUID).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TransferId(pub String);

impl TransferId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TransferId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A download as slskd tracks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: TransferId,
    pub username: String,
    /// The remote path, exactly as requested.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    pub state: TransferStateFlags,
    pub bytes_transferred: u64,
    /// 0–100.
    pub percent_complete: f64,
    /// Bytes per second.
    pub average_speed: f64,
    /// Place in the peer's upload queue, when queued there ("may be wildly inaccurate").
    pub place_in_queue: Option<u32>,
    /// slskd's reason for a failure.
    pub exception: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub enqueued_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// One file to download from a peer, named exactly as its search response listed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestedDownload {
    pub filename: String,
    /// Bytes, as the search response listed them.
    pub size: u64,
}

impl From<&RemoteFile> for RequestedDownload {
    fn from(file: &RemoteFile) -> Self {
        Self {
            filename: file.filename.clone(),
            size: file.size,
        }
    }
}

/// A file slskd would not enqueue, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnqueueFailure {
    pub filename: String,
    pub reason: String,
    /// The transfer slskd answered with, when it answered with one (`"Completed, Aborted"`).
    pub transfer: Option<Transfer>,
}

/// What an enqueue did: the transfers it created, and the files it refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnqueueOutcome {
    pub enqueued: Vec<Transfer>,
    pub failed: Vec<EnqueueFailure>,
}

/// SoulSpot's view of the Soulseek network through slskd. "Not found" is `Ok(None)` / `Ok(false)`;
/// errors are failures of the call: [`UpstreamFailure::Unavailable`] when slskd cannot be reached
/// or fails (a peer that is offline makes slskd answer 500), [`UpstreamFailure::Refused`] when it
/// refuses the request (bad key, invalid input, the Soulseek server connection down for a
/// search), [`UpstreamFailure::Malformed`] for an answer that makes no sense, and
/// [`UpstreamFailure::NotConfigured`] without an API key. Adapters wait out slskd's "another
/// request in flight" refusals and keep searches within the Soulseek network's budget themselves.
pub trait SoulseekNetwork: Send + Sync {
    /// slskd's connection to the Soulseek server.
    fn server_state(
        &self,
    ) -> impl Future<Output = Result<SoulseekServerState, UpstreamFailure>> + Send;

    /// Starts a search and answers its first status (usually `"Requested"` or `"InProgress"`).
    /// Counts against the search budget; may wait for it.
    fn start_search(
        &self,
        request: &SearchRequest,
    ) -> impl Future<Output = Result<SearchStatus, UpstreamFailure>> + Send;

    /// The search's status; `None` when slskd does not know the id.
    fn search_status(
        &self,
        id: &SoulseekSearchId,
    ) -> impl Future<Output = Result<Option<SearchStatus>, UpstreamFailure>> + Send;

    /// The peers' answers; empty until the search is complete. `None` when slskd does not know
    /// the id.
    fn search_responses(
        &self,
        id: &SoulseekSearchId,
    ) -> impl Future<Output = Result<Option<Vec<PeerResponse>>, UpstreamFailure>> + Send;

    /// Stops a running search (its responses so far are kept). `false` when the id is unknown.
    fn stop_search(
        &self,
        id: &SoulseekSearchId,
    ) -> impl Future<Output = Result<bool, UpstreamFailure>> + Send;

    /// Forgets a search and its responses. `false` when the id was unknown.
    fn delete_search(
        &self,
        id: &SoulseekSearchId,
    ) -> impl Future<Output = Result<bool, UpstreamFailure>> + Send;

    /// Asks slskd to download `files` from `username`. Files already being downloaded from that
    /// user come back as failures; an offline user fails the whole call (`Unavailable`).
    fn enqueue_downloads(
        &self,
        username: &str,
        files: &[RequestedDownload],
    ) -> impl Future<Output = Result<EnqueueOutcome, UpstreamFailure>> + Send;

    /// Every download slskd tracks, from every user, in one call.
    fn downloads(&self) -> impl Future<Output = Result<Vec<Transfer>, UpstreamFailure>> + Send;

    /// One download; `None` when slskd does not know it.
    fn download(
        &self,
        username: &str,
        id: &TransferId,
    ) -> impl Future<Output = Result<Option<Transfer>, UpstreamFailure>> + Send;

    /// Cancels a download (nothing happens to one that has ended) and, with `forget`, removes it
    /// from slskd's list once it has ended.
    fn cancel_download(
        &self,
        username: &str,
        id: &TransferId,
        forget: bool,
    ) -> impl Future<Output = Result<(), UpstreamFailure>> + Send;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn search_ids_are_uuids() {
        let id = SoulseekSearchId::parse("{6F1A9C3E-2B4D-4E8F-9A0B-1C2D3E4F5A6B}").unwrap();
        assert_eq!(id.as_str(), "6f1a9c3e-2b4d-4e8f-9a0b-1c2d3e4f5a6b");
        assert_eq!(
            SoulseekSearchId::parse("6f1a9c3e2b4d4e8f9a0b1c2d3e4f5a6b").unwrap(),
            id
        );
        for bad in [
            "",
            "not-a-uuid",
            "6f1a9c3e-2b4d-4e8f-9a0b-1c2d3e4f5a6",
            "6f1a9c3e2b4d4e8f9a0b1c2d3e4f5a6g",
        ] {
            assert!(SoulseekSearchId::parse(bad).is_err(), "{bad}");
        }
        let random = SoulseekSearchId::from_random_bytes([0xff; 16]);
        assert_eq!(random.as_str(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(SoulseekSearchId::parse(random.as_str()).unwrap(), random);
    }

    #[test]
    fn remote_paths_split_on_backslashes() {
        let file = RemoteFile {
            filename: r"@@music\Band\2001 - Album\01 - Song.flac".to_owned(),
            size: 1,
            extension: None,
            bit_rate: None,
            bit_depth: None,
            sample_rate: None,
            length_seconds: None,
            is_variable_bit_rate: None,
            is_locked: false,
        };
        assert_eq!(file.file_name(), "01 - Song.flac");
        assert_eq!(file.directory(), r"@@music\Band\2001 - Album");
    }
}
