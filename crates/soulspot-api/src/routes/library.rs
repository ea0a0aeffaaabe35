//! Artists, albums, tracks, search and stats.

use actix_web::web::{Data, Json, Path, Query};
use serde::Deserialize;
use soulspot_application::{LibraryService, Store};
use soulspot_domain::{AlbumId, ArtistId, Isrc, TrackFilter, TrackId};

use crate::cursor::{PageQuery, Paged, paged};
use crate::dto::{
    AlbumDetailDto, AlbumDto, ArtistDetailDto, ArtistDto, SearchResultsDto, StatsDto,
    TrackDetailDto, TrackDto,
};
use crate::problem::{ApiError, Problem};

type Library<S> = Data<LibraryService<S>>;

#[utoipa::path(get, path = "/api/v1/artists", tag = "library", params(PageQuery),
    responses((status = 200, body = Paged<ArtistDto>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_artists<S: Store>(
    library: Library<S>,
    query: Query<PageQuery>,
) -> Result<Json<Paged<ArtistDto>>, ApiError> {
    let page = library.artists(query.request()?).await?;
    Ok(Json(paged(page, ArtistDto::from)))
}

#[utoipa::path(get, path = "/api/v1/artists/{id}", tag = "library",
    params(("id" = i64, Path, description = "Artist id")),
    responses((status = 200, body = ArtistDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_artist<S: Store>(
    library: Library<S>,
    id: Path<i64>,
) -> Result<Json<ArtistDetailDto>, ApiError> {
    Ok(Json(library.artist(ArtistId(*id)).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/albums", tag = "library", params(PageQuery),
    responses((status = 200, body = Paged<AlbumDto>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_albums<S: Store>(
    library: Library<S>,
    query: Query<PageQuery>,
) -> Result<Json<Paged<AlbumDto>>, ApiError> {
    let page = library.albums(query.request()?).await?;
    Ok(Json(paged(page, AlbumDto::from)))
}

#[utoipa::path(get, path = "/api/v1/albums/{id}", tag = "library",
    params(("id" = i64, Path, description = "Album id")),
    responses((status = 200, body = AlbumDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_album<S: Store>(
    library: Library<S>,
    id: Path<i64>,
) -> Result<Json<AlbumDetailDto>, ApiError> {
    Ok(Json(library.album(AlbumId(*id)).await?.into()))
}

/// Paging plus the allow-listed filters of the track list; any other parameter is refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrackListQuery {
    /// Rows per page, 1–500 (larger values are capped); 50 when absent.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only tracks of this album.
    album_id: Option<i64>,
    /// Only tracks crediting this artist.
    artist_id: Option<i64>,
    /// `true`: only tracks the library has a file for; `false`: only the missing ones.
    has_file: Option<bool>,
    /// Only tracks with this ISRC (hyphens allowed).
    isrc: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tracks", tag = "library", params(TrackListQuery),
    responses((status = 200, body = Paged<TrackDto>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_tracks<S: Store>(
    library: Library<S>,
    query: Query<TrackListQuery>,
) -> Result<Json<Paged<TrackDto>>, ApiError> {
    let query = query.into_inner();
    let isrc = query
        .isrc
        .as_deref()
        .map(Isrc::parse)
        .transpose()
        .map_err(|error| ApiError::bad_request("invalid-query", format!("isrc: {error}")))?;
    let filter = TrackFilter {
        album_id: query.album_id.map(AlbumId),
        artist_id: query.artist_id.map(ArtistId),
        has_library_file: query.has_file,
        isrc,
    };
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .request()?;
    let page = library.tracks(filter, page).await?;
    Ok(Json(paged(page, TrackDto::from)))
}

#[utoipa::path(get, path = "/api/v1/tracks/{id}", tag = "library",
    params(("id" = i64, Path, description = "Track id")),
    responses((status = 200, body = TrackDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_track<S: Store>(
    library: Library<S>,
    id: Path<i64>,
) -> Result<Json<TrackDetailDto>, ApiError> {
    Ok(Json(library.track(TrackId(*id)).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Plain words (1–200 characters); each matches as a prefix, all must match. Quotes,
    /// operators and punctuation are treated as spaces.
    q: String,
    /// Hits per kind, 1–100 (larger values are capped); 20 when absent.
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "library", params(SearchQuery),
    responses((status = 200, body = SearchResultsDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn search<S: Store>(
    library: Library<S>,
    query: Query<SearchQuery>,
) -> Result<Json<SearchResultsDto>, ApiError> {
    let results = library.search(&query.q, query.limit.unwrap_or(20)).await?;
    Ok(Json(results.into()))
}

#[utoipa::path(get, path = "/api/v1/stats", tag = "library",
    responses((status = 200, body = StatsDto)))]
pub(crate) async fn stats<S: Store>(library: Library<S>) -> Result<Json<StatsDto>, ApiError> {
    Ok(Json(library.stats().await?.into()))
}
