//! API key authentication: `X-Api-Key: <key>` or `Authorization: Bearer <key>`, compared in
//! constant time. Every `/api/v1` route needs it; health, docs and the OpenAPI document are open.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use subtle::ConstantTimeEq;

use crate::problem::ApiError;

/// The key clients must present. Its `Debug` never prints it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: String) -> Self {
        Self(key)
    }

    /// Constant-time in the key's bytes (a length mismatch answers at once: lengths are not
    /// secret, every generated key has the same one).
    pub fn matches(&self, presented: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(presented).into()
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// The key a request presents, from `X-Api-Key` first, then a Bearer token.
fn presented_key(headers: &header::HeaderMap) -> Option<&[u8]> {
    if let Some(value) = headers.get("x-api-key") {
        return Some(value.as_bytes());
    }
    let authorization = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = authorization.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

/// Middleware (with `actix_web::middleware::from_fn`): a request without the right key gets a
/// 401 problem and never reaches a handler.
pub async fn require_api_key<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let allowed = match (
        request.app_data::<web::Data<ApiKey>>(),
        presented_key(request.headers()),
    ) {
        (Some(key), Some(presented)) => key.matches(presented),
        _ => false,
    };
    if allowed {
        Ok(next.call(request).await?.map_into_left_body())
    } else {
        let response = ApiError::unauthorized().error_response();
        Ok(request.into_response(response).map_into_right_body())
    }
}

/// Whether an open route's request carries the right key, so it may see more than states.
pub(crate) fn carries_api_key(request: &actix_web::HttpRequest) -> bool {
    match (
        request.app_data::<web::Data<ApiKey>>(),
        presented_key(request.headers()),
    ) {
        (Some(key), Some(presented)) => key.matches(presented),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_matches_only_itself_and_hides_in_debug() {
        let key = ApiKey::new("abc123".into());
        assert!(key.matches(b"abc123"));
        assert!(!key.matches(b"abc124"));
        assert!(!key.matches(b"abc12"));
        assert!(!key.matches(b""));
        assert!(!format!("{key:?}").contains("abc"));
    }
}
