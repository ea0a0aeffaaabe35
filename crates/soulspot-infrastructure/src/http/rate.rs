//! A process-wide rate limit (governor's GCRA) that waits on tokio's clock, so paused-time tests
//! drive it like production drives the wall clock. Shared by every task that calls one upstream:
//! MusicBrainz stays at one request per second however many lookups run at once.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// How fast calls may go: one every `period` on average, with up to `burst` at once after a quiet
/// spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub period: Duration,
    pub burst: NonZeroU32,
}

impl RateLimitSettings {
    /// `per_second` requests per second on average, `burst` at once.
    pub fn per_second(per_second: f64, burst: u32) -> Option<Self> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return None;
        }
        Some(Self {
            period: Duration::from_secs_f64(1.0 / per_second),
            burst: NonZeroU32::new(burst.max(1))?,
        })
    }

    /// Never more than `count` calls in any window of `window` (e.g. Soulseek's 34 searches per
    /// 220 s): one call every `window / (count - 1)` after a first one, no burst.
    pub fn at_most(count: u32, window: Duration) -> Option<Self> {
        let count = count.max(1);
        let period = if count == 1 {
            window
        } else {
            window / (count - 1)
        };
        (!period.is_zero()).then_some(Self {
            period,
            burst: NonZeroU32::MIN,
        })
    }
}

/// Elapsed tokio time since the limiter was made: governor's notion of "now".
#[derive(Debug, Clone)]
struct TokioElapsed {
    origin: tokio::time::Instant,
}

impl Clock for TokioElapsed {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A rate limit shared by every clone's owner (wrap it in an `Arc`).
pub struct RateLimit {
    limiter: RateLimiter<NotKeyed, InMemoryState, TokioElapsed, NoOpMiddleware<Duration>>,
    clock: TokioElapsed,
    settings: RateLimitSettings,
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl RateLimit {
    pub fn new(settings: RateLimitSettings) -> Self {
        let quota = Quota::with_period(settings.period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(settings.burst);
        let clock = TokioElapsed {
            origin: tokio::time::Instant::now(),
        };
        Self {
            limiter: RateLimiter::direct_with_clock(quota, clock.clone()),
            clock,
            settings,
        }
    }

    pub fn settings(&self) -> RateLimitSettings {
        self.settings
    }

    /// Waits until a call may go; returns how long it waited.
    pub async fn until_ready(&self) -> Duration {
        let started = tokio::time::Instant::now();
        loop {
            match self.limiter.check() {
                Ok(()) => return started.elapsed(),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_per_second_across_concurrent_callers() {
        let limit = std::sync::Arc::new(RateLimit::new(
            RateLimitSettings::per_second(1.0, 1).unwrap(),
        ));
        let start = tokio::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let limit = limit.clone();
            tasks.spawn(async move {
                limit.until_ready().await;
                start.elapsed()
            });
        }
        let mut times: Vec<Duration> = tasks.join_all().await;
        times.sort();
        for (index, at) in times.iter().enumerate() {
            let expected = Duration::from_secs(index as u64);
            assert!(
                *at >= expected && *at < expected + Duration::from_millis(50),
                "call {index} at {at:?}"
            );
        }
    }

    #[test]
    fn at_most_keeps_every_window_within_its_count() {
        let settings = RateLimitSettings::at_most(34, Duration::from_secs(220)).unwrap();
        assert_eq!(settings.burst.get(), 1);
        // 34 calls at 0, p, 2p, …, 33p span 220 s (to the nanosecond's rounding): a 220 s window
        // holds at most 34.
        let span = settings.period * 33;
        assert!(
            span <= Duration::from_secs(220)
                && span > Duration::from_secs(220) - Duration::from_micros(1)
        );
        assert!(RateLimitSettings::per_second(0.0, 1).is_none());
    }
}
