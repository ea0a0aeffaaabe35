//! The blocklist repository.

use chrono::NaiveDateTime;
use soulspot_domain::ports::BlocklistRepository;
use soulspot_domain::{BlockRule, BlocklistEntry, BlocklistEntryId, RepositoryError};

use super::prelude::*;
use super::schema::blocklist;
use super::{Database, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = blocklist)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct BlocklistRow {
    id: i64,
    username: Option<String>,
    filename_pattern: Option<String>,
    reason: String,
    expires_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl BlocklistRow {
    fn into_domain(self) -> BlocklistEntry {
        BlocklistEntry {
            id: BlocklistEntryId(self.id),
            rule: BlockRule {
                username: self.username,
                filename_pattern: self.filename_pattern,
            },
            reason: self.reason,
            expires_at: self.expires_at,
            created_at: self.created_at,
        }
    }
}

impl BlocklistRepository for Database {
    async fn add_block(
        &self,
        rule: BlockRule,
        reason: &str,
        expires_at: Option<NaiveDateTime>,
    ) -> Result<BlocklistEntry, RepositoryError> {
        if reason.trim().is_empty() {
            return Err(RepositoryError::InvalidData(
                "a blocklist entry needs a reason".into(),
            ));
        }
        let reason = reason.to_owned();
        let stamp = self.now();
        let row: BlocklistRow = write!(self, |conn| run!(
            diesel::insert_into(blocklist::table)
                .values((
                    blocklist::username.eq(rule.username),
                    blocklist::filename_pattern.eq(rule.filename_pattern),
                    blocklist::reason.eq(reason),
                    blocklist::expires_at.eq(expires_at),
                    blocklist::created_at.eq(stamp),
                ))
                .returning(BlocklistRow::as_returning())
                .get_result(conn)
        ))?;
        Ok(row.into_domain())
    }

    async fn remove_block(&self, id: BlocklistEntryId) -> Result<(), RepositoryError> {
        let removed = write!(self, |conn| run!(
            diesel::delete(blocklist::table.find(id.0)).execute(conn)
        ))?;
        if removed == 0 {
            Err(RepositoryError::not_found("blocklist entry", id))
        } else {
            Ok(())
        }
    }

    async fn active_blocks(
        &self,
        now: NaiveDateTime,
    ) -> Result<Vec<BlocklistEntry>, RepositoryError> {
        let rows: Vec<BlocklistRow> = read!(self, |conn| run!(
            blocklist::table
                .filter(
                    blocklist::expires_at
                        .is_null()
                        .or(blocklist::expires_at.gt(now))
                )
                .order(blocklist::id.asc())
                .select(BlocklistRow::as_select())
                .load(conn)
        ))?;
        Ok(rows.into_iter().map(BlocklistRow::into_domain).collect())
    }
}
