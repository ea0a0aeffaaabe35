//! Row structs (what diesel reads and writes) and their conversion to and from domain entities.
//! Stored identifiers are re-validated on the way out: a hand-edited database cannot smuggle an
//! invalid ISRC into the domain.

use super::prelude::*;
use chrono::NaiveDateTime;
use diesel::QueryableByName;
use soulspot_domain::{
    Album, AlbumId, Artist, ArtistId, Isrc, Mbid, SpotifyId, Track, TrackDuration, TrackId,
};

use super::error::invalid_data;
use super::schema::{albums, artists, track_artists, tracks};

pub(crate) fn parse_optional<T, E>(
    value: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> diesel::QueryResult<Option<T>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    value
        .as_deref()
        .map(parse)
        .transpose()
        .map_err(invalid_data)
}

pub(crate) fn duration_from_column(
    value: Option<i32>,
) -> diesel::QueryResult<Option<TrackDuration>> {
    value
        .map(|millis| TrackDuration::from_millis(i64::from(millis)))
        .transpose()
        .map_err(invalid_data)
}

pub(crate) fn duration_to_column(value: Option<TrackDuration>) -> Option<i32> {
    // A TrackDuration is at most 24 h = 86.4M ms, well inside i32.
    value.map(|duration| i32::try_from(duration.as_millis()).unwrap_or(i32::MAX))
}

/// Also `QueryableByName`, for the full-text search's raw SQL (which names the same columns).
#[derive(Queryable, Selectable, QueryableByName, Debug, Clone)]
#[diesel(table_name = artists)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct ArtistRow {
    pub id: i64,
    pub name: String,
    pub sort_name: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
}

impl ArtistRow {
    pub fn into_domain(self) -> diesel::QueryResult<Artist> {
        Ok(Artist {
            id: ArtistId(self.id),
            name: self.name,
            sort_name: self.sort_name,
            spotify_id: parse_optional(self.spotify_id, SpotifyId::parse)?,
            mbid: parse_optional(self.mbid, Mbid::parse)?,
        })
    }
}

/// Also `QueryableByName`, for the full-text search's raw SQL (which names the same columns).
#[derive(Queryable, Selectable, QueryableByName, Debug, Clone)]
#[diesel(table_name = albums)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct AlbumRow {
    pub id: i64,
    pub title: String,
    pub album_artist_id: Option<i64>,
    pub year: Option<i32>,
    pub release_type: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub release_group_mbid: Option<String>,
    pub cover_path: Option<String>,
}

impl AlbumRow {
    pub fn into_domain(self) -> diesel::QueryResult<Album> {
        Ok(Album {
            id: AlbumId(self.id),
            title: self.title,
            album_artist_id: self.album_artist_id.map(ArtistId),
            year: self.year,
            release_type: self.release_type,
            spotify_id: parse_optional(self.spotify_id, SpotifyId::parse)?,
            mbid: parse_optional(self.mbid, Mbid::parse)?,
            release_group_mbid: parse_optional(self.release_group_mbid, Mbid::parse)?,
            cover_path: self.cover_path,
        })
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = tracks)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct TrackRow {
    pub id: i64,
    pub title: String,
    pub album_id: Option<i64>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration_ms: Option<i32>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub explicit: bool,
}

impl TrackRow {
    pub fn into_domain(self, artist_ids: Vec<ArtistId>) -> diesel::QueryResult<Track> {
        Ok(Track {
            id: TrackId(self.id),
            title: self.title,
            album_id: self.album_id.map(AlbumId),
            disc_number: self.disc_number,
            track_number: self.track_number,
            duration: duration_from_column(self.duration_ms)?,
            isrc: parse_optional(self.isrc, Isrc::parse)?,
            spotify_id: parse_optional(self.spotify_id, SpotifyId::parse)?,
            mbid: parse_optional(self.mbid, Mbid::parse)?,
            explicit: self.explicit,
            artist_ids,
        })
    }
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = artists)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct NewArtistRow {
    pub name: String,
    pub sort_name: Option<String>,
    pub normalized_name: String,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = albums)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct NewAlbumRow {
    pub title: String,
    pub normalized_title: String,
    pub album_artist_id: Option<i64>,
    pub year: Option<i32>,
    pub release_type: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub release_group_mbid: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = tracks)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct NewTrackRow {
    pub title: String,
    pub normalized_title: String,
    pub album_id: Option<i64>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration_ms: Option<i32>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub explicit: bool,
    pub updated_at: NaiveDateTime,
}

/// The columns an upsert rewrites on an existing artist (never its identifiers).
#[derive(AsChangeset)]
#[diesel(table_name = artists)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct ArtistChanges<'a> {
    pub name: &'a str,
    pub sort_name: Option<&'a str>,
    pub normalized_name: &'a str,
    pub updated_at: NaiveDateTime,
}

impl NewArtistRow {
    pub fn differs_from(&self, current: &ArtistRow) -> bool {
        self.name != current.name || self.sort_name != current.sort_name
    }

    pub fn changes(&self) -> ArtistChanges<'_> {
        ArtistChanges {
            name: &self.name,
            sort_name: self.sort_name.as_deref(),
            normalized_name: &self.normalized_name,
            updated_at: self.updated_at,
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = albums)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct AlbumChanges<'a> {
    pub title: &'a str,
    pub normalized_title: &'a str,
    pub album_artist_id: Option<i64>,
    pub year: Option<i32>,
    pub release_type: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

impl NewAlbumRow {
    pub fn differs_from(&self, current: &AlbumRow) -> bool {
        self.title != current.title
            || self.album_artist_id != current.album_artist_id
            || self.year != current.year
            || self.release_type != current.release_type
    }

    pub fn changes(&self) -> AlbumChanges<'_> {
        AlbumChanges {
            title: &self.title,
            normalized_title: &self.normalized_title,
            album_artist_id: self.album_artist_id,
            year: self.year,
            release_type: self.release_type.as_deref(),
            updated_at: self.updated_at,
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = tracks)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct TrackChanges<'a> {
    pub title: &'a str,
    pub normalized_title: &'a str,
    pub album_id: Option<i64>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration_ms: Option<i32>,
    pub isrc: Option<&'a str>,
    pub explicit: bool,
    pub updated_at: NaiveDateTime,
}

impl NewTrackRow {
    pub fn differs_from(&self, current: &TrackRow) -> bool {
        self.title != current.title
            || self.album_id != current.album_id
            || self.disc_number != current.disc_number
            || self.track_number != current.track_number
            || self.duration_ms != current.duration_ms
            || self.isrc != current.isrc
            || self.explicit != current.explicit
    }

    pub fn changes(&self) -> TrackChanges<'_> {
        TrackChanges {
            title: &self.title,
            normalized_title: &self.normalized_title,
            album_id: self.album_id,
            disc_number: self.disc_number,
            track_number: self.track_number,
            duration_ms: self.duration_ms,
            isrc: self.isrc.as_deref(),
            explicit: self.explicit,
            updated_at: self.updated_at,
        }
    }
}

/// One credit: the artist at `position` (0 first) on a track.
#[derive(Insertable, Debug, Clone, Copy)]
#[diesel(table_name = track_artists)]
// Without it diesel inserts a SQLite batch one row per statement.
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct CreditRow {
    pub track_id: i64,
    pub position: i32,
    pub artist_id: i64,
}

impl From<&(i64, i32, i64)> for CreditRow {
    fn from(&(track_id, position, artist_id): &(i64, i32, i64)) -> Self {
        Self {
            track_id,
            position,
            artist_id,
        }
    }
}
