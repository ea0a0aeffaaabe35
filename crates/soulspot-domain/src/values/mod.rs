//! Validated value objects: identifiers from Spotify, MusicBrainz and the recording industry,
//! track durations, and the folded matching keys that pair library files with wanted tracks.
//!
//! Each type checks its input once, in a constructor that says what was wrong, and keeps a
//! canonical form afterwards, so two spellings of the same identifier compare equal everywhere
//! else in SoulSpot. Serde reads and writes that canonical form (milliseconds for durations) and
//! validates on the way in.

mod case_insensitive;
mod duration;
mod isrc;
mod mbid;
mod normalized;
mod spotify_id;

pub use duration::{DurationError, TrackDuration};
pub use isrc::{Isrc, IsrcError};
pub use mbid::{Mbid, MbidError};
pub use normalized::{FeaturedSplit, NormalizedName, split_featured_artists, title_match_key};
pub use spotify_id::{SpotifyId, SpotifyIdError, SpotifyIdProblem, SpotifyKind, SpotifyRef};
