//! `RequestObserver`: gives every request an id, counts and times it, and logs it once.
//!
//! - The id comes from the client's `X-Request-Id` when that is 1–128 visible ASCII characters
//!   (so a proxy's id carries through), otherwise it is 128 random bits in hex. Handlers and
//!   error handlers read it with [`request_id`]; every response, errors and 404s included, echoes
//!   it in `X-Request-Id`.
//! - Metrics go through the `metrics` facade: `http_requests_total{method, route, status}` and
//!   `http_request_duration_seconds{method, route}`. `route` is the matched route pattern
//!   (`/api/v1/tracks/{id}`) or `unmatched`, and unknown methods count as `OTHER`, so a client
//!   cannot create label values at will.
//! - One `tracing` event per request: INFO, or WARN for a 5xx.
//!
//! Inner middleware that fails with an `Err` instead of answering is handled too: its status is
//! counted and logged, with route `unmatched` because the request (and the route it matched) is
//! gone by then, and the error is wrapped so the response rendered from it carries the id. Code
//! outside the observer that downcasts errors would see the wrapper, which is one more reason to
//! register the observer last (outermost).
//!
//! The duration is measured until the response head is ready; streaming the body is not
//! included, so a long download does not look like a slow handler.

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};

/// Request and response header that carries the request id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Counter of answered requests, by method, route and status.
pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
/// Histogram of the time to produce the response head, by method and route.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "http_request_duration_seconds";
/// The `route` label of requests that matched no route (404s from the default service).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Longest client-supplied id that is kept; longer ones would bloat every log line.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of the current request, in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(pub String);

/// The id `RequestObserver` gave this request, or `None` when the observer does not wrap the
/// route (for example in a test that mounts a handler alone).
pub fn request_id(request: &HttpRequest) -> Option<String> {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
}

/// Middleware that assigns request ids and records metrics and one log event per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestObserver;

impl<S, B> Transform<S, ServiceRequest> for RequestObserver
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = RequestObserverMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestObserverMiddleware { service }))
    }
}

/// The service `RequestObserver` wraps around the next one.
pub struct RequestObserverMiddleware<S> {
    service: S,
}

type LocalResponseFuture<R> = Pin<Box<dyn Future<Output = Result<R, Error>>>>;

impl<S, B> Service<ServiceRequest> for RequestObserverMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalResponseFuture<Self::Response>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let id = incoming_request_id(request.headers()).unwrap_or_else(generate_request_id);
        request.extensions_mut().insert(RequestId(id.clone()));
        let method = method_label(request.method().as_str());
        // No clone of the request may be kept while the inner service runs: routing needs the
        // only reference to it.
        let response = self.service.call(request);

        Box::pin(async move {
            match response.await {
                Ok(mut response) => {
                    let elapsed = started.elapsed();
                    if let Ok(value) = HeaderValue::from_str(&id) {
                        response.headers_mut().insert(REQUEST_ID_HEADER, value);
                    }
                    // Routing has run by now, so the matched pattern is known.
                    let route = response.request().match_pattern();
                    record(method, route, response.status(), elapsed, &id);
                    Ok(response)
                }
                // Inner middleware may fail instead of answering; the response is then rendered
                // from the error further out, after the request (and the route it matched) is
                // gone. Wrap the error so that response still carries the id.
                Err(error) => {
                    let status = error.as_response_error().status_code();
                    record(method, None, status, started.elapsed(), &id);
                    Err(ErrorWithRequestId {
                        error,
                        request_id: id,
                    }
                    .into())
                }
            }
        })
    }
}

/// Counts, times and logs one request. `route` is `None` when no route matched.
fn record(
    method: &'static str,
    route: Option<String>,
    status: StatusCode,
    elapsed: Duration,
    request_id: &str,
) {
    let route = route.unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    metrics::counter!(
        HTTP_REQUESTS_TOTAL,
        "method" => method,
        "route" => route.clone(),
        "status" => status.as_str().to_owned(),
    )
    .increment(1);
    metrics::histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        "method" => method,
        "route" => route.clone(),
    )
    .record(elapsed.as_secs_f64());

    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let code = status.as_u16();
    if status.is_server_error() {
        tracing::warn!(
            method,
            route,
            status = code,
            latency_ms,
            request_id,
            "request"
        );
    } else {
        tracing::info!(
            method,
            route,
            status = code,
            latency_ms,
            request_id,
            "request"
        );
    }
}

/// An error from inner middleware whose rendered response also carries the request id.
#[derive(Debug)]
struct ErrorWithRequestId {
    error: Error,
    request_id: String,
}

impl fmt::Display for ErrorWithRequestId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, formatter)
    }
}

impl ResponseError for ErrorWithRequestId {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = self.error.error_response();
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        response
    }
}

/// The client's id when it is 1–128 visible ASCII characters (no spaces or controls), so it is
/// safe to echo in a header and to print in a log line.
fn incoming_request_id(headers: &HeaderMap) -> Option<String> {
    let text = headers.get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let acceptable = (1..=MAX_REQUEST_ID_LEN).contains(&text.len())
        && text.bytes().all(|byte| byte.is_ascii_graphic());
    acceptable.then(|| text.to_owned())
}

/// 128 random bits as 32 lowercase hex digits: unique enough to find one request in the logs.
fn generate_request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The method as a label value; extension methods are folded into `OTHER` so clients cannot
/// create metric series at will.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use actix_web::http::{Method, StatusCode};
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};
    use metrics_exporter_prometheus::PrometheusBuilder;
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, SubscriberExt as _};
    use tracing_subscriber::{Layer, Registry};

    use super::*;

    async fn echo_request_id(request: HttpRequest) -> HttpResponse {
        HttpResponse::Ok().body(request_id(&request).unwrap_or_default())
    }

    async fn fail() -> HttpResponse {
        HttpResponse::InternalServerError().finish()
    }

    /// An app with a parameterised route under a scope, a failing route, and a path on which an
    /// inner middleware errors instead of answering.
    macro_rules! observed_app {
        () => {{
            register_two_dispatchers();
            actix_test::init_service(
                App::new()
                    .wrap_fn(|request, service| {
                        let refuse = request.path() == "/refused";
                        let response = service.call(request);
                        async move {
                            if refuse {
                                Err(actix_web::error::ErrorServiceUnavailable("refused"))
                            } else {
                                response.await
                            }
                        }
                    })
                    .wrap(RequestObserver)
                    .service(
                        web::scope("/api/v1")
                            .route("/tracks/{id}", web::get().to(echo_request_id))
                            .route("/fail", web::get().to(fail)),
                    ),
            )
            .await
        }};
    }

    /// tracing caches each callsite's interest process-wide. While at most one dispatcher is
    /// registered, a callsite first hit on a thread without a subscriber (another test's) is
    /// cached as "never", which would hide the observer's events from the test that captures
    /// them. With two dispatchers registered before any test here runs the observer, tracing
    /// asks the current thread's subscriber for every event instead.
    fn register_two_dispatchers() {
        static KEEP_ALIVE: OnceLock<[tracing::Dispatch; 2]> = OnceLock::new();
        KEEP_ALIVE.get_or_init(|| {
            [(), ()].map(|()| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()))
        });
    }

    fn get(path: &str) -> actix_test::TestRequest {
        actix_test::TestRequest::get().uri(path)
    }

    fn response_id<B>(response: &ServiceResponse<B>) -> String {
        response
            .headers()
            .get(REQUEST_ID_HEADER)
            .expect("every response carries X-Request-Id")
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn is_generated_id(id: &str) -> bool {
        id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit())
    }

    #[actix_web::test]
    async fn a_valid_incoming_id_is_kept_and_echoed() {
        let app = observed_app!();
        let longest = "x".repeat(MAX_REQUEST_ID_LEN);
        for id in ["abc-123", "a", "0f1e/2d3c:4b5a_!~", longest.as_str()] {
            let request = get("/api/v1/tracks/1")
                .insert_header((REQUEST_ID_HEADER, id))
                .to_request();
            let response = actix_test::call_service(&app, request).await;
            assert_eq!(response_id(&response), id);
            assert_eq!(actix_test::read_body(response).await, id.as_bytes());
        }
    }

    #[actix_web::test]
    async fn an_id_is_generated_when_absent() {
        let app = observed_app!();
        let response = actix_test::call_service(&app, get("/api/v1/tracks/1").to_request()).await;
        let id = response_id(&response);
        assert!(is_generated_id(&id), "{id}");
        assert_eq!(actix_test::read_body(response).await, id.as_bytes());

        let again = actix_test::call_service(&app, get("/api/v1/tracks/1").to_request()).await;
        assert_ne!(response_id(&again), id, "each request gets its own id");
    }

    #[actix_web::test]
    async fn an_id_is_generated_when_the_incoming_one_is_invalid() {
        let app = observed_app!();
        let too_long = "x".repeat(MAX_REQUEST_ID_LEN + 1);
        let five_hundred = "y".repeat(500);
        let invalid: [&[u8]; 6] = [
            too_long.as_bytes(),
            five_hundred.as_bytes(),
            b"",
            b"with space",
            b"tab\there",
            "caf\u{e9}".as_bytes(),
        ];
        for id in invalid {
            let request = get("/api/v1/tracks/1")
                .insert_header((REQUEST_ID_HEADER, HeaderValue::from_bytes(id).unwrap()))
                .to_request();
            let response = actix_test::call_service(&app, request).await;
            let echoed = response_id(&response);
            assert!(is_generated_id(&echoed), "{id:?} gave {echoed}");
        }
    }

    /// Status and headers of what the client would receive, whether the app answered or failed
    /// (the server renders an `Err` with `error_response`, as done here).
    async fn answer<S, B>(app: &S, request: actix_http::Request) -> (StatusCode, HeaderMap)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    {
        match app.call(request).await {
            Ok(response) => (response.status(), response.headers().clone()),
            Err(error) => {
                let response = error.error_response();
                (response.status(), response.headers().clone())
            }
        }
    }

    #[actix_web::test]
    async fn error_responses_carry_the_id() {
        let app = observed_app!();
        for (path, status) in [
            ("/nowhere", StatusCode::NOT_FOUND),
            ("/api/v1/fail", StatusCode::INTERNAL_SERVER_ERROR),
            ("/refused", StatusCode::SERVICE_UNAVAILABLE),
        ] {
            let request = get(path)
                .insert_header((REQUEST_ID_HEADER, "trace-me"))
                .to_request();
            let (answered, headers) = answer(&app, request).await;
            assert_eq!(answered, status, "{path}");
            assert_eq!(
                headers.get(REQUEST_ID_HEADER).unwrap(),
                "trace-me",
                "{path}"
            );
        }
    }

    #[actix_web::test]
    async fn metrics_are_labelled_with_the_route_pattern() {
        // A recorder local to this thread: the test runtime polls the app on this thread, and
        // nothing global is touched, so tests in the same process cannot see each other's counts.
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let _local = metrics::set_default_local_recorder(&recorder);

        let app = observed_app!();
        for path in [
            "/api/v1/tracks/42",
            "/api/v1/tracks/7",
            "/nowhere/9",
            "/api/v1/fail",
            "/refused",
        ] {
            answer(&app, get(path).to_request()).await;
        }
        let request = actix_test::TestRequest::default()
            .method(Method::from_bytes(b"BREW").unwrap())
            .uri("/api/v1/tracks/1")
            .to_request();
        answer(&app, request).await;

        let rendered = handle.render();
        for expected in [
            r#"http_requests_total{method="GET",route="/api/v1/tracks/{id}",status="200"} 2"#,
            r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"http_requests_total{method="GET",route="/api/v1/fail",status="500"} 1"#,
            r#"http_requests_total{method="GET",route="unmatched",status="503"} 1"#,
            // Actix answers an unrouted method on a matched path with a 404.
            r#"http_requests_total{method="OTHER",route="/api/v1/tracks/{id}",status="404"} 1"#,
            r#"http_request_duration_seconds_count{method="GET",route="/api/v1/tracks/{id}"} 2"#,
            r#"http_request_duration_seconds_count{method="GET",route="unmatched"} 2"#,
        ] {
            assert!(
                rendered.contains(expected),
                "missing {expected} in\n{rendered}"
            );
        }
        for raw_path in ["/api/v1/tracks/42", "/api/v1/tracks/7", "/nowhere/9"] {
            assert!(
                !rendered.contains(&format!("\"{raw_path}\"")),
                "raw path {raw_path} leaked into\n{rendered}"
            );
        }
    }

    /// The fields of one captured event, as text.
    #[derive(Debug)]
    struct CapturedEvent {
        level: tracing::Level,
        fields: BTreeMap<String, String>,
    }

    #[derive(Clone, Default)]
    struct CaptureObserverEvents(Arc<Mutex<Vec<CapturedEvent>>>);

    impl<S: tracing::Subscriber> Layer<S> for CaptureObserverEvents {
        fn on_event(&self, event: &tracing::Event<'_>, _context: Context<'_, S>) {
            if event.metadata().target() != module_path!().trim_end_matches("::tests") {
                return;
            }
            let mut fields = FieldsAsText::default();
            event.record(&mut fields);
            self.0.lock().unwrap().push(CapturedEvent {
                level: *event.metadata().level(),
                fields: fields.0,
            });
        }
    }

    #[derive(Default)]
    struct FieldsAsText(BTreeMap<String, String>);

    impl Visit for FieldsAsText {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }

        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
    }

    #[actix_web::test]
    async fn one_event_per_request_with_its_fields() {
        let capture = CaptureObserverEvents::default();
        // Thread-local, like the metrics recorder above: the app is polled on this thread.
        let _subscriber =
            tracing::subscriber::set_default(Registry::default().with(capture.clone()));

        let app = observed_app!();
        for (path, id) in [
            ("/api/v1/tracks/3", "first"),
            ("/api/v1/fail", "second"),
            ("/refused", "third"),
        ] {
            let request = get(path)
                .insert_header((REQUEST_ID_HEADER, id))
                .to_request();
            answer(&app, request).await;
        }

        let events = capture.0.lock().unwrap();
        assert_eq!(events.len(), 3, "{events:?}");
        let expectations = [
            (tracing::Level::INFO, "/api/v1/tracks/{id}", "200", "first"),
            (tracing::Level::WARN, "/api/v1/fail", "500", "second"),
            (tracing::Level::WARN, "unmatched", "503", "third"),
        ];
        for (event, (level, route, status, id)) in events.iter().zip(expectations) {
            assert_eq!(event.level, level, "{event:?}");
            assert_eq!(event.fields["message"], "request", "{event:?}");
            assert_eq!(event.fields["method"], "GET", "{event:?}");
            assert_eq!(event.fields["route"], route, "{event:?}");
            assert_eq!(event.fields["status"], status, "{event:?}");
            assert_eq!(event.fields["request_id"], id, "{event:?}");
            let latency_ms: f64 = event.fields["latency_ms"].parse().unwrap();
            assert!(latency_ms >= 0.0, "{event:?}");
        }
    }

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("DELETE"), "DELETE");
        assert_eq!(method_label("get"), "OTHER");
        assert_eq!(method_label("PROPFIND"), "OTHER");
    }
}
