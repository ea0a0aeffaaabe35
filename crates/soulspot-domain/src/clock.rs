//! The one way to ask what time it is.
//!
//! Every decision that depends on "now" (a job's `run_at`, a lease's expiry, a scan's timestamps,
//! a token's expiry, a cooldown) takes it from a [`Clock`], so tests can fix or pause time and
//! several processes sharing one database agree on it. The system clock lives in the
//! infrastructure crate (`soulspot_infrastructure::clock`); `cargo xtask check-layers` refuses a
//! direct read of the wall clock anywhere else in the product.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Wall-clock time as storage keeps it: UTC, without an offset.
pub trait Clock: Send + Sync + 'static {
    /// The current time, UTC.
    fn now(&self) -> NaiveDateTime;

    /// The current time with its UTC offset (for wire formats and `Retry-After` dates).
    fn now_utc(&self) -> DateTime<Utc> {
        self.now().and_utc()
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> NaiveDateTime {
        (**self).now()
    }
}

/// A clock that always says the same time, or the time it was last set to: for tests of
/// decisions, and for replaying a stored moment.
#[derive(Debug)]
pub struct FixedClock {
    at: std::sync::Mutex<NaiveDateTime>,
}

impl FixedClock {
    pub fn new(at: NaiveDateTime) -> Self {
        Self {
            at: std::sync::Mutex::new(at),
        }
    }

    /// Moves the clock to `at` (forwards or backwards).
    pub fn set(&self, at: NaiveDateTime) {
        *self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }

    /// Moves the clock forwards by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut at = self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *at = at.checked_add_signed(by).unwrap_or(NaiveDateTime::MAX);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        *self
            .at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap();
        let clock = FixedClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::seconds(90));
        assert_eq!(clock.now().to_string(), "2026-12-05 02:01:30");
        assert_eq!(clock.now_utc().to_rfc3339(), "2026-12-05T02:01:30+00:00");
        clock.set(start);
        assert_eq!(clock.now(), start);
    }
}
