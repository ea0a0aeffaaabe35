//! Exponential backoff with "equal jitter", shared by job retries and upstream retries.
//!
//! Why jitter: when an upstream comes back after an outage, every caller that failed at the same
//! moment would otherwise retry at the same moment and knock it over again. Why *equal* jitter
//! (half fixed, half random) rather than "full" jitter (anything from zero): a retry must never
//! fire immediately, and the documented lower bound lets tests and operators reason about the
//! spacing of attempts.

use std::time::Duration;

use rand::Rng;

/// How long to wait before retry number `attempt`.
///
/// Attempts count from 1 (the first retry); 0 is treated as 1. For an attempt `n` the
/// *ceiling* is
///
/// ```text
/// d(n) = min(max, base × factor^(n − 1))
/// ```
///
/// and [`delay`](Self::delay) returns `d(n) − ⌊d(n)/2⌋` (fixed) plus a uniformly random part in
/// `[0, ⌊d(n)/2⌋]`, so every delay lies in `[⌈d(n)/2⌉, d(n)]` (see [`lower_bound`](Self::lower_bound)
/// and [`upper_bound`](Self::upper_bound)). Consequently a delay never exceeds `max`, and it is 0
/// only when `d(n)` is 0 (a zero `base` or `max`).
///
/// A `factor` below 1 (or NaN) is treated as 1 so that the ceiling never shrinks from one attempt
/// to the next: `d(n)` is non-decreasing in `n`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The ceiling of the first retry.
    pub base: Duration,
    /// The ceiling no attempt exceeds, however many came before.
    pub max: Duration,
    /// How much the ceiling grows per attempt (2.0 doubles it).
    pub factor: f64,
}

impl Backoff {
    /// The ceiling `d(attempt)`: the longest delay [`delay`](Self::delay) can return for this
    /// attempt.
    pub fn upper_bound(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1);
        // Below 1 the ceiling would shrink with attempts; NaN compares false and lands here too.
        let factor = if self.factor >= 1.0 { self.factor } else { 1.0 };
        if exponent == 0 || factor == 1.0 {
            // Exact, without a round trip through floating point.
            return self.base.min(self.max);
        }
        let seconds = self.base.as_secs_f64() * factor.powf(f64::from(exponent));
        // Overflow (infinity) or a value past `Duration`'s range simply means "capped". With a
        // factor of at least 1 the ceiling is never below `base`; saying so explicitly keeps
        // rounding in the float round trip from dipping under the first attempt's ceiling.
        Duration::try_from_secs_f64(seconds)
            .unwrap_or(self.max)
            .max(self.base)
            .min(self.max)
    }

    /// The shortest delay [`delay`](Self::delay) can return for this attempt: `⌈d(attempt)/2⌉`.
    pub fn lower_bound(&self, attempt: u32) -> Duration {
        let ceiling = self.upper_bound(attempt);
        ceiling - ceiling / 2
    }

    /// A jittered delay for retry number `attempt`, within
    /// `[lower_bound(attempt), upper_bound(attempt)]`.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.upper_bound(attempt);
        let random_half = ceiling / 2;
        let fixed_half = ceiling - random_half;
        // Sampling a `Duration` range is exact to the nanosecond; the range is never empty.
        fixed_half + rng.random_range(Duration::ZERO..=random_half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn backoff_strategy() -> impl Strategy<Value = Backoff> {
        (
            0u64..=60_000_000_000,
            0u64..=3_600_000_000_000,
            prop_oneof![Just(1.0), Just(2.0), 0.0f64..10.0, Just(f64::NAN)],
        )
            .prop_map(|(base, max, factor)| Backoff {
                base: Duration::from_nanos(base),
                max: Duration::from_nanos(max),
                factor,
            })
    }

    #[test]
    fn ceiling_grows_geometrically_until_capped() {
        let backoff = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
            factor: 2.0,
        };
        let ceilings: Vec<u64> = (0..=6)
            .map(|attempt| backoff.upper_bound(attempt).as_secs())
            .collect();
        assert_eq!(ceilings, [1, 1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.lower_bound(3), Duration::from_secs(2));
        assert_eq!(backoff.upper_bound(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn delay_is_never_zero_for_a_positive_ceiling() {
        let backoff = Backoff {
            base: Duration::from_nanos(1),
            max: Duration::from_secs(1),
            factor: 2.0,
        };
        let mut rng = StdRng::seed_from_u64(7);
        assert_eq!(backoff.delay(1, &mut rng), Duration::from_nanos(1));
        assert!((1..100).all(|attempt| !backoff.delay(attempt, &mut rng).is_zero()));
    }

    proptest! {
        #[test]
        fn every_delay_lies_within_the_documented_bounds(
            backoff in backoff_strategy(),
            attempt in 0u32..200,
            seed: u64,
        ) {
            let mut rng = StdRng::seed_from_u64(seed);
            let delay = backoff.delay(attempt, &mut rng);
            let ceiling = backoff.upper_bound(attempt);
            prop_assert!(delay >= backoff.lower_bound(attempt));
            prop_assert!(delay <= ceiling);
            prop_assert!(delay <= backoff.max);
            prop_assert_eq!(backoff.lower_bound(attempt), ceiling - ceiling / 2);
            prop_assert!(ceiling.is_zero() || !delay.is_zero());
        }

        #[test]
        fn upper_bound_is_non_decreasing_with_attempts(
            backoff in backoff_strategy(),
            attempt in 0u32..1_000,
        ) {
            prop_assert!(backoff.upper_bound(attempt) <= backoff.upper_bound(attempt + 1));
            prop_assert!(backoff.lower_bound(attempt) <= backoff.lower_bound(attempt + 1));
        }
    }
}
