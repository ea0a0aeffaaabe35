//! The worker: claims runnable jobs with a lease, runs each in a slot with a heartbeat, finishes
//! it (succeeded, retried with backoff, dead or cancelled) and, on shutdown, stops claiming, lets
//! running jobs finish within a grace period, then gives their leases back.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use soulspot_application::JobNotice;
use soulspot_application::backoff::Backoff;
use soulspot_application::health::ComponentHandle;
use soulspot_application::jobs::{JobContext, JobFailure};
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{Clock, Job, JobKind, JobProgress, JobState, RepositoryError};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use crate::handler::{JobHandler, Kinds};

/// How a worker runs. Defaults suit one home server; `soulspot.toml` tunes them.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Names this worker in leases (unique per process: host, pid and a random part).
    pub owner: String,
    /// Jobs run at once.
    pub slots: usize,
    /// Most jobs of one kind at once (kinds not listed: up to `slots`).
    pub per_kind_limits: HashMap<JobKind, usize>,
    /// How long a claim holds a job without a heartbeat; a dead worker's jobs come back after it.
    pub lease: Duration,
    /// Heartbeat interval (well under `lease`).
    pub heartbeat_every: Duration,
    /// How often an idle worker looks for work without being woken.
    pub poll_every: Duration,
    /// How often expired leases are reclaimed.
    pub reclaim_every: Duration,
    /// How long running jobs may finish after shutdown is requested.
    pub shutdown_grace: Duration,
    /// Delays between attempts of a failing job.
    pub backoff: Backoff,
}

impl WorkerSettings {
    pub fn with_owner(owner: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            slots: 4,
            per_kind_limits: HashMap::new(),
            lease: Duration::from_secs(30),
            heartbeat_every: Duration::from_secs(10),
            poll_every: Duration::from_secs(5),
            reclaim_every: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(10),
            backoff: Backoff {
                base: Duration::from_secs(5),
                max: Duration::from_secs(15 * 60),
                factor: 2.0,
            },
        }
    }
}

/// Why a worker stopped other than by a shutdown request.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("no job handler is registered")]
    NoHandlers,
}

/// A job runtime over a job store.
pub struct Worker<S> {
    store: S,
    handlers: HashMap<JobKind, Arc<dyn JobHandler>>,
    settings: WorkerSettings,
    clock: Arc<dyn Clock>,
    wakeups: Option<broadcast::Receiver<JobNotice>>,
    health: Option<ComponentHandle>,
}

impl<S> std::fmt::Debug for Worker<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("owner", &self.settings.owner)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Progress is written at most this often, whatever the handler reports.
const PROGRESS_WRITE_INTERVAL: Duration = Duration::from_millis(250);

impl<S: JobRepository + Clone + 'static> Worker<S> {
    pub fn new(store: S, settings: WorkerSettings, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            handlers: HashMap::new(),
            settings,
            clock,
            wakeups: None,
            health: None,
        }
    }

    /// Registers the handler of `kind` (replacing an earlier one).
    pub fn handle(mut self, kind: JobKind, handler: impl JobHandler) -> Self {
        self.handlers.insert(kind, Arc::new(handler));
        self
    }

    /// Runs every kind in `kinds`. A kind's own per-worker limit applies unless the settings
    /// name one for it.
    pub fn kinds(mut self, kinds: &Kinds) -> Self {
        for (kind, registered) in &kinds.kinds {
            self.handlers
                .insert(kind.clone(), Arc::clone(&registered.handler));
            if let Some(limit) = registered.per_worker_limit {
                self.settings
                    .per_kind_limits
                    .entry(kind.clone())
                    .or_insert(limit);
            }
        }
        self
    }

    /// Wakes the idle worker when a job changes (a new job is queued), instead of waiting for
    /// the next poll.
    pub fn wake_on(mut self, notices: broadcast::Receiver<JobNotice>) -> Self {
        self.wakeups = Some(notices);
        self
    }

    /// Reports the worker's state to the health registry.
    pub fn report_to(mut self, health: ComponentHandle) -> Self {
        self.health = Some(health);
        self
    }

    /// Runs until `shutdown` completes, then stops gracefully.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Result<(), WorkerError> {
        if self.handlers.is_empty() {
            return Err(WorkerError::NoHandlers);
        }
        tokio::pin!(shutdown);
        let (stop_sender, stop) = watch::channel(false);
        let mut running: JoinSet<JobKind> = JoinSet::new();
        let mut per_kind: HashMap<JobKind, usize> = HashMap::new();
        let mut next_reclaim = tokio::time::Instant::now();
        let mut wakeups = self.wakeups.take();
        if let Some(health) = &self.health {
            health.started();
        }
        tracing::info!(owner = %self.settings.owner, slots = self.settings.slots, "worker started");
        loop {
            if tokio::time::Instant::now() >= next_reclaim {
                next_reclaim = tokio::time::Instant::now() + self.settings.reclaim_every;
                self.reclaim().await;
            }
            let claimed = if running.len() < self.settings.slots {
                self.claim_into(&mut running, &mut per_kind, &stop).await
            } else {
                0
            };
            let idle = claimed == 0;
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(finished) = running.join_next(), if !running.is_empty() => {
                    self.finished(finished, &mut per_kind);
                }
                () = wait_for_wakeup(&mut wakeups), if idle => {}
                () = tokio::time::sleep(self.settings.poll_every), if idle => {}
                () = std::future::ready(()), if !idle => {}
            }
        }
        self.shut_down(running, per_kind, stop_sender).await;
        Ok(())
    }

    /// Claims as many jobs as free slots and per-kind limits allow; returns how many.
    async fn claim_into(
        &self,
        running: &mut JoinSet<JobKind>,
        per_kind: &mut HashMap<JobKind, usize>,
        stop: &watch::Receiver<bool>,
    ) -> usize {
        let mut claimed_total = 0;
        loop {
            let free = self.settings.slots.saturating_sub(running.len());
            let capacity = |kind: &JobKind| {
                let limit = self
                    .settings
                    .per_kind_limits
                    .get(kind)
                    .copied()
                    .unwrap_or(self.settings.slots);
                limit.saturating_sub(per_kind.get(kind).copied().unwrap_or(0))
            };
            let kinds: Vec<JobKind> = self
                .handlers
                .keys()
                .filter(|kind| capacity(kind) > 0)
                .cloned()
                .collect();
            // Claiming no more than the smallest remaining capacity keeps every kind within its
            // limit whatever mix the store returns; the loop claims again while room is left.
            let limit = kinds.iter().map(capacity).min().unwrap_or(0).min(free);
            if limit == 0 {
                return claimed_total;
            }
            let now = self.clock.now();
            let jobs = match self
                .store
                .claim(
                    &self.settings.owner,
                    &kinds,
                    limit as u32,
                    now,
                    self.settings.lease,
                )
                .await
            {
                Ok(jobs) => jobs,
                Err(error) => {
                    tracing::warn!(%error, "cannot claim jobs; trying again later");
                    if let Some(health) = &self.health {
                        health.failed(format!("cannot claim jobs: {error}"));
                    }
                    return claimed_total;
                }
            };
            let count = jobs.len();
            for job in jobs {
                let Some(handler) = self.handlers.get(&job.kind).cloned() else {
                    continue;
                };
                *per_kind.entry(job.kind.clone()).or_default() += 1;
                let kind = job.kind.clone();
                let run = JobRun {
                    store: self.store.clone(),
                    settings: self.settings.clone(),
                    clock: self.clock.clone(),
                    stop: stop.clone(),
                };
                running.spawn(async move {
                    run.run(job, handler).await;
                    kind
                });
            }
            claimed_total += count;
            if count < limit {
                return claimed_total;
            }
        }
    }

    fn finished(
        &self,
        finished: Result<JobKind, tokio::task::JoinError>,
        per_kind: &mut HashMap<JobKind, usize>,
    ) {
        match finished {
            Ok(kind) => {
                if let Some(count) = per_kind.get_mut(&kind) {
                    *count = count.saturating_sub(1);
                }
                if let Some(health) = &self.health {
                    health.succeeded();
                }
            }
            // A job task panicked outside the handler (the handler's own panics are caught and
            // recorded); its lease expires and the job is reclaimed. Recount from scratch is not
            // possible without the kind, so the slot is freed and the per-kind count may stay
            // one too high until restart: log loudly.
            Err(error) => tracing::error!(%error, "a job task failed outside its handler"),
        }
    }

    async fn reclaim(&self) {
        match self.store.reclaim_expired(self.clock.now()).await {
            Ok(0) => {}
            Ok(count) => tracing::warn!(
                count,
                "reclaimed jobs whose worker stopped without finishing them"
            ),
            Err(error) => tracing::warn!(%error, "cannot reclaim expired leases"),
        }
    }

    async fn shut_down(
        &self,
        mut running: JoinSet<JobKind>,
        mut per_kind: HashMap<JobKind, usize>,
        stop: watch::Sender<bool>,
    ) {
        tracing::info!(
            running = running.len(),
            "worker stopping: no new claims; letting running jobs finish"
        );
        let grace = tokio::time::sleep(self.settings.shutdown_grace);
        tokio::pin!(grace);
        while !running.is_empty() {
            tokio::select! {
                Some(finished) = running.join_next() => self.finished(finished, &mut per_kind),
                () = &mut grace => break,
            }
        }
        if !running.is_empty() {
            tracing::warn!(
                running = running.len(),
                "grace period over: giving the remaining jobs back"
            );
            // Each run stops its handler and releases its lease.
            let _ = stop.send(true);
            while let Some(finished) = running.join_next().await {
                self.finished(finished, &mut per_kind);
            }
        }
        if let Some(health) = &self.health {
            health.stopped();
        }
        tracing::info!("worker stopped");
    }
}

async fn wait_for_wakeup(wakeups: &mut Option<broadcast::Receiver<JobNotice>>) {
    let Some(receiver) = wakeups else {
        return std::future::pending().await;
    };
    loop {
        match receiver.recv().await {
            Ok(notice) if notice.state == JobState::Queued => return,
            Ok(_) => {}
            // Missed notices may have announced work: look.
            Err(broadcast::error::RecvError::Lagged(_)) => return,
            Err(broadcast::error::RecvError::Closed) => {
                *wakeups = None;
                return std::future::pending().await;
            }
        }
    }
}

/// One claimed job on its way to a final write.
struct JobRun<S> {
    store: S,
    settings: WorkerSettings,
    clock: Arc<dyn Clock>,
    stop: watch::Receiver<bool>,
}

/// How the handler's run ended, from the runtime's side.
enum Ending {
    Handler(Result<Option<String>, JobFailure>),
    /// The heartbeat found the lease gone: another worker owns the job now.
    LeaseLost,
    /// Shutdown's grace period ran out.
    Stopped,
}

impl<S: JobRepository + Clone + 'static> JobRun<S> {
    async fn run(self, job: Job, handler: Arc<dyn JobHandler>) {
        let (progress_sender, progress) = watch::channel::<Option<JobProgress>>(None);
        let (cancel_sender, cancelled) = watch::channel(job.cancel_requested);
        let context = JobContext::new(progress_sender, cancelled);
        let mut stop = self.stop.clone();
        // The handler runs in its own task so a panic is caught rather than tearing down the
        // worker, and so it can be aborted when the lease is lost or the grace period ends.
        let mut handler_task = {
            let job = job.clone();
            tokio::spawn(async move { handler.run(&job, &context).await })
        };
        let heartbeat = self.heartbeat(&job, progress, cancel_sender);
        tokio::pin!(heartbeat);
        let ending = tokio::select! {
            joined = &mut handler_task => Ending::Handler(joined.unwrap_or_else(|error| {
                Err(JobFailure::Retryable(format!("the handler panicked: {error}")))
            })),
            () = &mut heartbeat => Ending::LeaseLost,
            _ = stop.wait_for(|stop| *stop) => Ending::Stopped,
        };
        handler_task.abort();
        self.finish(&job, ending).await;
    }

    /// Extends the lease every `heartbeat_every` and writes new progress (at most every
    /// `PROGRESS_WRITE_INTERVAL`); returns only when the lease is lost.
    async fn heartbeat(
        &self,
        job: &Job,
        mut progress: watch::Receiver<Option<JobProgress>>,
        cancel: watch::Sender<bool>,
    ) {
        let mut next_beat = tokio::time::Instant::now() + self.settings.heartbeat_every;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(next_beat) => {}
                changed = progress.changed() => {
                    if changed.is_err() {
                        // The handler is gone; the run is finishing.
                        std::future::pending::<()>().await;
                    }
                    tokio::time::sleep(PROGRESS_WRITE_INTERVAL).await;
                }
            }
            let latest = progress.borrow_and_update().clone();
            match self
                .store
                .heartbeat(
                    job.id,
                    &self.settings.owner,
                    latest,
                    self.clock.now(),
                    self.settings.lease,
                )
                .await
            {
                Ok(beat) => {
                    if beat.cancel_requested {
                        cancel.send_replace(true);
                    }
                }
                Err(RepositoryError::Conflict(_) | RepositoryError::NotFound { .. }) => {
                    tracing::warn!(job.id = %job.id, "lost the job's lease; another worker owns it now");
                    return;
                }
                // A failed heartbeat is retried at the next beat; the lease outlives a few.
                Err(error) => tracing::warn!(job.id = %job.id, %error, "heartbeat failed"),
            }
            next_beat = tokio::time::Instant::now() + self.settings.heartbeat_every;
        }
    }

    async fn finish(&self, job: &Job, ending: Ending) {
        let owner = &self.settings.owner;
        let now = self.clock.now();
        let outcome = match ending {
            Ending::LeaseLost => return,
            Ending::Stopped => self
                .store
                .release(job.id, owner, now)
                .await
                .map(|_| "released"),
            Ending::Handler(Ok(result)) => self
                .store
                .succeed(job.id, owner, result, now)
                .await
                .map(|_| "succeeded"),
            Ending::Handler(Err(JobFailure::Cancelled)) => self
                .store
                .confirm_cancelled(job.id, owner, now)
                .await
                .map(|_| "cancelled"),
            Ending::Handler(Err(JobFailure::Permanent(error))) => self
                .store
                .fail(job.id, owner, &error, None, now)
                .await
                .map(|_| "dead"),
            Ending::Handler(Err(JobFailure::Retryable(error))) => {
                // `attempts` already counts this attempt (it grows at claim).
                let retry_at = (job.attempts < job.max_attempts).then(|| {
                    let delay = self
                        .settings
                        .backoff
                        .delay(job.attempts.max(1) as u32, &mut rand::rng());
                    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero())
                });
                let verdict = if retry_at.is_some() {
                    "will retry"
                } else {
                    "dead"
                };
                self.store
                    .fail(job.id, owner, &error, retry_at, now)
                    .await
                    .map(|_| verdict)
            }
        };
        match outcome {
            Ok(verdict) => tracing::info!(
                job.id = %job.id, job.kind = job.kind.as_str(), attempt = job.attempts, verdict,
                "job finished"
            ),
            Err(RepositoryError::Conflict(_)) => tracing::warn!(
                job.id = %job.id, "the job's lease was lost before its result could be written"
            ),
            Err(error) => tracing::error!(
                job.id = %job.id, %error,
                "cannot record the job's end; its lease will expire and it will run again"
            ),
        }
    }
}
