//! Ports to the services SoulSpot calls — Spotify, slskd (Soulseek), MusicBrainz, the Cover Art
//! Archive and LRCLIB — and the plain data they answer with. Adapters live in the infrastructure
//! crate (HTTP clients, and cache decorators implementing the same ports); this module knows no
//! HTTP, only what a call can tell the application.

pub mod artwork;
pub mod lyrics;
pub mod musicbrainz;
pub mod soulseek;
pub mod spotify;

use std::time::Duration;

/// Why a call to an upstream service failed, as the application needs to tell the cases apart:
/// try again later (and when), fix the configuration, or give up on an answer that makes no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamFailure {
    /// Down, unreachable, timing out, answering 5xx, or its circuit breaker is open.
    #[error("{service} is unavailable: {message}")]
    Unavailable {
        service: String,
        message: String,
        /// When known (an open breaker's cool-down).
        retry_in: Option<Duration>,
    },
    /// The service asked us to slow down for longer than a call may wait.
    #[error("{service} rate-limits us; retry in {} s", retry_in.as_secs())]
    RateLimited { service: String, retry_in: Duration },
    /// The service refused the request (bad credentials, forbidden, invalid input).
    #[error("{service} refused the request ({status}): {message}")]
    Refused {
        service: String,
        status: u16,
        message: String,
    },
    /// The answer could not be understood (malformed or unexpected JSON).
    #[error("{service} answered something unexpected: {message}")]
    Malformed { service: String, message: String },
    /// A setting the service needs is missing (e.g. MusicBrainz's contact address).
    #[error("{service} is not configured: {message}")]
    NotConfigured { service: String, message: String },
}

impl UpstreamFailure {
    /// Whether trying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::RateLimited { .. })
    }
}
