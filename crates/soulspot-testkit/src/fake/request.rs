//! A request as a fake sees it (method, decoded path, query pairs, headers, whole body) and the
//! helpers that build responses.

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::Full;

/// What a fake answers with.
pub type FakeResponse = http::Response<Full<Bytes>>;

/// One request, its body read whole.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: Method,
    /// The percent-decoded path (e.g. `/ws/2/isrc/USRC17607839`).
    pub path: String,
    /// The raw query string (without `?`), empty when there was none.
    pub raw_query: String,
    /// The decoded query pairs, in order (`+` as a space, as forms and most clients send it).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl FakeRequest {
    pub(super) fn new(parts: http::request::Parts, body: Bytes) -> Self {
        let raw_path = parts.uri.path();
        let path = percent_decode(raw_path);
        let raw_query = parts.uri.query().unwrap_or_default().to_owned();
        let query = url::form_urlencoded::parse(raw_query.as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Self {
            method: parts.method,
            path,
            raw_query,
            query,
            headers: parts.headers,
            body,
        }
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A header's value, when it is present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The path's segments after `prefix` (which must match whole segments), e.g.
    /// `segments_after("/api/v0")` of `/api/v0/searches/42` is `["searches", "42"]`.
    pub fn segments_after(&self, prefix: &str) -> Option<Vec<&str>> {
        let rest = self.path.strip_prefix(prefix.trim_end_matches('/'))?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        Some(
            rest.split('/')
                .filter(|segment| !segment.is_empty())
                .collect(),
        )
    }

    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect()
    }
}

/// Decodes `%XX` escapes segment by segment (`+` stays a plus in a path).
fn percent_decode(path: &str) -> String {
    path.split('/')
        .map(|segment| String::from_utf8_lossy(&decode_segment(segment)).into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn decode_segment(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[index + 1]), hex(bytes[index + 2]))
        {
            decoded.push(high * 16 + low);
            index += 3;
            continue;
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    decoded
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &serde_json::Value) -> FakeResponse {
    text_response(status, "application/json; charset=utf-8", value.to_string())
}

/// A response with a body of the given content type.
pub fn text_response(status: StatusCode, content_type: &str, body: String) -> FakeResponse {
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::try_from(content_type) {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, value);
    }
    response
}

/// A bodiless response (204, 201 without content, …).
pub fn empty_response(status: StatusCode) -> FakeResponse {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// A redirect (e.g. 307) to `location`.
pub fn redirect_response(status: StatusCode, location: &str) -> FakeResponse {
    let mut response = empty_response(status);
    if let Ok(value) = http::HeaderValue::try_from(location) {
        response.headers_mut().insert(http::header::LOCATION, value);
    }
    response
}
