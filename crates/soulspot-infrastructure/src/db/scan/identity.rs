//! How a scan batch tells whether an artist or album a file names is one the library knows: the
//! rules, over the rows a lookup found, with no statement of their own.
//!
//! Artists and albums resolve by the same rules, in the batch's order: the row with the same
//! MusicBrainz id; else the row with the same key (normalised name; normalised title + album
//! artist + year) and the lowest id, which takes our MusicBrainz id when it has none and is a
//! different entity when it has another; else a new row. Rows created earlier in the same batch
//! take part like stored ones (after them: their ids will be higher), so a batch needs no row
//! twice and re-applying it resolves every mention to the row the first run created.

use std::collections::HashMap;
use std::hash::Hash;

/// What a name is compared by: its normalised form, or the exact text when it has no letter or
/// digit (two such names, "!!!" and "???", fold to the same empty key but are different names).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum NameKey {
    Normalized(String),
    Exact(String),
}

impl NameKey {
    pub(super) fn new(text: &str, normalized: &str) -> Self {
        if normalized.is_empty() {
            Self::Exact(text.to_owned())
        } else {
            Self::Normalized(normalized.to_owned())
        }
    }
}

/// One row a mention can resolve to: a stored row (`stored_id`) or a row this batch creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Slot {
    pub stored_id: Option<i64>,
    /// The row's MusicBrainz id, including one this batch gives it.
    pub mbid: Option<String>,
    /// Whether this batch gave a stored row its MusicBrainz id.
    pub mbid_claimed: bool,
}

/// Resolves mentions (a key and maybe a MusicBrainz id) to slots, following the module's rules.
#[derive(Debug)]
pub(super) struct IdentityResolver<K> {
    slots: Vec<Slot>,
    by_mbid: HashMap<String, usize>,
    /// Slots by key, lowest id first: stored rows in id order, then new rows in creation order.
    by_key: HashMap<K, Vec<usize>>,
}

impl<K: Hash + Eq> IdentityResolver<K> {
    /// A resolver over the stored rows `(id, key, mbid)` a lookup found.
    pub(super) fn new(stored: impl IntoIterator<Item = (i64, K, Option<String>)>) -> Self {
        let mut stored: Vec<(i64, K, Option<String>)> = stored.into_iter().collect();
        stored.sort_by_key(|(id, _, _)| *id);
        let mut resolver = Self {
            slots: Vec::with_capacity(stored.len()),
            by_mbid: HashMap::new(),
            by_key: HashMap::new(),
        };
        for (id, key, mbid) in stored {
            resolver.push(Some(id), key, mbid);
        }
        resolver
    }

    fn push(&mut self, stored_id: Option<i64>, key: K, mbid: Option<String>) -> usize {
        let slot = self.slots.len();
        if let Some(mbid) = &mbid {
            self.by_mbid.entry(mbid.clone()).or_insert(slot);
        }
        self.by_key.entry(key).or_default().push(slot);
        self.slots.push(Slot {
            stored_id,
            mbid,
            mbid_claimed: false,
        });
        slot
    }

    /// The slot of a mention, creating a new one when no row fits.
    pub(super) fn resolve(&mut self, key: K, mbid: Option<&str>) -> usize {
        if let Some(mbid) = mbid
            && let Some(&slot) = self.by_mbid.get(mbid)
        {
            return slot;
        }
        let lowest = self
            .by_key
            .get(&key)
            .and_then(|slots| slots.first())
            .copied();
        match (lowest, mbid) {
            (Some(slot), None) => slot,
            (Some(slot), Some(mbid)) if self.slots[slot].mbid.is_none() => {
                let claimed = &mut self.slots[slot];
                claimed.mbid = Some(mbid.to_owned());
                claimed.mbid_claimed = claimed.stored_id.is_some();
                self.by_mbid.insert(mbid.to_owned(), slot);
                slot
            }
            // The row with this key has another MusicBrainz id: a different entity that happens
            // to share the name.
            (Some(_), Some(mbid)) | (None, Some(mbid)) => {
                self.push(None, key, Some(mbid.to_owned()))
            }
            (None, None) => self.push(None, key, None),
        }
    }

    pub(super) fn slots(&self) -> &[Slot] {
        &self.slots
    }
}

/// The ids of new rows, in creation order, from the ids one multi-row `INSERT … RETURNING id`
/// gave them. Both backends number the rows of one `INSERT … VALUES` in the order of the values
/// (SQLite takes the next rowid row by row, under the write lock this transaction holds;
/// PostgreSQL calls the identity's sequence row by row, and a sequence only grows), whatever
/// order `RETURNING` reports them in, so the sorted ids line up with the rows.
pub(super) fn ids_in_insert_order(mut returned: Vec<i64>, expected: usize) -> Option<Vec<i64>> {
    returned.sort_unstable();
    (returned.len() == expected).then_some(returned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> NameKey {
        NameKey::new(name, &name.to_lowercase())
    }

    #[test]
    fn mbid_then_lowest_key_then_new() {
        let mut resolver = IdentityResolver::new([
            (9, key("x"), None),
            (5, key("x"), Some("m2".to_owned())),
            (7, key("y"), None),
        ]);
        // By MusicBrainz id.
        let by_mbid = resolver.resolve(key("zzz"), Some("m2"));
        assert_eq!(resolver.slots()[by_mbid].stored_id, Some(5));
        // By key: the lowest id, whatever its MusicBrainz id.
        let by_key = resolver.resolve(key("x"), None);
        assert_eq!(resolver.slots()[by_key].stored_id, Some(5));
        // The lowest row with the key has another MusicBrainz id: a new row.
        let other = resolver.resolve(key("x"), Some("m1"));
        assert_eq!(resolver.slots()[other].stored_id, None);
        assert_eq!(resolver.resolve(key("x"), Some("m1")), other);
        // A row without one takes ours.
        let claimed = resolver.resolve(key("y"), Some("m3"));
        assert_eq!(resolver.slots()[claimed].stored_id, Some(7));
        assert!(resolver.slots()[claimed].mbid_claimed);
        assert_eq!(resolver.resolve(key("Y"), Some("m3")), claimed);
        // A key met only in this batch: one new row, which a later id claims.
        let fresh = resolver.resolve(key("w"), None);
        assert_eq!(resolver.resolve(key("W"), Some("m4")), fresh);
        assert!(!resolver.slots()[fresh].mbid_claimed);
        assert_eq!(resolver.slots().len(), 5);
    }

    #[test]
    fn names_without_letters_compare_exactly() {
        assert_ne!(NameKey::new("!!!", ""), NameKey::new("???", ""));
        assert_eq!(
            NameKey::new("Beyoncé", "beyonce"),
            NameKey::new("beyonce", "beyonce")
        );
    }

    #[test]
    fn inserted_ids_are_sorted_and_counted() {
        assert_eq!(
            ids_in_insert_order(vec![12, 10, 11], 3),
            Some(vec![10, 11, 12])
        );
        assert_eq!(ids_in_insert_order(vec![10], 2), None);
    }
}
