//! The API over a real database (SQLite; PostgreSQL too where `TEST_POSTGRES_URL` is set), driven
//! through the whole actix application: middleware, extractors, handlers, services, repositories.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract;
mod fuzz;
mod jobs;
mod resources;
mod statements;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test;
use soulspot_api::{ApiKey, ApiSettings, ApiState};
use soulspot_domain::ports::{CatalogRepository, LibraryFileRepository, PlaylistRepository};
use soulspot_domain::{NewPlaylist, PlaylistId, TrackId};
use soulspot_infrastructure::Database;
use soulspot_infrastructure::secrets::{SecretKey, XChaChaCipher};
use soulspot_testkit::catalog::{catalog_batch, present_flac_file, spotify_id};

pub const KEY: &str = "test-key-0123456789abcdef";
pub const MAX_BODY: usize = 64 * 1024;

/// The application's state over `database`, with a fresh secret key in `keys`.
pub fn state(database: &Database, keys: &tempfile::TempDir) -> ApiState<Database, XChaChaCipher> {
    let secret_key = SecretKey::load_or_create(&keys.path().join("secret.key")).unwrap();
    ApiState::new(
        database.clone(),
        XChaChaCipher::new(&secret_key),
        std::sync::Arc::new(soulspot_infrastructure::SystemClock),
        soulspot_api::MetricsEndpoint::install().unwrap(),
        ApiSettings {
            api_key: ApiKey::new(KEY.into()),
            cors_origins: Vec::new(),
            max_body_bytes: MAX_BODY,
            compression_min_bytes: 1024,
            metrics_require_key: false,
            limits: soulspot_api::ServerLimits::default(),
        },
    )
    .with_events(soulspot_api::EventSource(std::sync::Arc::new(
        database.clone(),
    )))
}

/// Builds the full application (every middleware) as a service tests can call.
#[macro_export]
macro_rules! app {
    ($database:expr, $keys:expr) => {
        actix_web::test::init_service(soulspot_api::app($crate::state($database, $keys))).await
    };
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

pub async fn call<S, R, B>(app: &S, request: R) -> Reply
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = test::call_service(app, request).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    // An event stream never ends: its status and headers are all a generic call can check.
    let streaming = headers
        .get("content-type")
        .is_some_and(|value| value.as_bytes().starts_with(b"text/event-stream"));
    let body = if streaming {
        Vec::new()
    } else {
        test::read_body(response).await.to_vec()
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// A GET with the right key.
pub fn get(path: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .insert_header(("x-api-key", KEY))
}

/// What the tests seed: `tracks` tracks (albums of 12), a playlist of the first `entries` of them,
/// and a present library file for every third track.
pub struct Seeded {
    pub tracks: Vec<TrackId>,
    pub playlist: PlaylistId,
}

pub async fn seed(database: &Database, tracks: u64, entries: usize) -> Seeded {
    let ids = database
        .upsert_catalog(catalog_batch(7, 0, tracks))
        .await
        .unwrap();
    let playlist = database
        .upsert_playlist(NewPlaylist {
            name: "Seeded".into(),
            description: Some("test playlist".into()),
            spotify_id: Some(spotify_id(4, 1)),
            snapshot_id: Some("snap".into()),
            owner: Some("me".into()),
            is_liked_songs: false,
            sync_enabled: true,
        })
        .await
        .unwrap();
    database
        .replace_entries(
            playlist.id,
            ids.tracks
                .iter()
                .take(entries)
                .map(|id| (*id, None))
                .collect(),
        )
        .await
        .unwrap();
    let files = ids
        .tracks
        .iter()
        .step_by(3)
        .map(|id| present_flac_file(*id, "/music", 20_000_000))
        .collect();
    database.upsert_files(files).await.unwrap();
    Seeded {
        tracks: ids.tracks,
        playlist: playlist.id,
    }
}
