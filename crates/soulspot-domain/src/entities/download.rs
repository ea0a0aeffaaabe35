//! A download: the life of one wanted track from the first Soulseek search to an imported file.
//!
//! The allowed moves live in one exhaustive `match` in [`DownloadState::apply`]: a state can only
//! change through a [`DownloadEvent`], and adding a state or an event does not compile until every
//! pair has been decided.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{BlocklistEntryId, DownloadCandidateId, DownloadId, TrackDuration, TrackId};

/// Where a download stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownloadState {
    /// Waiting for a search slot.
    Wanted,
    /// A Soulseek search is running or its candidates are being ranked.
    Searching,
    /// The chosen file is queued at the peer (or locally in slskd).
    Queued,
    /// Bytes are arriving.
    Downloading,
    /// The transfer finished; the file waits to be verified and imported.
    Downloaded,
    /// The file is being verified, moved, tagged and linked.
    Importing,
    /// The track has its library file. Final.
    Completed,
    /// Every candidate failed or the import failed; a retry starts over. Final until retried.
    Failed,
    /// The user cancelled it. Final until retried.
    Cancelled,
}

/// Something that happened to a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownloadEvent {
    SearchStarted,
    CandidateEnqueued,
    NoCandidateLeft,
    TransferStarted,
    TransferSucceeded,
    /// The transfer failed or stalled: the next candidate is tried.
    TransferFailed,
    ImportStarted,
    ImportSucceeded,
    ImportFailed,
    Cancelled,
    Retried,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a download that is {from} cannot take the event {event:?}")]
pub struct InvalidDownloadTransition {
    pub from: DownloadState,
    pub event: DownloadEvent,
}

/// A stored state string that names no state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown download state {0:?}")]
pub struct UnknownDownloadState(pub String);

impl DownloadState {
    pub const ALL: [DownloadState; 9] = [
        Self::Wanted,
        Self::Searching,
        Self::Queued,
        Self::Downloading,
        Self::Downloaded,
        Self::Importing,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The next state after `event`, or an error when the event makes no sense here.
    pub fn apply(self, event: DownloadEvent) -> Result<DownloadState, InvalidDownloadTransition> {
        use DownloadEvent as E;
        use DownloadState as S;
        let next = match (self, event) {
            (S::Wanted, E::SearchStarted) => S::Searching,
            (S::Searching, E::CandidateEnqueued) => S::Queued,
            (S::Searching, E::NoCandidateLeft) => S::Failed,
            (S::Queued, E::TransferStarted) => S::Downloading,
            // A small file can finish between two polls, so Queued may jump straight to Downloaded.
            (S::Queued | S::Downloading, E::TransferSucceeded) => S::Downloaded,
            (S::Queued | S::Downloading, E::TransferFailed) => S::Searching,
            (S::Downloaded, E::ImportStarted) => S::Importing,
            (S::Importing, E::ImportSucceeded) => S::Completed,
            (S::Importing, E::ImportFailed) => S::Failed,
            (state, E::Cancelled) if state.is_active() => S::Cancelled,
            (S::Failed | S::Cancelled, E::Retried) => S::Wanted,
            (from, event) => return Err(InvalidDownloadTransition { from, event }),
        };
        Ok(next)
    }

    /// Whether the download still has work ahead of it. The database allows one active download
    /// per track.
    pub fn is_active(self) -> bool {
        !matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wanted => "wanted",
            Self::Searching => "searching",
            Self::Queued => "queued",
            Self::Downloading => "downloading",
            Self::Downloaded => "downloaded",
            Self::Importing => "importing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownDownloadState> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| UnknownDownloadState(value.to_owned()))
    }
}

impl std::fmt::Display for DownloadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The file a download settled on: a peer's exact remote path and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenCandidate {
    pub username: String,
    pub filename: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Download {
    pub id: DownloadId,
    pub track_id: TrackId,
    pub state: DownloadState,
    /// Higher runs first.
    pub priority: i32,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub candidate: Option<ChosenCandidate>,
    pub slskd_transfer_id: Option<String>,
    pub bytes_transferred: i64,
    pub bytes_total: Option<i64>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What ranking decided about one search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateVerdict {
    /// The file the download settled on.
    Chosen,
    /// Acceptable, kept in rank order to try if the chosen one fails.
    Fallback,
    /// Disqualified; `reasons` says why.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown candidate verdict {0:?}")]
pub struct UnknownCandidateVerdict(pub String);

impl CandidateVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chosen => "chosen",
            Self::Fallback => "fallback",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownCandidateVerdict> {
        [Self::Chosen, Self::Fallback, Self::Rejected]
            .into_iter()
            .find(|verdict| verdict.as_str() == value)
            .ok_or_else(|| UnknownCandidateVerdict(value.to_owned()))
    }
}

/// One search result considered for a download, kept with the reasons it won or lost so a user
/// can see why a file was (not) picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadCandidate {
    pub id: DownloadCandidateId,
    pub download_id: DownloadId,
    pub file: CandidateFile,
    /// 1 is best; `None` for rejected files.
    pub rank: Option<i32>,
    pub verdict: CandidateVerdict,
    pub reasons: Vec<String>,
}

/// A peer's file as a Soulseek search reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateFile {
    pub username: String,
    /// The exact remote path, as the peer shares it (needed verbatim to enqueue it).
    pub filename: String,
    pub size_bytes: i64,
    pub format: Option<String>,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub bit_depth: Option<i32>,
    pub length: Option<TrackDuration>,
    pub upload_speed: Option<i64>,
    pub queue_length: Option<i32>,
    pub has_free_slot: Option<bool>,
}

/// A ranked candidate to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDownloadCandidate {
    pub file: CandidateFile,
    pub rank: Option<i32>,
    pub verdict: CandidateVerdict,
    pub reasons: Vec<String>,
}

/// A peer or file SoulSpot must not download from, for a while or for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlocklistEntry {
    pub id: BlocklistEntryId,
    pub rule: BlockRule,
    pub reason: String,
    /// `None`: blocked until removed.
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// What a blocklist entry matches: a user, a file-name pattern (case-insensitive substring), or a
/// pattern only from one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRule {
    pub username: Option<String>,
    pub filename_pattern: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBlockRule {
    #[error("a blocklist entry needs a username, a file-name pattern, or both")]
    Empty,
    #[error("a blocklist reason cannot be blank")]
    BlankReason,
}

impl BlockRule {
    /// Builds a rule; blank parts count as absent, and at least one part is required.
    pub fn new(
        username: Option<&str>,
        filename_pattern: Option<&str>,
    ) -> Result<Self, InvalidBlockRule> {
        let keep = |value: Option<&str>| {
            value
                .filter(|value| !value.trim().is_empty())
                .map(str::to_owned)
        };
        let rule = Self {
            username: keep(username),
            filename_pattern: keep(filename_pattern),
        };
        if rule.username.is_none() && rule.filename_pattern.is_none() {
            return Err(InvalidBlockRule::Empty);
        }
        Ok(rule)
    }

    /// Whether a candidate from `username` with remote path `filename` falls under this rule.
    pub fn matches(&self, username: &str, filename: &str) -> bool {
        let user_matches = self
            .username
            .as_deref()
            .is_none_or(|blocked| blocked == username);
        let file_matches = self
            .filename_pattern
            .as_deref()
            .is_none_or(|pattern| filename.to_lowercase().contains(&pattern.to_lowercase()));
        user_matches && file_matches
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn happy_path_reaches_completed() {
        use DownloadEvent as E;
        let events = [
            E::SearchStarted,
            E::CandidateEnqueued,
            E::TransferStarted,
            E::TransferSucceeded,
            E::ImportStarted,
            E::ImportSucceeded,
        ];
        let end = events
            .iter()
            .try_fold(DownloadState::Wanted, |s, e| s.apply(*e))
            .unwrap();
        assert_eq!(end, DownloadState::Completed);
    }

    #[test]
    fn failed_transfer_moves_on_to_the_next_candidate() {
        let state = DownloadState::Downloading
            .apply(DownloadEvent::TransferFailed)
            .unwrap();
        assert_eq!(state, DownloadState::Searching);
    }

    #[test]
    fn completed_is_final() {
        for event in [
            DownloadEvent::Cancelled,
            DownloadEvent::Retried,
            DownloadEvent::SearchStarted,
        ] {
            assert!(DownloadState::Completed.apply(event).is_err());
        }
    }

    #[test]
    fn names_round_trip() {
        for state in DownloadState::ALL {
            assert_eq!(DownloadState::parse(state.as_str()), Ok(state));
        }
        assert!(DownloadState::parse("Completed, Succeeded").is_err());
    }

    fn any_event() -> impl Strategy<Value = DownloadEvent> {
        use DownloadEvent as E;
        prop::sample::select(vec![
            E::SearchStarted,
            E::CandidateEnqueued,
            E::NoCandidateLeft,
            E::TransferStarted,
            E::TransferSucceeded,
            E::TransferFailed,
            E::ImportStarted,
            E::ImportSucceeded,
            E::ImportFailed,
            E::Cancelled,
            E::Retried,
        ])
    }

    #[test]
    fn block_rules() {
        assert_eq!(
            BlockRule::new(Some(" "), None),
            Err(InvalidBlockRule::Empty)
        );
        let user = BlockRule::new(Some("leecher"), None).unwrap();
        assert!(user.matches("leecher", "anything.flac"));
        assert!(!user.matches("friend", "anything.flac"));
        let pattern = BlockRule::new(None, Some("Karaoke")).unwrap();
        assert!(pattern.matches("anyone", "@@x\\Music\\karaoke hits\\01.mp3"));
        let both = BlockRule::new(Some("leecher"), Some("live")).unwrap();
        assert!(both.matches("leecher", "Live at Wembley.flac"));
        assert!(!both.matches("friend", "Live at Wembley.flac"));
        for verdict in [
            CandidateVerdict::Chosen,
            CandidateVerdict::Fallback,
            CandidateVerdict::Rejected,
        ] {
            assert_eq!(CandidateVerdict::parse(verdict.as_str()), Ok(verdict));
        }
    }

    proptest! {
        /// Whatever happens, a download only reaches Completed through an import, and a final state
        /// only ever leaves through an explicit retry.
        #[test]
        fn random_event_sequences_respect_the_rules(events in prop::collection::vec(any_event(), 0..64)) {
            let mut state = DownloadState::Wanted;
            for event in events {
                match state.apply(event) {
                    Ok(next) => {
                        if next == DownloadState::Completed {
                            prop_assert_eq!(state, DownloadState::Importing);
                        }
                        if !state.is_active() {
                            prop_assert_eq!(event, DownloadEvent::Retried);
                        }
                        state = next;
                    }
                    Err(error) => prop_assert_eq!(error.from, state),
                }
            }
        }
    }
}
