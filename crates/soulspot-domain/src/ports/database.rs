//! The database itself: its upkeep and whether it is usable.

use super::*;

/// Database upkeep, run by the scheduled maintenance job.
pub trait DatabaseMaintenance: Send + Sync {
    /// Refreshes the query planner's statistics and does the online compaction the backend
    /// offers (SQLite: `PRAGMA optimize` and a WAL checkpoint; PostgreSQL: `ANALYZE`).
    fn optimize(&self) -> impl Future<Output = Result<()>> + Send;
}

/// What a readiness probe learns about the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStatus {
    pub backend: &'static str,
    /// Migrations the binary carries that the database has not applied.
    pub pending_migrations: Vec<String>,
}

/// Lets the application ask whether storage is usable.
pub trait DatabaseProbe: Send + Sync {
    /// `Unavailable` when the database cannot be reached.
    fn database_status(&self) -> impl Future<Output = Result<DatabaseStatus>> + Send;
}
