//! The state flags slskd reports for transfers and searches (Soulseek.NET's `TransferStates` and
//! `SearchStates`), written as .NET writes a flags enum: the names of the set flags joined with
//! `", "`, `"None"` for none. They are read leniently — an unknown name is skipped, a number is
//! taken as bits, nothing ever fails — and answer the application's questions: has it ended, did
//! it succeed, how did it fail, is it waiting or moving.

use serde::{Deserialize, Serialize};

/// Defines a set of Soulseek.NET state flags: the named flags, lenient parsing of .NET's
/// comma-joined names, and .NET's own formatting.
macro_rules! state_flags {
    (
        $(#[$meta:meta])*
        $type_name:ident { $($(#[$flag_meta:meta])* $flag:ident = $value:literal => $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $type_name(u32);

        impl $type_name {
            /// No flag set (.NET's `"None"`).
            pub const NONE: Self = Self(0);
            $($(#[$flag_meta])* pub const $flag: Self = Self($value);)+

            /// Every named flag and its .NET name, in ascending order of value.
            pub const NAMED_FLAGS: &'static [(&'static str, Self)] = &[$(($text, Self::$flag),)+];

            /// The flags of a numeric value (unknown bits are kept, so nothing is lost).
            pub const fn from_bits(bits: u32) -> Self {
                Self(bits)
            }

            pub const fn bits(self) -> u32 {
                self.0
            }

            /// Whether every flag of `other` is set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any flag of `other` is set.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// Reads .NET's flags text: names joined with commas, in any order and case, `"None"`
            /// or nothing for no flag. A number (how .NET writes bits it has no name for) is taken
            /// as bits. A name this code does not know is skipped, so a newer slskd never breaks
            /// the reading; [`Self::unrecognised_names`] tells which ones were.
            pub fn parse(text: &str) -> Self {
                let mut bits = 0;
                for part in text.split(',').map(str::trim) {
                    if let Some(flag) = Self::named(part) {
                        bits |= flag.0;
                    } else if let Ok(number) = part.parse::<u32>() {
                        bits |= number;
                    }
                }
                Self(bits)
            }

            /// The parts of `text` that [`Self::parse`] skipped.
            pub fn unrecognised_names(text: &str) -> Vec<&str> {
                text.split(',')
                    .map(str::trim)
                    .filter(|part| {
                        !part.is_empty()
                            && !part.eq_ignore_ascii_case("None")
                            && Self::named(part).is_none()
                            && part.parse::<u32>().is_err()
                    })
                    .collect()
            }

            fn named(name: &str) -> Option<Self> {
                Self::NAMED_FLAGS
                    .iter()
                    .find(|(known, _)| known.eq_ignore_ascii_case(name))
                    .map(|(_, flag)| *flag)
            }

            /// .NET's text: the set flags' names in ascending order of value joined with `", "`,
            /// bits without a name as one number at the end, `"None"` for no flag.
            pub fn name(self) -> String {
                if self.0 == 0 {
                    return "None".to_owned();
                }
                let mut names: Vec<String> = Self::NAMED_FLAGS
                    .iter()
                    .filter(|(_, flag)| self.contains(*flag))
                    .map(|(name, _)| (*name).to_owned())
                    .collect();
                let named_bits = Self::NAMED_FLAGS.iter().fold(0, |bits, (_, flag)| bits | flag.0);
                let unnamed = self.0 & !named_bits;
                if unnamed != 0 {
                    names.push(unnamed.to_string());
                }
                names.join(", ")
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

state_flags! {
    /// The state of a transfer (Soulseek.NET's `TransferStates`), e.g. `"Completed, Succeeded"`.
    TransferStateFlags {
        /// Asked of the peer, no answer yet.
        REQUESTED = 1 => "Requested",
        /// Waiting, with [`Self::LOCALLY`] (in slskd) or [`Self::REMOTELY`] (in the peer's queue).
        QUEUED = 2 => "Queued",
        INITIALIZING = 4 => "Initializing",
        IN_PROGRESS = 8 => "InProgress",
        /// Ended; the other flags say how.
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

state_flags! {
    /// The state of a search (Soulseek.NET's `SearchStates`), e.g. `"Completed, TimedOut"`.
    SearchStateFlags {
        REQUESTED = 1 => "Requested",
        IN_PROGRESS = 2 => "InProgress",
        COMPLETED = 4 => "Completed",
        CANCELLED = 8 => "Cancelled",
        /// Ended because no response arrived for the search's (inactivity) timeout.
        TIMED_OUT = 16 => "TimedOut",
        RESPONSE_LIMIT_REACHED = 32 => "ResponseLimitReached",
        FILE_LIMIT_REACHED = 64 => "FileLimitReached",
        ERRORED = 128 => "Errored",
        QUEUED = 256 => "Queued",
    }
}

/// How a transfer that ended without success failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransferFailureKind {
    /// Cancelled, by us or by slskd.
    Cancelled,
    /// Timed out, often while waiting in the peer's queue (it may still start later).
    TimedOut,
    /// Broke off, or the finished file could not be moved into place.
    Errored,
    /// The peer refused (file not shared, banned, too many downloads).
    Rejected,
    /// The peer aborted the transfer.
    Aborted,
}

impl TransferStateFlags {
    /// `"Queued, Locally"`: accepted by slskd, not yet requested from the peer.
    pub const QUEUED_LOCALLY: Self = Self(2 | 2048);
    /// `"Queued, Remotely"`: waiting in the peer's upload queue.
    pub const QUEUED_REMOTELY: Self = Self(2 | 4096);
    /// `"Completed, Succeeded"`: the file is in slskd's downloads directory.
    pub const COMPLETED_SUCCEEDED: Self = Self(16 | 32);

    /// The flags a failed transfer carries beside [`Self::COMPLETED`].
    const FAILURES: [(Self, TransferFailureKind); 5] = [
        (Self::CANCELLED, TransferFailureKind::Cancelled),
        (Self::TIMED_OUT, TransferFailureKind::TimedOut),
        (Self::ERRORED, TransferFailureKind::Errored),
        (Self::REJECTED, TransferFailureKind::Rejected),
        (Self::ABORTED, TransferFailureKind::Aborted),
    ];

    /// Ended, successfully or not. A `"Completed, TimedOut"` transfer can still come back to life
    /// when the peer starts the upload late (slskd then reports it active again).
    pub const fn is_terminal(self) -> bool {
        self.contains(Self::COMPLETED)
    }

    /// `"Completed, Succeeded"`.
    pub const fn is_succeeded(self) -> bool {
        self.contains(Self::COMPLETED_SUCCEEDED)
    }

    /// Completed with Cancelled, TimedOut, Errored, Rejected or Aborted.
    pub fn is_failed(self) -> bool {
        self.failure().is_some()
    }

    /// How it failed, when it did (the first failure flag when several are set).
    pub fn failure(self) -> Option<TransferFailureKind> {
        if !self.is_terminal() {
            return None;
        }
        Self::FAILURES
            .iter()
            .find(|(flag, _)| self.contains(*flag))
            .map(|(_, kind)| *kind)
    }

    /// Not yet moving: requested, or queued in slskd or at the peer.
    pub const fn is_waiting(self) -> bool {
        !self.is_terminal() && self.intersects(Self(Self::REQUESTED.0 | Self::QUEUED.0))
    }

    /// Moving: the connection is being set up, or bytes are flowing.
    pub const fn is_active(self) -> bool {
        !self.is_terminal() && self.intersects(Self(Self::INITIALIZING.0 | Self::IN_PROGRESS.0))
    }
}

impl SearchStateFlags {
    /// Every flag that means the search has ended.
    const ENDINGS: Self = Self(4 | 8 | 16 | 32 | 64 | 128);

    /// Ended for any reason (slskd's `isComplete`): completed, cancelled, timed out, a limit
    /// reached, or errored.
    pub const fn is_complete(self) -> bool {
        self.intersects(Self::ENDINGS)
    }

    /// Could not run (e.g. the server connection was down).
    pub const fn is_errored(self) -> bool {
        self.contains(Self::ERRORED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_transfer_state_parses() {
        type Flags = TransferStateFlags;
        let documented = [
            ("None", 0),
            ("Requested", 1),
            ("Queued", 2),
            ("Initializing", 4),
            ("InProgress", 8),
            ("Completed", 16),
            ("Succeeded", 32),
            ("Cancelled", 64),
            ("TimedOut", 128),
            ("Errored", 256),
            ("Rejected", 512),
            ("Aborted", 1024),
            ("Locally", 2048),
            ("Remotely", 4096),
            ("Completed, Succeeded", 48),
            ("Completed, Cancelled", 80),
            ("Completed, TimedOut", 144),
            ("Completed, Errored", 272),
            ("Completed, Rejected", 528),
            ("Completed, Aborted", 1040),
            ("Queued, Locally", 2050),
            ("Queued, Remotely", 4098),
        ];
        for (text, bits) in documented {
            let flags = Flags::parse(text);
            assert_eq!(flags.bits(), bits, "{text}");
            assert_eq!(flags.name(), text, "{text} formats back the same");
            assert!(Flags::unrecognised_names(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn transfer_state_questions() {
        type Flags = TransferStateFlags;
        let succeeded = Flags::parse("Completed, Succeeded");
        assert!(succeeded.is_terminal() && succeeded.is_succeeded() && !succeeded.is_failed());
        assert!(!succeeded.is_waiting() && !succeeded.is_active());
        for (text, kind) in [
            ("Completed, Cancelled", TransferFailureKind::Cancelled),
            ("Completed, TimedOut", TransferFailureKind::TimedOut),
            ("Completed, Errored", TransferFailureKind::Errored),
            ("Completed, Rejected", TransferFailureKind::Rejected),
            ("Completed, Aborted", TransferFailureKind::Aborted),
        ] {
            let flags = Flags::parse(text);
            assert!(flags.is_terminal() && flags.is_failed() && !flags.is_succeeded());
            assert_eq!(flags.failure(), Some(kind), "{text}");
            assert!(!flags.is_waiting() && !flags.is_active(), "{text}");
        }
        for text in ["Requested", "Queued, Locally", "Queued, Remotely"] {
            let flags = Flags::parse(text);
            assert!(flags.is_waiting() && !flags.is_active() && !flags.is_terminal());
            assert_eq!(flags.failure(), None);
        }
        for text in ["Initializing", "InProgress"] {
            let flags = Flags::parse(text);
            assert!(flags.is_active() && !flags.is_waiting() && !flags.is_terminal());
        }
        // A failure flag without Completed is not (yet) a failure.
        assert!(!Flags::TIMED_OUT.is_failed());
        assert!(!Flags::NONE.is_terminal() && !Flags::NONE.is_waiting());
    }

    #[test]
    fn unknown_names_and_odd_spellings_never_fail() {
        type Flags = TransferStateFlags;
        let flags = Flags::parse("Completed, Teleported, Succeeded");
        assert!(flags.is_succeeded());
        assert_eq!(
            Flags::unrecognised_names("Completed, Teleported, Succeeded"),
            ["Teleported"]
        );
        assert_eq!(
            Flags::parse("succeeded,completed"),
            Flags::COMPLETED_SUCCEEDED
        );
        assert_eq!(Flags::parse(""), Flags::NONE);
        assert_eq!(Flags::parse(" , ,"), Flags::NONE);
        assert_eq!(Flags::parse("48"), Flags::COMPLETED_SUCCEEDED);
        let with_unnamed_bit = Flags::parse("Completed, 8192");
        assert_eq!(with_unnamed_bit.bits(), 16 | 8192);
        assert_eq!(with_unnamed_bit.name(), "Completed, 8192");
        for garbage in [
            "\u{0}",
            "Completed,,,,",
            "-1",
            "99999999999999",
            "😀, Queued",
        ] {
            let _ = Flags::parse(garbage);
            let _ = SearchStateFlags::parse(garbage);
        }
    }

    #[test]
    fn every_documented_search_state_parses() {
        type Flags = SearchStateFlags;
        let documented = [
            ("None", 0, false),
            ("Requested", 1, false),
            ("InProgress", 2, false),
            ("Completed", 4, true),
            ("Cancelled", 8, true),
            ("TimedOut", 16, true),
            ("ResponseLimitReached", 32, true),
            ("FileLimitReached", 64, true),
            ("Errored", 128, true),
            ("Queued", 256, false),
            ("Completed, Cancelled", 12, true),
            ("Completed, TimedOut", 20, true),
            ("Completed, ResponseLimitReached", 36, true),
            ("Completed, FileLimitReached", 68, true),
            ("Completed, Errored", 132, true),
        ];
        for (text, bits, complete) in documented {
            let flags = Flags::parse(text);
            assert_eq!(flags.bits(), bits, "{text}");
            assert_eq!(flags.name(), text);
            assert_eq!(flags.is_complete(), complete, "{text}");
        }
        assert!(Flags::parse("Errored").is_errored());
    }
}
