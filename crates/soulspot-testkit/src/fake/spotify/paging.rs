//! Spotify's offset paging: `limit`/`offset` validated as the Web API does (`400 Invalid limit`),
//! and the paging object `{href, items, limit, next, offset, previous, total}` whose links are
//! absolute URLs on the server's own base URL, keep the request's other parameters, and are
//! `null` at the ends.

use serde_json::{Value, json};

use super::web_api::ApiError;
use crate::fake::FakeRequest;

/// Which slice of a list a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Page {
    pub(super) offset: usize,
    pub(super) limit: usize,
}

impl Page {
    /// The asked-for slice of `all` (empty past the end).
    pub(super) fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let start = self.offset.min(all.len());
        let end = self.offset.saturating_add(self.limit).min(all.len());
        &all[start..end]
    }
}

/// Reads `limit` (1..=`max_limit`, `default_limit` when absent) and `offset` (≥ 0).
pub(super) fn page_request(
    request: &FakeRequest,
    default_limit: usize,
    max_limit: usize,
) -> Result<Page, ApiError> {
    let limit = match request.query("limit") {
        None => default_limit,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(limit) if (1..=max_limit).contains(&limit) => limit,
            _ => return Err(ApiError::new(400, "Invalid limit")),
        },
    };
    let offset = match request.query("offset") {
        None => 0,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(offset) => offset,
            Err(_) => return Err(ApiError::new(400, "Invalid offset")),
        },
    };
    Ok(Page { offset, limit })
}

/// The request's parameters other than the paging ones, which every link of the page keeps.
pub(super) fn kept_parameters(request: &FakeRequest) -> Vec<(String, String)> {
    request
        .query
        .iter()
        .filter(|(name, _)| name != "offset" && name != "limit")
        .cloned()
        .collect()
}

/// `<url>?offset=…&limit=…&<kept parameters>`.
fn link(url: &str, offset: usize, limit: usize, kept: &[(String, String)]) -> String {
    let mut link = format!("{url}?offset={offset}&limit={limit}");
    for (name, value) in kept {
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        link.push_str(&format!("&{name}={value}"));
    }
    link
}

/// A paging object over `items` (already sliced to `page`) of a list of `total`; `url` is the
/// absolute URL of the list without a query.
pub(super) fn paging_object(
    url: &str,
    page: Page,
    total: usize,
    items: Vec<Value>,
    kept: &[(String, String)],
) -> Value {
    let next = (page.offset.saturating_add(page.limit) < total)
        .then(|| link(url, page.offset + page.limit, page.limit, kept));
    let previous = (page.offset > 0).then(|| {
        link(
            url,
            page.offset.saturating_sub(page.limit),
            page.limit,
            kept,
        )
    });
    json!({
        "href": link(url, page.offset, page.limit, kept),
        "items": items,
        "limit": page.limit,
        "next": next,
        "offset": page.offset,
        "previous": previous,
        "total": total,
    })
}
