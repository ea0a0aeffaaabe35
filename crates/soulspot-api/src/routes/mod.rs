//! Every route of the API, mounted through one [`Router`] that also records what it mounted, so a
//! test can prove that the OpenAPI document lists every route and nothing else.

mod jobs;
mod library;
mod playlists;
mod quality;
mod settings;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, web};
use soulspot_application::Store;
use soulspot_domain::ports::SecretCipher;

pub(crate) use jobs::*;
pub(crate) use library::*;
pub(crate) use playlists::*;
pub(crate) use quality::*;
pub(crate) use settings::*;

/// The prefix of every keyed resource.
pub const API_PREFIX: &str = "/api/v1";

/// Mounts handlers inside the `/api/v1` scope and remembers `(method, full path)` of each. Routes
/// of one path share one resource, so a method the path does not serve answers 405, not 404.
pub struct Router<'a> {
    config: &'a mut web::ServiceConfig,
    resources: Vec<(String, actix_web::Resource)>,
    mounted: Vec<(Method, String)>,
}

impl<'a> Router<'a> {
    pub fn new(config: &'a mut web::ServiceConfig) -> Self {
        Self {
            config,
            resources: Vec::new(),
            mounted: Vec::new(),
        }
    }

    /// Mounts `handler` for `method` on `path` (relative to `/api/v1`, in actix's `{id}` syntax,
    /// which is also OpenAPI's).
    pub fn route<F, Args>(&mut self, method: Method, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let route = web::method(method.clone()).to(handler);
        match self.resources.iter().position(|(known, _)| known == path) {
            Some(index) => {
                let (known, resource) = self.resources.swap_remove(index);
                self.resources.push((known, resource.route(route)));
            }
            None => self
                .resources
                .push((path.to_owned(), web::resource(path).route(route))),
        }
        self.mounted.push((method, format!("{API_PREFIX}{path}")));
        self
    }

    /// Registers the collected resources; returns what was mounted.
    pub fn finish(self) -> Vec<(Method, String)> {
        for (_, resource) in self.resources {
            self.config.service(resource);
        }
        self.mounted
    }
}

/// Mounts every keyed resource; returns what was mounted.
pub fn mount<S: Store, K: SecretCipher + 'static>(router: &mut Router<'_>) {
    router
        .route(Method::GET, "/artists", list_artists::<S>)
        .route(Method::GET, "/artists/{id}", get_artist::<S>)
        .route(Method::GET, "/albums", list_albums::<S>)
        .route(Method::GET, "/albums/{id}", get_album::<S>)
        .route(Method::GET, "/tracks", list_tracks::<S>)
        .route(Method::GET, "/tracks/{id}", get_track::<S>)
        .route(Method::GET, "/search", search::<S>)
        .route(Method::GET, "/stats", stats::<S>)
        .route(Method::POST, "/library/scans", start_scan::<S>)
        .route(Method::GET, "/playlists", list_playlists::<S>)
        .route(Method::GET, "/playlists/{id}", get_playlist::<S>)
        .route(Method::GET, "/playlists/{id}/entries", list_entries::<S>)
        .route(Method::GET, "/settings", get_settings::<S>)
        .route(Method::PUT, "/settings", put_settings::<S>)
        .route(Method::GET, "/credentials", list_credentials::<S, K>)
        .route(
            Method::GET,
            "/credentials/{provider}",
            get_credential::<S, K>,
        )
        .route(
            Method::PUT,
            "/credentials/{provider}",
            put_credential::<S, K>,
        )
        .route(
            Method::DELETE,
            "/credentials/{provider}",
            delete_credential::<S, K>,
        )
        .route(Method::GET, "/quality-profiles", list_profiles::<S>)
        .route(Method::POST, "/quality-profiles", create_profile::<S>)
        .route(Method::GET, "/quality-profiles/{id}", get_profile::<S>)
        .route(Method::PUT, "/quality-profiles/{id}", update_profile::<S>)
        .route(
            Method::DELETE,
            "/quality-profiles/{id}",
            delete_profile::<S>,
        )
        .route(
            Method::POST,
            "/quality-profiles/{id}/activate",
            activate_profile::<S>,
        )
        .route(Method::GET, "/jobs", list_jobs::<S>)
        .route(Method::GET, "/jobs/{id}", get_job::<S>)
        .route(Method::POST, "/jobs/{id}/cancel", cancel_job::<S>)
        .route(Method::POST, "/jobs/{id}/retry", retry_job::<S>)
        .route(
            Method::POST,
            "/maintenance/database",
            start_maintenance::<S>,
        )
        .route(Method::GET, "/events", crate::events::events);
}
