//! The common part of the fake upstream servers: a real HTTP/1.1 server on 127.0.0.1 (a random
//! port) that hands each request to a fake's handler, records every request, counts the TCP
//! connections it accepted, and can be scripted per test — added latency, the next requests
//! failing with a status (and headers such as `Retry-After`), malformed bodies, dropped
//! connections, and the whole server going down (connections refused) and coming up again on the
//! same port.
//!
//! A fake implements [`FakeUpstream`]: a synchronous function from a request to a response over
//! the fake's own state. Behaviour that unfolds over time (a search gathering responses, a
//! transfer progressing) is computed from the time elapsed since it began, so a fake needs no
//! background tasks and stays deterministic under test.

pub mod coverart;
mod faults;
pub mod lrclib;
pub mod musicbrainz;
mod request;
pub mod slskd;
pub mod spotify;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use faults::{Fault, Faults};
pub use request::{
    FakeRequest, FakeResponse, empty_response, json_response, redirect_response, text_response,
};

/// A fake upstream service: answers one request from its own state.
pub trait FakeUpstream: Send + Sync + 'static {
    fn handle(&self, request: &FakeRequest) -> FakeResponse;
}

impl<F> FakeUpstream for F
where
    F: Fn(&FakeRequest) -> FakeResponse + Send + Sync + 'static,
{
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        self(request)
    }
}

/// A fake and the server that serves it, started together; the test keeps both (to script the
/// fake's data and behaviour, and to read what the server saw).
pub struct Running<F> {
    pub server: FakeServer,
    pub fake: Arc<F>,
}

impl<F> std::fmt::Debug for Running<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl<F: FakeUpstream> Running<F> {
    /// Serves `fake` on a fresh loopback port.
    pub async fn start(fake: F) -> Self {
        let fake = Arc::new(fake);
        let server = FakeServer::start_shared(fake.clone()).await;
        Self { server, fake }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }
}

/// What the server remembers of one request.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: http::Method,
    pub path: String,
    /// The raw query string (without `?`), empty when there was none.
    pub query: String,
    pub headers: http::HeaderMap,
    pub at: Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

struct Shared {
    upstream: Arc<dyn FakeUpstream>,
    faults: Faults,
    connections: AtomicU64,
    /// Requests being answered right now, and the most there ever were at once.
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Bumped when the server goes down: the accept loop and every open connection of an older
    /// generation end.
    generation: watch::Sender<u64>,
}

/// A fake server; stops when dropped.
pub struct FakeServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    accept: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// Starts serving `upstream` on 127.0.0.1 at a free port.
    ///
    /// # Panics
    /// When no loopback port can be bound (test equipment: failing loudly is the point).
    pub async fn start(upstream: impl FakeUpstream) -> Self {
        Self::start_shared(Arc::new(upstream)).await
    }

    /// Like [`FakeServer::start`], for a fake the test keeps a handle on (to script it).
    #[expect(clippy::expect_used, reason = "test equipment fails loudly")]
    pub async fn start_shared(upstream: Arc<dyn FakeUpstream>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind a loopback port for a fake server");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            upstream,
            faults: Faults::default(),
            connections: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak_in_flight: AtomicU64::new(0),
            requests: Mutex::new(Vec::new()),
            generation: watch::channel(0).0,
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        Self {
            address,
            shared,
            accept: Mutex::new(Some(accept)),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The scripted faults of this server.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// TCP connections accepted since the start.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The most requests this server was answering at the same time.
    pub fn peak_in_flight(&self) -> u64 {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Every request received so far, oldest first (including those a fault answered).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Requests received so far whose path starts with `prefix`.
    pub fn requests_to(&self, prefix: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|request| request.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Stops listening and drops every open connection: clients see connections refused (or
    /// reset, for requests in flight) until [`FakeServer::come_up`].
    pub fn go_down(&self) {
        self.shared
            .generation
            .send_modify(|generation| *generation += 1);
        if let Some(accept) = lock(&self.accept).take() {
            accept.abort();
        }
    }

    /// Listens again on the same port after [`FakeServer::go_down`].
    ///
    /// # Panics
    /// When the port was taken by someone else in between.
    #[expect(clippy::expect_used, reason = "test equipment fails loudly")]
    pub async fn come_up(&self) {
        let listener = TcpListener::bind(self.address)
            .await
            .expect("cannot listen on the fake server's port again");
        let accept = tokio::spawn(accept_loop(listener, self.shared.clone()));
        if let Some(old) = lock(&self.accept).replace(accept) {
            old.abort();
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.go_down();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut generation = shared.generation.subscribe();
    let current = *generation.borrow_and_update();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = generation.changed() => return,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared = shared.clone();
        let mut ended = shared.generation.subscribe();
        tokio::spawn(async move {
            let service_shared = shared.clone();
            let service = hyper::service::service_fn(move |request| {
                let shared = service_shared.clone();
                async move { serve(shared, request).await }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = ended.wait_for(|generation| *generation != current) => {}
            }
        });
    }
}

/// Why a connection was dropped without an answer (a scripted fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for Dropped {}

/// Counts one request as in flight while it lives.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(
    shared: Arc<Shared>,
    request: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    let request = FakeRequest::new(parts, body);
    let _in_flight = InFlight::enter(&shared);
    lock(&shared.requests).push(RecordedRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.raw_query.clone(),
        headers: request.headers.clone(),
        at: Instant::now(),
    });
    let latency = shared.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match shared.faults.take_for(&request.path) {
        Some(Fault::Disconnect) => Err(Dropped),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(shared.upstream.handle(&request))
        }
        Some(fault) => Ok(fault.response()),
        None => {
            let response = shared.upstream.handle(&request);
            // A fake that models processing time (e.g. slskd's one-search-at-a-time rule) asks
            // for its answer to be held back; the request counts as in flight meanwhile.
            if let Some(ResponseDelay(delay)) = response.extensions().get::<ResponseDelay>() {
                tokio::time::sleep(*delay).await;
            }
            Ok(response)
        }
    }
}

/// Put in a response's extensions by a fake: the server holds the response back this long before
/// sending it, as a real service busy processing the request would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseDelay(pub std::time::Duration);
