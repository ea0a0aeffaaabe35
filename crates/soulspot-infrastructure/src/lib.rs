//! SoulSpot's adapters. `db` implements the domain's repository ports on SQLite and PostgreSQL
//! with one codebase; `secrets` holds the key files and the cipher that seals stored secrets.
//!
//! Architecture invariant: nothing outside this crate (and the composition root that builds it)
//! sees diesel, a connection or SQL.

pub mod clock;
pub mod db;
pub mod http;
pub mod private_files;
pub mod secrets;
pub mod tags;
pub mod upstreams;
pub mod walk;

pub use clock::{SystemClock, TokioClock};
pub use db::{Backend, Database, DatabaseUrl, PoolSettings, StatementCounter};
pub use secrets::{ApiKey, KeyFileError, SecretKey, XChaChaCipher};
