//! SoulSpot's test equipment (dev-only): fresh, migrated databases of either backend, and
//! realistic catalogue data. Later issues add the fake upstream servers and audio fixtures here.

pub mod catalog;
pub mod database;

pub use database::{TestDatabase, create_empty_postgres_database, postgres_url_for_tests};
