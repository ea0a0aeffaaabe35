//! SoulSpot's domain: the entities of a music library mirrored from Spotify playlists, the value
//! objects that validate every identifier once at the edge, and the port traits that adapters
//! (databases, upstream clients) implement.
//!
//! Architecture invariant: this crate performs no I/O and depends on no framework, database driver
//! or HTTP library; `cargo xtask check-layers` proves it.

pub mod catalog;
pub mod clock;
pub mod entities;
pub mod error;
pub mod ids;
pub mod page;
pub mod ports;
pub mod redact;
pub mod scan;
pub mod upstream;
pub mod values;

pub use clock::{Clock, FixedClock};
pub use entities::*;
pub use error::RepositoryError;
pub use ids::*;
pub use page::{ListOrder, OrderedKey, Page, PageRequest};
pub use values::*;
