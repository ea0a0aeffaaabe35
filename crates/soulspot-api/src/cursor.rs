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
use soulspot_domain::{ListOrder, OrderedKey, Page, PageRequest};
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

/// An id type that names its list.
pub trait IdKey: Sized {
    const LIST: &'static str;
    fn from_raw(raw: i64) -> Self;
    fn raw(&self) -> i64;
}

macro_rules! id_cursor {
    ($($id:ty => $list:literal),* $(,)?) => {$(
        impl IdKey for $id {
            const LIST: &'static str = $list;
            fn from_raw(raw: i64) -> Self {
                Self(raw)
            }
            fn raw(&self) -> i64 {
                self.0
            }
        }
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

/// The key of a row in an ordered list, with the order it belongs to, so a cursor of one order
/// is refused by another: `<order>:<id>[:<normalised name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordered<Id> {
    pub order: ListOrder,
    pub key: OrderedKey<Id>,
}

fn order_tag(order: ListOrder) -> &'static str {
    match order {
        ListOrder::Added => "a",
        ListOrder::AddedDescending => "d",
        ListOrder::Name => "n",
    }
}

impl<Id: IdKey> CursorKey for Ordered<Id> {
    const LIST: &'static str = Id::LIST;
    fn write(&self) -> String {
        let id = self.key.id.raw();
        match (&self.key.name, self.order) {
            (Some(name), ListOrder::Name) => format!("n:{id}:{name}"),
            (_, order) => format!("{}:{id}", order_tag(order)),
        }
    }
    fn read(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, ':');
        let order = match parts.next()? {
            "a" => ListOrder::Added,
            "d" => ListOrder::AddedDescending,
            "n" => ListOrder::Name,
            _ => return None,
        };
        let id = parts.next()?.parse::<i64>().ok().filter(|id| *id >= 0)?;
        let name = parts.next().map(str::to_owned);
        // A name belongs to a name-order cursor, and a name-order cursor has one.
        if name.is_some() != (order == ListOrder::Name) {
            return None;
        }
        Some(Self {
            order,
            key: OrderedKey {
                id: Id::from_raw(id),
                name,
            },
        })
    }
}

id_cursor!(
    soulspot_domain::ArtistId => "artists",
    soulspot_domain::AlbumId => "albums",
    soulspot_domain::TrackId => "tracks",
    soulspot_domain::PlaylistId => "playlists",
    soulspot_domain::JobId => "jobs",
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
    // A cursor holds an id and at most a normalised title; anything longer is forged.
    if cursor.len() > 4096 {
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

    /// The page request of a list read in `order`; a cursor handed out for another order is
    /// refused.
    pub fn ordered_request<Id: IdKey>(
        &self,
        order: ListOrder,
    ) -> Result<PageRequest<OrderedKey<Id>>, ApiError> {
        let request = self.request::<Ordered<Id>>()?;
        let limit = request.limit();
        Ok(match request.after {
            None => PageRequest::first(limit),
            Some(start) if start.order == order => PageRequest::after(start.key, limit),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "invalid-cursor",
                    "the cursor belongs to another sort order; start again without a cursor",
                ));
            }
        })
    }
}

/// Converts a domain page read in `order`, encoding its cursor.
pub fn paged_ordered<T, Id: IdKey, U>(
    page: Page<T, OrderedKey<Id>>,
    order: ListOrder,
    convert: impl FnMut(T) -> U,
) -> Paged<U> {
    Paged {
        next_cursor: page.next.map(|key| encode(&Ordered { order, key })),
        items: page.items.into_iter().map(convert).collect(),
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
        for forged in ["", "!!", "dHJhY2tzOi0x", "dHJhY2tzOng", &"A".repeat(5000)] {
            assert!(decode::<TrackId>(forged).is_err(), "{forged}");
        }
    }

    #[test]
    fn ordered_cursors_carry_their_order_and_name() {
        let by_name = Ordered {
            order: ListOrder::Name,
            key: OrderedKey {
                id: TrackId(7),
                name: Some("a:b c".into()),
            },
        };
        assert_eq!(
            decode::<Ordered<TrackId>>(&encode(&by_name)).ok(),
            Some(by_name)
        );
        let newest = Ordered {
            order: ListOrder::AddedDescending,
            key: OrderedKey::id(TrackId(9)),
        };
        assert_eq!(
            decode::<Ordered<TrackId>>(&encode(&newest)).ok(),
            Some(newest)
        );
        let query = PageQuery {
            limit: None,
            cursor: Some(encode(&Ordered {
                order: ListOrder::Added,
                key: OrderedKey::id(TrackId(3)),
            })),
        };
        assert!(query.ordered_request::<TrackId>(ListOrder::Added).is_ok());
        assert!(query.ordered_request::<TrackId>(ListOrder::Name).is_err());
        // A name-order cursor without a name, or an id-order one with a name, is forged.
        for forged in ["tracks:n:3", "tracks:a:3:x"] {
            assert!(decode::<Ordered<TrackId>>(&URL_SAFE_NO_PAD.encode(forged)).is_err());
        }
    }
}
