//! The settings repository: non-secret settings as JSON documents by key.

use super::prelude::*;
use diesel::upsert::excluded;
use soulspot_domain::RepositoryError;
use soulspot_domain::ports::SettingsRepository;

use super::schema::settings;
use super::{Database, read, write};

impl SettingsRepository for Database {
    async fn setting(&self, key: &str) -> Result<Option<String>, RepositoryError> {
        let key = key.to_owned();
        let value = read!(self, |conn| run!(
            settings::table
                .find(key)
                .select(settings::value_json)
                .first::<String>(conn)
        )
        .optional())?;
        Ok(value)
    }

    async fn put_setting(&self, key: &str, json_value: &str) -> Result<(), RepositoryError> {
        let row = (
            settings::key.eq(key.to_owned()),
            settings::value_json.eq(json_value.to_owned()),
            settings::updated_at.eq(self.now()),
        );
        write!(self, |conn| run!(
            diesel::insert_into(settings::table)
                .values(&row)
                .on_conflict(settings::key)
                .do_update()
                .set((
                    settings::value_json.eq(excluded(settings::value_json)),
                    settings::updated_at.eq(excluded(settings::updated_at)),
                ))
                .execute(conn)
        ))?;
        Ok(())
    }

    async fn all_settings(&self) -> Result<Vec<(String, String)>, RepositoryError> {
        let all = read!(self, |conn| run!(
            settings::table
                .order(settings::key.asc())
                .select((settings::key, settings::value_json))
                .load::<(String, String)>(conn)
        ))?;
        Ok(all)
    }
}
