//! `GET /api/v1/events`: job state and progress as server-sent events, pushed from the in-process
//! job notices (no per-client database polling). A client that reads too slowly misses the oldest
//! notices and gets a `lagged` event saying how many: the channel is bounded, so a stalled client
//! never grows the server's memory. A comment line every `KEEP_ALIVE` keeps proxies from closing
//! an idle stream.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpResponse, ResponseError};
use futures::stream::{self, Stream, StreamExt};
use soulspot_application::{JobNotice, JobNotices};
use tokio::sync::broadcast::error::RecvError;

/// Interval of the keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The event streams this server may still open: one permit per open stream, held until the
/// stream is dropped (the client went away or the server stops).
#[derive(Debug, Clone)]
pub struct EventStreamSlots(Arc<tokio::sync::Semaphore>);

impl EventStreamSlots {
    pub fn new(max_streams: usize) -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(max_streams)))
    }
}

/// The source of job notices, chosen when the process starts (in-process on SQLite, forwarded
/// NOTIFYs on PostgreSQL), hence a trait object.
#[derive(Clone)]
pub struct EventSource(pub Arc<dyn JobNotices>);

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSource")
    }
}

fn frame(event: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

fn job_frame(notice: &JobNotice) -> Bytes {
    frame("job", &serde_json::to_string(notice).unwrap_or_default())
}

/// The event stream of one client.
pub fn event_stream(
    source: &EventSource,
    keep_alive: Duration,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static {
    let receiver = source.0.subscribe();
    let first_keep_alive = tokio::time::Instant::now() + keep_alive;
    let ticker = tokio::time::interval_at(first_keep_alive, keep_alive);
    // The first frame tells the client the stream is live (and flushes proxies).
    let opening = stream::once(async { Ok(Bytes::from_static(b": connected\n\n")) });
    let events = stream::unfold(
        (receiver, ticker),
        |(mut receiver, mut ticker)| async move {
            let bytes = tokio::select! {
                received = receiver.recv() => match received {
                    Ok(notice) => job_frame(&notice),
                    Err(RecvError::Lagged(missed)) => frame("lagged", &format!("{{\"missed\":{missed}}}")),
                    Err(RecvError::Closed) => return None,
                },
                _ = ticker.tick() => Bytes::from_static(b": keep-alive\n\n"),
            };
            Some((Ok(bytes), (receiver, ticker)))
        },
    );
    opening.chain(events)
}

#[utoipa::path(get, path = "/api/v1/events", tag = "jobs",
    responses((status = 200, content_type = "text/event-stream",
        description = "`event: job` with `{id, kind, state, progress}` on every state or progress change; \
            `event: lagged` with `{missed}` when this client fell behind; `: keep-alive` comments"),
        (status = 503, content_type = "application/problem+json", body = crate::problem::Problem,
            description = "`too-many-event-streams`: the server's limit of open event streams \
            (`server.max_event_streams`) is reached; try again later")))]
pub(crate) async fn events(
    source: Option<Data<EventSource>>,
    slots: Option<Data<EventStreamSlots>>,
) -> HttpResponse {
    let Some(source) = source else {
        return crate::problem::ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "events-unavailable",
            "this process does not publish live events",
        )
        .error_response();
    };
    let permit = match slots.map(|slots| slots.0.clone().try_acquire_owned()) {
        Some(Err(_)) => {
            return crate::problem::ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "too-many-event-streams",
                "the server has as many event streams open as it allows; try again later",
            )
            .error_response();
        }
        Some(Ok(permit)) => Some(permit),
        None => None,
    };
    // The permit lives as long as the stream.
    let stream = event_stream(&source, KEEP_ALIVE).map(move |item| {
        let _held = &permit;
        item
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Proxies such as nginx would otherwise buffer the stream.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream)
}
