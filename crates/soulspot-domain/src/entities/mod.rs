//! The entities of the library and the records of work done on it.

mod catalog;
mod download;
mod job;
mod library;
mod playlist;
mod quality;
mod secret;
mod stats;

pub use catalog::*;
pub use download::*;
pub use job::*;
pub use library::*;
pub use playlist::*;
pub use quality::*;
pub use secret::*;
pub use stats::*;
