//! Opaque keyset cursors and the paging query every list accepts.
//!
//! A cursor is the key of the last row of a page, tagged with the list it belongs to and encoded
//! as URL-safe base64: clients pass it back unchanged and must not build one. A cursor that does
//! not decode, or belongs to another list, is a 400 `invalid-cursor` — never a 500 and never a
//! silently different page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use soulspot_domain::page::MAX_PAGE_SIZE;
use soulspot_domain::{Page, PageRequest};
use utoipa::ToSchema;

use crate::problem::ApiError;

/// The page size when `limit` is absent.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to read the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Which list a cursor belongs to, and how its key is written.
pub trait CursorKey: Sized {
    const LIST: &'static str;
    fn write(&self) -> String;
    fn read(text: &str) -> Option<Self>;
}

macro_rules! id_cursor {
    ($($id:ty => $list:literal),* $(,)?) => {$(
        impl CursorKey for $id {
            const LIST: &'static str = $list;
            fn write(&self) -> String {
                self.0.to_string()
            }
            fn read(text: &str) -> Option<Self> {
                text.parse::<i64>().ok().filter(|id| *id >= 0).map(Self)
            }
        }
    )*};
}

id_cursor!(
    soulspot_domain::ArtistId => "artists",
    soulspot_domain::AlbumId => "albums",
    soulspot_domain::TrackId => "tracks",
    soulspot_domain::PlaylistId => "playlists",
);

/// Playlist entries page by position.
impl CursorKey for i32 {
    const LIST: &'static str = "entries";
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(text: &str) -> Option<Self> {
        text.parse::<i32>().ok().filter(|position| *position >= 0)
    }
}

pub fn encode<K: CursorKey>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", K::LIST, key.write()))
}

pub fn decode<K: CursorKey>(cursor: &str) -> Result<K, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "invalid-cursor",
            "the cursor is not one this list handed out; start again without a cursor",
        )
    };
    // A cursor is short; a long one is forged.
    if cursor.len() > 100 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (list, key) = text.split_once(':').ok_or_else(invalid)?;
    if list != K::LIST {
        return Err(invalid());
    }
    K::read(key).ok_or_else(invalid)
}

/// `?limit=&cursor=`, shared by every list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1–500 (larger values are capped at 500); 50 when absent.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn request<K: CursorKey>(&self) -> Result<PageRequest<K>, ApiError> {
        let limit = match self.limit {
            None => DEFAULT_PAGE_SIZE,
            Some(0) => {
                return Err(ApiError::bad_request(
                    "invalid-query",
                    format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
            Some(limit) => limit.min(MAX_PAGE_SIZE),
        };
        Ok(match &self.cursor {
            None => PageRequest::first(limit),
            Some(cursor) => PageRequest::after(decode::<K>(cursor)?, limit),
        })
    }
}

/// Converts a domain page, encoding its cursor.
pub fn paged<T, K: CursorKey, U>(page: Page<T, K>, convert: impl FnMut(T) -> U) -> Paged<U> {
    Paged {
        next_cursor: page.next.as_ref().map(encode),
        items: page.items.into_iter().map(convert).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soulspot_domain::{AlbumId, TrackId};

    #[test]
    fn cursors_round_trip_and_belong_to_one_list() {
        let cursor = encode(&TrackId(42));
        assert_eq!(decode::<TrackId>(&cursor).ok(), Some(TrackId(42)));
        assert!(decode::<AlbumId>(&cursor).is_err());
        for forged in ["", "!!", "dHJhY2tzOi0x", "dHJhY2tzOng", &"A".repeat(500)] {
            assert!(decode::<TrackId>(forged).is_err(), "{forged}");
        }
    }
}
