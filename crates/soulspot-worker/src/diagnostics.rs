//! `diagnostics.sleep`: a job kind for checking a deployment's workers (and for the crash tests):
//! it sleeps for `{"ms": N}` (at most a minute) while reporting progress, then records its effect
//! idempotently — a marker file named after the job in the effects folder — and appends one
//! `start`/`end` line per attempt to `runs.log` there, so overlapping runs would be visible.
//! Registered only when `worker.diagnostic_jobs` is set.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use soulspot_domain::Job;

use crate::handler::{HandlerFuture, JobContext, JobFailure, JobHandler};

/// The kind's name.
pub const DIAGNOSTIC_SLEEP_KIND: &str = "diagnostics.sleep";

/// The longest sleep a payload may ask for.
const MAX_SLEEP: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct DiagnosticSleepHandler {
    effects: PathBuf,
    owner: String,
}

impl DiagnosticSleepHandler {
    pub fn new(effects: PathBuf, owner: impl Into<String>) -> Self {
        Self {
            effects,
            owner: owner.into(),
        }
    }

    fn log(&self, what: &str, job: &Job) -> Result<(), JobFailure> {
        let at = chrono::Utc::now().timestamp_micros();
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

impl JobHandler for DiagnosticSleepHandler {
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payload: serde_json::Value =
                serde_json::from_str(&job.payload).map_err(|error| {
                    JobFailure::Permanent(format!("the payload is not JSON: {error}"))
                })?;
            let millis = payload["ms"]
                .as_u64()
                .ok_or_else(|| JobFailure::Permanent("the payload needs `ms`".into()))?;
            let total = Duration::from_millis(millis).min(MAX_SLEEP);
            std::fs::create_dir_all(&self.effects).map_err(|error| {
                JobFailure::Retryable(format!("cannot create the effects folder: {error}"))
            })?;
            self.log("start", job)?;
            let step = Duration::from_millis(50);
            let steps = (total.as_millis() / step.as_millis()).max(1) as i64;
            for done in 0..steps {
                context
                    .report(done, Some(steps), None)
                    .map_err(|_| JobFailure::Cancelled)?;
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
