//! Artists, albums, tracks, search and stats, and starting a library scan.

use actix_web::web::{Data, Json, Path, Query};
use serde::Deserialize;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use soulspot_application::scan::{LibraryScan, ScanRequestError, ScanRootError, scan_request};
use soulspot_application::{Invalid, JobService, LibraryService, Store};
use soulspot_domain::{AlbumId, ArtistId, Isrc, ListOrder, TrackFilter, TrackId};

use crate::MusicFolder;
use crate::cursor::{PageQuery, Paged, paged_ordered};
use crate::dto::{
    AlbumDetailDto, AlbumDto, ArtistDetailDto, ArtistDto, JobDto, SearchResultsDto, StatsDto,
    TrackDetailDto, TrackDto,
};
use crate::problem::{ApiError, Problem};
use crate::routes::jobs::accepted;

type Library<S> = Data<LibraryService<S>>;

/// The orders of the artist list: `added` (default, oldest first), `-added` (newest first),
/// `name` (A–Z, case and accents folded).
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
pub(crate) enum ArtistSort {
    #[default]
    #[serde(rename = "added")]
    Added,
    #[serde(rename = "-added")]
    Newest,
    #[serde(rename = "name")]
    Name,
}

/// The orders of the album and track lists: `added` (default, oldest first), `-added` (newest
/// first), `title` (A–Z, case and accents folded).
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
pub(crate) enum TitleSort {
    #[default]
    #[serde(rename = "added")]
    Added,
    #[serde(rename = "-added")]
    Newest,
    #[serde(rename = "title")]
    Title,
}

impl From<ArtistSort> for ListOrder {
    fn from(sort: ArtistSort) -> Self {
        match sort {
            ArtistSort::Added => Self::Added,
            ArtistSort::Newest => Self::AddedDescending,
            ArtistSort::Name => Self::Name,
        }
    }
}

impl From<TitleSort> for ListOrder {
    fn from(sort: TitleSort) -> Self {
        match sort {
            TitleSort::Added => Self::Added,
            TitleSort::Newest => Self::AddedDescending,
            TitleSort::Title => Self::Name,
        }
    }
}

/// Paging and order of the artist list; any other parameter is refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArtistListQuery {
    /// Rows per page, 1–500 (larger values are capped); 50 when absent.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page (valid only with the same `sort`).
    cursor: Option<String>,
    #[param(inline)]
    sort: Option<ArtistSort>,
}

/// Paging and order of the album list; any other parameter is refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AlbumListQuery {
    /// Rows per page, 1–500 (larger values are capped); 50 when absent.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page (valid only with the same `sort`).
    cursor: Option<String>,
    #[param(inline)]
    sort: Option<TitleSort>,
}

fn page_query(limit: Option<u32>, cursor: Option<String>) -> PageQuery {
    PageQuery { limit, cursor }
}

#[utoipa::path(get, path = "/api/v1/artists", tag = "library", params(ArtistListQuery),
    responses((status = 200, body = Paged<ArtistDto>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_artists<S: Store>(
    library: Library<S>,
    query: Query<ArtistListQuery>,
) -> Result<Json<Paged<ArtistDto>>, ApiError> {
    let query = query.into_inner();
    let order = ListOrder::from(query.sort.unwrap_or_default());
    let request = page_query(query.limit, query.cursor).ordered_request(order)?;
    let page = library.artists(order, request).await?;
    Ok(Json(paged_ordered(page, order, ArtistDto::from)))
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

#[utoipa::path(get, path = "/api/v1/albums", tag = "library", params(AlbumListQuery),
    responses((status = 200, body = Paged<AlbumDto>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_albums<S: Store>(
    library: Library<S>,
    query: Query<AlbumListQuery>,
) -> Result<Json<Paged<AlbumDto>>, ApiError> {
    let query = query.into_inner();
    let order = ListOrder::from(query.sort.unwrap_or_default());
    let request = page_query(query.limit, query.cursor).ordered_request(order)?;
    let page = library.albums(order, request).await?;
    Ok(Json(paged_ordered(page, order, AlbumDto::from)))
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
    /// The `next_cursor` of the previous page (valid only with the same `sort`).
    cursor: Option<String>,
    #[param(inline)]
    sort: Option<TitleSort>,
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
    let order = ListOrder::from(query.sort.unwrap_or_default());
    let request = page_query(query.limit, query.cursor).ordered_request(order)?;
    let page = library.tracks(filter, order, request).await?;
    Ok(Json(paged_ordered(page, order, TrackDto::from)))
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

/// What `POST /api/v1/library/scans` is asked to scan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScanRequest {
    /// A folder inside the music folder (absolute); absent: the whole music folder.
    path: Option<String>,
    /// `quick` (default: skips unchanged folders and files) or `full` (reads every file again).
    #[schema(value_type = Option<String>, example = "quick")]
    mode: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/library/scans", tag = "library", request_body = ScanRequest,
    responses((status = 202, body = JobDto,
            description = "The scan, as a job (the one already waiting or running for the same folder and mode, if any)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "No music folder is configured, or it cannot be opened"),
        (status = 422, body = Problem, content_type = "application/problem+json",
            description = "The mode is unknown, or the path is not a folder inside the music folder"),
        (status = 429, body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the same request may pass")),
            description = "Too many scans are waiting, or the same whole-library scan finished less than 10 seconds ago")))]
pub(crate) async fn start_scan<S: Store>(
    jobs: Data<JobService<S>>,
    music_folder: Data<MusicFolder>,
    request: Json<ScanRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = request.into_inner();
    let payload = scan_request(
        music_folder.0.as_deref(),
        request.path.as_deref(),
        request.mode.as_deref(),
    )
    .await
    .map_err(|error| match error {
        ScanRequestError::NoMusicFolder => {
            ApiError::new(StatusCode::CONFLICT, "no-music-folder", error.to_string())
        }
        ScanRequestError::UnknownMode(_) => {
            ApiError::invalid(Invalid::new("mode", error.to_string()))
        }
        ScanRequestError::Root(ScanRootError::MusicFolderUnavailable { .. }) => ApiError::new(
            StatusCode::CONFLICT,
            "music-folder-unavailable",
            error.to_string(),
        ),
        ScanRequestError::Root(error @ (ScanRootError::Outside | ScanRootError::Refused(_))) => {
            ApiError::invalid(Invalid::new("path", error.to_string()))
        }
        ScanRequestError::Task(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the path check failed",
        ),
    })?;
    Ok(accepted(
        jobs.enqueue::<LibraryScan>(&payload).await?.into(),
    ))
}
