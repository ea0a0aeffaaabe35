//! A job: one unit of long-running work, stored so that a crash loses nothing.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::JobId;

/// Where a job stands. A failed attempt that will be retried goes back to `Queued` with a later
/// `run_at`; after its last attempt it is `Dead`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Dead,
    Cancelled,
}

/// Something that happened to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobEvent {
    Claimed,
    Succeeded,
    /// The attempt failed (or its worker vanished, its lease expired) and attempts remain.
    FailedWillRetry,
    /// The attempt failed (or its lease expired) and it was the last one.
    FailedFinally,
    /// Its worker shut down before it finished and gave it back (the attempt does not count).
    Released,
    /// Someone asked to cancel it.
    CancelRequested,
    /// Its handler stopped because cancellation was requested.
    CancelConfirmed,
    /// Someone asked for a dead or cancelled job to run again.
    Retried,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a job that is {from:?} cannot take the event {event:?}")]
pub struct InvalidJobTransition {
    pub from: JobState,
    pub event: JobEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job state {0:?}")]
pub struct UnknownJobState(pub String);

/// What the job state machine decides on: the state and whether cancellation was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobStatus {
    pub state: JobState,
    /// Only ever set on a running job (its handler sees it at its next progress report), or kept
    /// as a record on a job that ended cancelled.
    pub cancel_requested: bool,
}

impl JobStatus {
    pub fn new(state: JobState, cancel_requested: bool) -> Self {
        Self {
            state,
            cancel_requested,
        }
    }

    /// The status after `event`, every allowed move one arm of an exhaustive match.
    ///
    /// One rule is added to the bare life cycle: **a pending cancel request wins** over going
    /// back to the queue or dying. A running job whose cancellation was requested and that is
    /// released, fails (retryable or not) or loses its lease ends cancelled, so a job the user
    /// cancelled never runs again; one that succeeds anyway is recorded as succeeded (its work
    /// is done) with the request cleared. The job store derives each of its conditional updates
    /// from this function (`soulspot_infrastructure::db::jobs`).
    pub fn apply(self, event: JobEvent) -> Result<JobStatus, InvalidJobTransition> {
        use JobEvent as E;
        use JobState as S;
        let cancel = self.cancel_requested;
        let next = match (self.state, event) {
            (S::Queued, E::Claimed) => Self::new(S::Running, false),
            (S::Running, E::Succeeded) => Self::new(S::Succeeded, false),
            (S::Running, E::FailedWillRetry | E::Released) if !cancel => {
                Self::new(S::Queued, false)
            }
            (S::Running, E::FailedFinally) if !cancel => Self::new(S::Dead, false),
            (S::Running, E::FailedWillRetry | E::Released | E::FailedFinally) => {
                Self::new(S::Cancelled, true)
            }
            (S::Queued, E::CancelRequested) => Self::new(S::Cancelled, false),
            (S::Running, E::CancelRequested) => Self::new(S::Running, true),
            (S::Running, E::CancelConfirmed) => Self::new(S::Cancelled, cancel),
            (S::Dead | S::Cancelled, E::Retried) => Self::new(S::Queued, false),
            (from, event) => return Err(InvalidJobTransition { from, event }),
        };
        Ok(next)
    }
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Dead,
        Self::Cancelled,
    ];

    /// Final states: nothing more happens without an explicit retry.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Dead | Self::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownJobState> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| UnknownJobState(value.to_owned()))
    }
}

/// The name of a kind of job: lowercase ASCII letters, digits, `.`, `_` and `-`, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobKind(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid job kind {0:?}: use 1-64 lowercase letters, digits, '.', '_' or '-'")]
pub struct InvalidJobKind(pub String);

impl JobKind {
    pub fn parse(value: &str) -> Result<Self, InvalidJobKind> {
        let valid = (1..=64).contains(&value.len())
            && value.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidJobKind(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JobKind {
    type Error = InvalidJobKind;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<JobKind> for String {
    fn from(value: JobKind) -> Self {
        value.0
    }
}

/// How far a running job has come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    pub done: i64,
    pub total: Option<i64>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    /// The handler's input, a JSON document.
    pub payload: String,
    pub state: JobState,
    /// Higher runs first.
    pub priority: i32,
    pub dedupe_key: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub progress: JobProgress,
    pub cancel_requested: bool,
    pub result: Option<String>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the current or last attempt started.
    pub started_at: Option<NaiveDateTime>,
    /// When the job reached a final state.
    pub finished_at: Option<NaiveDateTime>,
}

/// Which jobs a list returns; every set field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub kind: Option<JobKind>,
    pub state: Option<JobState>,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    pub payload: String,
    pub priority: i32,
    pub dedupe_key: Option<String>,
    pub max_attempts: i32,
    pub run_at: Option<NaiveDateTime>,
    /// Bounds the store keeps while enqueueing (none by default).
    pub limits: EnqueueLimits,
}

/// How many jobs a client may pile up. Checked by the store in the enqueue's transaction, after
/// the dedupe rule (a job already waiting with the same key is returned, never refused); a
/// refusal is `RepositoryError::Limited` with the time after which the same request may pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnqueueLimits {
    /// Most jobs of this kind queued at once (scheduled ones included).
    pub max_queued: Option<u32>,
    /// After a job with the same dedupe key succeeded, another is refused for this long.
    pub cooldown: Option<std::time::Duration>,
    /// What a request refused by `max_queued` is told to wait.
    pub retry_when_full: std::time::Duration,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn status(state: JobState, cancel_requested: bool) -> JobStatus {
        JobStatus::new(state, cancel_requested)
    }

    #[test]
    fn retry_cycle() {
        let s = status(JobState::Queued, false)
            .apply(JobEvent::Claimed)
            .unwrap();
        let s = s.apply(JobEvent::FailedWillRetry).unwrap();
        assert_eq!(s.state, JobState::Queued);
        let s = s
            .apply(JobEvent::Claimed)
            .unwrap()
            .apply(JobEvent::FailedFinally)
            .unwrap();
        assert_eq!(s.state, JobState::Dead);
        assert!(s.state.is_final());
        assert!(s.apply(JobEvent::Claimed).is_err());
        assert_eq!(
            s.apply(JobEvent::Retried),
            Ok(status(JobState::Queued, false))
        );
    }

    #[test]
    fn a_pending_cancel_request_wins_over_the_queue_and_death() {
        let running = status(JobState::Running, false)
            .apply(JobEvent::CancelRequested)
            .unwrap();
        assert_eq!(running, status(JobState::Running, true));
        for event in [
            JobEvent::FailedWillRetry,
            JobEvent::FailedFinally,
            JobEvent::Released,
            JobEvent::CancelConfirmed,
        ] {
            assert_eq!(
                running.apply(event),
                Ok(status(JobState::Cancelled, true)),
                "{event:?}"
            );
        }
        // The work is done: success is recorded, and the request with it forgotten.
        assert_eq!(
            running.apply(JobEvent::Succeeded),
            Ok(status(JobState::Succeeded, false))
        );
        // A queued job is cancelled at once; a final one cannot be.
        assert_eq!(
            status(JobState::Queued, false).apply(JobEvent::CancelRequested),
            Ok(status(JobState::Cancelled, false))
        );
        for state in [JobState::Succeeded, JobState::Dead, JobState::Cancelled] {
            assert!(
                status(state, false)
                    .apply(JobEvent::CancelRequested)
                    .is_err()
            );
        }
        // A retry clears the old request.
        assert_eq!(
            status(JobState::Cancelled, true).apply(JobEvent::Retried),
            Ok(status(JobState::Queued, false))
        );
    }

    #[test]
    fn only_running_jobs_end_and_only_queued_ones_are_claimed() {
        let events = [
            JobEvent::Claimed,
            JobEvent::Succeeded,
            JobEvent::FailedWillRetry,
            JobEvent::FailedFinally,
            JobEvent::Released,
            JobEvent::CancelRequested,
            JobEvent::CancelConfirmed,
            JobEvent::Retried,
        ];
        for state in JobState::ALL {
            for cancel in [false, true] {
                for event in events {
                    let Ok(next) = status(state, cancel).apply(event) else {
                        continue;
                    };
                    match event {
                        JobEvent::Claimed => assert_eq!(state, JobState::Queued),
                        JobEvent::Succeeded
                        | JobEvent::FailedWillRetry
                        | JobEvent::FailedFinally
                        | JobEvent::Released
                        | JobEvent::CancelConfirmed => assert_eq!(state, JobState::Running),
                        JobEvent::CancelRequested => assert!(!state.is_final()),
                        JobEvent::Retried => assert!(state.is_final()),
                    }
                    // A flag is never left on a queued job or a job that did not end cancelled
                    // (except a running one, whose handler has yet to see it).
                    if next.cancel_requested {
                        assert!(matches!(
                            next.state,
                            JobState::Running | JobState::Cancelled
                        ));
                    }
                }
            }
        }
    }

    #[test]
    fn kinds_are_validated() {
        assert!(JobKind::parse("library.scan").is_ok());
        assert!(JobKind::parse("").is_err());
        assert!(JobKind::parse("Library Scan").is_err());
        assert!(JobKind::parse(&"a".repeat(65)).is_err());
    }
}
