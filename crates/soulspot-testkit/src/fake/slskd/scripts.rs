//! What a test scripts about downloads: the phases' durations, the speed, and how each download
//! ends ([`TransferScript`], [`TransferOutcome`]).

use std::time::Duration;

use super::states::TransferStates;

/// The phases a download passes through before it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferPhase {
    QueuedLocally,
    Requested,
    QueuedRemotely,
    Initializing,
    /// A failure here happens halfway through the bytes.
    InProgress,
}

/// The failed endings a download can be scripted to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferFailure {
    Errored,
    Rejected,
    TimedOut,
    Cancelled,
    Aborted,
}

impl TransferFailure {
    /// `"Completed, Errored"` and so on.
    pub fn state(self) -> TransferStates {
        match self {
            Self::Errored => TransferStates::COMPLETED_ERRORED,
            Self::Rejected => TransferStates::COMPLETED_REJECTED,
            Self::TimedOut => TransferStates::COMPLETED_TIMED_OUT,
            Self::Cancelled => TransferStates::COMPLETED_CANCELLED,
            Self::Aborted => TransferStates::COMPLETED_ABORTED,
        }
    }
}

/// How a download ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    /// `"Completed, Succeeded"`, and the file is written to the downloads directory.
    Succeeds,
    /// Ends in `ending` at the end of `during`, with `exception` as slskd's message.
    Fails {
        ending: TransferFailure,
        during: TransferPhase,
        exception: String,
    },
    /// `"Completed, TimedOut"` while remotely queued, then the peer starts the upload `after` that
    /// anyway and the download goes back to `"Initializing"` and on to success (slskd PR #1827).
    TimesOutThenResumes { after: Duration },
}

impl TransferOutcome {
    /// `"Completed, Errored"` halfway through the bytes (the connection dropped).
    pub fn errored() -> Self {
        Self::failing(
            TransferFailure::Errored,
            TransferPhase::InProgress,
            "Remote connection closed",
        )
    }

    /// `"Completed, Rejected"` right after the request (the peer refused).
    pub fn rejected() -> Self {
        Self::failing(
            TransferFailure::Rejected,
            TransferPhase::Requested,
            "Banned",
        )
    }

    /// `"Completed, TimedOut"` while waiting in the peer's queue.
    pub fn timed_out() -> Self {
        Self::failing(
            TransferFailure::TimedOut,
            TransferPhase::QueuedRemotely,
            "The operation has timed out.",
        )
    }

    /// `"Completed, Cancelled"` halfway through the bytes.
    pub fn cancelled() -> Self {
        Self::failing(
            TransferFailure::Cancelled,
            TransferPhase::InProgress,
            "The operation was canceled.",
        )
    }

    /// `"Completed, Aborted"` while the transfer connection is being set up.
    pub fn aborted() -> Self {
        Self::failing(
            TransferFailure::Aborted,
            TransferPhase::Initializing,
            "The remote user aborted the transfer",
        )
    }

    /// Ends in `ending` at the end of `during`.
    pub fn failing(ending: TransferFailure, during: TransferPhase, exception: &str) -> Self {
        Self::Fails {
            ending,
            during,
            exception: exception.to_owned(),
        }
    }
}

/// The timing and ending of a download; scripted per file, per user or for all downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferScript {
    pub queued_locally: Duration,
    pub requested: Duration,
    pub queued_remotely: Duration,
    /// The `placeInQueue` reported when the download enters the peer's queue; it counts down to 1.
    pub place_in_queue: u32,
    pub initializing: Duration,
    /// The transfer speed while `"InProgress"` (at least 1).
    pub bytes_per_second: u64,
    pub outcome: TransferOutcome,
}

impl Default for TransferScript {
    /// 20 ms locally queued, 100 ms requested, 200 ms remotely queued (place 1), 50 ms
    /// initializing, 4 MiB/s, success.
    fn default() -> Self {
        Self {
            queued_locally: Duration::from_millis(20),
            requested: Duration::from_millis(100),
            queued_remotely: Duration::from_millis(200),
            place_in_queue: 1,
            initializing: Duration::from_millis(50),
            bytes_per_second: 4 * 1024 * 1024,
            outcome: TransferOutcome::Succeeds,
        }
    }
}

impl TransferScript {
    pub fn outcome(mut self, outcome: TransferOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn bytes_per_second(mut self, bytes_per_second: u64) -> Self {
        self.bytes_per_second = bytes_per_second.max(1);
        self
    }

    /// Waits `duration` in the peer's queue, starting at `place`.
    pub fn queued_remotely(mut self, duration: Duration, place: u32) -> Self {
        self.queued_remotely = duration;
        self.place_in_queue = place.max(1);
        self
    }

    /// Every phase before the bytes takes `duration`.
    pub fn phases(mut self, duration: Duration) -> Self {
        self.queued_locally = duration;
        self.requested = duration;
        self.queued_remotely = duration;
        self.initializing = duration;
        self
    }

    /// The default script shaped by what the peer's search responses say: its speed, and a longer
    /// remote queue (at its queue length) when it has no free upload slot.
    pub(super) fn for_peer(
        has_free_upload_slot: bool,
        queue_length: u64,
        upload_speed: u64,
    ) -> Self {
        let script = Self::default().bytes_per_second(upload_speed);
        if has_free_upload_slot {
            script
        } else {
            let place = u32::try_from(queue_length).unwrap_or(u32::MAX);
            script.queued_remotely(Duration::from_secs(2), place)
        }
    }

    pub(super) fn transfer_time(&self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 / self.bytes_per_second.max(1) as f64)
    }
}
