//! How one download unfolds over time, and how it reads as slskd's `Transfer` JSON.
//!
//! A download is planned when it is enqueued, from its [`TransferScript`]: `"Queued, Locally"`
//! (accepted by slskd) → `"Requested"` (asked of the peer) → `"Queued, Remotely"` (in the peer's
//! upload queue, with a `placeInQueue` counting down) → `"Initializing"` → `"InProgress"` (bytes
//! growing at the scripted speed) → `"Completed, Succeeded"`, or a scripted failure at the end of one
//! of those phases. Every download passes through `"Queued, Remotely"`, as slskd's enqueue logic
//! relies on. Reading a download computes its state from the time elapsed since it was enqueued; a
//! cancellation freezes it as `"Completed, Cancelled"` at that moment.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::scripts::{TransferFailure, TransferOutcome, TransferPhase, TransferScript};
use super::states::{
    DateTimeKind, TransferStates, dotnet_date_time, dotnet_double, dotnet_time_span,
};

/// What the download is doing with its bytes during a step.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ByteProgress {
    /// None moved yet.
    Zero,
    /// Growing at this many bytes per second from the step's start.
    Moving(u64),
    /// Stopped at this count.
    Stopped(u64),
}

/// Where a phase's step sits in a fresh plan.
fn phase_index(phase: TransferPhase) -> usize {
    match phase {
        TransferPhase::QueuedLocally => 0,
        TransferPhase::Requested => 1,
        TransferPhase::QueuedRemotely => 2,
        TransferPhase::Initializing => 3,
        TransferPhase::InProgress => 4,
    }
}

/// One state change of the plan, `at` after the enqueue.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    at: Duration,
    state: TransferStates,
    bytes: ByteProgress,
    exception: Option<String>,
}

/// What an enqueue asks for.
#[derive(Debug, Clone)]
pub(super) struct NewDownload {
    pub(super) id: String,
    pub(super) username: String,
    pub(super) filename: String,
    pub(super) size: u64,
    /// Whether the peer shares a file under this name.
    pub(super) shared: bool,
    /// The bytes a success writes (`None`: filler).
    pub(super) content: Option<Bytes>,
}

/// A download slskd tracks.
#[derive(Debug, Clone)]
pub(super) struct TransferRecord {
    pub(super) id: String,
    pub(super) username: String,
    pub(super) filename: String,
    pub(super) size: u64,
    pub(super) requested: Instant,
    steps: Vec<Step>,
    place_in_queue: u32,
    /// When the remote queue phase starts and how long it lasts (for the countdown).
    remote_queue: (Duration, Duration),
    /// When the download is first requested from the peer (its first attempt).
    requested_phase_at: Duration,
    bytes_per_second: u64,
    pub(super) cancelled_at: Option<Instant>,
    /// Superseded by a newer download of the same file, or removed through the API.
    pub(super) removed: bool,
    /// The bytes written on success (`None`: filler).
    pub(super) content: Option<Bytes>,
    /// Where the file was written, once it was.
    pub(super) written_to: Option<PathBuf>,
    /// Why writing the file failed (the download then reads `"Completed, Errored"`).
    pub(super) write_error: Option<String>,
}

/// A download as it stands at one moment.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TransferSnapshot {
    pub(super) state: TransferStates,
    pub(super) bytes_transferred: u64,
    pub(super) average_speed: f64,
    pub(super) enqueued_at: Option<Instant>,
    pub(super) started_at: Option<Instant>,
    pub(super) ended_at: Option<Instant>,
    pub(super) place_in_queue: Option<u32>,
    pub(super) exception: Option<String>,
    pub(super) attempts: u32,
}

impl TransferRecord {
    /// Plans a download enqueued at `now`; a file the peer does not share is rejected after the
    /// request, whatever the script says.
    pub(super) fn new(download: NewDownload, now: Instant, script: &TransferScript) -> Self {
        let NewDownload {
            id,
            username,
            filename,
            size,
            shared,
            content,
        } = download;
        let outcome = if shared {
            script.outcome.clone()
        } else {
            TransferOutcome::failing(
                TransferFailure::Rejected,
                TransferPhase::Requested,
                "File not shared.",
            )
        };
        let requested_at = script.queued_locally;
        let queued_remotely_at = requested_at + script.requested;
        let initializing_at = queued_remotely_at + script.queued_remotely;
        let in_progress_at = initializing_at + script.initializing;
        let transfer_time = script.transfer_time(size);
        let step = |at, state, bytes| Step {
            at,
            state,
            bytes,
            exception: None,
        };
        let mut steps = vec![
            step(
                Duration::ZERO,
                TransferStates::QUEUED_LOCALLY,
                ByteProgress::Zero,
            ),
            step(requested_at, TransferStates::REQUESTED, ByteProgress::Zero),
            step(
                queued_remotely_at,
                TransferStates::QUEUED_REMOTELY,
                ByteProgress::Zero,
            ),
            step(
                initializing_at,
                TransferStates::INITIALIZING,
                ByteProgress::Zero,
            ),
            step(
                in_progress_at,
                TransferStates::IN_PROGRESS,
                ByteProgress::Moving(script.bytes_per_second.max(1)),
            ),
        ];
        match outcome {
            TransferOutcome::Succeeds => steps.push(step(
                in_progress_at + transfer_time,
                TransferStates::COMPLETED_SUCCEEDED,
                ByteProgress::Stopped(size),
            )),
            TransferOutcome::Fails {
                ending,
                during,
                exception,
            } => {
                let (fails_at, bytes) = match during {
                    TransferPhase::InProgress => (in_progress_at + transfer_time / 2, size / 2),
                    TransferPhase::Initializing => (in_progress_at, 0),
                    TransferPhase::QueuedRemotely => (initializing_at, 0),
                    TransferPhase::Requested => (queued_remotely_at, 0),
                    TransferPhase::QueuedLocally => (requested_at, 0),
                };
                // Keep the steps up to the failing phase itself (one step per phase so far).
                steps.truncate(phase_index(during) + 1);
                steps.push(Step {
                    at: fails_at,
                    state: ending.state(),
                    bytes: ByteProgress::Stopped(bytes),
                    exception: Some(exception),
                });
            }
            TransferOutcome::TimesOutThenResumes { after } => {
                steps.truncate(3);
                steps.push(Step {
                    at: initializing_at,
                    state: TransferStates::COMPLETED_TIMED_OUT,
                    bytes: ByteProgress::Stopped(0),
                    exception: Some("The operation has timed out.".to_owned()),
                });
                let resumed_at = initializing_at + after;
                steps.push(step(
                    resumed_at,
                    TransferStates::INITIALIZING,
                    ByteProgress::Zero,
                ));
                steps.push(step(
                    resumed_at + script.initializing,
                    TransferStates::IN_PROGRESS,
                    ByteProgress::Moving(script.bytes_per_second.max(1)),
                ));
                steps.push(step(
                    resumed_at + script.initializing + transfer_time,
                    TransferStates::COMPLETED_SUCCEEDED,
                    ByteProgress::Stopped(size),
                ));
            }
        }
        Self {
            id,
            username,
            filename,
            size,
            requested: now,
            steps,
            place_in_queue: script.place_in_queue.max(1),
            remote_queue: (queued_remotely_at, script.queued_remotely),
            requested_phase_at: requested_at,
            bytes_per_second: script.bytes_per_second.max(1),
            cancelled_at: None,
            removed: false,
            content,
            written_to: None,
            write_error: None,
        }
    }

    /// The download at `now`.
    pub(super) fn snapshot(&self, now: Instant) -> TransferSnapshot {
        let elapsed = now.saturating_duration_since(self.requested);
        let cancelled = self
            .cancelled_at
            .map(|at| at.saturating_duration_since(self.requested))
            .filter(|cancelled| *cancelled <= elapsed);
        let reached = |moment: Duration| {
            let index = self
                .steps
                .iter()
                .rposition(|step| step.at <= moment)
                .unwrap_or(0);
            &self.steps[index]
        };
        // A cancellation stops the plan where it was, unless the download had already ended.
        let (mut step, observed) = match cancelled {
            Some(cancelled) if !reached(cancelled).state.is_terminal() => {
                let current = reached(cancelled);
                let bytes = self.bytes_at(current, cancelled);
                (
                    Step {
                        at: cancelled,
                        state: TransferStates::COMPLETED_CANCELLED,
                        bytes: ByteProgress::Stopped(bytes),
                        exception: Some("The operation was canceled.".to_owned()),
                    },
                    cancelled,
                )
            }
            Some(cancelled) => (reached(cancelled).clone(), cancelled),
            None => (reached(elapsed).clone(), elapsed),
        };
        if step.state == TransferStates::COMPLETED_SUCCEEDED
            && let Some(error) = &self.write_error
        {
            step.state = TransferStates::COMPLETED_ERRORED;
            step.exception = Some(error.clone());
        }
        let history = || self.steps.iter().filter(|past| past.at <= observed);
        let started_at = history()
            .rfind(|past| past.state == TransferStates::IN_PROGRESS)
            .map(|past| past.at);
        let enqueued_at = history()
            .find(|past| past.state == TransferStates::QUEUED_REMOTELY)
            .map(|past| past.at);
        let bytes_transferred = self.bytes_at(&step, elapsed).min(self.size);
        let (queue_start, queue_length) = self.remote_queue;
        let place_in_queue = enqueued_at.map(|_| {
            let waited = observed.saturating_sub(queue_start).min(queue_length);
            let fraction = if queue_length.is_zero() {
                1.0
            } else {
                waited.as_secs_f64() / queue_length.as_secs_f64()
            };
            let advanced = (fraction * f64::from(self.place_in_queue)).floor() as u32;
            self.place_in_queue.saturating_sub(advanced).max(1)
        });
        let ended = step.state.is_terminal();
        TransferSnapshot {
            state: step.state,
            bytes_transferred,
            average_speed: if started_at.is_some() {
                self.bytes_per_second as f64
            } else {
                0.0
            },
            enqueued_at: enqueued_at.map(|at| self.requested + at),
            started_at: started_at.map(|at| self.requested + at),
            ended_at: ended.then_some(self.requested + step.at),
            place_in_queue,
            exception: step.exception,
            attempts: u32::from(observed >= self.requested_phase_at),
        }
    }

    fn bytes_at(&self, step: &Step, moment: Duration) -> u64 {
        match step.bytes {
            ByteProgress::Zero => 0,
            ByteProgress::Stopped(bytes) => bytes,
            ByteProgress::Moving(bytes_per_second) => {
                let seconds = moment.saturating_sub(step.at).as_secs_f64();
                ((seconds * bytes_per_second as f64) as u64).min(self.size)
            }
        }
    }

    /// slskd's `Transfer` JSON at `now`. `fresh` is the record as `POST` answers it (an in-memory
    /// object, whose `requestedAt` still carries `Z`); read back from slskd's database it does not.
    pub(super) fn to_json(
        &self,
        snapshot: &TransferSnapshot,
        now: Instant,
        fresh: bool,
        wall: impl Fn(Instant) -> DateTime<Utc>,
    ) -> Value {
        let stored = if fresh {
            DateTimeKind::Utc
        } else {
            DateTimeKind::Unspecified
        };
        let mut object = Map::new();
        object.insert("id".into(), self.id.clone().into());
        object.insert("username".into(), self.username.clone().into());
        object.insert("direction".into(), "Download".into());
        object.insert("filename".into(), self.filename.clone().into());
        object.insert("size".into(), self.size.into());
        object.insert("startOffset".into(), 0.into());
        object.insert("state".into(), snapshot.state.name().into());
        object.insert("stateDescription".into(), snapshot.state.name().into());
        object.insert(
            "requestedAt".into(),
            dotnet_date_time(wall(self.requested), stored).into(),
        );
        if let Some(enqueued_at) = snapshot.enqueued_at {
            object.insert(
                "enqueuedAt".into(),
                dotnet_date_time(wall(enqueued_at), DateTimeKind::Unspecified).into(),
            );
        }
        if let Some(started_at) = snapshot.started_at {
            object.insert(
                "startedAt".into(),
                dotnet_date_time(wall(started_at), DateTimeKind::Utc).into(),
            );
        }
        if let Some(ended_at) = snapshot.ended_at {
            object.insert(
                "endedAt".into(),
                dotnet_date_time(wall(ended_at), DateTimeKind::Utc).into(),
            );
        }
        object.insert("bytesTransferred".into(), snapshot.bytes_transferred.into());
        object.insert("averageSpeed".into(), dotnet_double(snapshot.average_speed));
        let bytes_remaining = self.size.saturating_sub(snapshot.bytes_transferred);
        object.insert("bytesRemaining".into(), bytes_remaining.into());
        if let Some(started_at) = snapshot.started_at {
            let until = snapshot.ended_at.unwrap_or(now);
            object.insert(
                "elapsedTime".into(),
                dotnet_time_span(until.saturating_duration_since(started_at)).into(),
            );
        }
        let percent = if self.size == 0 {
            0.0
        } else {
            snapshot.bytes_transferred as f64 / self.size as f64 * 100.0
        };
        object.insert("percentComplete".into(), dotnet_double(percent));
        if snapshot.average_speed > 0.0 {
            let remaining =
                Duration::from_secs_f64(bytes_remaining as f64 / snapshot.average_speed);
            object.insert("remainingTime".into(), dotnet_time_span(remaining).into());
        }
        if let Some(place) = snapshot.place_in_queue {
            object.insert("placeInQueue".into(), place.into());
        }
        if let Some(exception) = &snapshot.exception {
            object.insert("exception".into(), exception.clone().into());
        }
        object.insert("attempts".into(), snapshot.attempts.into());
        Value::Object(object)
    }
}
