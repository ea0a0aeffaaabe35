//! The length of a track, used to tell two recordings apart when names alone are ambiguous.
//!
//! Spotify reports durations in milliseconds, tags and Soulseek peers in (fractional) seconds, and
//! matching compares them within a tolerance (±3 s by default), so [`TrackDuration`] keeps
//! milliseconds and offers [`TrackDuration::is_within`] for that comparison.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

const MILLIS_PER_SECOND: u32 = 1_000;
const MILLIS_PER_MINUTE: u32 = 60 * MILLIS_PER_SECOND;
const MILLIS_PER_HOUR: u32 = 60 * MILLIS_PER_MINUTE;

/// The length of a track, from zero up to and including 24 hours, with millisecond precision.
///
/// Anything longer than a day is a corrupt tag or a misread header, not music, so it is rejected.
///
/// Serde writes the number of milliseconds rather than the `m:ss` display form, because the
/// display form drops the sub-second part and a stored value must survive a round trip.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct TrackDuration(u32);

/// Why a value is not a track duration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DurationError {
    #[error("a track duration cannot be negative ({millis} ms)")]
    Negative { millis: i64 },
    #[error("a track duration cannot be longer than 24 hours ({millis} ms)")]
    LongerThanADay { millis: i64 },
    #[error("a track duration must be a finite number of seconds, not {seconds}")]
    NotFinite { seconds: f64 },
    #[error("{input:?} is not a duration written as m:ss or h:mm:ss")]
    InvalidFormat { input: String },
}

impl TrackDuration {
    /// No time at all.
    pub const ZERO: Self = Self(0);

    /// The longest duration accepted: 24 hours.
    pub const MAX: Self = Self(24 * MILLIS_PER_HOUR);

    /// A duration of `millis` milliseconds; rejects negative values and values over 24 hours.
    pub fn from_millis(millis: i64) -> Result<Self, DurationError> {
        if millis < 0 {
            return Err(DurationError::Negative { millis });
        }
        match u32::try_from(millis) {
            Ok(millis) if millis <= Self::MAX.0 => Ok(Self(millis)),
            _ => Err(DurationError::LongerThanADay { millis }),
        }
    }

    /// A duration of `seconds` seconds, rounded to the nearest millisecond.
    pub fn from_secs_f64(seconds: f64) -> Result<Self, DurationError> {
        if !seconds.is_finite() {
            return Err(DurationError::NotFinite { seconds });
        }
        let millis = (seconds * f64::from(MILLIS_PER_SECOND)).round();
        // The checks keep the cast below exact: only values in 0..=MAX reach it. Out-of-range
        // values are reported through a saturating cast, which is fine for an error message.
        if millis < 0.0 {
            return Err(DurationError::Negative {
                millis: millis as i64,
            });
        }
        if millis > f64::from(Self::MAX.0) {
            return Err(DurationError::LongerThanADay {
                millis: millis as i64,
            });
        }
        Ok(Self(millis as u32))
    }

    /// The length in whole milliseconds.
    pub fn as_millis(self) -> u32 {
        self.0
    }

    /// The length in seconds, with the milliseconds as the fraction.
    pub fn as_secs_f64(self) -> f64 {
        f64::from(self.0) / f64::from(MILLIS_PER_SECOND)
    }

    /// The length as a standard library [`Duration`], for timers and arithmetic elsewhere.
    pub fn as_std_duration(self) -> Duration {
        Duration::from_millis(u64::from(self.0))
    }

    /// How far apart two durations are, whichever is longer.
    pub fn abs_diff(self, other: Self) -> Self {
        // Both values are within 0..=MAX, so their difference is too.
        Self(self.0.abs_diff(other.0))
    }

    /// Whether the two durations differ by at most `tolerance` (inclusive).
    pub fn is_within(self, other: Self, tolerance: Self) -> bool {
        self.abs_diff(other) <= tolerance
    }
}

impl fmt::Display for TrackDuration {
    /// Writes `m:ss`, or `h:mm:ss` from one hour on, truncating the milliseconds the way music
    /// players do (2:59.999 shows as 2:59).
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hours = self.0 / MILLIS_PER_HOUR;
        let minutes = self.0 % MILLIS_PER_HOUR / MILLIS_PER_MINUTE;
        let seconds = self.0 % MILLIS_PER_MINUTE / MILLIS_PER_SECOND;
        if hours > 0 {
            write!(formatter, "{hours}:{minutes:02}:{seconds:02}")
        } else {
            write!(formatter, "{minutes}:{seconds:02}")
        }
    }
}

impl FromStr for TrackDuration {
    type Err = DurationError;

    /// Reads what [`Display`](fmt::Display) writes (`m:ss` or `h:mm:ss`), optionally followed by a
    /// fraction of a second such as `3:07.250`. Minutes may exceed 59 in the `m:ss` form
    /// (`75:00`), as some players write long mixes that way.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid_format = || DurationError::InvalidFormat {
            input: input.to_owned(),
        };
        let trimmed = input.trim();
        let (whole, fraction) = match trimmed.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (trimmed, None),
        };

        let fields: Vec<&str> = whole.split(':').collect();
        let (hours, minutes, seconds) = match fields.as_slice() {
            [minutes, seconds] => (None, *minutes, *seconds),
            [hours, minutes, seconds] => (Some(*hours), *minutes, *seconds),
            _ => return Err(invalid_format()),
        };
        // Seconds are always two digits; so are minutes once hours lead.
        if seconds.len() != 2 || (hours.is_some() && minutes.len() != 2) {
            return Err(invalid_format());
        }
        let parse_field = |field: &str| -> Result<i64, DurationError> {
            // `i64::from_str` would accept a sign, which has no place inside a duration; the
            // length cap keeps the arithmetic below far from overflow.
            if field.is_empty()
                || field.len() > 9
                || !field.bytes().all(|byte| byte.is_ascii_digit())
            {
                return Err(invalid_format());
            }
            field.parse::<i64>().map_err(|_| invalid_format())
        };
        let hours = hours.map(parse_field).transpose()?;
        let minutes = parse_field(minutes)?;
        let seconds = parse_field(seconds)?;
        if seconds >= 60 || (hours.is_some() && minutes >= 60) {
            return Err(invalid_format());
        }

        let fraction_millis = match fraction {
            None => 0,
            Some(digits)
                if (1..=3).contains(&digits.len())
                    && digits.bytes().all(|byte| byte.is_ascii_digit()) =>
            {
                // Right-pad to milliseconds: ".5" is 500 ms, ".25" is 250 ms.
                format!("{digits:0<3}")
                    .parse::<i64>()
                    .map_err(|_| invalid_format())?
            }
            Some(_) => return Err(invalid_format()),
        };

        let total_millis = ((hours.unwrap_or(0) * 60 + minutes) * 60 + seconds)
            * i64::from(MILLIS_PER_SECOND)
            + fraction_millis;
        Self::from_millis(total_millis)
    }
}

impl TryFrom<i64> for TrackDuration {
    type Error = DurationError;

    fn try_from(millis: i64) -> Result<Self, Self::Error> {
        Self::from_millis(millis)
    }
}

impl From<TrackDuration> for i64 {
    fn from(duration: TrackDuration) -> Self {
        i64::from(duration.0)
    }
}

impl From<TrackDuration> for Duration {
    fn from(duration: TrackDuration) -> Self {
        duration.as_std_duration()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeserializeError, I64Deserializer};

    fn millis(value: i64) -> TrackDuration {
        TrackDuration::from_millis(value).unwrap()
    }

    #[test]
    fn accepts_zero_to_a_full_day() {
        assert_eq!(millis(0), TrackDuration::ZERO);
        assert_eq!(millis(86_400_000), TrackDuration::MAX);
        assert_eq!(millis(215_000).as_millis(), 215_000);
    }

    #[test]
    fn rejects_negative_and_longer_than_a_day() {
        assert_eq!(
            TrackDuration::from_millis(-1),
            Err(DurationError::Negative { millis: -1 })
        );
        assert_eq!(
            TrackDuration::from_millis(86_400_001),
            Err(DurationError::LongerThanADay { millis: 86_400_001 })
        );
        assert!(matches!(
            TrackDuration::from_millis(i64::MAX),
            Err(DurationError::LongerThanADay { .. })
        ));
    }

    #[test]
    fn converts_from_and_to_seconds() {
        assert_eq!(
            TrackDuration::from_secs_f64(215.4996).unwrap(),
            millis(215_500)
        );
        assert_eq!(
            TrackDuration::from_secs_f64(-0.0001).unwrap(),
            TrackDuration::ZERO
        );
        assert_eq!(millis(1_500).as_secs_f64(), 1.5);
        assert_eq!(
            millis(1_500).as_std_duration(),
            Duration::from_millis(1_500)
        );
        assert!(matches!(
            TrackDuration::from_secs_f64(-1.0),
            Err(DurationError::Negative { millis: -1_000 })
        ));
        assert!(matches!(
            TrackDuration::from_secs_f64(86_400.001),
            Err(DurationError::LongerThanADay { .. })
        ));
        assert!(matches!(
            TrackDuration::from_secs_f64(f64::NAN),
            Err(DurationError::NotFinite { .. })
        ));
        assert!(matches!(
            TrackDuration::from_secs_f64(f64::INFINITY),
            Err(DurationError::NotFinite { .. })
        ));
    }

    #[test]
    fn displays_minutes_and_seconds_then_hours() {
        assert_eq!(millis(0).to_string(), "0:00");
        assert_eq!(millis(5_999).to_string(), "0:05");
        assert_eq!(millis(215_000).to_string(), "3:35");
        assert_eq!(millis(3_599_999).to_string(), "59:59");
        assert_eq!(millis(3_600_000).to_string(), "1:00:00");
        assert_eq!(millis(3_723_000).to_string(), "1:02:03");
        assert_eq!(TrackDuration::MAX.to_string(), "24:00:00");
    }

    #[test]
    fn parses_displayed_forms_and_fractions() {
        assert_eq!("3:35".parse::<TrackDuration>().unwrap(), millis(215_000));
        assert_eq!(
            " 1:02:03 ".parse::<TrackDuration>().unwrap(),
            millis(3_723_000)
        );
        assert_eq!("3:07.25".parse::<TrackDuration>().unwrap(), millis(187_250));
        assert_eq!("0:00.5".parse::<TrackDuration>().unwrap(), millis(500));
        assert_eq!("75:00".parse::<TrackDuration>().unwrap(), millis(4_500_000));
        for invalid in [
            "",
            "3",
            "3:5",
            "3:60",
            "-3:00",
            "+3:00",
            "1:60:00",
            "1:2:03",
            "3:00.",
            "3:00.1234",
            "a:bc",
            "3::00",
            "25:00:00",
            "99999999999:00",
        ] {
            assert!(invalid.parse::<TrackDuration>().is_err(), "{invalid:?}");
        }
    }

    #[test]
    fn compares_within_a_tolerance() {
        let three_seconds = millis(3_000);
        assert!(millis(200_000).is_within(millis(203_000), three_seconds));
        assert!(!millis(200_000).is_within(millis(203_001), three_seconds));
        assert_eq!(millis(200_000).abs_diff(millis(195_500)), millis(4_500));
        assert!(millis(1) < millis(2));
    }

    #[test]
    fn serde_uses_milliseconds() {
        let deserializer: I64Deserializer<DeserializeError> = 215_000_i64.into_deserializer();
        let duration = TrackDuration::deserialize(deserializer).unwrap();
        assert_eq!(i64::from(duration), 215_000);

        let negative: I64Deserializer<DeserializeError> = (-5_i64).into_deserializer();
        assert!(TrackDuration::deserialize(negative).is_err());
    }

    fn any_duration() -> impl Strategy<Value = TrackDuration> {
        (0..=TrackDuration::MAX.as_millis()).prop_map(TrackDuration)
    }

    proptest! {
        #[test]
        fn is_within_and_abs_diff_are_symmetric(
            first in any_duration(),
            second in any_duration(),
            tolerance in any_duration(),
        ) {
            prop_assert_eq!(first.abs_diff(second), second.abs_diff(first));
            prop_assert_eq!(first.is_within(second, tolerance), second.is_within(first, tolerance));
            prop_assert!(first.is_within(first, TrackDuration::ZERO));
            prop_assert!(first.is_within(second, first.abs_diff(second)));
        }

        #[test]
        fn display_agrees_with_the_milliseconds(duration in any_duration()) {
            let displayed = duration.to_string();
            let parsed: TrackDuration = displayed.parse().unwrap();
            // Display truncates to whole seconds, so parsing it back drops exactly the remainder.
            prop_assert_eq!(parsed.as_millis(), duration.as_millis() / 1_000 * 1_000);
            let field_count = displayed.split(':').count();
            prop_assert_eq!(field_count == 3, duration.as_millis() >= 3_600_000);
        }

        #[test]
        fn millis_and_seconds_round_trip(millis in 0_i64..=86_400_000) {
            let duration = TrackDuration::from_millis(millis).unwrap();
            prop_assert_eq!(i64::from(duration.as_millis()), millis);
            let from_seconds = TrackDuration::from_secs_f64(duration.as_secs_f64()).unwrap();
            prop_assert_eq!(from_seconds, duration);
        }

        #[test]
        fn arbitrary_input_never_panics(
            input in any::<String>(),
            millis in any::<i64>(),
            seconds in any::<f64>(),
        ) {
            let _ = input.parse::<TrackDuration>();
            let _ = TrackDuration::from_millis(millis);
            let _ = TrackDuration::from_secs_f64(seconds);
        }
    }
}
