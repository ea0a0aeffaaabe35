//! Catalogue identity: which stored artist, album or track an incoming one is, and which of its
//! fields an incoming source may fill or overwrite. Every catalogue writer (the library scan, the
//! Spotify sync, MusicBrainz enrichment, import) loads the candidates in a constant number of
//! statements and asks this module; the store only loads and writes.
//!
//! Identity, strongest first: the Spotify id; the ISRC (tracks only); the MusicBrainz id; then a
//! normalised key — an artist's name; an album's title, album artist and year; a track's title, a
//! shared credited artist and a duration within ±3 s (`tracks`). Two entries whose identifiers of
//! one kind differ are never one entity, however alike their names.
//!
//! What a match may change (`fields`): an identifier is filled, never replaced; an empty value
//! never overwrites a value; descriptive values are overwritten only by a source at least as
//! authoritative as the one that owns the entry ([`Source`]).
//!
//! Incoming entries are resolved in a canonical order (strongest identifier first, then by value),
//! never in the order a batch lists them, so the same entries in another order resolve alike; and
//! each entry resolves to the row its first resolution created or gave its identifiers, so
//! applying the same input twice changes nothing.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;

use crate::{ArtistId, Mbid, NormalizedName, SpotifyId};

mod fields;
mod tracks;

#[cfg(test)]
mod tests;

pub use fields::*;
pub use tracks::*;

/// Who describes a catalogue entry, in increasing authority: a file's tags, MusicBrainz, Spotify
/// (the service the user's playlists come from, whose names the user recognises).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Tags,
    MusicBrainz,
    Spotify,
}

impl Source {
    /// The source a stored entry speaks for, as far as the store records it: Spotify when it has
    /// a Spotify id, else its tags. (Nothing records MusicBrainz authorship yet; enrichment will
    /// need a provenance column for tags to respect it.)
    pub fn of_stored(spotify_id: Option<&SpotifyId>) -> Self {
        if spotify_id.is_some() {
            Self::Spotify
        } else {
            Self::Tags
        }
    }
}

/// What a name or title is compared by: its normalised form, or the exact text when it has no
/// letter or digit (two such names, "!!!" and "???", fold to the same empty key but differ).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameKey {
    Normalized(NormalizedName),
    Exact(String),
}

impl NameKey {
    pub fn of(text: &str) -> Self {
        let normalized = NormalizedName::new(text);
        if normalized.is_empty() {
            Self::Exact(text.to_owned())
        } else {
            Self::Normalized(normalized)
        }
    }
}

/// The key of an album: its title, its album artist (already resolved) and its year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlbumKey {
    pub title: NameKey,
    pub album_artist: Option<ArtistId>,
    pub year: Option<i32>,
}

/// How an artist (`K` = [`NameKey`]) or album (`K` = [`AlbumKey`]) is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity<K> {
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    pub key: K,
}

impl<K> Identity<K> {
    /// Whether this and `other` could be one entity: no identifier of one kind differs.
    fn agrees_with(&self, other: &Self) -> bool {
        agree(&self.spotify_id, &other.spotify_id) && agree(&self.mbid, &other.mbid)
    }

    /// Resolution order: entries with a Spotify id first, then with an MBID, then keys only.
    fn strength(&self) -> u8 {
        match (&self.spotify_id, &self.mbid) {
            (Some(_), _) => 0,
            (None, Some(_)) => 1,
            (None, None) => 2,
        }
    }
}

/// Two optional identifiers agree unless both are set and differ.
pub(crate) fn agree<T: PartialEq>(left: &Option<T>, right: &Option<T>) -> bool {
    match (left, right) {
        (Some(left), Some(right)) => left == right,
        _ => true,
    }
}

/// One entity a mention can resolve to: a stored row, or a row to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot<Id, K> {
    /// The stored row, `None` for a row to create.
    pub stored: Option<Id>,
    /// Its identifiers after resolution: a stored row's, plus those it gained.
    pub identity: Identity<K>,
}

/// The slot of every mention.
#[derive(Debug, Clone)]
pub struct Resolution<Id, K> {
    /// Stored rows in id order, then new rows in creation order.
    pub slots: Vec<Slot<Id, K>>,
    /// Per mention, the index of its slot.
    pub mentions: Vec<usize>,
    /// The mentions in the order they were resolved (the canonical order).
    pub order: Vec<usize>,
}

impl<Id: Copy, K> Resolution<Id, K> {
    /// Every slot's id: a stored row keeps its own, new rows take `inserted` in creation order
    /// (`None` for a new row `inserted` does not cover).
    pub fn ids(&self, inserted: &[Id]) -> Vec<Option<Id>> {
        let mut inserted = inserted.iter();
        self.slots
            .iter()
            .map(|slot| slot.stored.or_else(|| inserted.next().copied()))
            .collect()
    }
}

/// Resolves `mentions` (an identity and a tie-breaker: the value a new row is created from)
/// against the `stored` rows: the row with the same Spotify id; else with the same MBID (and no
/// other Spotify id); else the lowest row with the same key whose identifiers agree; else a new
/// row. A row found gains the identifiers it lacked; no row gains an identifier another holds. Mentions are resolved in the
/// canonical order (strength, identity, tie-breaker), so their order in `mentions` is irrelevant.
///
/// `rekey(row, key, mention)` is the key of a row (as it was before this resolution; `key` is its
/// key now) after a mention found by an identifier wrote over it (a Spotify artist renamed
/// upstream), or `None` when it keeps its key: later mentions meet the row under the key it will
/// be stored with.
pub fn resolve<Id, K, T>(
    stored: impl IntoIterator<Item = (Id, Identity<K>)>,
    mentions: &[(Identity<K>, T)],
    rekey: impl Fn(&Identity<K>, &K, &Identity<K>) -> Option<K>,
) -> Resolution<Id, K>
where
    Id: Copy + Ord,
    K: Clone + Eq + Hash + Ord,
    T: Ord,
{
    let mut stored: Vec<(Id, Identity<K>)> = stored.into_iter().collect();
    stored.sort_by_key(|(id, _)| *id);
    // A lookup split over several statements may return one row twice.
    stored.dedup_by(|right, left| left.0 == right.0);
    let mut resolver = Resolver {
        slots: Vec::with_capacity(stored.len() + mentions.len()),
        original: Vec::with_capacity(stored.len() + mentions.len()),
        by_spotify: HashMap::new(),
        by_mbid: HashMap::new(),
        by_key: HashMap::new(),
    };
    for (id, identity) in stored {
        resolver.push(Some(id), identity);
    }
    let mut order: Vec<usize> = (0..mentions.len()).collect();
    order.sort_by(|&left, &right| canonical(&mentions[left], &mentions[right]));
    let mut slots = vec![0; mentions.len()];
    for &mention in &order {
        slots[mention] = resolver.resolve(&mentions[mention].0, &rekey);
    }
    Resolution {
        slots: resolver.slots,
        mentions: slots,
        order,
    }
}

fn canonical<K: Ord, T: Ord>(left: &(Identity<K>, T), right: &(Identity<K>, T)) -> Ordering {
    left.0
        .strength()
        .cmp(&right.0.strength())
        .then_with(|| left.0.cmp(&right.0))
        .then_with(|| left.1.cmp(&right.1))
}

struct Resolver<Id, K> {
    slots: Vec<Slot<Id, K>>,
    /// Per slot, its identity before this resolution (for a new row, as created).
    original: Vec<Identity<K>>,
    by_spotify: HashMap<SpotifyId, usize>,
    by_mbid: HashMap<Mbid, usize>,
    /// Slots by key: stored rows in id order, then new rows in creation order.
    by_key: HashMap<K, Vec<usize>>,
}

impl<Id, K: Clone + Eq + Hash> Resolver<Id, K> {
    fn push(&mut self, stored: Option<Id>, identity: Identity<K>) -> usize {
        let slot = self.slots.len();
        if let Some(spotify_id) = &identity.spotify_id {
            self.by_spotify.entry(spotify_id.clone()).or_insert(slot);
        }
        if let Some(mbid) = &identity.mbid {
            self.by_mbid.entry(mbid.clone()).or_insert(slot);
        }
        self.by_key
            .entry(identity.key.clone())
            .or_default()
            .push(slot);
        self.original.push(identity.clone());
        self.slots.push(Slot { stored, identity });
        slot
    }

    fn resolve(
        &mut self,
        mention: &Identity<K>,
        rekey: &impl Fn(&Identity<K>, &K, &Identity<K>) -> Option<K>,
    ) -> usize {
        let by_identifier = mention
            .spotify_id
            .as_ref()
            .and_then(|id| self.by_spotify.get(id))
            .copied()
            .or_else(|| {
                let slot = *self.by_mbid.get(mention.mbid.as_ref()?)?;
                agree(&self.slots[slot].identity.spotify_id, &mention.spotify_id).then_some(slot)
            });
        if let Some(slot) = by_identifier
            && let Some(key) = rekey(
                &self.original[slot],
                &self.slots[slot].identity.key,
                mention,
            )
            && key != self.slots[slot].identity.key
        {
            let old = std::mem::replace(&mut self.slots[slot].identity.key, key.clone());
            if let Some(slots) = self.by_key.get_mut(&old) {
                slots.retain(|&other| other != slot);
            }
            self.by_key.entry(key).or_default().push(slot);
        }
        // By key: the lowest row (stored rows by id come before new ones).
        let found = by_identifier.or_else(|| {
            self.by_key.get(&mention.key).and_then(|slots| {
                slots
                    .iter()
                    .copied()
                    .filter(|&slot| self.slots[slot].identity.agrees_with(mention))
                    .min()
            })
        });
        match found {
            Some(slot) => {
                self.gain(slot, mention);
                slot
            }
            None => {
                // A new row never takes an identifier another row holds.
                let mut identity = mention.clone();
                if identity
                    .mbid
                    .as_ref()
                    .is_some_and(|mbid| self.by_mbid.contains_key(mbid))
                {
                    identity.mbid = None;
                }
                self.push(None, identity)
            }
        }
    }

    /// Gives `slot` the identifiers of `mention` it lacks, unless another slot holds them.
    fn gain(&mut self, slot: usize, mention: &Identity<K>) {
        if self.slots[slot].identity.spotify_id.is_none()
            && let Some(spotify_id) = &mention.spotify_id
            && !self.by_spotify.contains_key(spotify_id)
        {
            self.slots[slot].identity.spotify_id = Some(spotify_id.clone());
            self.by_spotify.insert(spotify_id.clone(), slot);
        }
        if self.slots[slot].identity.mbid.is_none()
            && let Some(mbid) = &mention.mbid
            && !self.by_mbid.contains_key(mbid)
        {
            self.slots[slot].identity.mbid = Some(mbid.clone());
            self.by_mbid.insert(mbid.clone(), slot);
        }
    }
}
