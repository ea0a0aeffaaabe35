//! What an incoming source may write over a stored artist, album or track, and the plans that
//! turn a batch's mentions into rows to create and stored rows to change.
//!
//! The rules: an identifier (Spotify id, MBID, ISRC, release group) is filled, never replaced; an
//! empty value never overwrites a value; descriptive values (names, titles, album, numbers,
//! duration, credits) are overwritten only by a source at least as authoritative as the entry's
//! owner. Artists and albums are named by many files, so tags only fill them: a file spelling
//! "BAND" never renames "Band". A track follows the tags of the file that created it, and a
//! weaker source never changes a stronger source's track beyond filling its identifiers.

use super::{AlbumKey, Identity, NameKey, Resolution, Source, resolve};
use crate::{
    Album, AlbumId, Artist, ArtistId, Isrc, Mbid, NewArtist, SpotifyId, Track, TrackDuration,
};

/// An album's values with its album artist resolved to a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumFields {
    pub title: String,
    pub album_artist_id: Option<ArtistId>,
    pub year: Option<i32>,
    pub release_type: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    pub release_group_mbid: Option<Mbid>,
}

impl From<&Album> for AlbumFields {
    fn from(album: &Album) -> Self {
        Self {
            title: album.title.clone(),
            album_artist_id: album.album_artist_id,
            year: album.year,
            release_type: album.release_type.clone(),
            spotify_id: album.spotify_id.clone(),
            mbid: album.mbid.clone(),
            release_group_mbid: album.release_group_mbid.clone(),
        }
    }
}

impl AlbumFields {
    fn identity(&self, keys: &mut KeyCache) -> Identity<AlbumKey> {
        Identity {
            spotify_id: self.spotify_id.clone(),
            mbid: self.mbid.clone(),
            key: AlbumKey {
                title: keys.of(&self.title),
                album_artist: self.album_artist_id,
                year: self.year,
            },
        }
    }
}

/// Name keys already folded: candidates found by name share their names (every stored
/// "Greatest Hits"), and folding is the costly part of a plan.
#[derive(Default)]
struct KeyCache(std::collections::HashMap<String, NameKey>);

impl KeyCache {
    fn of(&mut self, text: &str) -> NameKey {
        if let Some(key) = self.0.get(text) {
            return key.clone();
        }
        let key = NameKey::of(text);
        self.0.insert(text.to_owned(), key.clone());
        key
    }
}

fn artist_fields(artist: &Artist) -> NewArtist {
    NewArtist {
        name: artist.name.clone(),
        sort_name: artist.sort_name.clone(),
        spotify_id: artist.spotify_id.clone(),
        mbid: artist.mbid.clone(),
    }
}

fn artist_identity(artist: &NewArtist, keys: &mut KeyCache) -> Identity<NameKey> {
    Identity {
        spotify_id: artist.spotify_id.clone(),
        mbid: artist.mbid.clone(),
        key: keys.of(&artist.name),
    }
}

/// A track's values with its album and credited artists resolved to rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFields {
    pub title: String,
    pub album_id: Option<AlbumId>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration: Option<TrackDuration>,
    pub isrc: Option<Isrc>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    /// `None`: the source does not say (tags never do).
    pub explicit: Option<bool>,
    /// In credit order, each artist once.
    pub artist_ids: Vec<ArtistId>,
}

impl From<&Track> for TrackFields {
    fn from(track: &Track) -> Self {
        Self {
            title: track.title.clone(),
            album_id: track.album_id,
            disc_number: track.disc_number,
            track_number: track.track_number,
            duration: track.duration,
            isrc: track.isrc.clone(),
            spotify_id: track.spotify_id.clone(),
            mbid: track.mbid.clone(),
            explicit: Some(track.explicit),
            artist_ids: track.artist_ids.clone(),
        }
    }
}

/// `incoming` over `current`: when `overwrite`, any value `incoming` has; else only where
/// `current` has none.
fn take<T: Clone>(current: &mut Option<T>, incoming: &Option<T>, overwrite: bool) {
    if incoming.is_some() && (overwrite || current.is_none()) {
        current.clone_from(incoming);
    }
}

/// Fills the identifiers `current` lacks.
fn fill<T: Clone>(current: &mut Option<T>, incoming: &Option<T>) {
    take(current, incoming, false);
}

/// `stored` after `incoming` from `source` (see the module documentation).
pub fn merge_track(stored: &TrackFields, incoming: &TrackFields, source: Source) -> TrackFields {
    let mut merged = stored.clone();
    fill(&mut merged.spotify_id, &incoming.spotify_id);
    fill(&mut merged.isrc, &incoming.isrc);
    fill(&mut merged.mbid, &incoming.mbid);
    let owner = Source::of_stored(stored.spotify_id.as_ref());
    if source < owner {
        if merged.artist_ids.is_empty() {
            merged.artist_ids.clone_from(&incoming.artist_ids);
        }
        return merged;
    }
    if !incoming.title.is_empty() {
        merged.title.clone_from(&incoming.title);
    }
    take(&mut merged.album_id, &incoming.album_id, true);
    take(&mut merged.disc_number, &incoming.disc_number, true);
    take(&mut merged.track_number, &incoming.track_number, true);
    take(&mut merged.duration, &incoming.duration, true);
    take(&mut merged.explicit, &incoming.explicit, true);
    if !incoming.artist_ids.is_empty() {
        merged.artist_ids.clone_from(&incoming.artist_ids);
    }
    merged
}

/// Whether `source` may overwrite the descriptive values of an artist or album owned by `owner`.
fn overwrites_shared(source: Source, owner: Source) -> bool {
    source != Source::Tags && source >= owner
}

fn merge_artist(current: &mut NewArtist, incoming: &NewArtist, source: Source) {
    let overwrite = overwrites_shared(source, Source::of_stored(current.spotify_id.as_ref()));
    if overwrite && !incoming.name.is_empty() {
        current.name.clone_from(&incoming.name);
    }
    take(&mut current.sort_name, &incoming.sort_name, overwrite);
}

fn merge_album(current: &mut AlbumFields, incoming: &AlbumFields, source: Source) {
    let overwrite = overwrites_shared(source, Source::of_stored(current.spotify_id.as_ref()));
    if overwrite && !incoming.title.is_empty() {
        current.title.clone_from(&incoming.title);
    }
    take(
        &mut current.album_artist_id,
        &incoming.album_artist_id,
        overwrite,
    );
    take(&mut current.year, &incoming.year, overwrite);
    take(&mut current.release_type, &incoming.release_type, overwrite);
    fill(
        &mut current.release_group_mbid,
        &incoming.release_group_mbid,
    );
}

/// What a writer does with one slot of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned<V> {
    /// A row to create with these values.
    New(V),
    /// A stored row whose values become these.
    Changed(V),
    /// A stored row left as it is.
    Unchanged,
}

/// The artists or albums a batch names: where each mention resolves, and what to write.
#[derive(Debug, Clone)]
pub struct Plan<Id, K, V> {
    pub resolution: Resolution<Id, K>,
    /// Per slot of the resolution.
    pub rows: Vec<Planned<V>>,
}

impl<Id: Copy, K, V> Plan<Id, K, V> {
    /// The rows to create, in slot order (the order their inserted ids must come back in).
    pub fn new_rows(&self) -> impl Iterator<Item = &V> {
        self.rows.iter().filter_map(|row| match row {
            Planned::New(values) => Some(values),
            _ => None,
        })
    }

    /// The stored rows that change, with their new values.
    pub fn changed_rows(&self) -> impl Iterator<Item = (Id, &V)> {
        self.resolution
            .slots
            .iter()
            .zip(&self.rows)
            .filter_map(|(slot, row)| match row {
                Planned::Changed(values) => Some((slot.stored?, values)),
                _ => None,
            })
    }

    /// Each mention's row id, once the new rows were inserted and got `inserted` (in order).
    pub fn mention_ids(&self, inserted: &[Id]) -> Vec<Option<Id>> {
        let ids = self.resolution.ids(inserted);
        self.resolution
            .mentions
            .iter()
            .map(|&slot| ids[slot])
            .collect()
    }
}

/// Merges every mention into its slot, in the canonical order, and says what changed.
fn plan<Id: Copy, K, V: Clone + PartialEq>(
    resolution: Resolution<Id, K>,
    stored: Vec<Option<V>>,
    mentions: &[V],
    set_identifiers: impl Fn(&mut V, &Identity<K>),
    merge: impl Fn(&mut V, &V),
) -> Plan<Id, K, V> {
    let mut current: Vec<Option<V>> = stored.clone();
    current.resize(resolution.slots.len(), None);
    for &mention in &resolution.order {
        let slot = resolution.mentions[mention];
        match &mut current[slot] {
            Some(values) => merge(values, &mentions[mention]),
            empty @ None => *empty = Some(mentions[mention].clone()),
        }
    }
    let rows = current
        .into_iter()
        .enumerate()
        .map(|(slot, values)| {
            let Some(mut values) = values else {
                return Planned::Unchanged;
            };
            set_identifiers(&mut values, &resolution.slots[slot].identity);
            match stored.get(slot) {
                Some(Some(original)) if *original == values => Planned::Unchanged,
                Some(Some(_)) => Planned::Changed(values),
                _ => Planned::New(values),
            }
        })
        .collect();
    Plan { resolution, rows }
}

/// Which stored artist each of `incoming` is (`stored`: the candidates a lookup by Spotify id,
/// MBID and normalised name found), and what to write.
pub fn plan_artists(
    stored: &[Artist],
    incoming: &[NewArtist],
    source: Source,
) -> Plan<ArtistId, NameKey, NewArtist> {
    let mut keys = KeyCache::default();
    let mentions: Vec<(Identity<NameKey>, _)> = incoming
        .iter()
        .map(|artist| {
            let tie_breaker = (artist.name.as_str(), artist.sort_name.as_deref());
            (artist_identity(artist, &mut keys), tie_breaker)
        })
        .collect();
    let resolution = resolve(
        stored.iter().map(|artist| {
            let identity = Identity {
                spotify_id: artist.spotify_id.clone(),
                mbid: artist.mbid.clone(),
                key: keys.of(&artist.name),
            };
            (artist.id, identity)
        }),
        &mentions,
        |row, _, mention| {
            let owner = Source::of_stored(row.spotify_id.as_ref());
            overwrites_shared(source, owner).then(|| mention.key.clone())
        },
    );
    let stored_values = stored_in_slot_order(&resolution, stored, |artist| artist.id)
        .map(|artist| artist.map(artist_fields))
        .collect();
    plan(
        resolution,
        stored_values,
        incoming,
        |artist, identity| {
            artist.spotify_id.clone_from(&identity.spotify_id);
            artist.mbid.clone_from(&identity.mbid);
        },
        |current, mention| merge_artist(current, mention, source),
    )
}

/// Which stored album each of `incoming` is (album artists already resolved), and what to write.
pub fn plan_albums(
    stored: &[Album],
    incoming: &[AlbumFields],
    source: Source,
) -> Plan<AlbumId, AlbumKey, AlbumFields> {
    let mut keys = KeyCache::default();
    let mentions: Vec<(Identity<AlbumKey>, _)> = incoming
        .iter()
        .map(|album| {
            let tie_breaker = (
                album.title.as_str(),
                album.release_type.as_deref(),
                album.release_group_mbid.as_ref(),
            );
            (album.identity(&mut keys), tie_breaker)
        })
        .collect();
    let resolution = resolve(
        stored.iter().map(|album| {
            let identity = Identity {
                spotify_id: album.spotify_id.clone(),
                mbid: album.mbid.clone(),
                key: AlbumKey {
                    title: keys.of(&album.title),
                    album_artist: album.album_artist_id,
                    year: album.year,
                },
            };
            (album.id, identity)
        }),
        &mentions,
        |row, key, mention| {
            let overwrite = overwrites_shared(source, Source::of_stored(row.spotify_id.as_ref()));
            let mut key = key.clone();
            if overwrite {
                key.title = mention.key.title.clone();
            }
            take(&mut key.album_artist, &mention.key.album_artist, overwrite);
            take(&mut key.year, &mention.key.year, overwrite);
            Some(key)
        },
    );
    let stored_values = stored_in_slot_order(&resolution, stored, |album| album.id)
        .map(|album| album.map(AlbumFields::from))
        .collect();
    plan(
        resolution,
        stored_values,
        incoming,
        |album, identity| {
            album.spotify_id.clone_from(&identity.spotify_id);
            album.mbid.clone_from(&identity.mbid);
        },
        |current, mention| merge_album(current, mention, source),
    )
}

/// The stored entries by slot (the resolution orders stored slots by id; duplicates in `stored`
/// resolve to their first copy).
fn stored_in_slot_order<'a, Id: Copy + Ord, K, E>(
    resolution: &'a Resolution<Id, K>,
    stored: &'a [E],
    id_of: impl Fn(&E) -> Id + 'a,
) -> impl Iterator<Item = Option<&'a E>> + 'a {
    let mut by_id: Vec<(Id, &E)> = stored.iter().map(|entry| (id_of(entry), entry)).collect();
    by_id.sort_by_key(|(id, _)| *id);
    resolution.slots.iter().map(move |slot| {
        let id = slot.stored?;
        by_id
            .binary_search_by(|(stored_id, _)| stored_id.cmp(&id))
            .ok()
            .map(|index| by_id[index].1)
    })
}
