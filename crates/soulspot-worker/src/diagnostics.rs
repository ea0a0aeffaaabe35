//! `diagnostics.sleep`: a job kind for checking a deployment's workers (and for the crash tests):
//! it sleeps for `{"ms": N}` (at most a minute) while reporting progress, then records its effect
//! idempotently — a marker file named after the job in the effects folder — and appends one
//! `start`/`end` line per attempt to `runs.log` there, so overlapping runs would be visible.
//! Registered only when `worker.diagnostic_jobs` is set. It lives beside the runtime rather than
//! in the application crate because it checks the runtime itself: it needs the job's id, which
//! no use case sees.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_application::jobs::{JobContext, JobFailure, JobKindDefinition};
use soulspot_domain::{Clock, Job};

use crate::handler::{HandlerFuture, JobHandler};

/// The longest sleep a payload may ask for.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// The `diagnostics.sleep` kind.
#[derive(Debug, Clone, Copy)]
pub struct DiagnosticSleep;

/// How long to sleep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SleepPayload {
    pub ms: u64,
}

impl JobKindDefinition for DiagnosticSleep {
    const NAME: &'static str = "diagnostics.sleep";
    type Payload = SleepPayload;

    fn dedupe_key(_: &SleepPayload) -> Option<String> {
        None
    }
}

/// Runs `diagnostics.sleep` jobs (a handler over the stored job: its id names the effect).
pub struct DiagnosticSleepRunner {
    effects: PathBuf,
    owner: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DiagnosticSleepRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiagnosticSleepRunner")
            .field("effects", &self.effects)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl DiagnosticSleepRunner {
    pub fn new(effects: PathBuf, owner: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self {
            effects,
            owner: owner.into(),
            clock,
        }
    }

    fn log(&self, what: &str, job: &Job) -> Result<(), JobFailure> {
        let at = self.clock.now_utc().timestamp_micros();
        let line = format!("{what} {} {} {at}\n", job.id.0, self.owner);
        // One `write` of one short line to a file opened for appending: lines of concurrent
        // writers (other slots, other processes) never interleave.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.effects.join("runs.log"))
            .and_then(|mut file| file.write_all(line.as_bytes()))
            .map_err(|error| JobFailure::Retryable(format!("cannot write runs.log: {error}")))
    }
}

impl JobHandler for DiagnosticSleepRunner {
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payload: SleepPayload = serde_json::from_str(&job.payload).map_err(|error| {
                JobFailure::Permanent(format!("the payload needs `ms`: {error}"))
            })?;
            let total = Duration::from_millis(payload.ms).min(MAX_SLEEP);
            std::fs::create_dir_all(&self.effects).map_err(|error| {
                JobFailure::Retryable(format!("cannot create the effects folder: {error}"))
            })?;
            self.log("start", job)?;
            let step = Duration::from_millis(50);
            let steps = (total.as_millis() / step.as_millis()).max(1) as i64;
            for done in 0..steps {
                context.report(done, Some(steps), None)?;
                tokio::time::sleep(step.min(total)).await;
            }
            // The effect, idempotent: the same file whoever writes it, however often.
            std::fs::write(self.effects.join(format!("{}.done", job.id.0)), b"done").map_err(
                |error| JobFailure::Retryable(format!("cannot record the effect: {error}")),
            )?;
            self.log("end", job)?;
            Ok(None)
        })
    }
}
