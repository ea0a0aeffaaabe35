//! The catalogue repository: batched upserts of artists, albums and tracks, and reads (filtered
//! track pages, an album's tracks, an artist's albums) that take a constant number of statements
//! whatever the number of rows.

use std::collections::HashMap;

use super::prelude::*;
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::sql_types::Bool;
use diesel::{CombineDsl, NullableExpressionMethods};
use soulspot_domain::ports::CatalogRepository;
use soulspot_domain::{
    Album, AlbumId, Artist, ArtistId, CatalogBatch, CatalogBatchIds, Isrc, ListOrder, OrderedKey,
    Page, PageRequest, RepositoryError, SpotifyId, Track, TrackDetails, TrackFilter, TrackId,
    TrackSearchHit,
};

use super::rows::{AlbumRow, ArtistRow, TrackRow};
use super::schema::{albums, artists, track_artists, tracks};
use super::{Database, catalog_upsert, read, search};

/// Rows per multi-row statement. With at most 11 columns a row this stays far below SQLite's
/// 32,766 bound variables, and PostgreSQL's 65,535 parameters.
pub(crate) const WRITE_CHUNK: usize = 1_000;
/// Ids per `IN (…)` list: SQLite binds one variable per id.
pub(crate) const ID_CHUNK: usize = 10_000;

/// Whether a present (not missing, not broken) file is linked to the track of the current row:
/// the `tracks.has_file` column, which triggers on `library_files` keep current (migration
/// `track_has_file`). `NOT has_file` (a wanted track) is what the partial indexes
/// `tracks_wanted_*_idx` hold.
pub(crate) fn has_library_file() -> SqlLiteral<Bool> {
    sql::<Bool>("tracks.has_file")
}

pub(crate) type TrackWithAlbumRow = (TrackRow, Option<AlbumRow>, bool);

/// Applies a [`ListOrder`] and the keyset of the page's start (`Option<&OrderedKey<_>>`) to a
/// boxed query over the id column `$id` and the normalised-name column `$name`.
///
/// By name, the start is `name >= n AND (name > n OR id > i)`: the first conjunct alone bounds
/// the index range, so a deep page costs what the first one does; the second skips the ties
/// already shown. A name-order key without a name starts at the first name.
macro_rules! order_keyset {
    ($query:ident, $order:expr, $start:expr, $id:expr, $name:expr) => {
        match $order {
            ListOrder::Added => {
                if let Some(start) = $start {
                    $query = $query.filter($id.gt(start.id.0));
                }
                $query = $query.order($id.asc());
            }
            ListOrder::AddedDescending => {
                if let Some(start) = $start {
                    $query = $query.filter($id.lt(start.id.0));
                }
                $query = $query.order($id.desc());
            }
            ListOrder::Name => {
                if let Some(start) = $start {
                    let name = start.name.clone().unwrap_or_default();
                    $query = $query
                        .filter($name.ge(name.clone()))
                        .filter($name.gt(name).or($id.gt(start.id.0)));
                }
                $query = $query.order(($name.asc(), $id.asc()));
            }
        }
    };
}

/// The key of a row in `order`: the name is kept only when the order needs it.
fn ordered_key<Id>(order: ListOrder, id: Id, name: Option<&String>) -> OrderedKey<Id> {
    OrderedKey {
        id,
        name: match order {
            ListOrder::Name => name.cloned(),
            ListOrder::Added | ListOrder::AddedDescending => None,
        },
    }
}

/// A page of `(item, normalised name)` rows read in `order`.
fn keyed_page<T, Id>(
    rows: Vec<(T, String)>,
    order: ListOrder,
    limit: u32,
    id_of: impl Fn(&T) -> Id,
) -> Page<T, OrderedKey<Id>> {
    let page = Page::from_overfetched(rows, limit, |(item, name)| {
        ordered_key(order, id_of(item), Some(name))
    });
    page.map(|(item, _)| item)
}

/// Loads the credits `(track_id, position, artist)` of the tracks `$track_ids` selects (an id list
/// or a sub-query), inside a `read!`/`write!` body. The one shape every details read uses.
macro_rules! load_credits {
    ($conn:ident, $track_ids:expr) => {
        run!(
            track_artists::table
                .inner_join(artists::table)
                .filter(track_artists::track_id.eq_any($track_ids))
                .select((
                    track_artists::track_id,
                    track_artists::position,
                    ArtistRow::as_select()
                ))
                .load::<(i64, i32, ArtistRow)>($conn)
        )
    };
}
pub(crate) use load_credits;

/// Builds track details from one joined read of tracks and albums and one read of credits
/// `(track_id, position, artist)`, in any order.
pub(crate) fn assemble_details(
    rows: Vec<TrackWithAlbumRow>,
    credits: Vec<(i64, i32, ArtistRow)>,
) -> diesel::QueryResult<Vec<TrackDetails>> {
    let mut credits_by_track: HashMap<i64, Vec<(i32, ArtistRow)>> = HashMap::new();
    for (track_id, position, artist) in credits {
        let entry = credits_by_track.entry(track_id).or_default();
        // The same track may appear twice in a playlist; its credits then arrive twice.
        if !entry.iter().any(|(known, _)| *known == position) {
            entry.push((position, artist));
        }
    }
    let mut converted: HashMap<i64, Vec<Artist>> = HashMap::with_capacity(credits_by_track.len());
    for (track_id, mut credits) in credits_by_track {
        credits.sort_by_key(|(position, _)| *position);
        let artists = credits
            .into_iter()
            .map(|(_, row)| row.into_domain())
            .collect::<Result<Vec<_>, _>>()?;
        converted.insert(track_id, artists);
    }
    // A track listed several times (a playlist may repeat one) needs its artists once per listing;
    // the last listing takes them without a copy, which is every listing in the usual case.
    let mut listings_left: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    for (track, _, _) in &rows {
        *listings_left.entry(track.id).or_default() += 1;
    }
    rows.into_iter()
        .map(|(track, album, has_library_file)| {
            let left = listings_left.entry(track.id).or_default();
            *left = left.saturating_sub(1);
            let artists = if *left == 0 {
                converted.remove(&track.id).unwrap_or_default()
            } else {
                converted.get(&track.id).cloned().unwrap_or_default()
            };
            let artist_ids = artists.iter().map(|artist| artist.id).collect();
            Ok(TrackDetails {
                track: track.into_domain(artist_ids)?,
                artists,
                album: album.map(AlbumRow::into_domain).transpose()?,
                has_library_file,
            })
        })
        .collect()
}

impl CatalogRepository for Database {
    async fn upsert_catalog(
        &self,
        batch: CatalogBatch,
    ) -> Result<CatalogBatchIds, RepositoryError> {
        catalog_upsert::upsert_catalog(self, batch).await
    }

    async fn track_details(&self, id: TrackId) -> Result<TrackDetails, RepositoryError> {
        let mut details = self.details_by_ids(vec![id.0]).await?;
        details
            .pop()
            .ok_or_else(|| RepositoryError::not_found("track", id))
    }

    async fn tracks_by_isrc(&self, isrc: &Isrc) -> Result<Vec<Track>, RepositoryError> {
        let isrc = isrc.as_str().to_owned();
        let ids: Vec<i64> = read!(self, |conn| run!(
            tracks::table
                .filter(tracks::isrc.eq(isrc))
                .select(tracks::id)
                .order(tracks::id)
                .load::<i64>(conn)
        ))?;
        Ok(self
            .details_by_ids(ids)
            .await?
            .into_iter()
            .map(|details| details.track)
            .collect())
    }

    async fn track_by_spotify_id(&self, id: &SpotifyId) -> Result<Option<Track>, RepositoryError> {
        let spotify_id = id.as_str().to_owned();
        let ids: Vec<i64> = read!(self, |conn| run!(
            tracks::table
                .filter(tracks::spotify_id.eq(spotify_id))
                .select(tracks::id)
                .load::<i64>(conn)
        ))?;
        Ok(self
            .details_by_ids(ids)
            .await?
            .pop()
            .map(|details| details.track))
    }

    async fn list_tracks(
        &self,
        filter: TrackFilter,
        order: ListOrder,
        page: PageRequest<OrderedKey<TrackId>>,
    ) -> Result<Page<TrackDetails, OrderedKey<TrackId>>, RepositoryError> {
        let start = page.after.clone();
        // The artist filter may start its credit walk at the page's start only in id order.
        let after = match order {
            ListOrder::Added => start.as_ref().map_or(0, |key| key.id.0),
            ListOrder::AddedDescending | ListOrder::Name => 0,
        };
        let limit = i64::from(page.limit()) + 1;
        let (details, names) = read!(self, |conn| {
            let mut query = tracks::table
                .left_join(albums::table)
                .limit(limit)
                .select((
                    TrackRow::as_select(),
                    Option::<AlbumRow>::as_select(),
                    has_library_file(),
                    tracks::normalized_title,
                ))
                .into_boxed();
            order_keyset!(
                query,
                order,
                start.as_ref(),
                tracks::id,
                tracks::normalized_title
            );
            if let Some(album_id) = filter.album_id {
                query = query.filter(tracks::album_id.eq(album_id.0));
            }
            if let Some(artist_id) = filter.artist_id {
                // "Some credit of this track names the artist", as `IN` rather than a correlated
                // `EXISTS`: SQLite then walks the artist's credits in track order from the page's
                // start (the artist index holds the track id), instead of testing every track of
                // the catalogue until a page is full, which for a rare artist is all of them.
                query = query.filter(
                    tracks::id.eq_any(
                        track_artists::table
                            .filter(track_artists::artist_id.eq(artist_id.0))
                            .filter(track_artists::track_id.gt(after))
                            .select(track_artists::track_id),
                    ),
                );
            }
            match filter.has_library_file {
                Some(true) => query = query.filter(has_library_file()),
                Some(false) => query = query.filter(diesel::dsl::not(has_library_file())),
                None => {}
            }
            if let Some(isrc) = &filter.isrc {
                query = query.filter(tracks::isrc.eq(isrc.as_str().to_owned()));
            }
            let rows: Vec<(TrackRow, Option<AlbumRow>, bool, String)> = run!(query.load(conn))?;
            let mut names = HashMap::with_capacity(rows.len());
            let rows: Vec<TrackWithAlbumRow> = rows
                .into_iter()
                .map(|(track, album, has_file, name)| {
                    names.insert(track.id, name);
                    (track, album, has_file)
                })
                .collect();
            // At most one page of ids (≤ 501), far below SQLite's bound-variable limit.
            let ids: Vec<i64> = rows.iter().map(|(track, _, _)| track.id).collect();
            let credits: Vec<(i64, i32, ArtistRow)> = load_credits!(conn, ids)?;
            assemble_details(rows, credits).map(|details| (details, names))
        })?;
        Ok(Page::from_overfetched(details, page.limit(), |details| {
            ordered_key(order, details.track.id, names.get(&details.track.id.0))
        }))
    }

    async fn tracks_details(
        &self,
        ids: Vec<TrackId>,
    ) -> Result<Vec<TrackDetails>, RepositoryError> {
        self.details_by_ids(ids.into_iter().map(|id| id.0).collect())
            .await
    }

    async fn album_tracks(&self, id: AlbumId) -> Result<Vec<TrackDetails>, RepositoryError> {
        let album_id = id.0;
        let details = read!(self, |conn| {
            // NULLS LAST spelled portably: `x IS NULL` sorts false (0) before true (1) on both
            // backends, whereas a bare ASC puts NULLs first on SQLite and last on PostgreSQL.
            let rows: Vec<TrackWithAlbumRow> = run!(
                tracks::table
                    .left_join(albums::table)
                    .filter(tracks::album_id.eq(album_id))
                    .order((
                        tracks::disc_number.is_null().asc(),
                        tracks::disc_number.asc(),
                        tracks::track_number.is_null().asc(),
                        tracks::track_number.asc(),
                        tracks::id.asc(),
                    ))
                    .select((
                        TrackRow::as_select(),
                        Option::<AlbumRow>::as_select(),
                        has_library_file()
                    ))
                    .load(conn)
            )?;
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            // The album's credits through a sub-query, so no id list grows with the album.
            let album_tracks = tracks::table
                .filter(tracks::album_id.eq(album_id))
                .select(tracks::id);
            let credits: Vec<(i64, i32, ArtistRow)> = load_credits!(conn, album_tracks)?;
            assemble_details(rows, credits)
        })?;
        Ok(details)
    }

    async fn albums_of_artist(&self, id: ArtistId) -> Result<Vec<Album>, RepositoryError> {
        let artist_id = id.0;
        let albums = read!(self, |conn| {
            // `id IN (album artist's UNION ALL credited on)` rather than `album_artist_id = ? OR
            // id IN (…)`: PostgreSQL cannot use an index for that OR and scans every album.
            // The inner albums need an alias: diesel would otherwise take them for the outer row.
            let inner = diesel::alias!(albums as album_artist_albums);
            let as_album_artist = inner
                .filter(inner.field(albums::album_artist_id).eq(artist_id))
                .select(inner.field(albums::id).nullable());
            let credited_on = track_artists::table
                .inner_join(tracks::table)
                .filter(track_artists::artist_id.eq(artist_id))
                .select(tracks::album_id);
            let rows: Vec<AlbumRow> = run!(
                albums::table
                    .filter(
                        albums::id
                            .nullable()
                            .eq_any(as_album_artist.union_all(credited_on))
                    )
                    .order((
                        albums::year.is_null().asc(),
                        albums::year.asc(),
                        albums::title.asc(),
                        albums::id.asc(),
                    ))
                    .select(AlbumRow::as_select())
                    .load(conn)
            )?;
            rows.into_iter()
                .map(AlbumRow::into_domain)
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(albums)
    }

    async fn search_artists(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Artist>, RepositoryError> {
        search::search_artists(self, query, limit).await
    }

    async fn search_albums(&self, query: &str, limit: u32) -> Result<Vec<Album>, RepositoryError> {
        search::search_albums(self, query, limit).await
    }

    async fn search_tracks(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<TrackSearchHit>, RepositoryError> {
        search::search_tracks(self, query, limit).await
    }

    async fn artist(&self, id: ArtistId) -> Result<Artist, RepositoryError> {
        let row = read!(self, |conn| run!(
            artists::table
                .find(id.0)
                .select(ArtistRow::as_select())
                .first(conn)
        )
        .and_then(ArtistRow::into_domain))
        .map_err(|error| error.not_found_as("artist", id))?;
        Ok(row)
    }

    async fn list_artists(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<ArtistId>>,
    ) -> Result<Page<Artist, OrderedKey<ArtistId>>, RepositoryError> {
        let start = page.after.clone();
        let limit = i64::from(page.limit()) + 1;
        let rows = read!(self, |conn| {
            let mut query = artists::table
                .limit(limit)
                .select((ArtistRow::as_select(), artists::normalized_name))
                .into_boxed();
            order_keyset!(
                query,
                order,
                start.as_ref(),
                artists::id,
                artists::normalized_name
            );
            run!(query.load::<(ArtistRow, String)>(conn))?
                .into_iter()
                .map(|(row, name)| row.into_domain().map(|artist| (artist, name)))
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(keyed_page(rows, order, page.limit(), |artist| artist.id))
    }

    async fn album(&self, id: AlbumId) -> Result<Album, RepositoryError> {
        let album = read!(self, |conn| run!(
            albums::table
                .find(id.0)
                .select(AlbumRow::as_select())
                .first(conn)
        )
        .and_then(AlbumRow::into_domain))
        .map_err(|error| error.not_found_as("album", id))?;
        Ok(album)
    }

    async fn list_albums(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<AlbumId>>,
    ) -> Result<Page<Album, OrderedKey<AlbumId>>, RepositoryError> {
        let start = page.after.clone();
        let limit = i64::from(page.limit()) + 1;
        let rows = read!(self, |conn| {
            let mut query = albums::table
                .limit(limit)
                .select((AlbumRow::as_select(), albums::normalized_title))
                .into_boxed();
            order_keyset!(
                query,
                order,
                start.as_ref(),
                albums::id,
                albums::normalized_title
            );
            run!(query.load::<(AlbumRow, String)>(conn))?
                .into_iter()
                .map(|(row, name)| row.into_domain().map(|album| (album, name)))
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(keyed_page(rows, order, page.limit(), |album| album.id))
    }
}

impl Database {
    /// Details of the given tracks in the given order, two statements per 10,000 ids.
    pub(crate) async fn details_by_ids(
        &self,
        ids: Vec<i64>,
    ) -> Result<Vec<TrackDetails>, RepositoryError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let order: HashMap<i64, usize> = ids
            .iter()
            .enumerate()
            .map(|(index, id)| (*id, index))
            .collect();
        let mut details = read!(self, |conn| {
            let mut rows: Vec<TrackWithAlbumRow> = Vec::with_capacity(ids.len());
            let mut credits: Vec<(i64, i32, ArtistRow)> = Vec::new();
            for chunk in ids.chunks(ID_CHUNK) {
                rows.extend(run!(
                    tracks::table
                        .left_join(albums::table)
                        .filter(tracks::id.eq_any(chunk))
                        .select((
                            TrackRow::as_select(),
                            Option::<AlbumRow>::as_select(),
                            has_library_file()
                        ))
                        .load::<TrackWithAlbumRow>(conn)
                )?);
                credits.extend(load_credits!(conn, chunk)?);
            }
            assemble_details(rows, credits)
        })?;
        details.sort_by_key(|details| {
            order
                .get(&details.track.id.0)
                .copied()
                .unwrap_or(usize::MAX)
        });
        Ok(details)
    }
}
