//! Clients of the upstream services, each implementing a domain port over an [`Upstream`] policy,
//! and the cache decorators that implement the same ports in front of them.
//!
//! [`Upstream`]: crate::http::Upstream

pub mod cache;
pub mod coverart;
pub mod decorators;
pub mod lrclib;
pub mod musicbrainz;
pub mod slskd;
pub mod spotify;

use soulspot_domain::upstream::UpstreamFailure;

use crate::http::{UpstreamError, UpstreamResponse};

/// The domain's view of a failed call.
pub(crate) fn failure(service: &str, error: UpstreamError) -> UpstreamFailure {
    let service = service.to_owned();
    match error {
        UpstreamError::CircuitOpen { retry_in, .. } => UpstreamFailure::Unavailable {
            service,
            message: "circuit breaker open after repeated failures".to_owned(),
            retry_in: Some(retry_in),
        },
        UpstreamError::RateLimited { retry_in, .. } => {
            UpstreamFailure::RateLimited { service, retry_in }
        }
        UpstreamError::Transport { message, .. } => UpstreamFailure::Unavailable {
            service,
            message,
            retry_in: None,
        },
        error @ (UpstreamError::Timeout { .. } | UpstreamError::Status { .. }) => {
            UpstreamFailure::Unavailable {
                service,
                message: error.to_string(),
                retry_in: None,
            }
        }
        error @ (UpstreamError::TooLarge { .. }
        | UpstreamError::Decode { .. }
        | UpstreamError::RedirectRefused { .. }) => UpstreamFailure::Malformed {
            service,
            message: error.to_string(),
        },
        UpstreamError::InvalidRequest(message) => UpstreamFailure::Refused {
            service,
            status: 0,
            message,
        },
    }
}

/// A response with a status the client did not expect, as a failure: a 4xx is a refusal, anything
/// else an unavailable service.
pub(crate) fn unexpected_status(service: &str, response: &UpstreamResponse) -> UpstreamFailure {
    let excerpt: String = String::from_utf8_lossy(&response.body)
        .chars()
        .take(300)
        .collect();
    if response.status.is_client_error() {
        UpstreamFailure::Refused {
            service: service.to_owned(),
            status: response.status.as_u16(),
            message: excerpt,
        }
    } else {
        UpstreamFailure::Unavailable {
            service: service.to_owned(),
            message: format!("answered {}: {excerpt}", response.status),
            retry_in: None,
        }
    }
}

/// A JSON body as `T`, or a typed "malformed" failure.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    service: &str,
    response: &UpstreamResponse,
) -> Result<T, UpstreamFailure> {
    response.json().map_err(|error| failure(service, error))
}

/// The usual answer of a lookup: 200 with a JSON body is found, 404 is "no such thing", anything
/// else is a failure.
pub(crate) fn found_json<T: serde::de::DeserializeOwned>(
    service: &str,
    response: &UpstreamResponse,
) -> Result<Option<T>, UpstreamFailure> {
    match response.status.as_u16() {
        200 => decode(service, response).map(Some),
        404 => Ok(None),
        _ => Err(unexpected_status(service, response)),
    }
}
