//! Scripted misbehaviour of a fake server: added latency for every request, and faults for the
//! next requests (optionally only those under a path prefix), taken in the order they were added.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;

use super::request::{FakeResponse, text_response};

/// What a scripted fault does to one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status, these headers (e.g. `Retry-After`) and this body instead.
    Status {
        status: StatusCode,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Answer 200 with a JSON body cut off in the middle.
    Malformed,
    /// Close the connection without answering.
    Disconnect,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

impl Fault {
    /// A status with an empty body.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A status with a `Retry-After` header (seconds, or an HTTP-date: passed through as given).
    pub fn retry_after(status: u16, retry_after: &str) -> Self {
        Self::Status {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            headers: vec![("retry-after".to_owned(), retry_after.to_owned())],
            body: String::new(),
        }
    }

    pub(super) fn response(&self) -> FakeResponse {
        match self {
            Self::Status {
                status,
                headers,
                body,
            } => {
                let mut response = text_response(*status, "text/plain", body.clone());
                for (name, value) in headers {
                    if let (Ok(name), Ok(value)) = (
                        http::HeaderName::try_from(name.as_str()),
                        http::HeaderValue::try_from(value.as_str()),
                    ) {
                        response.headers_mut().insert(name, value);
                    }
                }
                response
            }
            Self::Malformed => text_response(
                StatusCode::OK,
                "application/json",
                "{\"items\": [{\"id\": \"truncat".to_owned(),
            ),
            // Handled by the server before a response is built.
            Self::Disconnect | Self::Delay(_) => text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                String::new(),
            ),
        }
    }
}

#[derive(Debug)]
struct Scripted {
    path_prefix: Option<String>,
    remaining: usize,
    fault: Fault,
}

#[derive(Debug, Default)]
struct State {
    latency: Duration,
    scripted: VecDeque<Scripted>,
}

/// A fake server's script; cheap to clone (clones share the script).
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every request waits this long before it is answered (zero: none).
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    pub(super) fn latency(&self) -> Duration {
        self.state().latency
    }

    /// The next `count` requests meet `fault`.
    pub fn next(&self, count: usize, fault: Fault) {
        self.push(None, count, fault);
    }

    /// The next `count` requests whose path starts with `path_prefix` meet `fault`.
    pub fn next_under(&self, path_prefix: &str, count: usize, fault: Fault) {
        self.push(Some(path_prefix.to_owned()), count, fault);
    }

    /// Forgets every scripted fault and the latency.
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    fn push(&self, path_prefix: Option<String>, count: usize, fault: Fault) {
        if count > 0 {
            self.state().scripted.push_back(Scripted {
                path_prefix,
                remaining: count,
                fault,
            });
        }
    }

    /// The fault for a request to `path`, if one is scripted (and counts it down).
    pub(super) fn take_for(&self, path: &str) -> Option<Fault> {
        let mut state = self.state();
        let index = state.scripted.iter().position(|scripted| {
            scripted
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
        })?;
        let scripted = &mut state.scripted[index];
        scripted.remaining -= 1;
        let fault = scripted.fault.clone();
        if scripted.remaining == 0 {
            state.scripted.remove(index);
        }
        Some(fault)
    }
}
