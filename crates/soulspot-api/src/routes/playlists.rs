//! Playlists and their entries.

use actix_web::web::{Data, Json, Path, Query};
use soulspot_application::{PlaylistService, Store};
use soulspot_domain::PlaylistId;

use crate::cursor::{PageQuery, Paged, paged};
use crate::dto::{PlaylistDto, PlaylistEntryDto};
use crate::problem::{ApiError, Problem};

type Playlists<S> = Data<PlaylistService<S>>;

#[utoipa::path(get, path = "/api/v1/playlists", tag = "playlists", params(PageQuery),
    responses((status = 200, body = Paged<PlaylistDto>),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_playlists<S: Store>(
    playlists: Playlists<S>,
    query: Query<PageQuery>,
) -> Result<Json<Paged<PlaylistDto>>, ApiError> {
    let page = playlists.playlists(query.request()?).await?;
    Ok(Json(paged(page, PlaylistDto::from)))
}

#[utoipa::path(get, path = "/api/v1/playlists/{id}", tag = "playlists",
    params(("id" = i64, Path, description = "Playlist id")),
    responses((status = 200, body = PlaylistDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_playlist<S: Store>(
    playlists: Playlists<S>,
    id: Path<i64>,
) -> Result<Json<PlaylistDto>, ApiError> {
    Ok(Json(playlists.playlist(PlaylistId(*id)).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/playlists/{id}/entries", tag = "playlists",
    params(("id" = i64, Path, description = "Playlist id"), PageQuery),
    responses((status = 200, body = Paged<PlaylistEntryDto>, description = "Entries by position"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_entries<S: Store>(
    playlists: Playlists<S>,
    id: Path<i64>,
    query: Query<PageQuery>,
) -> Result<Json<Paged<PlaylistEntryDto>>, ApiError> {
    let page = playlists.entries(PlaylistId(*id), query.request()?).await?;
    Ok(Json(paged(page, PlaylistEntryDto::from)))
}
