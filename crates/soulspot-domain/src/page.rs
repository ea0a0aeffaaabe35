//! Keyset pagination: a page request carries the key of the last row seen, never an offset, so a
//! deep page costs the same as the first one.

use serde::{Deserialize, Serialize};

/// The largest page any list returns, whatever the caller asks for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which page of a list to read: rows strictly after `after` (in the list's order), at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<K> {
    pub after: Option<K>,
    limit: u32,
}

impl<K> PageRequest<K> {
    /// A request for the first page. `limit` is clamped to `1..=MAX_PAGE_SIZE`.
    pub fn first(limit: u32) -> Self {
        Self {
            after: None,
            limit: limit.clamp(1, MAX_PAGE_SIZE),
        }
    }

    /// A request for the page after the row whose key is `after`.
    pub fn after(after: K, limit: u32) -> Self {
        Self {
            after: Some(after),
            limit: limit.clamp(1, MAX_PAGE_SIZE),
        }
    }

    /// The clamped page size.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

/// The order a catalogue list is read in. Every order ends with the id, so no two rows tie and
/// the keyset of the last row seen says exactly where the next page starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ListOrder {
    /// The order rows were added (by id, ascending).
    #[default]
    Added,
    /// Newest first (by id, descending).
    AddedDescending,
    /// By the normalised name or title (case and accents folded, as the matching keys are), then
    /// by id: the A–Z order of a browsing view.
    Name,
}

/// The key of a row in a [`ListOrder`]: its id, plus its normalised name when the order is by
/// name (adapters fill it from the stored matching key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderedKey<Id> {
    pub id: Id,
    pub name: Option<String>,
}

impl<Id> OrderedKey<Id> {
    /// The key of a row in an order by id.
    pub fn id(id: Id) -> Self {
        Self { id, name: None }
    }
}

/// One page of a list and the key to ask for the next one (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

impl<T, K> Page<T, K> {
    /// Builds a page from up to `limit + 1` rows read in list order: the extra row only proves that
    /// another page exists, and the key of the last returned row becomes the cursor.
    pub fn from_overfetched(mut rows: Vec<T>, limit: u32, key_of: impl Fn(&T) -> K) -> Self {
        let limit = limit as usize;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&key_of)
        } else {
            None
        };
        Self { items: rows, next }
    }

    /// Maps the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_clamped() {
        assert_eq!(PageRequest::<i64>::first(0).limit(), 1);
        assert_eq!(PageRequest::<i64>::first(10_000).limit(), MAX_PAGE_SIZE);
    }

    #[test]
    fn overfetched_row_yields_cursor() {
        let page = Page::from_overfetched(vec![1, 2, 3], 2, |v| *v);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next, Some(2));
        let last = Page::from_overfetched(vec![1, 2], 2, |v| *v);
        assert_eq!(last.next, None);
    }
}
