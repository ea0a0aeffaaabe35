//! The runtime's notion of "now" for scheduling decisions stored in the database (run_at, lease
//! expiry). Production uses the wall clock; tests use tokio's clock so paused time drives it.

use chrono::NaiveDateTime;

/// Wall-clock time as storage keeps it (UTC, no offset).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> NaiveDateTime;
}

/// The system's wall clock: what several processes sharing one database agree on.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
}

/// Wall-clock time that advances with tokio's clock, so `tokio::time::pause` and `advance` move
/// it too (tests of retry delays and lease expiry).
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    wall_at_start: NaiveDateTime,
    instant_at_start: tokio::time::Instant,
}

impl TokioClock {
    pub fn new() -> Self {
        Self {
            wall_at_start: chrono::Utc::now().naive_utc(),
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
            .unwrap_or(chrono::NaiveDateTime::MAX)
    }
}
