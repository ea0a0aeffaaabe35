//! SoulSpot's test equipment (dev-only): fresh, migrated databases of either backend, and
//! realistic catalogue data, and the fake upstream servers (`fake`): real HTTP servers on loopback
//! that behave like Spotify, slskd, MusicBrainz, the Cover Art Archive and LRCLIB.

pub mod audio;
pub mod catalog;
pub mod database;
pub mod fake;
pub mod library;

pub use database::{TestDatabase, create_empty_postgres_database, postgres_url_for_tests};
