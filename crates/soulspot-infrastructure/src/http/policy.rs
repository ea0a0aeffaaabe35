//! The policy around one upstream service. Every call goes through [`Upstream::send`]:
//!
//! 1. wait while the upstream is paused by an earlier 429 (or fail at once when the pause is
//!    longer than the caller may wait: a long ban shows in health, never as a hot retry loop);
//! 2. ask the circuit breaker (open: fail fast);
//! 3. take one of the upstream's concurrency permits, then a rate-limit slot;
//! 4. send with the request timeout, read the body up to a size limit, follow redirects of GETs
//!    (never from https to http; none at all for a policy built with
//!    [`Upstream::refusing_redirects`], where a 3xx fails the call);
//! 5. retry transport failures, timeouts, 429, 500, 502, 503 and 504 with exponential backoff and
//!    jitter (`backon`), waiting what `Retry-After` asks instead when the response says so — only
//!    for idempotent requests: a POST is never repeated blindly;
//! 6. report the outcome to the breaker, the health registry and the metrics.
//!
//! A response with any other status (2xx, 3xx that is not followed, 4xx but 429) is returned to
//! the client, which knows what a 404 means for its API.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt as _, Full, Limited};
use soulspot_application::breaker::{BreakerOpen, BreakerPermit};
use soulspot_application::health::ComponentHandle;
use soulspot_domain::redact::redact_url;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::client::HttpClient;
use super::rate::{RateLimit, RateLimitSettings};
use super::retry_after::parse_retry_after;

/// Retries of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Retries after the first attempt (0: none).
    pub max_retries: u32,
    /// The first backoff delay; each retry doubles it, with jitter, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` (or 429 pause) a call waits out in line; a longer one fails the
    /// call with [`UpstreamError::RateLimited`], so a job can be retried later instead.
    pub max_wait: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_wait: Duration::from_secs(120),
        }
    }
}

/// One upstream's policy.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// The name in logs, metrics and health (`musicbrainz`, `spotify-api`, …).
    pub name: String,
    /// Relative request paths are joined to this (no trailing slash needed).
    pub base_url: String,
    pub user_agent: String,
    /// The whole exchange: connecting, sending, and reading the body.
    pub request_timeout: Duration,
    /// `None`: no rate limit.
    pub rate_limit: Option<RateLimitSettings>,
    /// Requests in flight at once to this upstream.
    pub max_concurrency: usize,
    pub retry: RetrySettings,
    /// Larger answers fail the call (`TooLarge`): about 2 MiB for a JSON API, 10 MiB for images.
    pub max_body_bytes: usize,
    /// Redirects a GET follows (0: none).
    pub max_redirects: u8,
}

impl UpstreamSettings {
    /// Settings with the defaults for everything but the identity.
    pub fn new(
        name: impl Into<String>,
        base_url: impl Into<String>,
        user_agent: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            user_agent: user_agent.into(),
            request_timeout: Duration::from_secs(30),
            rate_limit: None,
            max_concurrency: 8,
            retry: RetrySettings::default(),
            max_body_bytes: 2 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// A request relative to the upstream's base URL.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    pub method: Method,
    /// Path and query, e.g. `/isrc/USRC17607839?inc=artists&fmt=json`; an absolute `http(s)://`
    /// URL is used as it is (a `next` link of a paged API).
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Whether sending it twice is harmless. Defaults by method (GET, HEAD, PUT, DELETE, OPTIONS
    /// are); a client marks a POST idempotent only when the API makes it so (e.g. a search whose
    /// id the client chose, which the server refuses to create twice).
    pub idempotent: bool,
}

impl UpstreamRequest {
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Self {
            method,
            target: target.into(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent,
        }
    }

    pub fn get(target: impl Into<String>) -> Self {
        Self::new(Method::GET, target)
    }

    /// Adds a header (a value that is not a valid header value is a bug of the caller; it is
    /// dropped and logged rather than sent mangled).
    pub fn header(mut self, name: header::HeaderName, value: &str) -> Self {
        match HeaderValue::try_from(value) {
            Ok(value) => {
                self.headers.insert(name, value);
            }
            Err(_) => tracing::error!(header = %name, "dropped an invalid header value"),
        }
        self
    }

    /// A JSON body (sets `Content-Type`).
    pub fn json_body(mut self, body: &impl serde::Serialize) -> Result<Self, UpstreamError> {
        self.body = serde_json::to_vec(body)
            .map_err(|error| UpstreamError::InvalidRequest(error.to_string()))?
            .into();
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(self)
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form_body(mut self, pairs: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = body.into();
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

/// A response the client gets to interpret.
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The URL that answered (after redirects).
    pub url: String,
}

impl UpstreamResponse {
    /// The body as JSON; a malformed body is a typed error, never a panic.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, UpstreamError> {
        serde_json::from_slice(&self.body).map_err(|error| UpstreamError::Decode {
            status: self.status.as_u16(),
            message: error.to_string(),
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    #[error("{upstream}: circuit breaker open; retry in {} s", retry_in.as_secs())]
    CircuitOpen {
        upstream: String,
        retry_in: Duration,
    },
    #[error("{upstream}: rate limited; retry in {} s", retry_in.as_secs())]
    RateLimited {
        upstream: String,
        retry_in: Duration,
    },
    #[error("{upstream}: cannot connect or send: {message}")]
    Transport { upstream: String, message: String },
    #[error("{upstream}: no answer within {} s", after.as_secs())]
    Timeout { upstream: String, after: Duration },
    #[error("{upstream}: answered {status}")]
    Status {
        upstream: String,
        status: u16,
        body: String,
    },
    #[error("{upstream}: the answer is larger than {limit} bytes")]
    TooLarge { upstream: String, limit: usize },
    #[error("{upstream}: refused a redirect ({status}): {reason}")]
    RedirectRefused {
        upstream: String,
        status: u16,
        reason: String,
    },
    #[error("unexpected answer (status {status}): {message}")]
    Decode { status: u16, message: String },
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// One attempt's failure, with what the retry loop needs to decide.
#[derive(Debug)]
struct AttemptError {
    error: UpstreamError,
    /// Worth another attempt (for an idempotent request).
    transient: bool,
    retry_after: Option<Duration>,
}

impl AttemptError {
    fn permanent(error: UpstreamError) -> Self {
        Self {
            error,
            transient: false,
            retry_after: None,
        }
    }
}

/// The policy of one upstream; clone it freely (clones share limits, pause, breaker).
#[derive(Clone)]
pub struct Upstream {
    shared: Arc<Shared>,
    /// Whether GET and HEAD follow redirects (up to the settings' `max_redirects`).
    follows_redirects: bool,
}

struct Shared {
    settings: UpstreamSettings,
    client: HttpClient,
    user_agent: HeaderValue,
    rate_limit: Option<RateLimit>,
    permits: Semaphore,
    health: ComponentHandle,
    /// After a 429: no call goes out before this instant.
    paused_until: Mutex<Option<Instant>>,
    /// The wall clock, for `Retry-After` dates and the expiry times clients compute.
    clock: Arc<dyn soulspot_domain::Clock>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("name", &self.shared.settings.name)
            .field("base_url", &redact_url(&self.shared.settings.base_url))
            .finish_non_exhaustive()
    }
}

impl Upstream {
    /// The wall clock this upstream's clients read (for expiry times they compute).
    pub fn clock(&self) -> &dyn soulspot_domain::Clock {
        self.shared.clock.as_ref()
    }

    /// `health` must come from `HealthRegistry::register_upstream` (it carries the breaker).
    pub fn new(
        client: HttpClient,
        settings: UpstreamSettings,
        health: ComponentHandle,
    ) -> Result<Self, UpstreamError> {
        let user_agent = HeaderValue::try_from(settings.user_agent.as_str()).map_err(|_| {
            UpstreamError::InvalidRequest(format!(
                "{}: the User-Agent {:?} is not a valid header value",
                settings.name, settings.user_agent
            ))
        })?;
        url::Url::parse(&settings.base_url).map_err(|error| {
            UpstreamError::InvalidRequest(format!(
                "{}: the base URL {:?} is invalid: {error}",
                settings.name,
                redact_url(&settings.base_url)
            ))
        })?;
        Ok(Self {
            shared: Arc::new(Shared {
                rate_limit: settings.rate_limit.map(RateLimit::new),
                permits: Semaphore::new(settings.max_concurrency.max(1)),
                clock: Arc::new(crate::clock::SystemClock),
                user_agent,
                client,
                health,
                paused_until: Mutex::new(None),
                settings,
            }),
            follows_redirects: true,
        })
    }

    /// The same policy (limits, pause and breaker shared) with redirects refused: any 3xx answer
    /// fails the call with [`UpstreamError::RedirectRefused`]. For services that never redirect
    /// (Spotify), so that a token is never carried, or an answer taken, from anywhere else.
    pub fn refusing_redirects(mut self) -> Self {
        self.follows_redirects = false;
        self
    }

    /// Whether this policy follows redirects at all.
    pub fn follows_redirects(&self) -> bool {
        self.follows_redirects
    }

    pub fn name(&self) -> &str {
        &self.shared.settings.name
    }

    pub fn base_url(&self) -> &str {
        &self.shared.settings.base_url
    }

    pub fn health(&self) -> &ComponentHandle {
        &self.shared.health
    }

    /// Sends `request` under the policy (see the module documentation).
    pub async fn send(&self, request: UpstreamRequest) -> Result<UpstreamResponse, UpstreamError> {
        let shared = &self.shared;
        let retry = shared.settings.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(retry.base_delay)
            .with_max_delay(retry.max_delay)
            .with_max_times(retry.max_retries as usize)
            .with_jitter();
        let idempotent = request.idempotent;
        let name = shared.settings.name.clone();
        let outcome = (|| self.attempt(&request))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|failure: &AttemptError| idempotent && failure.transient)
            .adjust(
                |failure: &AttemptError, proposed| match failure.retry_after {
                    // The server's word beats our guess, within what a call may wait in line.
                    Some(asked) if asked > retry.max_wait => None,
                    Some(asked) => Some(asked),
                    None => proposed,
                },
            )
            .notify(|failure: &AttemptError, delay| {
                metrics::counter!("upstream_retries_total", "upstream" => name.clone())
                    .increment(1);
                tracing::info!(
                    upstream = %name, error = %failure.error, delay_ms = delay.as_millis() as u64,
                    "retrying an upstream call"
                );
            })
            .await;
        outcome.map_err(|failure| match failure {
            // A long `Retry-After` ends the call as "rate limited", whatever the status was.
            AttemptError {
                retry_after: Some(retry_in),
                ..
            } if retry_in > retry.max_wait => UpstreamError::RateLimited {
                upstream: shared.settings.name.clone(),
                retry_in,
            },
            failure => failure.error,
        })
    }

    /// One attempt, redirects included.
    async fn attempt(&self, request: &UpstreamRequest) -> Result<UpstreamResponse, AttemptError> {
        let shared = &self.shared;
        let name = &shared.settings.name;
        self.wait_out_pause().await?;
        let permit = shared
            .health
            .breaker()
            .map(|breaker| breaker.try_acquire())
            .transpose()
            .map_err(|BreakerOpen { retry_in }| {
                metrics::counter!(
                    "upstream_requests_total", "upstream" => name.clone(), "outcome" => "circuit_open"
                )
                .increment(1);
                AttemptError::permanent(UpstreamError::CircuitOpen {
                    upstream: name.clone(),
                    retry_in,
                })
            })?;
        let _slot = shared.permits.acquire().await.map_err(|_| {
            AttemptError::permanent(UpstreamError::InvalidRequest(
                "the upstream is closed".into(),
            ))
        })?;
        if let Some(rate_limit) = &shared.rate_limit {
            let waited = rate_limit.until_ready().await;
            if !waited.is_zero() {
                metrics::histogram!("upstream_rate_limit_wait_seconds", "upstream" => name.clone())
                    .record(waited.as_secs_f64());
            }
        }
        let started = Instant::now();
        let result = tokio::time::timeout(
            shared.settings.request_timeout,
            self.exchange_following_redirects(request),
        )
        .await
        .unwrap_or_else(|_| {
            Err(AttemptError {
                error: UpstreamError::Timeout {
                    upstream: name.clone(),
                    after: shared.settings.request_timeout,
                },
                transient: true,
                retry_after: None,
            })
        });
        metrics::histogram!("upstream_request_duration_seconds", "upstream" => name.clone())
            .record(started.elapsed().as_secs_f64());
        let result = result.and_then(|response| self.judge(response));
        self.report(permit, &result);
        result
    }

    /// Waits while a 429 pauses the upstream; fails when the pause is longer than a call waits.
    async fn wait_out_pause(&self) -> Result<(), AttemptError> {
        let shared = &self.shared;
        let until = *shared
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(until) = until else {
            return Ok(());
        };
        let now = Instant::now();
        if until <= now {
            return Ok(());
        }
        let remaining = until - now;
        if remaining > shared.settings.retry.max_wait {
            return Err(AttemptError {
                error: UpstreamError::RateLimited {
                    upstream: shared.settings.name.clone(),
                    retry_in: remaining,
                },
                transient: false,
                retry_after: Some(remaining),
            });
        }
        tokio::time::sleep_until(until).await;
        Ok(())
    }

    /// Sorts a received response into "the client's to read" and "an attempt that failed".
    fn judge(&self, response: UpstreamResponse) -> Result<UpstreamResponse, AttemptError> {
        let shared = &self.shared;
        let status = response.status;
        let transient = matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504);
        if !transient {
            return Ok(response);
        }
        let retry_after = response
            .header("retry-after")
            .and_then(|value| parse_retry_after(value, shared.clock.now_utc()));
        if status == StatusCode::TOO_MANY_REQUESTS {
            // Every call to this upstream holds back, not just this one.
            let pause = retry_after.unwrap_or(shared.settings.retry.base_delay);
            let until = Instant::now() + pause;
            let mut paused = shared
                .paused_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if paused.is_none_or(|current| current < until) {
                *paused = Some(until);
            }
        }
        let body =
            String::from_utf8_lossy(&response.body[..response.body.len().min(512)]).into_owned();
        Err(AttemptError {
            error: UpstreamError::Status {
                upstream: shared.settings.name.clone(),
                status: status.as_u16(),
                body,
            },
            transient: true,
            retry_after,
        })
    }

    /// Feeds one attempt's outcome to the breaker, the health registry and the metrics. Being
    /// throttled (429, or 503 with `Retry-After`) proves the upstream is up: it neither opens the
    /// breaker nor closes it, but health shows it as the last error.
    fn report(
        &self,
        permit: Option<BreakerPermit>,
        result: &Result<UpstreamResponse, AttemptError>,
    ) {
        let shared = &self.shared;
        let name = shared.settings.name.clone();
        let outcome = match result {
            Ok(response) if response.status.is_client_error() => "client_error",
            Ok(_) => "ok",
            Err(failure) => match &failure.error {
                UpstreamError::Status { status: 429, .. } => "throttled",
                UpstreamError::Status { status: 503, .. } if failure.retry_after.is_some() => {
                    "throttled"
                }
                UpstreamError::Status { .. } => "server_error",
                UpstreamError::Timeout { .. } => "timeout",
                UpstreamError::TooLarge { .. }
                | UpstreamError::Decode { .. }
                | UpstreamError::RedirectRefused { .. } => "bad_response",
                _ => "transport",
            },
        };
        metrics::counter!("upstream_requests_total", "upstream" => name, "outcome" => outcome)
            .increment(1);
        match (outcome, result) {
            ("ok" | "client_error", _) => {
                if let Some(permit) = permit {
                    permit.succeeded();
                }
                shared.health.succeeded();
            }
            ("throttled", Err(failure)) => {
                drop(permit);
                shared.health.failed(failure.error.to_string());
            }
            (_, Err(failure)) => {
                if let Some(permit) = permit {
                    permit.failed();
                }
                shared.health.failed(failure.error.to_string());
            }
            (_, Ok(_)) => {}
        }
    }

    /// Sends the request and reads the answer, following redirects of GET and HEAD requests. A
    /// redirect to another origin (the Cover Art Archive's to the Internet Archive) carries no
    /// credentials: they were meant for the upstream, not for wherever it points.
    async fn exchange_following_redirects(
        &self,
        request: &UpstreamRequest,
    ) -> Result<UpstreamResponse, AttemptError> {
        let shared = &self.shared;
        let mut url = self.resolve(&request.target)?;
        let origin = origin_of(&url);
        let follows = matches!(request.method, Method::GET | Method::HEAD);
        let mut hops = 0;
        loop {
            let foreign = origin_of(&url) != origin;
            let response = self.exchange(request, &url, foreign).await?;
            let status = response.status;
            let refused = |reason: String| {
                AttemptError::permanent(UpstreamError::RedirectRefused {
                    upstream: shared.settings.name.clone(),
                    status: status.as_u16(),
                    reason,
                })
            };
            // 304 answers a conditional request: not a pointer elsewhere.
            if status.is_redirection()
                && status != StatusCode::NOT_MODIFIED
                && !self.follows_redirects
            {
                return Err(refused(
                    "this service is not allowed to redirect".to_owned(),
                ));
            }
            let redirect =
                status.is_redirection() && follows && hops < shared.settings.max_redirects;
            let location = response.header("location").map(str::to_owned);
            match (redirect, location) {
                (true, Some(location)) => {
                    hops += 1;
                    url = next_hop(&url, &location).map_err(|refusal| match refusal {
                        HopRefusal::Unreadable(message) => {
                            AttemptError::permanent(UpstreamError::Decode {
                                status: status.as_u16(),
                                message,
                            })
                        }
                        HopRefusal::Downgrade => refused(
                            "from https to plain http (the answer could be read and changed on \
                             the way)"
                                .to_owned(),
                        ),
                    })?;
                }
                _ => return Ok(response),
            }
        }
    }

    fn resolve(&self, target: &str) -> Result<String, AttemptError> {
        if target.starts_with("http://") || target.starts_with("https://") {
            return Ok(target.to_owned());
        }
        let base = self.shared.settings.base_url.trim_end_matches('/');
        if !target.starts_with('/') {
            return Err(AttemptError::permanent(UpstreamError::InvalidRequest(
                format!("a relative target must start with '/': {target:?}"),
            )));
        }
        Ok(format!("{base}{target}"))
    }

    async fn exchange(
        &self,
        request: &UpstreamRequest,
        url: &str,
        strip_credentials: bool,
    ) -> Result<UpstreamResponse, AttemptError> {
        let shared = &self.shared;
        let name = &shared.settings.name;
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(url);
        if let Some(headers) = builder.headers_mut() {
            headers.clone_from(&request.headers);
            if strip_credentials {
                for credential in CREDENTIAL_HEADERS {
                    headers.remove(*credential);
                }
            }
            headers.insert(header::USER_AGENT, shared.user_agent.clone());
        }
        let outgoing = builder
            .body(Full::new(request.body.clone()))
            .map_err(|error| {
                AttemptError::permanent(UpstreamError::InvalidRequest(format!(
                    "cannot build a request to {}: {error}",
                    redact_url(url)
                )))
            })?;
        let response = shared.client.send(outgoing).await.map_err(|error| {
            let message = std::error::Error::source(&error)
                .map_or_else(|| error.to_string(), |source| format!("{error}: {source}"));
            AttemptError {
                error: UpstreamError::Transport {
                    upstream: name.clone(),
                    message,
                },
                transient: true,
                retry_after: None,
            }
        })?;
        let (parts, body) = response.into_parts();
        let limit = shared.settings.max_body_bytes;
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    AttemptError::permanent(UpstreamError::TooLarge {
                        upstream: name.clone(),
                        limit,
                    })
                } else {
                    AttemptError {
                        error: UpstreamError::Transport {
                            upstream: name.clone(),
                            message: format!("the answer broke off: {error}"),
                        },
                        transient: true,
                        retry_after: None,
                    }
                }
            })?
            .to_bytes();
        Ok(UpstreamResponse {
            status: parts.status,
            headers: parts.headers,
            body,
            url: url.to_owned(),
        })
    }
}

/// Why a redirect is not followed.
#[derive(Debug, PartialEq, Eq)]
enum HopRefusal {
    /// The location is not a URL (relative to the current one).
    Unreadable(String),
    /// From https to http.
    Downgrade,
}

/// Where a redirect from `current` to `location` leads, unless it leaves https for http.
fn next_hop(current: &str, location: &str) -> Result<String, HopRefusal> {
    let current = url::Url::parse(current).map_err(|error| {
        HopRefusal::Unreadable(format!("bad URL {:?}: {error}", redact_url(current)))
    })?;
    let next = current.join(location).map_err(|error| {
        HopRefusal::Unreadable(format!(
            "bad redirect location {:?}: {error}",
            redact_url(location)
        ))
    })?;
    if current.scheme() == "https" && next.scheme() != "https" {
        return Err(HopRefusal::Downgrade);
    }
    Ok(next.into())
}

/// Headers that carry credentials, dropped on a redirect to another origin.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
];

/// `scheme://host:port` of a URL (`None` when it does not parse).
fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_never_leaves_https_for_http() {
        assert_eq!(
            next_hop(
                "https://coverartarchive.org/release/x/front",
                "http://ia.example/1.jpg"
            ),
            Err(HopRefusal::Downgrade)
        );
        assert_eq!(
            next_hop("https://a.example/x", "//b.example/y").as_deref(),
            Ok("https://b.example/y"),
            "a scheme-relative location stays on https"
        );
        assert_eq!(
            next_hop("https://a.example/x", "https://b.example/y").as_deref(),
            Ok("https://b.example/y")
        );
        assert_eq!(
            next_hop("http://127.0.0.1:9/x", "/y").as_deref(),
            Ok("http://127.0.0.1:9/y")
        );
        assert_eq!(
            next_hop("http://127.0.0.1:9/x", "https://a.example/y").as_deref(),
            Ok("https://a.example/y"),
            "an upgrade is fine"
        );
        assert!(matches!(
            next_hop("https://a.example/x", "ftp://a.example/y"),
            Err(HopRefusal::Downgrade)
        ));
        assert!(matches!(
            next_hop("https://a.example/x", "http://[::1"),
            Err(HopRefusal::Unreadable(_))
        ));
    }
}
