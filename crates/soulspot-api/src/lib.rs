//! SoulSpot's HTTP API (actix-web). Handlers call application services, never the database.
//!
//! Architecture invariant: this is the only crate that knows HTTP status codes and JSON shapes
//! of the API; it never depends on diesel or any adapter.

pub mod auth;
pub mod cursor;
pub mod dto;
pub mod events;
mod health;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod routes;

use std::future::Future;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Condition, Next, from_fn};
use actix_web::{App, HttpServer, ResponseError, web};
use soulspot_application::health::HealthRegistry;
use soulspot_application::{
    CredentialService, JobService, LibraryService, PlaylistService, QualityProfileService,
    ReadinessService, SettingsService, Store,
};
use soulspot_domain::ports::SecretCipher;

pub use auth::ApiKey;
pub use events::EventSource;
pub use middleware::MetricsEndpoint;
use middleware::{Compression, RequestObserver};
use routes::{API_PREFIX, Router};

/// Settings of the HTTP layer, from the configuration.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub api_key: ApiKey,
    /// Origins allowed to call the API from a browser; empty keeps CORS closed.
    pub cors_origins: Vec<String>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Responses smaller than this are sent uncompressed.
    pub compression_min_bytes: usize,
    /// Whether `/metrics` needs the API key.
    pub metrics_require_key: bool,
    pub limits: ServerLimits,
}

/// How much of the server clients may hold, together and one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections open at once across all HTTP workers (each worker takes an equal share; the
    /// rest wait in the listen backlog).
    pub max_connections: usize,
    /// How long a new connection may take to send a request's head.
    pub request_head_timeout: std::time::Duration,
    /// How long reading one request's body may take.
    pub body_read_timeout: std::time::Duration,
    /// Event streams (`GET /api/v1/events`) open at once; more are refused with a 503.
    pub max_event_streams: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            request_head_timeout: std::time::Duration::from_secs(5),
            body_read_timeout: std::time::Duration::from_secs(30),
            max_event_streams: 64,
        }
    }
}

/// Everything the handlers need, built once in the composition root; cloning shares it.
pub struct ApiState<S, K> {
    settings: ApiSettings,
    api_key: web::Data<ApiKey>,
    readiness: web::Data<ReadinessService<S>>,
    library: web::Data<LibraryService<S>>,
    playlists: web::Data<PlaylistService<S>>,
    user_settings: web::Data<SettingsService<S>>,
    credentials: web::Data<CredentialService<S, K>>,
    quality: web::Data<QualityProfileService<S>>,
    jobs: web::Data<JobService<S>>,
    metrics: web::Data<MetricsEndpoint>,
    health: web::Data<HealthRegistry>,
    events: Option<web::Data<EventSource>>,
    event_slots: web::Data<events::EventStreamSlots>,
    body_read_timeout: web::Data<middleware::deadline::BodyReadTimeout>,
    music_folder: web::Data<MusicFolder>,
}

/// The configured music folder, if any: where library scans may look.
#[derive(Debug, Clone, Default)]
pub struct MusicFolder(pub Option<std::path::PathBuf>);

impl<S, K> Clone for ApiState<S, K> {
    fn clone(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            api_key: self.api_key.clone(),
            readiness: self.readiness.clone(),
            library: self.library.clone(),
            playlists: self.playlists.clone(),
            user_settings: self.user_settings.clone(),
            credentials: self.credentials.clone(),
            quality: self.quality.clone(),
            jobs: self.jobs.clone(),
            metrics: self.metrics.clone(),
            health: self.health.clone(),
            events: self.events.clone(),
            event_slots: self.event_slots.clone(),
            body_read_timeout: self.body_read_timeout.clone(),
            music_folder: self.music_folder.clone(),
        }
    }
}

impl<S: Store, K: SecretCipher + 'static> ApiState<S, K> {
    /// Builds every service over one store (cheap to clone: it shares its pool) and one cipher.
    pub fn new(
        store: S,
        cipher: K,
        clock: std::sync::Arc<dyn soulspot_domain::Clock>,
        metrics: MetricsEndpoint,
        settings: ApiSettings,
    ) -> Self {
        Self {
            api_key: web::Data::new(settings.api_key.clone()),
            event_slots: web::Data::new(events::EventStreamSlots::new(
                settings.limits.max_event_streams,
            )),
            body_read_timeout: web::Data::new(middleware::deadline::BodyReadTimeout(
                settings.limits.body_read_timeout,
            )),
            settings,
            readiness: web::Data::new(ReadinessService::new(store.clone())),
            library: web::Data::new(LibraryService::new(store.clone())),
            playlists: web::Data::new(PlaylistService::new(store.clone())),
            user_settings: web::Data::new(SettingsService::new(store.clone())),
            credentials: web::Data::new(CredentialService::new(store.clone(), cipher)),
            jobs: web::Data::new(JobService::new(store.clone(), clock.clone())),
            quality: web::Data::new(QualityProfileService::new(store)),
            metrics: web::Data::new(metrics),
            health: web::Data::new(HealthRegistry::new(clock)),
            events: None,
            music_folder: web::Data::new(MusicFolder::default()),
        }
    }

    /// The music folder library scans may look in (none: scan requests are refused).
    pub fn with_music_folder(mut self, folder: Option<std::path::PathBuf>) -> Self {
        self.music_folder = web::Data::new(MusicFolder(folder));
        self
    }

    /// The registry `/health/workers` and `/health/ready` report from (and `/metrics` exports).
    pub fn with_health(mut self, health: HealthRegistry) -> Self {
        let exported = health.clone();
        let metrics = MetricsEndpoint::clone(&self.metrics)
            .with_collector(move || middleware::metrics::export_health(&exported));
        self.metrics = web::Data::new(metrics);
        self.health = web::Data::new(health);
        self
    }

    /// Where `GET /api/v1/events` takes its job notices from.
    pub fn with_events(mut self, events: EventSource) -> Self {
        self.events = Some(web::Data::new(events));
        self
    }

    /// Registers the services and mounts every route (without the app-wide middleware).
    pub fn configure(&self, config: &mut web::ServiceConfig) {
        config
            .app_data(self.api_key.clone())
            .app_data(self.readiness.clone())
            .app_data(self.library.clone())
            .app_data(self.playlists.clone())
            .app_data(self.user_settings.clone())
            .app_data(self.credentials.clone())
            .app_data(self.quality.clone())
            .app_data(self.metrics.clone())
            .app_data(self.jobs.clone())
            .app_data(self.health.clone())
            .app_data(self.music_folder.clone())
            .app_data(self.event_slots.clone())
            .app_data(self.body_read_timeout.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(self.settings.max_body_bytes)
                    .error_handler(problem::json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(problem::query_error))
            .app_data(web::PathConfig::default().error_handler(problem::path_error))
            .app_data(web::PayloadConfig::default().limit(self.settings.max_body_bytes));
        if let Some(events) = &self.events {
            config.app_data(events.clone());
        }
        mount_all::<S, K>(config, self.settings.metrics_require_key);
    }
}

/// Open routes, then the keyed `/api/v1` scope; returns `(method, path)` of every route mounted.
fn mount_all<S: Store, K: SecretCipher + 'static>(
    config: &mut web::ServiceConfig,
    metrics_require_key: bool,
) -> Vec<(Method, String)> {
    let mut mounted = vec![
        (Method::GET, "/health/live".to_owned()),
        (Method::GET, "/health/ready".to_owned()),
        (Method::GET, "/health/workers".to_owned()),
        (Method::GET, "/metrics".to_owned()),
    ];
    config
        .route("/health/live", web::get().to(health::live))
        .route("/health/ready", web::get().to(health::ready::<S>))
        .route("/health/workers", web::get().to(health::workers))
        .service(
            web::resource("/metrics")
                .wrap(Condition::new(
                    metrics_require_key,
                    from_fn(auth::require_api_key),
                ))
                .route(web::get().to(middleware::metrics_handler)),
        );
    let mut keyed = Vec::new();
    config.service(
        web::scope(API_PREFIX)
            .wrap(from_fn(auth::require_api_key))
            .configure(|scope| {
                let mut router = Router::new(scope);
                routes::mount::<S, K>(&mut router);
                keyed = router.finish();
            }),
    );
    mounted.extend(keyed);
    mounted
}

/// Every `(method, path)` the API mounts, in OpenAPI's `{param}` syntax.
pub fn mounted_routes<S: Store, K: SecretCipher + 'static>() -> Vec<(Method, String)> {
    let mut mounted = Vec::new();
    let _app = App::new().configure(|config| mounted = mount_all::<S, K>(config, false));
    mounted
}

/// Turns any error response that is not already JSON (no route, wrong method, a CORS refusal…)
/// into a problem, keeping its status and the headers that explain it.
async fn problem_responses<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let response = next.call(request).await?;
    let status = response.status();
    // The framework's own errors come without a body or as plain text; a JSON body (a problem,
    // or `/health/ready`'s 503 report) already says what it means.
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            value
                .as_bytes()
                .starts_with(problem::PROBLEM_JSON.as_bytes())
                || value.as_bytes().starts_with(b"application/json")
        });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return Ok(response.map_into_left_body());
    }
    let (request, original) = response.into_parts();
    let mut replacement = problem::problem_for_status(status).error_response();
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(value) = original.headers().get(&name) {
            replacement.headers_mut().insert(name, value.clone());
        }
    }
    Ok(ServiceResponse::new(request, replacement).map_into_right_body())
}

/// The whole application: routes, the docs, and the app-wide middleware.
pub fn app<S: Store, K: SecretCipher + 'static>(
    state: ApiState<S, K>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.settings.cors_origins);
    let compression_min_bytes = state.settings.compression_min_bytes;
    App::new()
        .configure(|config| state.configure(config))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                .url("/api/openapi.json", openapi::document()),
        )
        .default_service(web::to(|| async {
            problem::problem_for_status(actix_web::http::StatusCode::NOT_FOUND).error_response()
        }))
        .wrap(from_fn(middleware::deadline::body_deadline))
        .wrap(Condition::new(cors.is_some(), cors.unwrap_or_default()))
        .wrap(from_fn(problem_responses))
        .wrap(Compression {
            min_size: compression_min_bytes,
        })
        // Outermost: it sees every response, and sets the request id before anything runs.
        .wrap(RequestObserver)
}

/// CORS for the configured origins, or `None` when none is configured (browsers then refuse
/// cross-origin calls, which is the safe default for a key-bearing API).
fn cors(origins: &[String]) -> Option<actix_cors::Cors> {
    if origins.is_empty() {
        return None;
    }
    let cors = origins
        .iter()
        .fold(actix_cors::Cors::default(), |cors, origin| {
            cors.allowed_origin(origin)
        })
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-api-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::LOCATION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    Some(cors)
}

/// Serves the API on an already bound listener until `shutdown` completes, then stops
/// gracefully: no new connections, in-flight requests get `grace` to finish. The state's
/// [`ServerLimits`] bound connections (split evenly across `workers`) and the time to send a
/// request's head.
pub async fn run<S, K, F>(
    listener: std::net::TcpListener,
    state: ApiState<S, K>,
    workers: usize,
    grace: std::time::Duration,
    shutdown: F,
) -> std::io::Result<()>
where
    S: Store,
    K: SecretCipher + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let workers = workers.max(1);
    let limits = state.settings.limits;
    let server = HttpServer::new(move || app(state.clone()))
        .workers(workers)
        .max_connections(limits.max_connections.div_ceil(workers).max(1))
        .client_request_timeout(limits.request_head_timeout)
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .shutdown_timeout(grace.as_secs().max(1))
        // The composition root owns signal handling (it also stops the workers).
        .disable_signals()
        .listen(listener)?
        .run();
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown.await;
        handle.stop(true).await;
    });
    server.await
}
