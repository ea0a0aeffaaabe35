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
    /// The attempt failed and attempts remain.
    FailedWillRetry,
    /// The attempt failed and it was the last one.
    FailedFinally,
    /// Its lease expired or its worker shut down before it finished.
    Released,
    Cancelled,
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

impl JobState {
    pub const ALL: [JobState; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Dead,
        Self::Cancelled,
    ];

    pub fn apply(self, event: JobEvent) -> Result<JobState, InvalidJobTransition> {
        use JobEvent as E;
        use JobState as S;
        let next = match (self, event) {
            (S::Queued, E::Claimed) => S::Running,
            (S::Running, E::Succeeded) => S::Succeeded,
            (S::Running, E::FailedWillRetry | E::Released) => S::Queued,
            (S::Running, E::FailedFinally) => S::Dead,
            (S::Queued | S::Running, E::Cancelled) => S::Cancelled,
            (S::Dead | S::Cancelled, E::Retried) => S::Queued,
            (from, event) => return Err(InvalidJobTransition { from, event }),
        };
        Ok(next)
    }

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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retry_cycle() {
        let s = JobState::Queued.apply(JobEvent::Claimed).unwrap();
        let s = s.apply(JobEvent::FailedWillRetry).unwrap();
        assert_eq!(s, JobState::Queued);
        let s = s
            .apply(JobEvent::Claimed)
            .unwrap()
            .apply(JobEvent::FailedFinally)
            .unwrap();
        assert_eq!(s, JobState::Dead);
        assert!(s.is_final());
        assert!(s.apply(JobEvent::Claimed).is_err());
        assert_eq!(s.apply(JobEvent::Retried), Ok(JobState::Queued));
    }

    #[test]
    fn kinds_are_validated() {
        assert!(JobKind::parse("library.scan").is_ok());
        assert!(JobKind::parse("").is_err());
        assert!(JobKind::parse("Library Scan").is_err());
        assert!(JobKind::parse(&"a".repeat(65)).is_err());
    }
}
