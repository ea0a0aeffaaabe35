//! The health registry: one place that knows, for every background worker and every upstream
//! service, whether it is working, when it last ran and succeeded, what its last error was, and
//! what its circuit breaker says.
//!
//! Why: workers fail quietly. Without a shared record, "the download sync has been failing for an
//! hour" shows up only in logs. Workers and upstream policies report into a [`ComponentHandle`];
//! `/health/workers`, `/health/ready` and the Prometheus gauges read [`HealthRegistry::snapshot`]
//! and [`HealthRegistry::verdict`].
//!
//! The registry is cheap to clone and shared by the whole process. Its locks are `std` mutexes
//! held for a few assignments, never across an `.await`, and never two at once.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::breaker::{BreakerSettings, BreakerState, CircuitBreaker};

/// Consecutive failed runs after which a worker counts as [`ComponentState::Down`], unless
/// configured with [`HealthRegistry::with_down_after_failures`].
pub const DEFAULT_DOWN_AFTER_FAILURES: u32 = 3;

/// What kind of component a health record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// A background loop of this process (job runner, scheduler, sync).
    Worker,
    /// An external service we call (slskd, Spotify, MusicBrainz, …).
    Upstream,
}

impl ComponentKind {
    /// The same snake_case name serde uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Upstream => "upstream",
        }
    }
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A component's condition, derived from its reports and its breaker. The first rule that
/// matches wins:
///
/// 1. `Stopped`: [`ComponentHandle::stopped`] was the latest report.
/// 2. `Down`: for an upstream, its breaker is open (the breaker's threshold is the one knob for
///    "down", so it is not counted twice); for a worker, its last `down_after_failures` runs all
///    failed (default [`DEFAULT_DOWN_AFTER_FAILURES`]).
/// 3. `Degraded`: at least one failure since the last success, or the breaker is half-open.
/// 4. `Running`: a run is in progress ([`ComponentHandle::started`] with no outcome since).
/// 5. `Idle`: otherwise: registered, or between healthy runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Healthy and not busy.
    Idle,
    /// Healthy and busy.
    Running,
    /// Failing, but not yet given up on.
    Degraded,
    /// Given up on until it recovers.
    Down,
    /// Shut down on purpose.
    Stopped,
}

impl ComponentState {
    /// The same snake_case name serde uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Running => "running",
            Self::Degraded => "degraded",
            Self::Down => "down",
            Self::Stopped => "stopped",
        }
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The most recent failure a component reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastError {
    /// What went wrong, as the component described it.
    pub message: String,
    /// When it was reported.
    pub at: DateTime<Utc>,
}

/// One component's health at the moment of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentHealth {
    /// The name it was registered under, unique within its kind.
    pub name: String,
    /// Worker or upstream.
    pub kind: ComponentKind,
    /// Derived as documented on [`ComponentState`].
    pub state: ComponentState,
    /// Whether readiness depends on it.
    pub required: bool,
    /// When the latest run began ([`ComponentHandle::started`]); for a component that reports
    /// outcomes without starting runs (an upstream call), when the latest outcome arrived.
    pub last_run: Option<DateTime<Utc>>,
    /// When the latest success was reported.
    pub last_success: Option<DateTime<Utc>>,
    /// The latest failure; kept after a success, for the record.
    pub last_error: Option<LastError>,
    /// Failures reported since the last success.
    pub consecutive_failures: u32,
    /// The circuit breaker's state, for upstreams.
    pub breaker: Option<BreakerState>,
}

/// Whether the process should take traffic, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthVerdict {
    /// False when any required component is down or stopped, or a required upstream's breaker is
    /// open.
    pub ready: bool,
    /// One sentence per required component that makes the process unready; empty when ready.
    pub problems: Vec<String>,
}

/// The wall clock the registry stamps reports with. A trait object because the choice (the real
/// clock, or a test's) is made at run time, and a type parameter would spread to every holder of
/// the registry.
type Clock = Arc<dyn soulspot_domain::Clock>;

/// A clock read from a function (tests that move time by hand).
struct FunctionClock<F>(F);

impl<F: Fn() -> DateTime<Utc> + Send + Sync + 'static> soulspot_domain::Clock for FunctionClock<F> {
    fn now(&self) -> chrono::NaiveDateTime {
        (self.0)().naive_utc()
    }
}

/// Every registered component, keyed by kind, then name: the order
/// [`HealthRegistry::snapshot`] reports in.
type Components = BTreeMap<(ComponentKind, String), Arc<Component>>;

/// The process-wide health registry. Clones share the same records.
#[derive(Clone)]
pub struct HealthRegistry {
    components: Arc<Mutex<Components>>,
    clock: Clock,
    down_after_failures: u32,
}

impl fmt::Debug for HealthRegistry {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HealthRegistry")
            .field("down_after_failures", &self.down_after_failures)
            .finish_non_exhaustive()
    }
}

impl HealthRegistry {
    /// An empty registry that stamps reports with `clock`'s time.
    pub fn new(clock: Arc<dyn soulspot_domain::Clock>) -> Self {
        Self {
            components: Arc::default(),
            clock,
            down_after_failures: DEFAULT_DOWN_AFTER_FAILURES,
        }
    }

    /// Stamps reports with the time `clock` returns. Configure before registering: components
    /// keep the clock they were registered with.
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(FunctionClock(clock));
        self
    }

    /// Sets how many consecutive failed runs make a worker [`ComponentState::Down`] (0 is
    /// treated as 1). Configure before registering: components keep the value they were
    /// registered with.
    pub fn with_down_after_failures(mut self, failures: u32) -> Self {
        self.down_after_failures = failures.max(1);
        self
    }

    /// Registers a worker. Registering a name again returns a handle to the existing record,
    /// unchanged (`required` included), so a restarted loop keeps its history.
    pub fn register_worker(&self, name: impl Into<String>, required: bool) -> ComponentHandle {
        self.register(ComponentKind::Worker, name.into(), required, None)
    }

    /// Registers an upstream with its own circuit breaker, reachable through
    /// [`ComponentHandle::breaker`]. Registering a name again returns a handle to the existing
    /// record and breaker, unchanged (the first settings stay in force).
    pub fn register_upstream(
        &self,
        name: impl Into<String>,
        required: bool,
        breaker: BreakerSettings,
    ) -> ComponentHandle {
        self.register(
            ComponentKind::Upstream,
            name.into(),
            required,
            Some(breaker),
        )
    }

    fn register(
        &self,
        kind: ComponentKind,
        name: String,
        required: bool,
        breaker: Option<BreakerSettings>,
    ) -> ComponentHandle {
        let component = {
            let mut components = lock(&self.components);
            let entry = components.entry((kind, name.clone())).or_insert_with(|| {
                Arc::new(Component {
                    breaker: breaker.map(|settings| CircuitBreaker::new(name.clone(), settings)),
                    name,
                    kind,
                    required,
                    down_after_failures: self.down_after_failures,
                    record: Mutex::default(),
                })
            });
            Arc::clone(entry)
        };
        ComponentHandle {
            component,
            clock: Arc::clone(&self.clock),
        }
    }

    /// Every component's health, workers first, then upstreams, each by name.
    pub fn snapshot(&self) -> Vec<ComponentHealth> {
        // Copy the list out so the map lock is not held while each record is read.
        let components: Vec<Arc<Component>> = lock(&self.components).values().cloned().collect();
        components
            .iter()
            .map(|component| component.health())
            .collect()
    }

    /// Whether the process is ready: not when a required component is down or stopped, or a
    /// required upstream's breaker is open. Components that are not required never block it.
    pub fn verdict(&self) -> HealthVerdict {
        let problems: Vec<String> = self
            .snapshot()
            .iter()
            .filter(|health| health.required)
            .filter_map(problem)
            .collect();
        HealthVerdict {
            ready: problems.is_empty(),
            problems,
        }
    }
}

/// Why a required component makes the process unready, if it does.
fn problem(health: &ComponentHealth) -> Option<String> {
    let ComponentHealth { kind, name, .. } = health;
    if health.breaker == Some(BreakerState::Open) {
        return Some(format!("{kind} {name}: circuit breaker open"));
    }
    match health.state {
        // States only: the verdict is shown on an open route, and an error's text may come from
        // an upstream.
        ComponentState::Down => Some(format!(
            "{kind} {name} is down after {} consecutive failures",
            health.consecutive_failures
        )),
        ComponentState::Stopped => Some(format!("{kind} {name} is stopped")),
        ComponentState::Idle | ComponentState::Running | ComponentState::Degraded => None,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here only assigns plain fields, so a poisoned lock still guards
    // consistent data; refusing to report health because some thread panicked would hide it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug)]
struct Component {
    name: String,
    kind: ComponentKind,
    required: bool,
    down_after_failures: u32,
    breaker: Option<CircuitBreaker>,
    record: Mutex<Record>,
}

/// What the component reported; its state is derived from this when read.
#[derive(Debug, Default, Clone)]
struct Record {
    running: bool,
    stopped: bool,
    last_run: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    last_error: Option<LastError>,
    consecutive_failures: u32,
}

impl Component {
    fn health(&self) -> ComponentHealth {
        // The breaker is read first so that its lock and the record's are never held together.
        let breaker = self.breaker.as_ref().map(CircuitBreaker::state);
        let record = lock(&self.record).clone();
        ComponentHealth {
            name: self.name.clone(),
            kind: self.kind,
            state: self.derive_state(&record, breaker),
            required: self.required,
            last_run: record.last_run,
            last_success: record.last_success,
            last_error: record.last_error,
            consecutive_failures: record.consecutive_failures,
            breaker,
        }
    }

    /// The rules documented on [`ComponentState`].
    fn derive_state(&self, record: &Record, breaker: Option<BreakerState>) -> ComponentState {
        let down = match breaker {
            Some(breaker) => breaker == BreakerState::Open,
            None => record.consecutive_failures >= self.down_after_failures,
        };
        if record.stopped {
            ComponentState::Stopped
        } else if down {
            ComponentState::Down
        } else if record.consecutive_failures > 0 || breaker == Some(BreakerState::HalfOpen) {
            ComponentState::Degraded
        } else if record.running {
            ComponentState::Running
        } else {
            ComponentState::Idle
        }
    }
}

/// A component's way to report into the registry. Cheap to clone.
#[derive(Clone)]
pub struct ComponentHandle {
    component: Arc<Component>,
    clock: Clock,
}

impl fmt::Debug for ComponentHandle {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ComponentHandle")
            .field("kind", &self.component.kind)
            .field("name", &self.component.name)
            .finish_non_exhaustive()
    }
}

impl ComponentHandle {
    /// The name the component was registered under.
    pub fn name(&self) -> &str {
        &self.component.name
    }

    /// Worker or upstream.
    pub fn kind(&self) -> ComponentKind {
        self.component.kind
    }

    /// The upstream's circuit breaker; `None` for a worker.
    pub fn breaker(&self) -> Option<&CircuitBreaker> {
        self.component.breaker.as_ref()
    }

    /// This component's current health.
    pub fn health(&self) -> ComponentHealth {
        self.component.health()
    }

    /// A run began: sets `last_run`, clears `stopped`.
    pub fn started(&self) {
        self.report(|record, now| {
            record.running = true;
            record.stopped = false;
            record.last_run = Some(now);
        });
    }

    /// The run (or call) succeeded: sets `last_success`, resets `consecutive_failures`.
    pub fn succeeded(&self) {
        self.report(|record, now| {
            record.finish_run(now);
            record.last_success = Some(now);
            record.consecutive_failures = 0;
        });
    }

    /// The run (or call) failed: records the message and counts the failure.
    pub fn failed(&self, message: impl Into<String>) {
        let message = message.into();
        self.report(|record, now| {
            record.finish_run(now);
            record.last_error = Some(LastError { message, at: now });
            record.consecutive_failures = record.consecutive_failures.saturating_add(1);
        });
    }

    /// The component shut down on purpose; it stays stopped until it starts or reports again.
    pub fn stopped(&self) {
        self.report(|record, _| {
            record.running = false;
            record.stopped = true;
        });
    }

    /// Applies one report and logs when it moves the component into or out of trouble (not the
    /// idle/running churn of every healthy run).
    fn report(&self, apply: impl FnOnce(&mut Record, DateTime<Utc>)) {
        let now = self.clock.now_utc();
        let component = &self.component;
        let breaker = component.breaker.as_ref().map(CircuitBreaker::state);
        let (before, after, record) = {
            let mut record = lock(&component.record);
            let before = component.derive_state(&record, breaker);
            apply(&mut record, now);
            let after = component.derive_state(&record, breaker);
            (before, after, record.clone())
        };
        let routine = |state| matches!(state, ComponentState::Idle | ComponentState::Running);
        if before == after || (routine(before) && routine(after)) {
            return;
        }
        let error = record
            .last_error
            .as_ref()
            .map_or("", |error| error.message.as_str());
        if after == ComponentState::Down {
            tracing::warn!(
                component = %component.name,
                kind = %component.kind,
                consecutive_failures = record.consecutive_failures,
                error,
                "component is down"
            );
        } else {
            tracing::info!(
                component = %component.name,
                kind = %component.kind,
                from = %before,
                to = %after,
                "component health changed"
            );
        }
    }
}

impl Record {
    /// Ends the run in progress; an outcome without a started run (an upstream call) counts as
    /// a run of its own for `last_run`.
    fn finish_run(&mut self, now: DateTime<Utc>) {
        if !self.running {
            self.last_run = Some(now);
        }
        self.running = false;
        self.stopped = false;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    /// A registry whose clock reads the returned counter (seconds since the epoch).
    fn registry() -> (HealthRegistry, Arc<AtomicI64>) {
        let seconds = Arc::new(AtomicI64::new(1_000));
        let clock_seconds = Arc::clone(&seconds);
        let registry = HealthRegistry::new(Arc::new(soulspot_domain::FixedClock::new(
            at(0).naive_utc(),
        )))
        .with_clock(move || at(clock_seconds.load(Ordering::SeqCst)));
        (registry, seconds)
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("in range")
    }

    fn breaker_settings() -> BreakerSettings {
        BreakerSettings {
            failure_threshold: 2,
            cool_down: Duration::from_secs(60),
            half_open_probes: 1,
        }
    }

    #[test]
    fn a_new_worker_is_idle_with_no_history() {
        let (registry, _) = registry();
        let worker = registry.register_worker("scheduler", true);
        let health = worker.health();
        assert_eq!(health.state, ComponentState::Idle);
        assert_eq!(health.kind, ComponentKind::Worker);
        assert!(health.required);
        assert_eq!(
            (health.last_run, health.last_success, health.last_error),
            (None, None, None)
        );
        assert_eq!(health.breaker, None);
        assert!(worker.breaker().is_none());
    }

    #[test]
    fn a_run_is_running_until_its_success_returns_it_to_idle() {
        let (registry, clock) = registry();
        let worker = registry.register_worker("job-runner", true);
        worker.started();
        assert_eq!(worker.health().state, ComponentState::Running);
        clock.store(1_005, Ordering::SeqCst);
        worker.succeeded();
        let health = worker.health();
        assert_eq!(health.state, ComponentState::Idle);
        assert_eq!(health.last_run, Some(at(1_000)));
        assert_eq!(health.last_success, Some(at(1_005)));
    }

    #[test]
    fn failures_degrade_a_worker_then_take_it_down_and_a_success_recovers_it() {
        let (registry, clock) = registry();
        let worker = registry.register_worker("download-sync", true);
        worker.started();
        clock.store(1_001, Ordering::SeqCst);
        worker.failed("slskd unreachable");
        let health = worker.health();
        assert_eq!(health.state, ComponentState::Degraded);
        assert_eq!(health.consecutive_failures, 1);
        assert_eq!(
            health.last_error,
            Some(LastError {
                message: "slskd unreachable".into(),
                at: at(1_001)
            })
        );
        // A degraded worker that is running again still reports degraded.
        worker.started();
        assert_eq!(worker.health().state, ComponentState::Degraded);
        worker.failed("again");
        assert_eq!(worker.health().state, ComponentState::Degraded);
        worker.failed("and again");
        assert_eq!(worker.health().state, ComponentState::Down);
        assert_eq!(worker.health().consecutive_failures, 3);

        clock.store(1_010, Ordering::SeqCst);
        worker.succeeded();
        let health = worker.health();
        assert_eq!(health.state, ComponentState::Idle);
        assert_eq!(health.consecutive_failures, 0);
        assert_eq!(
            health.last_error.map(|error| error.message),
            Some("and again".into())
        );
    }

    #[test]
    fn the_down_threshold_is_configurable() {
        let registry = registry().0.with_down_after_failures(1);
        let worker = registry.register_worker("scheduler", false);
        worker.failed("tick failed");
        assert_eq!(worker.health().state, ComponentState::Down);
    }

    #[test]
    fn a_stopped_worker_stays_stopped_until_it_starts_again() {
        let (registry, _) = registry();
        let worker = registry.register_worker("job-runner", true);
        worker.started();
        worker.stopped();
        assert_eq!(worker.health().state, ComponentState::Stopped);
        worker.started();
        assert_eq!(worker.health().state, ComponentState::Running);
    }

    #[test]
    fn an_outcome_without_a_started_run_sets_last_run() {
        let (registry, _) = registry();
        let upstream = registry.register_upstream("lrclib", false, breaker_settings());
        upstream.failed("timeout");
        let health = upstream.health();
        assert_eq!(health.last_run, Some(at(1_000)));
        // Below the breaker's threshold an upstream is degraded, not down.
        assert_eq!(health.state, ComponentState::Degraded);
    }

    #[tokio::test(start_paused = true)]
    async fn an_upstream_reports_its_breaker_state() {
        let (registry, _) = registry();
        let upstream = registry.register_upstream("slskd", true, breaker_settings());
        let breaker = upstream.breaker().expect("upstreams have a breaker");
        assert_eq!(upstream.health().breaker, Some(BreakerState::Closed));

        for _ in 0..2 {
            breaker.try_acquire().expect("closed").failed();
        }
        let health = upstream.health();
        assert_eq!(health.breaker, Some(BreakerState::Open));
        assert_eq!(health.state, ComponentState::Down);

        tokio::time::advance(Duration::from_secs(60)).await;
        let snapshot = registry.snapshot();
        assert_eq!(snapshot[0].breaker, Some(BreakerState::HalfOpen));
        assert_eq!(snapshot[0].state, ComponentState::Degraded);

        breaker.try_acquire().expect("probe").succeeded();
        upstream.succeeded();
        let health = upstream.health();
        assert_eq!(health.breaker, Some(BreakerState::Closed));
        assert_eq!(health.state, ComponentState::Idle);
    }

    #[tokio::test(start_paused = true)]
    async fn verdict_is_unready_only_for_required_components_in_trouble() {
        let (registry, _) = registry();
        let runner = registry.register_worker("job-runner", true);
        let optional = registry.register_worker("artwork-sync", false);
        let slskd = registry.register_upstream("slskd", true, breaker_settings());
        let lrclib = registry.register_upstream("lrclib", false, breaker_settings());
        assert_eq!(
            registry.verdict(),
            HealthVerdict {
                ready: true,
                problems: vec![]
            }
        );

        // Optional components in trouble, and a degraded required one, do not block readiness.
        optional.stopped();
        for _ in 0..2 {
            lrclib
                .breaker()
                .expect("breaker")
                .try_acquire()
                .expect("closed")
                .failed();
        }
        runner.failed("database busy");
        assert!(registry.verdict().ready);

        runner.failed("database busy");
        runner.failed("database locked");
        let slskd_breaker = slskd.breaker().expect("breaker");
        for _ in 0..2 {
            slskd_breaker.try_acquire().expect("closed").failed();
        }
        let verdict = registry.verdict();
        assert!(!verdict.ready);
        assert_eq!(
            verdict.problems,
            vec![
                "worker job-runner is down after 3 consecutive failures".to_owned(),
                "upstream slskd: circuit breaker open".to_owned(),
            ]
        );

        runner.stopped();
        assert_eq!(
            registry.verdict().problems[0],
            "worker job-runner is stopped"
        );
    }

    #[test]
    fn snapshot_is_sorted_by_kind_then_name_and_serialises_in_snake_case() {
        let (registry, _) = registry();
        registry.register_upstream("spotify", false, breaker_settings());
        registry.register_worker("scheduler", true);
        registry.register_upstream("musicbrainz", false, breaker_settings());
        let runner = registry.register_worker("job-runner", true);
        runner.started();

        let snapshot = registry.snapshot();
        let order: Vec<(ComponentKind, &str)> = snapshot
            .iter()
            .map(|health| (health.kind, health.name.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (ComponentKind::Worker, "job-runner"),
                (ComponentKind::Worker, "scheduler"),
                (ComponentKind::Upstream, "musicbrainz"),
                (ComponentKind::Upstream, "spotify"),
            ]
        );
        let json = serde_json::to_value(&snapshot).expect("serialises");
        assert_eq!(json[0]["kind"], "worker");
        assert_eq!(json[0]["state"], "running");
        assert_eq!(json[0]["last_run"], "1970-01-01T00:16:40Z");
        assert_eq!(json[0]["breaker"], serde_json::Value::Null);
        assert_eq!(json[2]["breaker"], "closed");
    }

    #[test]
    fn registering_a_name_again_shares_the_record() {
        let (registry, _) = registry();
        let first = registry.register_worker("scheduler", true);
        first.failed("boom");
        let second = registry.register_worker("scheduler", false);
        assert!(second.health().required);
        assert_eq!(second.health().consecutive_failures, 1);
        // The same name under another kind is another component.
        registry.register_upstream("scheduler", false, breaker_settings());
        assert_eq!(registry.snapshot().len(), 2);
    }

    #[test]
    fn clones_share_the_records() {
        let (registry, _) = registry();
        let clone = registry.clone();
        clone.register_worker("scheduler", true).stopped();
        assert_eq!(registry.snapshot()[0].state, ComponentState::Stopped);
    }
}
