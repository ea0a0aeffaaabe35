//! Row structs (what diesel reads and writes) and their conversion to and from domain entities.
//! Stored identifiers are re-validated on the way out: a hand-edited database cannot smuggle an
//! invalid ISRC into the domain.

use super::prelude::*;
use chrono::NaiveDateTime;
use diesel::QueryableByName;
use soulspot_domain::catalog::identity::{AlbumFields, TrackFields};
use soulspot_domain::{
    Album, AlbumId, Artist, ArtistId, Isrc, Mbid, NewArtist, NormalizedName, SpotifyId, Track,
    TrackDuration, TrackId, title_match_key,
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

/// A new artist. Every insertable here writes `None` as NULL
/// (`treat_none_as_default_value = false`): when a `None` could mean DEFAULT, diesel splits a
/// multi-row SQLite insert into one statement per row (`treat_none_as_null` only concerns
/// changesets; on an insertable diesel silently ignores it).
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = artists)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewArtistRow {
    pub name: String,
    pub sort_name: Option<String>,
    pub normalized_name: String,
    pub spotify_id: Option<String>,
    pub mbid: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl NewArtistRow {
    pub fn new(artist: &NewArtist, updated_at: NaiveDateTime) -> Self {
        Self {
            name: artist.name.clone(),
            sort_name: artist.sort_name.clone(),
            normalized_name: NormalizedName::new(&artist.name).as_str().to_owned(),
            spotify_id: artist.spotify_id.as_ref().map(|id| id.as_str().to_owned()),
            mbid: artist.mbid.as_ref().map(|id| id.as_str().to_owned()),
            updated_at,
        }
    }
}

/// A stored artist rewritten in place (by id, `INSERT … ON CONFLICT (id) DO UPDATE`).
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = artists)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ArtistChanges {
    pub id: i64,
    #[diesel(embed)]
    pub values: NewArtistRow,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = albums)]
#[diesel(treat_none_as_default_value = false)]
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

impl NewAlbumRow {
    pub fn new(album: &AlbumFields, updated_at: NaiveDateTime) -> Self {
        Self {
            title: album.title.clone(),
            normalized_title: NormalizedName::new(&album.title).as_str().to_owned(),
            album_artist_id: album.album_artist_id.map(ArtistId::get),
            year: album.year,
            release_type: album.release_type.clone(),
            spotify_id: album.spotify_id.as_ref().map(|id| id.as_str().to_owned()),
            mbid: album.mbid.as_ref().map(|id| id.as_str().to_owned()),
            release_group_mbid: album
                .release_group_mbid
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            updated_at,
        }
    }
}

/// A stored album rewritten in place (by id).
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = albums)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct AlbumChanges {
    pub id: i64,
    #[diesel(embed)]
    pub values: NewAlbumRow,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = tracks)]
#[diesel(treat_none_as_default_value = false)]
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
    /// Written by the library scan as `true` for the tracks it creates (their file row follows
    /// in the same transaction, so the new row never enters the indexes of wanted tracks); the
    /// `library_files` triggers keep it true afterwards.
    pub has_file: bool,
}

impl NewTrackRow {
    pub fn new(track: &TrackFields, has_file: bool, updated_at: NaiveDateTime) -> Self {
        let key = title_match_key(&track.title).as_str().to_owned();
        Self::with_title_key(track, key, has_file, updated_at)
    }

    /// As [`NewTrackRow::new`], with the title's matching key already at hand (the scan derives
    /// it once per file).
    pub fn with_title_key(
        track: &TrackFields,
        normalized_title: String,
        has_file: bool,
        updated_at: NaiveDateTime,
    ) -> Self {
        Self {
            title: track.title.clone(),
            normalized_title,
            album_id: track.album_id.map(AlbumId::get),
            disc_number: track.disc_number,
            track_number: track.track_number,
            duration_ms: duration_to_column(track.duration),
            isrc: track.isrc.as_ref().map(|isrc| isrc.as_str().to_owned()),
            spotify_id: track.spotify_id.as_ref().map(|id| id.as_str().to_owned()),
            mbid: track.mbid.as_ref().map(|id| id.as_str().to_owned()),
            explicit: track.explicit.unwrap_or(false),
            updated_at,
            has_file,
        }
    }
}

/// A stored track rewritten in place (by id); `has_file` is left to the triggers.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = tracks)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct TrackChanges {
    pub id: i64,
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

impl TrackChanges {
    pub fn new(id: i64, track: &TrackFields, updated_at: NaiveDateTime) -> Self {
        let row = NewTrackRow::new(track, false, updated_at);
        Self {
            id,
            title: row.title,
            normalized_title: row.normalized_title,
            album_id: row.album_id,
            disc_number: row.disc_number,
            track_number: row.track_number,
            duration_ms: row.duration_ms,
            isrc: row.isrc,
            spotify_id: row.spotify_id,
            mbid: row.mbid,
            explicit: row.explicit,
            updated_at,
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
