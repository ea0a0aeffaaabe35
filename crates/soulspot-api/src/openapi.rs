//! The OpenAPI 3.1 document, generated from the handlers' annotations, served at
//! `/api/openapi.json` and rendered by Swagger UI at `/docs` from assets inside the binary.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{health, routes};

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // No licence has been chosen yet; an empty one (taken from Cargo.toml) would be invalid.
        openapi.info.license = None;
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "The key from `api_key` in the data directory (or the configured one)",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SoulSpot API",
        description = "Mirror Spotify playlists into a local music library. Every `/api/v1` route \
            needs the API key (`X-Api-Key` or `Authorization: Bearer`). Lists are keyset-paged: \
            pass `next_cursor` back as `cursor`. Errors are `application/problem+json` with a \
            stable `code`."
    ),
    modifiers(&SecuritySchemes),
    security(("api_key" = []), ("bearer" = [])),
    paths(
        health::live, health::ready, health::workers, health::metrics,
        routes::list_artists, routes::get_artist, routes::list_albums, routes::get_album,
        routes::list_tracks, routes::get_track, routes::search, routes::stats, routes::start_scan,
        routes::list_playlists, routes::get_playlist, routes::list_entries,
        routes::get_settings, routes::put_settings,
        routes::list_credentials, routes::get_credential, routes::put_credential,
        routes::delete_credential,
        routes::list_profiles, routes::create_profile, routes::get_profile,
        routes::update_profile, routes::delete_profile, routes::activate_profile,
        routes::list_jobs, routes::get_job, routes::cancel_job, routes::retry_job,
        routes::start_maintenance, crate::events::events,
    ),
    tags(
        (name = "health", description = "Liveness, readiness and metrics (no key needed)"),
        (name = "library", description = "Artists, albums, tracks, search, stats and library scans"),
        (name = "playlists", description = "Imported playlists and their entries"),
        (name = "settings", description = "Run-time settings and stored credentials"),
        (name = "quality", description = "Quality profiles for downloads"),
        (name = "jobs", description = "Background jobs, their progress and live events"),
    )
)]
pub struct ApiDoc;

/// The document as served, pretty-printed (also what `cargo xtask openapi` writes).
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
