//! `application/problem+json` (RFC 9457) errors with a stable machine-readable `code`.
//!
//! Every client mistake maps to a 4xx here; storage failures map to 503/500 and are logged once, at
//! this boundary, with their cause; the client then sees a generic sentence, never the cause.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use soulspot_application::{Invalid, ServiceError};
use soulspot_domain::RepositoryError;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One rejected field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// Dotted path of the field (`downloads.max_concurrent`), or empty for the whole body.
    pub field: String,
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:soulspot:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary that does not change between occurrences.
    pub title: String,
    pub status: u16,
    /// What happened this time, in a sentence meant for people.
    pub detail: String,
    /// Stable kebab-case code for programs: `not-found`, `invalid-cursor`, `unauthorized`…
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    /// Seconds for a `Retry-After` header (429 and 503 answers).
    retry_after_secs: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.detail)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// Tells the client when the same request may succeed (a `Retry-After` header), rounded up
    /// to whole seconds and at least one.
    pub fn retry_after(mut self, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.retry_after_secs = Some(seconds.max(1));
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this route needs the API key, in an `X-Api-Key` header or as `Authorization: Bearer <key>`",
        )
    }

    /// A 422 naming the offending field.
    pub fn invalid(invalid: Invalid) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid-input",
            detail: invalid.to_string(),
            errors: vec![FieldProblem {
                field: invalid.field,
                message: invalid.message,
            }],
            retry_after_secs: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:soulspot:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

/// The problem response for a status alone, for errors raised outside our handlers (no route,
/// wrong method, a framework extractor) that reached the client without a problem body.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not-found", "no route matches this path"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this route does not accept this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("body-too-large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported-media-type",
            "the request body has an unsupported content type",
        ),
        StatusCode::UNAUTHORIZED => ("unauthorized", "the API key is missing or wrong"),
        status if status.is_client_error() => ("bad-request", "the request cannot be served"),
        _ => ("internal", "the server failed to answer this request"),
    };
    ApiError::new(status, code, detail)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"soulspot\""),
            ));
        }
        match self.retry_after_secs {
            Some(seconds) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
            }
            None if self.status == StatusCode::SERVICE_UNAVAILABLE => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            None => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self::invalid(invalid)
    }
}

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound { entity, key } => {
                Self::not_found(format!("no {entity} has the id {key}"))
            }
            RepositoryError::Conflict(detail) => {
                Self::new(StatusCode::CONFLICT, "conflict", detail)
            }
            RepositoryError::Limited {
                message,
                retry_after,
            } => Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-jobs", message)
                .retry_after(retry_after),
            RepositoryError::Unavailable(cause) => {
                tracing::error!(error = %cause, "the database is unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database-unavailable",
                    "the database is unavailable; try again shortly",
                )
            }
            error @ (RepositoryError::InvalidData(_) | RepositoryError::Internal(_)) => {
                tracing::error!(error = %error, cause = ?std::error::Error::source(&error), "request failed in storage");
                internal()
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Repository(error) => error.into(),
            ServiceError::Invalid(invalid) => invalid.into(),
            error @ ServiceError::Undecryptable { .. } => {
                tracing::error!(error = %error, "a stored secret cannot be opened");
                internal()
            }
        }
    }
}

fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed to answer this request; the log has the cause",
    )
}

/// Maps the framework's JSON body errors: 413 too large, 415 wrong content type, 400 malformed,
/// 422 well-formed but of the wrong shape.
pub fn json_error(error: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api_error = match &error {
        E::OverflowKnownLength { length, limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the body has {length} bytes; the limit is {limit}"),
        ),
        E::Overflow { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the body is larger than the limit of {limit} bytes"),
        ),
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the body must be JSON, sent with `Content-Type: application/json`",
        ),
        E::Deserialize(inner) if inner.is_data() => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            format!("the body does not have the expected shape: {inner}"),
        ),
        E::Deserialize(inner) => ApiError::bad_request(
            "malformed-json",
            format!("the body is not valid JSON: {inner}"),
        ),
        E::Payload(inner) if crate::middleware::deadline::is_body_timeout(inner) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            "the body did not arrive within the server's body read timeout",
        ),
        other => ApiError::bad_request(
            "unreadable-body",
            format!("the body cannot be read: {other}"),
        ),
    };
    api_error.into()
}

/// Query strings that do not parse, or name a parameter the route does not know.
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "invalid-query",
        format!("the query string is invalid: {error}"),
    )
    .into()
}

/// A path segment that is not an id of the expected kind names nothing that exists.
pub fn path_error(error: actix_web::error::PathError, request: &HttpRequest) -> actix_web::Error {
    ApiError::not_found(format!(
        "{} does not name anything: {error}",
        request.path()
    ))
    .into()
}
