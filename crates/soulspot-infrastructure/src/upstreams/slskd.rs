//! slskd's REST API (v0): the [`SoulseekNetwork`] port over an slskd daemon, plus
//! [`SlskdClient::search_to_completion`], which starts a search, follows it until it is complete
//! and collects the peers' answers.
//!
//! Three rules shape the client:
//!
//! - **One POST at a time.** slskd answers `429` when a `POST /searches` (or an enqueue) arrives
//!   while another is being processed. Within the process, the client sends them one at a time
//!   (a lock per kind); a `429` caused by another client of the same slskd is waited out and the
//!   request sent again, for up to [`SlskdSettings::busy_wait`], never reported as a failure. A
//!   search carries our own id, so repeating it is harmless (slskd refuses a second search with
//!   the same id, which the client recognises as its own earlier attempt): the policy may retry it
//!   like a GET. An enqueue is not repeated blindly: only a `429`, which means nothing was
//!   enqueued, sends it again; a `500` or a broken connection is reported.
//! - **The Soulseek search budget.** The Soulseek server bans clients for half an hour that
//!   search more than about 34 times in 220 s, so every search first waits for a slot of
//!   [`SlskdSettings::search_budget`]. The budget belongs to the client and its clones: build one
//!   client per slskd in the composition root.
//! - **Every call carries `X-API-Key`.** Without a key the client exists but refuses every call
//!   with `NotConfigured`, so the rest of the system runs and health says what is missing.

mod network;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, Method};
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::soulseek::{
    EnqueueOutcome, PeerResponse, RequestedDownload, SearchRequest, SearchStatus, SoulseekNetwork,
    SoulseekSearchId, TransferId,
};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{decode, failure, unexpected_status};
use crate::http::{
    RateLimit, RateLimitSettings, Upstream, UpstreamError, UpstreamRequest, UpstreamResponse,
};

const SERVICE: &str = "slskd";
const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");
/// How often removing a download is tried while slskd still finishes cancelling it.
const REMOVE_ATTEMPTS: u32 = 10;
/// Status reads after stopping a search that ran past its time, waiting for slskd to mark it
/// complete.
const READS_AFTER_STOP: u32 = 10;

/// How the slskd client behaves.
#[derive(Clone)]
pub struct SlskdSettings {
    /// The key sent as `X-API-Key` (slskd's `web.authentication.api_keys`); blank: not configured.
    pub api_key: String,
    /// Searches allowed (default: at most 34 in any 220 s, as the Soulseek server tolerates).
    pub search_budget: RateLimitSettings,
    /// How long a request refused with `429` (another request in flight) is sent again before
    /// the call fails as unavailable.
    pub busy_wait: Duration,
    /// How often [`SlskdClient::follow_search`] reads a running search's status.
    pub search_poll_interval: Duration,
    /// How long past its (inactivity) timeout a followed search may run before it is stopped.
    pub search_overrun: Duration,
}

impl SlskdSettings {
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            // `at_most` only refuses a zero window; the fallback is the same budget, rounded
            // to the stricter side.
            search_budget: RateLimitSettings::at_most(34, Duration::from_secs(220)).unwrap_or(
                RateLimitSettings {
                    period: Duration::from_secs(7),
                    burst: std::num::NonZeroU32::MIN,
                },
            ),
            busy_wait: Duration::from_secs(120),
            search_poll_interval: Duration::from_secs(1),
            search_overrun: Duration::from_secs(15),
        }
    }
}

impl std::fmt::Debug for SlskdSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlskdSettings")
            .field("api_key", &"<redacted>")
            .field("search_budget", &self.search_budget)
            .field("busy_wait", &self.busy_wait)
            .field("search_poll_interval", &self.search_poll_interval)
            .field("search_overrun", &self.search_overrun)
            .finish()
    }
}

/// A search followed to its end: its final status and the peers' answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedSearch {
    pub status: SearchStatus,
    pub responses: Vec<PeerResponse>,
}

/// The slskd client; clones share the search budget and the one-POST-at-a-time locks.
#[derive(Clone)]
pub struct SlskdClient {
    upstream: Upstream,
    shared: Arc<Shared>,
}

struct Shared {
    settings: SlskdSettings,
    search_budget: RateLimit,
    /// Held while a `POST /searches` is being sent (slskd processes one at a time).
    search_post: Mutex<()>,
    /// Held while an enqueue is being sent.
    enqueue_post: Mutex<()>,
}

impl std::fmt::Debug for SlskdClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlskdClient")
            .field("upstream", &self.upstream)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}

impl SlskdClient {
    /// `upstream`'s base URL is the API root (`http://host:5030/api/v0`).
    pub fn new(upstream: Upstream, settings: SlskdSettings) -> Self {
        Self {
            upstream,
            shared: Arc::new(Shared {
                search_budget: RateLimit::new(settings.search_budget),
                search_post: Mutex::new(()),
                enqueue_post: Mutex::new(()),
                settings,
            }),
        }
    }

    pub fn settings(&self) -> &SlskdSettings {
        &self.shared.settings
    }

    /// A request with the API key; `NotConfigured` without one.
    fn request(&self, method: Method, target: String) -> Result<UpstreamRequest, UpstreamFailure> {
        let api_key = self.shared.settings.api_key.trim();
        if api_key.is_empty() {
            return Err(UpstreamFailure::NotConfigured {
                service: SERVICE.to_owned(),
                message: "set `slskd.api_key` (one of slskd's `web.authentication.api_keys`)"
                    .to_owned(),
            });
        }
        Ok(UpstreamRequest::new(method, target)
            .header(API_KEY_HEADER, api_key)
            .header(http::header::ACCEPT, "application/json"))
    }

    async fn send(&self, request: UpstreamRequest) -> Result<UpstreamResponse, UpstreamFailure> {
        self.upstream.send(request).await.map_err(slskd_failure)
    }

    /// Sends `request`, and again while slskd answers `429` because another request of the same
    /// kind is in flight (from another client: ours are serialised), for up to `busy_wait`. The
    /// policy pauses every call to slskd briefly after a `429` on top of this backoff.
    async fn send_waiting_out_busy(
        &self,
        request: UpstreamRequest,
    ) -> Result<UpstreamResponse, UpstreamFailure> {
        let busy_wait = self.shared.settings.busy_wait;
        let started = Instant::now();
        let mut delay = Duration::from_millis(50);
        let mut refusals: u32 = 0;
        loop {
            match self.upstream.send(request.clone()).await {
                Err(UpstreamError::Status { status: 429, .. })
                    if started.elapsed() + delay <= busy_wait =>
                {
                    refusals += 1;
                    tracing::debug!(
                        upstream = SERVICE, target = %request.target, refusals,
                        delay_ms = delay.as_millis() as u64,
                        "slskd is busy with another request; waiting to send again"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(UpstreamError::Status { status: 429, .. }) => {
                    return Err(UpstreamFailure::Unavailable {
                        service: SERVICE.to_owned(),
                        message: format!(
                            "slskd stayed busy with other requests for {} s ({refusals} refusals)",
                            started.elapsed().as_secs()
                        ),
                        retry_in: None,
                    });
                }
                Err(error) => return Err(slskd_failure(error)),
                Ok(response) => {
                    if refusals > 0 {
                        tracing::info!(
                            upstream = SERVICE, target = %request.target, refusals,
                            waited_ms = started.elapsed().as_millis() as u64,
                            "slskd accepted the request after it was busy"
                        );
                    }
                    return Ok(response);
                }
            }
        }
    }

    /// Follows a search until it is complete, reading its status every
    /// [`SlskdSettings::search_poll_interval`]. Its timeout is an inactivity timer that each
    /// response restarts, so a search with many answers can run long: past `search_timeout` plus
    /// [`SlskdSettings::search_overrun`] it is stopped (its answers so far are kept) and the
    /// status after stopping is returned.
    pub async fn follow_search(
        &self,
        id: &SoulseekSearchId,
        search_timeout: Duration,
    ) -> Result<SearchStatus, UpstreamFailure> {
        let settings = &self.shared.settings;
        let deadline = Instant::now() + search_timeout + settings.search_overrun;
        loop {
            let status = self.existing_search(id).await?;
            if status.is_complete {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(settings.search_poll_interval).await;
        }
        tracing::info!(
            upstream = SERVICE, search.id = %id,
            "a search ran past its time; stopping it and keeping its answers"
        );
        self.stop_search(id).await?;
        let mut status = self.existing_search(id).await?;
        for _ in 0..READS_AFTER_STOP {
            if status.is_complete {
                break;
            }
            tokio::time::sleep(
                settings
                    .search_poll_interval
                    .min(Duration::from_millis(500)),
            )
            .await;
            status = self.existing_search(id).await?;
        }
        Ok(status)
    }

    /// Starts a search, follows it until it is complete and collects the answers. The search
    /// stays in slskd; delete it once its answers are no longer needed.
    pub async fn search_to_completion(
        &self,
        request: &SearchRequest,
    ) -> Result<CompletedSearch, UpstreamFailure> {
        let started = self.start_search(request).await?;
        let status = self
            .follow_search(&started.id, request.search_timeout)
            .await?;
        let responses = self
            .search_responses(&status.id)
            .await?
            .ok_or_else(|| vanished(&status.id))?;
        Ok(CompletedSearch { status, responses })
    }

    /// The status of a search that must exist.
    async fn existing_search(
        &self,
        id: &SoulseekSearchId,
    ) -> Result<SearchStatus, UpstreamFailure> {
        self.search_status(id).await?.ok_or_else(|| vanished(id))
    }

    /// `POST /searches` answered `409`: either our own earlier attempt got through (a retry after
    /// a lost answer), or slskd refused the search (the id is someone else's, or the server
    /// connection is down, which slskd records as an errored search).
    async fn conflicting_search(
        &self,
        request: &SearchRequest,
        id: &SoulseekSearchId,
        response: &UpstreamResponse,
    ) -> Result<SearchStatus, UpstreamFailure> {
        match self.search_status(id).await? {
            Some(status)
                if !status.state.is_errored() && status.search_text == request.search_text =>
            {
                Ok(status)
            }
            _ => Err(unexpected_status(SERVICE, response)),
        }
    }

    /// A download's path under `/transfers/downloads`.
    fn download_path(username: &str, id: &TransferId) -> String {
        format!(
            "/transfers/downloads/{}/{}",
            path_segment(username),
            path_segment(id.as_str())
        )
    }

    /// Transfers of `username` that match the requested files, for an enqueue whose answer
    /// carried no body (older slskd versions).
    async fn enqueued_without_answer(
        &self,
        username: &str,
        files: &[RequestedDownload],
    ) -> Result<EnqueueOutcome, UpstreamFailure> {
        let request = self.request(
            Method::GET,
            format!("/transfers/downloads/{}", path_segment(username)),
        )?;
        let response = self.send(request).await?;
        let transfers = match response.status.as_u16() {
            200 => decode::<wire::UserTransfers>(SERVICE, &response)?
                .into_transfers()
                .map_err(malformed)?,
            404 => Vec::new(),
            _ => return Err(unexpected_status(SERVICE, &response)),
        };
        let enqueued = transfers
            .into_iter()
            .filter(|transfer| {
                !transfer.state.is_terminal()
                    && files.iter().any(|file| file.filename == transfer.filename)
            })
            .collect();
        Ok(EnqueueOutcome {
            enqueued,
            failed: Vec::new(),
        })
    }
}

/// The domain's view of a failed call. slskd explains a `500` in its body ("User x appears to be
/// offline"), which the message keeps.
fn slskd_failure(error: UpstreamError) -> UpstreamFailure {
    match error {
        UpstreamError::Status { status, body, .. } => UpstreamFailure::Unavailable {
            service: SERVICE.to_owned(),
            message: format!("answered {status}: {}", body.trim()),
            retry_in: None,
        },
        error => failure(SERVICE, error),
    }
}

fn malformed(message: String) -> UpstreamFailure {
    UpstreamFailure::Malformed {
        service: SERVICE.to_owned(),
        message,
    }
}

/// A search that slskd no longer knows while we follow it (deleted by someone, or slskd's
/// retention removed it).
fn vanished(id: &SoulseekSearchId) -> UpstreamFailure {
    UpstreamFailure::Refused {
        service: SERVICE.to_owned(),
        status: 404,
        message: format!("the search {id} is gone"),
    }
}

/// `text` as one URL path segment: unreserved characters as they are, every other byte of its
/// UTF-8 percent-encoded (usernames may hold spaces, slashes, anything).
fn path_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("plain_user-1.x~"), "plain_user-1.x~");
        assert_eq!(path_segment("dj shadow/ü"), "dj%20shadow%2F%C3%BC");
        assert_eq!(path_segment("a?b#c%"), "a%3Fb%23c%25");
    }
}
