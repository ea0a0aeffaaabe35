//! The quality-profile repository. At most one profile is active; a partial unique index
//! enforces it and activation swaps the flag in one transaction.

use super::prelude::*;
use soulspot_domain::ports::QualityProfileRepository;
use soulspot_domain::{
    QualityProfile, QualityProfileId, QualityRules, RepositoryError, TrackDuration,
};

use super::error::invalid_data;
use super::schema::quality_profiles;
use super::{Database, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = quality_profiles)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct QualityProfileRow {
    id: i64,
    name: String,
    formats_json: String,
    min_bitrate_kbps: Option<i32>,
    max_bitrate_kbps: Option<i32>,
    min_size_bytes: Option<i64>,
    max_size_bytes: Option<i64>,
    duration_tolerance_ms: i32,
    excluded_terms_json: String,
    active: bool,
}

impl QualityProfileRow {
    fn into_domain(self) -> diesel::QueryResult<QualityProfile> {
        Ok(QualityProfile {
            id: QualityProfileId(self.id),
            rules: QualityRules {
                name: self.name,
                formats: serde_json::from_str(&self.formats_json).map_err(invalid_data)?,
                min_bitrate_kbps: self.min_bitrate_kbps,
                max_bitrate_kbps: self.max_bitrate_kbps,
                min_size_bytes: self.min_size_bytes,
                max_size_bytes: self.max_size_bytes,
                duration_tolerance: TrackDuration::from_millis(i64::from(
                    self.duration_tolerance_ms,
                ))
                .map_err(invalid_data)?,
                excluded_terms: serde_json::from_str(&self.excluded_terms_json)
                    .map_err(invalid_data)?,
            },
            active: self.active,
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = quality_profiles)]
#[diesel(treat_none_as_null = true)]
struct QualityProfileChanges {
    name: String,
    formats_json: String,
    min_bitrate_kbps: Option<i32>,
    max_bitrate_kbps: Option<i32>,
    min_size_bytes: Option<i64>,
    max_size_bytes: Option<i64>,
    duration_tolerance_ms: i32,
    excluded_terms_json: String,
    updated_at: chrono::NaiveDateTime,
}

fn changes(
    rules: QualityRules,
    stamp: chrono::NaiveDateTime,
) -> Result<QualityProfileChanges, RepositoryError> {
    let to_json = |value: serde_json::Result<String>| {
        value.map_err(|error| RepositoryError::InvalidData(error.to_string()))
    };
    Ok(QualityProfileChanges {
        formats_json: to_json(serde_json::to_string(&rules.formats))?,
        excluded_terms_json: to_json(serde_json::to_string(&rules.excluded_terms))?,
        name: rules.name,
        min_bitrate_kbps: rules.min_bitrate_kbps,
        max_bitrate_kbps: rules.max_bitrate_kbps,
        min_size_bytes: rules.min_size_bytes,
        max_size_bytes: rules.max_size_bytes,
        duration_tolerance_ms: i32::try_from(rules.duration_tolerance.as_millis())
            .unwrap_or(i32::MAX),
        updated_at: stamp,
    })
}

fn name_conflict(error: super::DbError, name: &str) -> RepositoryError {
    match RepositoryError::from(error) {
        RepositoryError::Conflict(_) => {
            RepositoryError::Conflict(format!("a quality profile named {name:?} exists"))
        }
        other => other,
    }
}

impl QualityProfileRepository for Database {
    async fn create_profile(&self, rules: QualityRules) -> Result<QualityProfile, RepositoryError> {
        let name = rules.name.clone();
        let row = changes(rules, self.now())?;
        let created: QualityProfileRow = write!(self, |conn| run!(
            diesel::insert_into(quality_profiles::table)
                .values(&row)
                .returning(QualityProfileRow::as_returning())
                .get_result(conn)
        ))
        .map_err(|error| name_conflict(error, &name))?;
        created
            .into_domain()
            .map_err(|error| RepositoryError::InvalidData(error.to_string()))
    }

    async fn update_profile(
        &self,
        id: QualityProfileId,
        rules: QualityRules,
    ) -> Result<QualityProfile, RepositoryError> {
        let name = rules.name.clone();
        let row = changes(rules, self.now())?;
        let updated: QualityProfileRow = write!(self, |conn| run!(
            diesel::update(quality_profiles::table.find(id.0))
                .set(&row)
                .returning(QualityProfileRow::as_returning())
                .get_result(conn)
        ))
        .map_err(|error| match error {
            super::DbError::Query(diesel::result::Error::NotFound) => {
                RepositoryError::not_found("quality profile", id)
            }
            other => name_conflict(other, &name),
        })?;
        updated
            .into_domain()
            .map_err(|error| RepositoryError::InvalidData(error.to_string()))
    }

    async fn delete_profile(&self, id: QualityProfileId) -> Result<(), RepositoryError> {
        let outcome: Option<bool> = write!(self, |conn| {
            let active: Option<bool> = run!(
                quality_profiles::table
                    .find(id.0)
                    .select(quality_profiles::active)
                    .first::<bool>(conn)
            )
            .optional()?;
            if active == Some(false) {
                run!(diesel::delete(quality_profiles::table.find(id.0)).execute(conn))?;
            }
            Ok(active)
        })?;
        match outcome {
            None => Err(RepositoryError::not_found("quality profile", id)),
            Some(true) => Err(RepositoryError::Conflict(
                "the active quality profile cannot be deleted; activate another one first".into(),
            )),
            Some(false) => Ok(()),
        }
    }

    async fn profile(&self, id: QualityProfileId) -> Result<QualityProfile, RepositoryError> {
        let profile = read!(self, |conn| run!(
            quality_profiles::table
                .find(id.0)
                .select(QualityProfileRow::as_select())
                .first(conn)
        )
        .and_then(QualityProfileRow::into_domain))
        .map_err(|error| error.not_found_as("quality profile", id))?;
        Ok(profile)
    }

    async fn list_profiles(&self) -> Result<Vec<QualityProfile>, RepositoryError> {
        let profiles = read!(self, |conn| {
            let rows: Vec<QualityProfileRow> = run!(
                quality_profiles::table
                    .order((quality_profiles::name.asc(), quality_profiles::id.asc()))
                    .select(QualityProfileRow::as_select())
                    .load(conn)
            )?;
            rows.into_iter()
                .map(QualityProfileRow::into_domain)
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(profiles)
    }

    async fn activate_profile(
        &self,
        id: QualityProfileId,
    ) -> Result<QualityProfile, RepositoryError> {
        let stamp = self.now();
        let activated: Option<QualityProfileRow> = write!(self, |conn| {
            let exists: Option<i64> = run!(
                quality_profiles::table
                    .find(id.0)
                    .select(quality_profiles::id)
                    .first::<i64>(conn)
            )
            .optional()?;
            if exists.is_none() {
                return Ok(None);
            }
            run!(
                diesel::update(quality_profiles::table.filter(quality_profiles::active.eq(true)))
                    .set((
                        quality_profiles::active.eq(false),
                        quality_profiles::updated_at.eq(stamp)
                    ))
                    .execute(conn)
            )?;
            let row: QualityProfileRow = run!(
                diesel::update(quality_profiles::table.find(id.0))
                    .set((
                        quality_profiles::active.eq(true),
                        quality_profiles::updated_at.eq(stamp)
                    ))
                    .returning(QualityProfileRow::as_returning())
                    .get_result(conn)
            )?;
            Ok(Some(row))
        })?;
        match activated {
            Some(row) => row
                .into_domain()
                .map_err(|error| RepositoryError::InvalidData(error.to_string())),
            None => Err(RepositoryError::not_found("quality profile", id)),
        }
    }

    async fn active_profile(&self) -> Result<Option<QualityProfile>, RepositoryError> {
        let profile = read!(self, |conn| run!(
            quality_profiles::table
                .filter(quality_profiles::active.eq(true))
                .select(QualityProfileRow::as_select())
                .first(conn)
        )
        .optional()?
        .map(QualityProfileRow::into_domain)
        .transpose())?;
        Ok(profile)
    }
}
