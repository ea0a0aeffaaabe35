//! The process's one HTTP client. `Clone` shares the pool; build it once in the composition root.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// How the pool behaves. The defaults suit a home server talking to a handful of hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpClientSettings {
    /// Time allowed to open a TCP connection.
    pub connect_timeout: Duration,
    /// An idle pooled connection is closed after this long (a background timer reaps it).
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
}

impl Default for HttpClientSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 8,
        }
    }
}

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    #[error("cannot set up TLS for outbound HTTPS: {0}")]
    Tls(#[source] std::io::Error),
}

/// A pooled HTTP/1.1 + HTTP/2 client over rustls (ring, webpki roots). Plain `http://` URLs are
/// allowed too: tests, and self-hosted services such as slskd or a MusicBrainz mirror on the LAN.
#[derive(Clone)]
pub struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    pub fn new(settings: &HttpClientSettings) -> Result<Self, HttpClientError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(settings.connect_timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let inner = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(settings.pool_idle_timeout)
            .pool_max_idle_per_host(settings.pool_max_idle_per_host)
            // Without the timer, idle sockets are only dropped at the next checkout.
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(https);
        Ok(Self { inner })
    }

    pub(crate) async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<http::Response<Incoming>, hyper_util::client::legacy::Error> {
        self.inner.request(request).await
    }
}
