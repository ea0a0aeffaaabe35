//! Outbound HTTP. One pooled client per process ([`HttpClient`]: hyper-util's legacy client over
//! rustls with ring and the webpki roots, HTTP/1.1 keep-alive and HTTP/2 by ALPN), built once in
//! the binary and shared by every upstream. Around each upstream sits an [`Upstream`] policy: its
//! base URL and User-Agent, a request timeout, a process-wide rate limit, a cap on concurrent
//! requests, retries with exponential backoff and jitter that honour `Retry-After` (idempotent
//! requests only), a pause of all calls after a 429, a circuit breaker reporting to the health
//! registry, and metrics per upstream.
//!
//! Architecture invariant: no other HTTP client is compiled into the product
//! (`cargo xtask check-layers` refuses the usual client crates).

mod client;
mod policy;
mod rate;
mod retry_after;

pub use client::{HttpClient, HttpClientError, HttpClientSettings};
pub use policy::{
    RetrySettings, Upstream, UpstreamError, UpstreamRequest, UpstreamResponse, UpstreamSettings,
};
pub use rate::{RateLimit, RateLimitSettings};
pub use retry_after::parse_retry_after;
