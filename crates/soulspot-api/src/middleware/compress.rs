//! `Compression`: compresses responses with brotli or gzip when the client accepts it and the
//! response is worth it.
//!
//! A response is compressed only when its body size is known up front and at least `min_size`
//! bytes, it has no `Content-Encoding` yet, its status carries a body we may re-encode, and its
//! content type is text-like. Streams of unknown size are never compressed: the size rule cannot
//! be applied to them, and an event stream (`text/event-stream`, never compressed even when
//! sized) must reach the client event by event, not whenever the compressor flushes.
//!
//! The bytes are produced by actix-http's own `Encoder` (the one behind actix-web's `Compress`),
//! so this module only decides *whether* and *how*, never does the compression itself.

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_http::encoding::Encoder;
use actix_web::Error;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{
    ResponseHead, Service, ServiceRequest, ServiceResponse, Transform, forward_ready,
};
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, Header as _, HeaderMap, HeaderValue,
    Preference, Quality,
};

/// Bodies below this many bytes are not worth compressing by default: the codec's framing and
/// the CPU time outweigh the saving, and such a body already fits in one TCP segment.
pub const DEFAULT_MIN_SIZE: usize = 1024;

/// Middleware that compresses eligible responses; see the module documentation for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    /// Smallest body, in bytes, that is compressed.
    pub min_size: usize,
}

impl Default for Compression {
    fn default() -> Self {
        Self {
            min_size: DEFAULT_MIN_SIZE,
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Compression
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<Encoder<B>, B>>;
    type Error = Error;
    type Transform = CompressionMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CompressionMiddleware {
            service,
            min_size: self.min_size,
        }))
    }
}

/// The service `Compression` wraps around the next one.
pub struct CompressionMiddleware<S> {
    service: S,
    min_size: usize,
}

type LocalResponseFuture<R> = Pin<Box<dyn Future<Output = Result<R, Error>>>>;

impl<S, B> Service<ServiceRequest> for CompressionMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<Encoder<B>, B>>;
    type Error = Error;
    type Future = LocalResponseFuture<Self::Response>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // A malformed header is treated like a missing one: identity is always acceptable.
        let accept_encoding = AcceptEncoding::parse(&request).ok();
        let coding = negotiate(accept_encoding.as_ref());
        let min_size = self.min_size;
        let response = self.service.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map_body(move |head, body| encode(head, body, coding, min_size)))
        })
    }
}

/// Applies `coding` to the response when it is eligible, and marks every eligible response as
/// varying on `Accept-Encoding`.
fn encode<B: MessageBody>(
    head: &mut ResponseHead,
    body: B,
    coding: ContentEncoding,
    min_size: usize,
) -> EitherBody<Encoder<B>, B> {
    let BodySize::Sized(size) = body.size() else {
        return EitherBody::right(body);
    };
    if !may_be_compressed(head) {
        return EitherBody::right(body);
    }
    let already_varies = varies_on_accept_encoding(head.headers());
    if coding == ContentEncoding::Identity || size < min_size as u64 {
        // Another client asking for the same URL may get a compressed answer (or this one, once
        // the body grows), so shared caches must key on Accept-Encoding either way.
        if !already_varies {
            head.headers_mut()
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        return EitherBody::right(body);
    }

    // The length of the encoded body is not known before it is produced.
    head.headers_mut().remove(header::CONTENT_LENGTH);
    weaken_entity_tag(head.headers_mut());
    // The encoder appends its own `Vary: accept-encoding`; keep the original list when the
    // handler already had one, so the header does not name it twice.
    let original_vary: Option<Vec<HeaderValue>> =
        already_varies.then(|| head.headers().get_all(header::VARY).cloned().collect());
    let encoded = Encoder::response(coding, head, body);
    if let Some(values) = original_vary {
        head.headers_mut().remove(header::VARY);
        for value in values {
            head.headers_mut().append(header::VARY, value);
        }
    }
    EitherBody::left(encoded)
}

/// Everything but the client's preference and the body size: status, existing encoding and
/// content type.
fn may_be_compressed(head: &ResponseHead) -> bool {
    let status_has_reencodable_body = !(head.status.is_informational()
        || head.status == StatusCode::NO_CONTENT
        || head.status == StatusCode::PARTIAL_CONTENT
        || head.status == StatusCode::NOT_MODIFIED);
    status_has_reencodable_body
        && !head.headers().contains_key(header::CONTENT_ENCODING)
        && head
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(is_compressible_content_type)
}

/// Text-like media types gain from compression; images, audio, archives and fonts in woff form
/// are already compressed, and an event stream must reach the client event by event.
fn is_compressible_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    match kind {
        "text" => subtype != "event-stream",
        "application" => {
            matches!(
                subtype,
                "json" | "javascript" | "ecmascript" | "xml" | "wasm" | "x-javascript"
            ) || subtype.ends_with("+json")
                || subtype.ends_with("+xml")
        }
        "image" => subtype == "svg+xml",
        "font" => matches!(subtype, "ttf" | "otf"),
        _ => false,
    }
}

/// Picks brotli, gzip or identity from the request's `Accept-Encoding`.
///
/// A coding's quality is its own entry's, else the `*` entry's; `q=0` refuses it. The highest
/// quality wins and brotli beats gzip on a tie. Identity only beats a compressed coding when the
/// client names it explicitly with a higher quality; with no header at all the answer is
/// identity, since the client never said it can decode anything else.
fn negotiate(accept_encoding: Option<&AcceptEncoding>) -> ContentEncoding {
    let Some(accept_encoding) = accept_encoding else {
        return ContentEncoding::Identity;
    };
    let mut best: Option<(ContentEncoding, Quality)> = None;
    for coding in [ContentEncoding::Brotli, ContentEncoding::Gzip] {
        let Some(quality) = quality_of(accept_encoding, coding, true) else {
            continue;
        };
        // Strictly greater: on a tie the coding listed first above (brotli) stays.
        if quality > Quality::ZERO && best.is_none_or(|(_, best_quality)| quality > best_quality) {
            best = Some((coding, quality));
        }
    }
    match best {
        Some((coding, quality)) => {
            let identity_preferred = quality_of(accept_encoding, ContentEncoding::Identity, false)
                .is_some_and(|identity| identity > quality);
            if identity_preferred {
                ContentEncoding::Identity
            } else {
                coding
            }
        }
        None => ContentEncoding::Identity,
    }
}

/// The quality the client gives `coding`: its own entry (the highest, if listed twice), else
/// the wildcard's when `use_wildcard`, else `None`.
fn quality_of(
    accept_encoding: &AcceptEncoding,
    coding: ContentEncoding,
    use_wildcard: bool,
) -> Option<Quality> {
    let wanted = Preference::Specific(Encoding::Known(coding));
    let specific = accept_encoding
        .0
        .iter()
        .filter(|item| item.item == wanted)
        .map(|item| item.quality)
        .max();
    specific.or_else(|| {
        use_wildcard
            .then(|| {
                accept_encoding
                    .0
                    .iter()
                    .filter(|item| item.item == Preference::Any)
                    .map(|item| item.quality)
                    .max()
            })
            .flatten()
    })
}

/// Whether `Vary` already names `Accept-Encoding` (or `*`, which covers it).
fn varies_on_accept_encoding(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::VARY)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|name| name == "*" || name.eq_ignore_ascii_case("accept-encoding"))
}

/// A strong entity tag promises byte-for-byte identical content, which the encoded body no
/// longer is; a weak tag still lets conditional requests validate it.
fn weaken_entity_tag(headers: &mut HeaderMap) {
    let Some(tag) = headers.get(header::ETAG) else {
        return;
    };
    if !tag.as_bytes().starts_with(b"\"") {
        return;
    }
    let weak = [b"W/".as_slice(), tag.as_bytes()].concat();
    if let Ok(weak) = HeaderValue::from_bytes(&weak) {
        headers.insert(header::ETAG, weak);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::Read as _;

    use actix_web::body::BodyStream;
    use actix_web::dev::ServiceResponse;
    use actix_web::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, VARY};
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};

    use super::*;

    const MIN_SIZE: usize = 256;

    /// A body of an exact length that compresses well, so a failed round trip is obvious.
    fn text_of_len(len: usize) -> String {
        "Every track in the library, with its album and artist. "
            .chars()
            .cycle()
            .take(len)
            .collect()
    }

    async fn text(path: web::Path<usize>) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(text_of_len(path.into_inner()))
    }

    async fn json(path: web::Path<usize>) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(text_of_len(path.into_inner()))
    }

    async fn problem_json() -> HttpResponse {
        HttpResponse::NotFound()
            .content_type("application/problem+json")
            .body(text_of_len(MIN_SIZE * 4))
    }

    fn chunks(content_type: &'static str) -> HttpResponse {
        let chunks = (0..8).map(|_| Ok::<_, Error>(web::Bytes::from(text_of_len(MIN_SIZE))));
        HttpResponse::Ok()
            .content_type(content_type)
            .body(BodyStream::new(futures::stream::iter(chunks)))
    }

    async fn event_stream() -> HttpResponse {
        chunks("text/event-stream")
    }

    async fn sized_event_stream() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/event-stream")
            .body(text_of_len(MIN_SIZE * 4))
    }

    async fn text_stream() -> HttpResponse {
        chunks("text/plain")
    }

    async fn not_modified() -> HttpResponse {
        HttpResponse::NotModified()
            .content_type("text/plain")
            .body(text_of_len(MIN_SIZE * 4))
    }

    async fn no_content() -> HttpResponse {
        HttpResponse::NoContent()
            .content_type("text/plain")
            .body(text_of_len(MIN_SIZE * 4))
    }

    async fn already_encoded() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/plain")
            .insert_header((CONTENT_ENCODING, "gzip"))
            .body(text_of_len(MIN_SIZE * 4))
    }

    async fn png() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("image/png")
            .body(text_of_len(MIN_SIZE * 4))
    }

    async fn tagged() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/plain")
            .insert_header((ETAG, "\"v1\""))
            .insert_header((VARY, "Accept-Encoding"))
            .body(text_of_len(MIN_SIZE * 4))
    }

    async fn call(
        path: &str,
        accept_encoding: Option<&str>,
    ) -> ServiceResponse<impl MessageBody + use<>> {
        let app = actix_test::init_service(
            App::new()
                .wrap(Compression { min_size: MIN_SIZE })
                .route("/text/{len}", web::get().to(text))
                .route("/json/{len}", web::get().to(json))
                .route("/problem", web::get().to(problem_json))
                .route("/events", web::get().to(event_stream))
                .route("/sized-events", web::get().to(sized_event_stream))
                .route("/text-stream", web::get().to(text_stream))
                .route("/not-modified", web::get().to(not_modified))
                .route("/no-content", web::get().to(no_content))
                .route("/already-encoded", web::get().to(already_encoded))
                .route("/png", web::get().to(png))
                .route("/tagged", web::get().to(tagged)),
        )
        .await;
        let mut request = actix_test::TestRequest::get().uri(path);
        if let Some(accept_encoding) = accept_encoding {
            request = request.insert_header((ACCEPT_ENCODING, accept_encoding));
        }
        actix_test::call_service(&app, request.to_request()).await
    }

    fn content_encoding<B>(response: &ServiceResponse<B>) -> Option<String> {
        response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|value| value.to_str().unwrap().to_owned())
    }

    fn vary_values<B>(response: &ServiceResponse<B>) -> Vec<String> {
        response
            .headers()
            .get_all(VARY)
            .map(|value| value.to_str().unwrap().to_ascii_lowercase())
            .collect()
    }

    async fn body_of(response: ServiceResponse<impl MessageBody>) -> Vec<u8> {
        actix_test::read_body(response).await.to_vec()
    }

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    fn unbrotli(bytes: &[u8]) -> String {
        let mut text = String::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    async fn assert_identity(path: &str, accept_encoding: Option<&str>, expected_body: &str) {
        let response = call(path, accept_encoding).await;
        assert_eq!(
            content_encoding(&response),
            None,
            "{path} {accept_encoding:?}"
        );
        assert_eq!(body_of(response).await, expected_body.as_bytes());
    }

    #[actix_web::test]
    async fn gzip_below_min_size_is_sent_uncompressed() {
        let response = call(&format!("/text/{}", MIN_SIZE - 1), Some("gzip")).await;
        assert_eq!(content_encoding(&response), None);
        assert_eq!(vary_values(&response), ["accept-encoding"]);
        assert_eq!(
            body_of(response).await,
            text_of_len(MIN_SIZE - 1).as_bytes()
        );
    }

    #[actix_web::test]
    async fn gzip_at_and_above_min_size_is_compressed_and_round_trips() {
        for len in [MIN_SIZE, MIN_SIZE * 40] {
            let response = call(&format!("/text/{len}"), Some("gzip")).await;
            assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
            assert_eq!(vary_values(&response), ["accept-encoding"]);
            let body = body_of(response).await;
            assert!(
                body.len() < len,
                "{} compressed bytes for {len}",
                body.len()
            );
            assert_eq!(gunzip(&body), text_of_len(len));
        }
    }

    #[actix_web::test]
    async fn brotli_below_min_size_is_sent_uncompressed() {
        let response = call(&format!("/json/{}", MIN_SIZE - 1), Some("br")).await;
        assert_eq!(content_encoding(&response), None);
        assert_eq!(vary_values(&response), ["accept-encoding"]);
        assert_eq!(
            body_of(response).await,
            text_of_len(MIN_SIZE - 1).as_bytes()
        );
    }

    #[actix_web::test]
    async fn brotli_at_and_above_min_size_is_compressed_and_round_trips() {
        for len in [MIN_SIZE, MIN_SIZE * 40] {
            let response = call(&format!("/json/{len}"), Some("br")).await;
            assert_eq!(content_encoding(&response).as_deref(), Some("br"));
            let body = body_of(response).await;
            assert!(
                body.len() < len,
                "{} compressed bytes for {len}",
                body.len()
            );
            assert_eq!(unbrotli(&body), text_of_len(len));
        }
    }

    #[actix_web::test]
    async fn problem_json_error_bodies_are_compressed() {
        let response = call("/problem", Some("gzip")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
        assert_eq!(gunzip(&body_of(response).await), text_of_len(MIN_SIZE * 4));
    }

    #[actix_web::test]
    async fn brotli_is_preferred_over_gzip_at_equal_quality() {
        for header in ["gzip, br", "br, gzip", "gzip;q=0.8, br;q=0.8", "*"] {
            let response = call("/text/4096", Some(header)).await;
            assert_eq!(
                content_encoding(&response).as_deref(),
                Some("br"),
                "{header}"
            );
        }
    }

    #[actix_web::test]
    async fn the_higher_quality_wins() {
        let response = call("/text/4096", Some("br;q=0.5, gzip;q=0.9")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
        let response = call("/text/4096", Some("gzip, *;q=0.1")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
    }

    #[actix_web::test]
    async fn zero_quality_refuses_a_coding() {
        let body = text_of_len(4096);
        assert_identity("/text/4096", Some("gzip;q=0"), &body).await;
        assert_identity("/text/4096", Some("*;q=0, identity"), &body).await;
        let response = call("/text/4096", Some("br;q=0, gzip")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
        let response = call("/text/4096", Some("br;q=0, *")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
    }

    #[actix_web::test]
    async fn identity_wins_only_when_preferred_explicitly() {
        let body = text_of_len(4096);
        assert_identity("/text/4096", Some("identity, gzip;q=0.5"), &body).await;
        let response = call("/text/4096", Some("identity;q=0.5, gzip")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
    }

    #[actix_web::test]
    async fn no_or_unknown_accept_encoding_means_identity() {
        let body = text_of_len(4096);
        assert_identity("/text/4096", None, &body).await;
        assert_identity("/text/4096", Some(""), &body).await;
        assert_identity("/text/4096", Some("compress, zstd"), &body).await;
        let response = call("/text/4096", None).await;
        assert_eq!(vary_values(&response), ["accept-encoding"]);
    }

    #[actix_web::test]
    async fn event_streams_are_never_compressed() {
        for path in ["/events", "/sized-events"] {
            let response = call(path, Some("br, gzip")).await;
            assert_eq!(content_encoding(&response), None, "{path}");
            assert!(vary_values(&response).is_empty(), "{path}");
        }
        let body = body_of(call("/events", Some("gzip")).await).await;
        assert_eq!(body, text_of_len(MIN_SIZE).repeat(8).as_bytes());
    }

    #[actix_web::test]
    async fn streams_of_unknown_size_are_not_compressed() {
        let response = call("/text-stream", Some("gzip")).await;
        assert_eq!(content_encoding(&response), None);
        assert_eq!(
            body_of(response).await,
            text_of_len(MIN_SIZE).repeat(8).as_bytes()
        );
    }

    #[actix_web::test]
    async fn not_modified_and_no_content_are_untouched() {
        for (path, status) in [
            ("/not-modified", StatusCode::NOT_MODIFIED),
            ("/no-content", StatusCode::NO_CONTENT),
        ] {
            let response = call(path, Some("br, gzip")).await;
            assert_eq!(response.status(), status);
            assert_eq!(content_encoding(&response), None, "{path}");
            assert!(vary_values(&response).is_empty(), "{path}");
        }
    }

    #[actix_web::test]
    async fn an_existing_content_encoding_is_left_alone() {
        let response = call("/already-encoded", Some("br")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
        assert_eq!(
            body_of(response).await,
            text_of_len(MIN_SIZE * 4).as_bytes()
        );
    }

    #[actix_web::test]
    async fn incompressible_content_types_are_left_alone() {
        let response = call("/png", Some("br, gzip")).await;
        assert_eq!(content_encoding(&response), None);
        assert!(vary_values(&response).is_empty());
    }

    #[actix_web::test]
    async fn compressed_responses_weaken_strong_etags_and_keep_one_vary() {
        let response = call("/tagged", Some("gzip")).await;
        assert_eq!(content_encoding(&response).as_deref(), Some("gzip"));
        assert_eq!(response.headers().get(ETAG).unwrap(), "W/\"v1\"");
        assert_eq!(vary_values(&response), ["accept-encoding"]);

        let response = call("/tagged", None).await;
        assert_eq!(response.headers().get(ETAG).unwrap(), "\"v1\"");
        assert_eq!(vary_values(&response), ["accept-encoding"]);
    }

    #[test]
    fn compressible_content_types() {
        for compressible in [
            "text/plain",
            "text/html; charset=utf-8",
            "TEXT/CSS",
            "application/json",
            "application/problem+json",
            "application/javascript",
            "application/xml",
            "application/atom+xml",
            "image/svg+xml",
        ] {
            assert!(is_compressible_content_type(compressible), "{compressible}");
        }
        for incompressible in [
            "text/event-stream",
            "Text/Event-Stream; charset=utf-8",
            "image/png",
            "audio/flac",
            "application/octet-stream",
            "application/zip",
            "font/woff2",
            "nonsense",
            "",
        ] {
            assert!(
                !is_compressible_content_type(incompressible),
                "{incompressible}"
            );
        }
    }
}
