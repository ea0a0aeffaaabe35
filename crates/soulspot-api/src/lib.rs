//! SoulSpot's HTTP API (actix-web). Handlers call application services, never the database.
//!
//! Architecture invariant: this is the only crate that knows HTTP status codes and JSON shapes
//! of the API; it never depends on diesel or any adapter.

mod health;

use std::future::Future;

use actix_web::{App, HttpServer, web};
use soulspot_application::ReadinessService;
use soulspot_domain::ports::DatabaseProbe;

/// Everything the handlers need, built once in the composition root.
pub struct ApiState<P> {
    pub readiness: ReadinessService<P>,
}

/// Mounts every route. Generic over the ports the handlers use, so tests can mount the API over
/// fakes.
pub fn configure<P: DatabaseProbe + 'static>(
    state: web::Data<ApiState<P>>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config.app_data(state).configure(health::routes::<P>);
    }
}

/// Serves the API on an already bound listener until `shutdown` completes, then stops
/// gracefully: no new connections, in-flight requests get `grace` to finish.
pub async fn run<P, S>(
    listener: std::net::TcpListener,
    state: ApiState<P>,
    workers: usize,
    grace: std::time::Duration,
    shutdown: S,
) -> std::io::Result<()>
where
    P: DatabaseProbe + 'static,
    S: Future<Output = ()> + Send + 'static,
{
    let state = web::Data::new(state);
    let server = HttpServer::new(move || App::new().configure(configure(state.clone())))
        .workers(workers.max(1))
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
