//! The three flag enums slskd puts on the wire as comma-joined names (`"Completed, Succeeded"`):
//! Soulseek.NET's `SearchStates`, `TransferStates` and `SoulseekClientStates`, with the values
//! UPSTREAMS §5.1 lists. .NET formats a flags value as the names of its set flags in ascending order
//! of value, joined with `", "`, and `"None"` for zero; [`TransferStates::name`] and its siblings do
//! the same, so a test can produce every state string slskd documents, and parse one back.
//!
//! Also the two .NET text formats slskd's JSON uses for time: `DateTime` (ISO 8601 with up to seven
//! fractional digits, trailing zeros trimmed, with or without `Z`) and `TimeSpan` (`[d.]hh:mm:ss[.fffffff]`).

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Defines a flags type: its named flags, `name()` in .NET's format, and `parse()`.
macro_rules! flags_type {
    (
        $(#[$meta:meta])*
        $type_name:ident { $($flag:ident = $value:literal => $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $type_name(pub u32);

        impl $type_name {
            pub const NONE: Self = Self(0);
            $(pub const $flag: Self = Self($value);)+

            /// Every named flag (without `None`) and its name, in ascending order of value.
            pub const FLAGS: &'static [(&'static str, Self)] = &[$(($text, Self::$flag),)+];

            /// Whether every flag of `other` is set.
            pub fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// The .NET name: set flags in ascending order joined with `", "`, or `"None"`.
            pub fn name(self) -> String {
                if self.0 == 0 {
                    return "None".to_owned();
                }
                let names: Vec<&str> = Self::FLAGS
                    .iter()
                    .filter(|(_, flag)| self.contains(*flag))
                    .map(|(name, _)| *name)
                    .collect();
                names.join(", ")
            }

            /// Parses a .NET flags name such as `"Completed, Succeeded"` (names in any order).
            pub fn parse(text: &str) -> Option<Self> {
                let mut value = 0;
                for part in text.split(',').map(str::trim) {
                    if part == "None" {
                        continue;
                    }
                    let (_, flag) = Self::FLAGS.iter().find(|(name, _)| *name == part)?;
                    value |= flag.0;
                }
                Some(Self(value))
            }
        }

        impl std::ops::BitOr for $type_name {
            type Output = Self;

            fn bitor(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }
        }

        impl std::fmt::Display for $type_name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(&self.name())
            }
        }
    };
}

flags_type! {
    /// Soulseek.NET's `SearchStates`.
    SearchStates {
        REQUESTED = 1 => "Requested",
        IN_PROGRESS = 2 => "InProgress",
        COMPLETED = 4 => "Completed",
        CANCELLED = 8 => "Cancelled",
        TIMED_OUT = 16 => "TimedOut",
        RESPONSE_LIMIT_REACHED = 32 => "ResponseLimitReached",
        FILE_LIMIT_REACHED = 64 => "FileLimitReached",
        ERRORED = 128 => "Errored",
        QUEUED = 256 => "Queued",
    }
}

flags_type! {
    /// Soulseek.NET's `TransferStates`.
    TransferStates {
        REQUESTED = 1 => "Requested",
        QUEUED = 2 => "Queued",
        INITIALIZING = 4 => "Initializing",
        IN_PROGRESS = 8 => "InProgress",
        COMPLETED = 16 => "Completed",
        SUCCEEDED = 32 => "Succeeded",
        CANCELLED = 64 => "Cancelled",
        TIMED_OUT = 128 => "TimedOut",
        ERRORED = 256 => "Errored",
        REJECTED = 512 => "Rejected",
        ABORTED = 1024 => "Aborted",
        LOCALLY = 2048 => "Locally",
        REMOTELY = 4096 => "Remotely",
    }
}

flags_type! {
    /// Soulseek.NET's `SoulseekClientStates`: the connection to the Soulseek server.
    ServerStates {
        DISCONNECTED = 1 => "Disconnected",
        CONNECTING = 2 => "Connecting",
        CONNECTED = 4 => "Connected",
        LOGGING_IN = 8 => "LoggingIn",
        LOGGED_IN = 16 => "LoggedIn",
        DISCONNECTING = 32 => "Disconnecting",
    }
}

impl SearchStates {
    /// Whether slskd's `isComplete` is true: any terminal flag is set.
    pub fn is_complete(self) -> bool {
        [
            Self::COMPLETED,
            Self::CANCELLED,
            Self::TIMED_OUT,
            Self::RESPONSE_LIMIT_REACHED,
            Self::FILE_LIMIT_REACHED,
            Self::ERRORED,
        ]
        .iter()
        .any(|flag| self.contains(*flag))
    }
}

impl TransferStates {
    /// `"Queued, Locally"`: accepted by slskd, not yet requested from the peer.
    pub const QUEUED_LOCALLY: Self = Self(2 | 2048);
    /// `"Queued, Remotely"`: waiting in the peer's upload queue.
    pub const QUEUED_REMOTELY: Self = Self(2 | 4096);
    /// `"Completed, Succeeded"`.
    pub const COMPLETED_SUCCEEDED: Self = Self(16 | 32);
    /// `"Completed, Cancelled"`.
    pub const COMPLETED_CANCELLED: Self = Self(16 | 64);
    /// `"Completed, TimedOut"`.
    pub const COMPLETED_TIMED_OUT: Self = Self(16 | 128);
    /// `"Completed, Errored"`.
    pub const COMPLETED_ERRORED: Self = Self(16 | 256);
    /// `"Completed, Rejected"`.
    pub const COMPLETED_REJECTED: Self = Self(16 | 512);
    /// `"Completed, Aborted"`.
    pub const COMPLETED_ABORTED: Self = Self(16 | 1024);

    /// Whether the transfer has ended (successfully or not).
    pub fn is_terminal(self) -> bool {
        self.contains(Self::COMPLETED)
    }
}

impl ServerStates {
    /// `"Connected, LoggedIn"`: what a working slskd reports.
    pub const CONNECTED_LOGGED_IN: Self = Self(4 | 16);

    /// Whether searches and transfers are possible.
    pub fn is_connected_and_logged_in(self) -> bool {
        self.contains(Self::CONNECTED) && self.contains(Self::LOGGED_IN)
    }

    pub(super) fn is_transitioning(self) -> bool {
        self.contains(Self::CONNECTING)
            || self.contains(Self::DISCONNECTING)
            || self.contains(Self::LOGGING_IN)
    }
}

/// How a .NET `DateTime` reads in slskd's JSON. Values slskd keeps as UTC carry `Z`; values
/// SQLite hands back without a kind (a transfer's `requestedAt` and `enqueuedAt`) carry no offset,
/// though they are UTC too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateTimeKind {
    Utc,
    Unspecified,
}

/// `2025-10-24T16:04:52.5322361Z`: seven fractional digits at most (100 ns ticks), trailing zeros
/// trimmed, no fraction at all on a whole second.
pub(super) fn dotnet_date_time(moment: DateTime<Utc>, kind: DateTimeKind) -> String {
    let mut text = moment.format("%Y-%m-%dT%H:%M:%S").to_string();
    let ticks = moment.timestamp_subsec_nanos() / 100;
    if ticks > 0 {
        let fraction = format!("{ticks:07}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    if kind == DateTimeKind::Utc {
        text.push('Z');
    }
    text
}

/// `00:01:12.6401475` (.NET's constant `TimeSpan` format): days only when there are some, the
/// fraction only when it is not zero, then always seven digits.
pub(super) fn dotnet_time_span(span: Duration) -> String {
    let total_seconds = span.as_secs();
    let days = total_seconds / 86_400;
    let hours = (total_seconds / 3_600) % 24;
    let minutes = (total_seconds / 60) % 60;
    let seconds = total_seconds % 60;
    let ticks = span.subsec_nanos() / 100;
    let mut text = String::new();
    if days > 0 {
        text.push_str(&format!("{days}."));
    }
    text.push_str(&format!("{hours:02}:{minutes:02}:{seconds:02}"));
    if ticks > 0 {
        text.push_str(&format!(".{ticks:07}"));
    }
    text
}

/// A JSON number as .NET writes a `double`: whole values without a fraction (`100`, not `100.0`).
pub(super) fn dotnet_double(value: f64) -> serde_json::Value {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9.0e15 {
        serde_json::Value::from(value as i64)
    } else {
        serde_json::Value::from(value)
    }
}

/// A .NET `DateTime`'s ticks (100 ns since 0001-01-01), which slskd appends to a downloaded file's
/// name when the name is taken.
pub(super) fn dotnet_ticks(moment: DateTime<Utc>) -> i64 {
    const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
    UNIX_EPOCH_TICKS
        + moment.timestamp() * 10_000_000
        + i64::from(moment.timestamp_subsec_nanos() / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_format_and_parse_like_dotnet() {
        assert_eq!(
            TransferStates::COMPLETED_SUCCEEDED.name(),
            "Completed, Succeeded"
        );
        assert_eq!(TransferStates::QUEUED_REMOTELY.name(), "Queued, Remotely");
        assert_eq!(TransferStates::NONE.name(), "None");
        assert_eq!(
            (SearchStates::COMPLETED | SearchStates::TIMED_OUT).name(),
            "Completed, TimedOut"
        );
        assert_eq!(
            TransferStates::parse("Succeeded, Completed"),
            Some(TransferStates::COMPLETED_SUCCEEDED)
        );
        assert_eq!(TransferStates::parse("Finished"), None);
        assert_eq!(
            ServerStates::CONNECTED_LOGGED_IN.name(),
            "Connected, LoggedIn"
        );
    }

    #[test]
    fn times_format_like_dotnet() {
        let moment = DateTime::parse_from_rfc3339("2025-10-24T16:04:52.532236100Z")
            .map(|moment| moment.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            dotnet_date_time(moment, DateTimeKind::Utc),
            "2025-10-24T16:04:52.5322361Z"
        );
        let whole = DateTime::parse_from_rfc3339("2026-03-28T11:58:08Z")
            .map(|moment| moment.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            dotnet_date_time(whole, DateTimeKind::Unspecified),
            "2026-03-28T11:58:08"
        );
        assert_eq!(dotnet_time_span(Duration::ZERO), "00:00:00");
        assert_eq!(
            dotnet_time_span(Duration::from_nanos(72_640_147_500)),
            "00:01:12.6401475"
        );
        assert_eq!(dotnet_time_span(Duration::from_secs(90_061)), "1.01:01:01");
        assert_eq!(dotnet_double(100.0), serde_json::json!(100));
        assert_eq!(dotnet_double(12.5), serde_json::json!(12.5));
    }
}
