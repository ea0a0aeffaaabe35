//! The adapters of the domain's `Clock` port: the only place in the product that reads the wall
//! clock (`cargo xtask check-layers` refuses a read anywhere else).

use chrono::NaiveDateTime;
use soulspot_domain::Clock;

/// The system's wall clock, UTC: what several processes sharing one database agree on.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
}

/// Wall-clock time that advances with tokio's clock, so `tokio::time::pause` and `advance` move
/// it too: for tests of retry delays, lease expiry and rate limits on paused time. It starts at
/// the system time of its creation.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    wall_at_start: NaiveDateTime,
    instant_at_start: tokio::time::Instant,
}

impl TokioClock {
    pub fn new() -> Self {
        Self::starting_at(SystemClock.now())
    }

    /// A clock that reads `start` now and moves with tokio's clock from here.
    pub fn starting_at(start: NaiveDateTime) -> Self {
        Self {
            wall_at_start: start,
            instant_at_start: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> NaiveDateTime {
        let elapsed = tokio::time::Instant::now() - self.instant_at_start;
        chrono::Duration::from_std(elapsed)
            .ok()
            .and_then(|elapsed| self.wall_at_start.checked_add_signed(elapsed))
            .unwrap_or(NaiveDateTime::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_tokio_clock_moves_with_paused_time() {
        let clock = TokioClock::new();
        let before = clock.now();
        tokio::time::advance(std::time::Duration::from_secs(3600)).await;
        assert_eq!(clock.now() - before, chrono::Duration::seconds(3600));
    }
}
