//! The playlist repository. A page of entries (or a whole playlist) is read in two statements:
//! entries joined with tracks and albums, then the credits of exactly those entries selected by
//! the same playlist and position range (a sub-query, not an id list), so nothing grows with the
//! playlist and SQLite's bound-variable limit never applies.

use super::prelude::*;
use chrono::NaiveDateTime;
use soulspot_domain::ports::PlaylistRepository;
use soulspot_domain::{
    NewPlaylist, Page, PageRequest, Playlist, PlaylistEntryDetails, PlaylistId, RepositoryError,
    SpotifyId, TrackId,
};

use super::catalog::{WRITE_CHUNK, assemble_details, has_library_file, load_credits};
use super::rows::{AlbumRow, ArtistRow, TrackRow, parse_optional};
use super::schema::{albums, artists, playlist_entries, playlists, track_artists, tracks};
use super::{Database, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = playlists)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct PlaylistRow {
    id: i64,
    name: String,
    description: Option<String>,
    spotify_id: Option<String>,
    snapshot_id: Option<String>,
    owner: Option<String>,
    is_liked_songs: bool,
    sync_enabled: bool,
    last_synced_at: Option<NaiveDateTime>,
}

impl PlaylistRow {
    fn into_domain(self, entry_count: i64) -> diesel::QueryResult<Playlist> {
        Ok(Playlist {
            id: PlaylistId(self.id),
            name: self.name,
            description: self.description,
            spotify_id: parse_optional(self.spotify_id, SpotifyId::parse)?,
            snapshot_id: self.snapshot_id,
            owner: self.owner,
            is_liked_songs: self.is_liked_songs,
            sync_enabled: self.sync_enabled,
            last_synced_at: self.last_synced_at,
            entry_count,
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = playlists)]
#[diesel(treat_none_as_null = true)]
struct NewPlaylistRow {
    name: String,
    description: Option<String>,
    spotify_id: Option<String>,
    snapshot_id: Option<String>,
    owner: Option<String>,
    is_liked_songs: bool,
    sync_enabled: bool,
    updated_at: NaiveDateTime,
}

/// `(SELECT COUNT(*) FROM playlist_entries WHERE playlist_id = playlists.id)`
fn entry_count() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql(
        "(SELECT COUNT(*) FROM playlist_entries pe WHERE pe.playlist_id = playlists.id)",
    )
}

type EntryRow = (
    (i32, Option<NaiveDateTime>),
    TrackRow,
    Option<AlbumRow>,
    bool,
);

impl Database {
    /// Entries with `position` in `(after, until]` (all when `until` is `None`), at most `limit`.
    async fn entries_between(
        &self,
        id: PlaylistId,
        after: i32,
        limit: Option<i64>,
    ) -> Result<Vec<PlaylistEntryDetails>, RepositoryError> {
        let playlist_id = id.0;
        let entries = read!(self, |conn| {
            let base = playlist_entries::table
                .inner_join(tracks::table.left_join(albums::table))
                .filter(playlist_entries::playlist_id.eq(playlist_id))
                .filter(playlist_entries::position.gt(after))
                .order(playlist_entries::position.asc())
                .select((
                    (playlist_entries::position, playlist_entries::added_at),
                    TrackRow::as_select(),
                    Option::<AlbumRow>::as_select(),
                    has_library_file(),
                ));
            let rows: Vec<EntryRow> = match limit {
                Some(limit) => run!(base.limit(limit).load(conn))?,
                None => run!(base.load(conn))?,
            };
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                return Ok(Vec::new());
            };
            let (first, last) = (first.0.0, last.0.0);
            // The credits of exactly the tracks on those positions, selected by a sub-query so
            // the planner walks the playlist's positions and then the credits' primary key.
            let page_tracks = playlist_entries::table
                .filter(playlist_entries::playlist_id.eq(playlist_id))
                .filter(playlist_entries::position.between(first, last))
                .select(playlist_entries::track_id);
            let credits: Vec<(i64, i32, ArtistRow)> = load_credits!(conn, page_tracks)?;
            let positions: Vec<(i32, Option<NaiveDateTime>)> =
                rows.iter().map(|row| row.0).collect();
            let details = assemble_details(
                rows.into_iter()
                    .map(|(_, track, album, has_file)| (track, album, has_file))
                    .collect(),
                credits,
            )?;
            Ok(positions
                .into_iter()
                .zip(details)
                .map(|((position, added_at), track)| PlaylistEntryDetails {
                    position,
                    added_at,
                    track,
                })
                .collect())
        })?;
        Ok(entries)
    }
}

impl PlaylistRepository for Database {
    async fn upsert_playlist(&self, playlist: NewPlaylist) -> Result<Playlist, RepositoryError> {
        let row = NewPlaylistRow {
            name: playlist.name,
            description: playlist.description,
            spotify_id: playlist.spotify_id.map(|id| id.as_str().to_owned()),
            snapshot_id: playlist.snapshot_id,
            owner: playlist.owner,
            is_liked_songs: playlist.is_liked_songs,
            sync_enabled: playlist.sync_enabled,
            updated_at: self.now(),
        };
        let id: i64 = write!(self, |conn| {
            let existing: Option<i64> = match &row.spotify_id {
                Some(spotify_id) => run!(
                    playlists::table
                        .filter(playlists::spotify_id.eq(spotify_id))
                        .select(playlists::id)
                        .first::<i64>(conn)
                )
                .optional()?,
                None => None,
            };
            match existing {
                Some(id) => {
                    run!(
                        diesel::update(playlists::table.find(id))
                            .set(&row)
                            .execute(conn)
                    )?;
                    Ok(id)
                }
                None => run!(
                    diesel::insert_into(playlists::table)
                        .values(&row)
                        .returning(playlists::id)
                        .get_result(conn)
                ),
            }
        })?;
        self.playlist(PlaylistId(id)).await
    }

    async fn playlist(&self, id: PlaylistId) -> Result<Playlist, RepositoryError> {
        let playlist = read!(self, |conn| {
            let (row, count): (PlaylistRow, i64) = run!(
                playlists::table
                    .find(id.0)
                    .select((PlaylistRow::as_select(), entry_count()))
                    .first(conn)
            )?;
            row.into_domain(count)
        })
        .map_err(|error| error.not_found_as("playlist", id))?;
        Ok(playlist)
    }

    async fn list_playlists(
        &self,
        page: PageRequest<PlaylistId>,
    ) -> Result<Page<Playlist, PlaylistId>, RepositoryError> {
        let after = page.after.map_or(0, |id| id.0);
        let limit = i64::from(page.limit()) + 1;
        let playlists = read!(self, |conn| {
            let rows: Vec<(PlaylistRow, i64)> = run!(
                playlists::table
                    .filter(playlists::id.gt(after))
                    .order(playlists::id.asc())
                    .limit(limit)
                    .select((PlaylistRow::as_select(), entry_count()))
                    .load(conn)
            )?;
            rows.into_iter()
                .map(|(row, count)| row.into_domain(count))
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(Page::from_overfetched(
            playlists,
            page.limit(),
            |playlist| playlist.id,
        ))
    }

    async fn replace_entries(
        &self,
        id: PlaylistId,
        entries: Vec<(TrackId, Option<NaiveDateTime>)>,
    ) -> Result<(), RepositoryError> {
        let playlist_id = id.0;
        let stamp = self.now();
        let found = write!(self, |conn| {
            let exists: Option<i64> = run!(
                playlists::table
                    .find(playlist_id)
                    .select(playlists::id)
                    .first::<i64>(conn)
            )
            .optional()?;
            if exists.is_none() {
                return Ok(false);
            }
            run!(
                diesel::delete(
                    playlist_entries::table.filter(playlist_entries::playlist_id.eq(playlist_id))
                )
                .execute(conn)
            )?;
            let rows: Vec<_> = entries
                .iter()
                .enumerate()
                .map(|(position, (track_id, added_at))| {
                    (
                        playlist_entries::playlist_id.eq(playlist_id),
                        playlist_entries::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                        playlist_entries::track_id.eq(track_id.0),
                        playlist_entries::added_at.eq(*added_at),
                    )
                })
                .collect();
            for chunk in rows.chunks(WRITE_CHUNK) {
                run!(
                    diesel::insert_into(playlist_entries::table)
                        .values(chunk)
                        .execute(conn)
                )?;
            }
            run!(
                diesel::update(playlists::table.find(playlist_id))
                    .set(playlists::updated_at.eq(stamp))
                    .execute(conn)
            )?;
            Ok(true)
        })?;
        if found {
            Ok(())
        } else {
            Err(RepositoryError::not_found("playlist", id))
        }
    }

    async fn entries_page(
        &self,
        id: PlaylistId,
        page: PageRequest<i32>,
    ) -> Result<Page<PlaylistEntryDetails, i32>, RepositoryError> {
        let after = page.after.unwrap_or(-1);
        let rows = self
            .entries_between(id, after, Some(i64::from(page.limit()) + 1))
            .await?;
        // Only an empty page needs to know whether the playlist exists at all: a full page costs
        // no extra statement (and no `COUNT(*)` of its entries).
        if rows.is_empty() {
            let playlist_id = id.0;
            let exists = read!(self, |conn| run!(
                playlists::table
                    .find(playlist_id)
                    .select(playlists::id)
                    .first::<i64>(conn)
            )
            .optional())?;
            if exists.is_none() {
                return Err(RepositoryError::not_found("playlist", id));
            }
        }
        Ok(Page::from_overfetched(rows, page.limit(), |entry| {
            entry.position
        }))
    }

    async fn all_entries(
        &self,
        id: PlaylistId,
    ) -> Result<Vec<PlaylistEntryDetails>, RepositoryError> {
        self.entries_between(id, -1, None).await
    }
}
