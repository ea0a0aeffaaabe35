//! Database upkeep for the maintenance job: fresh planner statistics and, on SQLite, a WAL
//! checkpoint so the write-ahead log does not keep growing between automatic checkpoints.

use diesel::sql_query;
use soulspot_domain::RepositoryError;
use soulspot_domain::ports::DatabaseMaintenance;

use super::{Backend, Database, read};

impl DatabaseMaintenance for Database {
    async fn optimize(&self) -> Result<(), RepositoryError> {
        match self.backend() {
            // Outside a transaction: a checkpoint cannot run inside one. `optimize` analyses only
            // the tables whose statistics are stale, so it is cheap when nothing changed.
            Backend::Sqlite => {
                read!(self, |conn| {
                    run!(sql_query("PRAGMA optimize").execute(conn))?;
                    run!(sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(conn))
                })?;
            }
            Backend::Postgres => {
                read!(self, |conn| run!(sql_query("ANALYZE").execute(conn)))?;
            }
        }
        Ok(())
    }
}
