//! A circuit breaker for calls to an upstream service (slskd, Spotify, MusicBrainz, …).
//!
//! Why: when an upstream is down, every call would otherwise wait for its timeout and then be
//! retried, tying up workers and hammering a service that is trying to recover. After
//! `failure_threshold` consecutive failures the breaker *opens* and calls fail fast; after the
//! cool-down it lets a few *probe* calls through (*half-open*), and their outcome decides whether
//! the upstream is back (*closed*) or not (*open* again, for another cool-down).
//!
//! Time is `tokio::time::Instant`, so tests drive the cool-down with paused time. The state sits
//! behind a `std` mutex that is held only for a few comparisons and never across an `.await`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// When a breaker opens and how it recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open the breaker (0 is treated as 1).
    pub failure_threshold: u32,
    /// How long the breaker stays open before it lets probes through.
    pub cool_down: Duration,
    /// How many probe calls may be in flight at once while half-open (0 is treated as 1, since a
    /// breaker that admits no probe could never close again).
    pub half_open_probes: u32,
}

impl Default for BreakerSettings {
    /// Five consecutive failures, a 30 s cool-down, one probe.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
            half_open_probes: 1,
        }
    }
}

/// The state a breaker reports, e.g. in `/health/workers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls pass; consecutive failures are counted.
    Closed,
    /// Calls fail fast until the cool-down has elapsed.
    Open,
    /// The cool-down has elapsed; a limited number of probe calls decide what comes next.
    HalfOpen,
}

impl BreakerState {
    /// The same snake_case name serde uses, for log fields and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

/// A call refused by the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker open; retry in {} ms", retry_in.as_millis())]
pub struct BreakerOpen {
    /// When open: the rest of the cool-down. When half-open with every probe slot taken: the full
    /// cool-down, which is how long the caller would wait if the probe in flight failed now.
    pub retry_in: Duration,
}

/// A circuit breaker. Cloning is cheap and every clone shares the same state.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// The upstream's name, for logs.
    name: String,
    settings: BreakerSettings,
    machine: Mutex<Machine>,
}

#[derive(Debug)]
struct Machine {
    phase: Phase,
    /// Bumped on every transition. A permit remembers the epoch it was issued in, and its outcome
    /// counts only if nothing changed since: a call that started before the breaker opened proves
    /// nothing about the upstream now, and must not close a half-open breaker it was no probe of.
    epoch: u64,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Closed { consecutive_failures: u32 },
    Open { until: Instant },
    HalfOpen { probes_in_flight: u32 },
}

/// How a call ended, as reported by its permit.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Succeeded,
    Failed,
    /// Dropped without a verdict (cancelled, or the caller could not tell).
    Abandoned,
}

impl CircuitBreaker {
    /// A closed breaker for the upstream called `name` (used in logs only).
    pub fn new(name: impl Into<String>, settings: BreakerSettings) -> Self {
        let settings = BreakerSettings {
            failure_threshold: settings.failure_threshold.max(1),
            half_open_probes: settings.half_open_probes.max(1),
            ..settings
        };
        Self {
            shared: Arc::new(Shared {
                name: name.into(),
                settings,
                machine: Mutex::new(Machine {
                    phase: Phase::Closed {
                        consecutive_failures: 0,
                    },
                    epoch: 0,
                }),
            }),
        }
    }

    /// The upstream's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The settings in force (zero thresholds already raised to 1).
    pub fn settings(&self) -> BreakerSettings {
        self.shared.settings
    }

    /// The current state; an open breaker whose cool-down has elapsed reports (and becomes)
    /// half-open.
    pub fn state(&self) -> BreakerState {
        let mut machine = self.shared.lock();
        self.shared.refresh(&mut machine, Instant::now());
        match machine.phase {
            Phase::Closed { .. } => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to make a call. Closed: always granted. Open: refused with the rest of the cool-down.
    /// Half-open: granted while fewer than `half_open_probes` probes are in flight.
    ///
    /// Report the call's outcome with [`BreakerPermit::succeeded`] or [`BreakerPermit::failed`].
    pub fn try_acquire(&self) -> Result<BreakerPermit, BreakerOpen> {
        let now = Instant::now();
        let mut machine = self.shared.lock();
        self.shared.refresh(&mut machine, now);
        let epoch = machine.epoch;
        match &mut machine.phase {
            Phase::Closed { .. } => {}
            Phase::Open { until } => {
                return Err(BreakerOpen {
                    retry_in: until.saturating_duration_since(now),
                });
            }
            Phase::HalfOpen { probes_in_flight } => {
                if *probes_in_flight >= self.shared.settings.half_open_probes {
                    return Err(BreakerOpen {
                        retry_in: self.shared.settings.cool_down,
                    });
                }
                *probes_in_flight += 1;
            }
        }
        Ok(BreakerPermit {
            shared: Arc::clone(&self.shared),
            epoch,
            settled: false,
        })
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Machine> {
        // Every critical section leaves the machine consistent before anything can panic, so a
        // poisoned lock still guards valid state.
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves an open breaker whose cool-down has elapsed to half-open.
    fn refresh(&self, machine: &mut Machine, now: Instant) {
        if let Phase::Open { until } = machine.phase
            && now >= until
        {
            machine.enter(Phase::HalfOpen {
                probes_in_flight: 0,
            });
            tracing::info!(upstream = %self.name, "circuit breaker half-open: probing");
        }
    }

    fn settle(&self, epoch: u64, outcome: Outcome) {
        let now = Instant::now();
        let mut machine = self.lock();
        if machine.epoch != epoch {
            return;
        }
        let cool_down = self.settings.cool_down;
        match (&mut machine.phase, outcome) {
            (
                Phase::Closed {
                    consecutive_failures,
                },
                Outcome::Succeeded,
            ) => {
                *consecutive_failures = 0;
            }
            (
                Phase::Closed {
                    consecutive_failures,
                },
                Outcome::Failed,
            ) => {
                *consecutive_failures = consecutive_failures.saturating_add(1);
                let failures = *consecutive_failures;
                if failures >= self.settings.failure_threshold {
                    machine.enter(Phase::Open {
                        until: now + cool_down,
                    });
                    tracing::warn!(
                        upstream = %self.name,
                        consecutive_failures = failures,
                        cool_down_ms = cool_down.as_millis(),
                        "circuit breaker opened"
                    );
                }
            }
            (Phase::HalfOpen { .. }, Outcome::Succeeded) => {
                machine.enter(Phase::Closed {
                    consecutive_failures: 0,
                });
                tracing::info!(upstream = %self.name, "circuit breaker closed: probe succeeded");
            }
            (Phase::HalfOpen { .. }, Outcome::Failed) => {
                machine.enter(Phase::Open {
                    until: now + cool_down,
                });
                tracing::warn!(
                    upstream = %self.name,
                    cool_down_ms = cool_down.as_millis(),
                    "circuit breaker re-opened: probe failed"
                );
            }
            (Phase::HalfOpen { probes_in_flight }, Outcome::Abandoned) => {
                *probes_in_flight = probes_in_flight.saturating_sub(1);
            }
            // No permit is issued while open, and an abandoned call in closed state says nothing.
            (Phase::Closed { .. }, Outcome::Abandoned) | (Phase::Open { .. }, _) => {}
        }
    }
}

impl Machine {
    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.epoch = self.epoch.wrapping_add(1);
    }
}

/// Permission for one call. Consume it with [`succeeded`](Self::succeeded) or
/// [`failed`](Self::failed); dropping it unreported counts as neither, but frees its half-open
/// probe slot for another caller.
#[must_use = "report the call's outcome with succeeded() or failed()"]
#[derive(Debug)]
pub struct BreakerPermit {
    shared: Arc<Shared>,
    epoch: u64,
    settled: bool,
}

impl BreakerPermit {
    /// The call succeeded: resets the failure count, or closes a half-open breaker.
    pub fn succeeded(mut self) {
        self.settle(Outcome::Succeeded);
    }

    /// The call failed: counts towards opening, or re-opens a half-open breaker.
    pub fn failed(mut self) {
        self.settle(Outcome::Failed);
    }

    fn settle(&mut self, outcome: Outcome) {
        self.settled = true;
        self.shared.settle(self.epoch, outcome);
    }
}

impl Drop for BreakerPermit {
    fn drop(&mut self) {
        if !self.settled {
            self.settle(Outcome::Abandoned);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::sync::Barrier;

    fn settings(failure_threshold: u32, half_open_probes: u32) -> BreakerSettings {
        BreakerSettings {
            failure_threshold,
            cool_down: Duration::from_secs(30),
            half_open_probes,
        }
    }

    fn fail(breaker: &CircuitBreaker, times: u32) {
        for _ in 0..times {
            breaker
                .try_acquire()
                .expect("closed breaker grants")
                .failed();
        }
    }

    /// Opens the breaker, then waits out the cool-down so it is half-open.
    async fn half_open(breaker: &CircuitBreaker) {
        fail(breaker, breaker.settings().failure_threshold);
        tokio::time::advance(breaker.settings().cool_down).await;
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
    }

    #[tokio::test(start_paused = true)]
    async fn threshold_consecutive_failures_open_it() {
        let breaker = CircuitBreaker::new("slskd", settings(3, 1));
        fail(&breaker, 2);
        assert_eq!(breaker.state(), BreakerState::Closed);
        fail(&breaker, 1);
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn success_while_closed_resets_the_failure_count() {
        let breaker = CircuitBreaker::new("slskd", settings(3, 1));
        fail(&breaker, 2);
        breaker.try_acquire().expect("closed").succeeded();
        fail(&breaker, 2);
        assert_eq!(breaker.state(), BreakerState::Closed);
        // An abandoned call neither resets nor counts.
        drop(breaker.try_acquire().expect("closed"));
        fail(&breaker, 1);
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn open_breaker_fails_fast_with_the_rest_of_the_cool_down() {
        let breaker = CircuitBreaker::new("musicbrainz", settings(1, 1));
        fail(&breaker, 1);
        let refused = breaker.try_acquire().expect_err("open");
        assert_eq!(refused.retry_in, Duration::from_secs(30));
        tokio::time::advance(Duration::from_secs(12)).await;
        let refused = breaker.try_acquire().expect_err("still open");
        assert_eq!(refused.retry_in, Duration::from_secs(18));
        tokio::time::advance(Duration::from_millis(17_999)).await;
        let refused = breaker
            .try_acquire()
            .expect_err("open until the last instant");
        assert_eq!(refused.retry_in, Duration::from_millis(1));
    }

    #[tokio::test(start_paused = true)]
    async fn after_the_cool_down_one_probe_passes_and_others_are_refused() {
        let breaker = CircuitBreaker::new("spotify", settings(2, 1));
        half_open(&breaker).await;
        let probe = breaker.try_acquire().expect("first probe");
        let refused = breaker.try_acquire().expect_err("probe slot taken");
        assert_eq!(refused.retry_in, Duration::from_secs(30));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        drop(probe);
        // The abandoned probe freed its slot without deciding anything.
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        let _second_probe = breaker.try_acquire().expect("slot freed");
    }

    #[tokio::test(start_paused = true)]
    async fn probe_success_closes_it_and_resets_failures() {
        let breaker = CircuitBreaker::new("spotify", settings(2, 1));
        half_open(&breaker).await;
        breaker.try_acquire().expect("probe").succeeded();
        assert_eq!(breaker.state(), BreakerState::Closed);
        fail(&breaker, 1);
        assert_eq!(breaker.state(), BreakerState::Closed);
        let _a = breaker.try_acquire().expect("closed");
        let _b = breaker.try_acquire().expect("closed admits any number");
    }

    #[tokio::test(start_paused = true)]
    async fn probe_failure_reopens_it_for_a_new_cool_down() {
        let breaker = CircuitBreaker::new("lrclib", settings(2, 1));
        half_open(&breaker).await;
        tokio::time::advance(Duration::from_secs(5)).await;
        breaker.try_acquire().expect("probe").failed();
        assert_eq!(breaker.state(), BreakerState::Open);
        let refused = breaker.try_acquire().expect_err("re-opened");
        assert_eq!(refused.retry_in, Duration::from_secs(30));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
    }

    #[tokio::test(start_paused = true)]
    async fn calls_from_before_a_transition_do_not_decide_it() {
        let breaker = CircuitBreaker::new("slskd", settings(1, 1));
        let slow_call = breaker.try_acquire().expect("closed");
        fail(&breaker, 1);
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        // It began before the outage was noticed, so it is no probe.
        slow_call.succeeded();
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_admits_exactly_the_configured_probes_across_threads() {
        let breaker = CircuitBreaker::new("slskd", settings(4, 3));
        half_open(&breaker).await;
        let threads = 32;
        let barrier = Barrier::new(threads);
        let granted: Vec<BreakerPermit> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        barrier.wait();
                        breaker.try_acquire().ok()
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|handle| handle.join().expect("thread panicked"))
                .collect()
        });
        assert_eq!(granted.len(), 3);
        for permit in granted {
            permit.succeeded();
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_failures_open_it_and_later_outcomes_are_ignored() {
        let breaker = CircuitBreaker::new("musicbrainz", settings(5, 1));
        let permits: Vec<BreakerPermit> = (0..20)
            .map(|_| breaker.try_acquire().expect("closed"))
            .collect();
        std::thread::scope(|scope| {
            for (index, permit) in permits.into_iter().enumerate() {
                scope.spawn(move || {
                    if index % 10 == 0 {
                        permit.succeeded();
                    } else {
                        permit.failed();
                    }
                });
            }
        });
        // However the threads interleave, 2 successes split 18 failures into at most 3 runs, so
        // one run is at least 6 long and reached the threshold.
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn zero_settings_are_raised_to_one() {
        let breaker = CircuitBreaker::new("x", settings(0, 0));
        assert_eq!(breaker.settings().failure_threshold, 1);
        assert_eq!(breaker.settings().half_open_probes, 1);
    }

    #[test]
    fn state_serialises_in_snake_case() {
        let json = serde_json::to_string(&[
            BreakerState::Closed,
            BreakerState::Open,
            BreakerState::HalfOpen,
        ])
        .expect("serialises");
        assert_eq!(json, r#"["closed","open","half_open"]"#);
        assert_eq!(BreakerState::HalfOpen.as_str(), "half_open");
    }
}
