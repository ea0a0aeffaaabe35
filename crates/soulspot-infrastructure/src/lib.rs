//! SoulSpot's adapters. `db` implements the domain's repository ports on SQLite and PostgreSQL
//! with one codebase.
//!
//! Architecture invariant: nothing outside this crate (and the composition root that builds it)
//! sees diesel, a connection or SQL.

pub mod db;

pub use db::{Backend, Database, DatabaseUrl, PoolSettings, StatementCounter};
