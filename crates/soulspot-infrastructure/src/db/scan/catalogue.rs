//! The artists and albums a scan batch's audio files name: the keys to look them up by, and, given
//! the rows found, the row each mention resolves to (see `identity`), the rows to create and the
//! stored rows that gain what they lacked (a MusicBrainz id, a release group, the compilation
//! type).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use soulspot_domain::{Mbid, NormalizedName};

use super::super::prelude::*;
use super::super::schema::{albums, artists};
use super::identity::{IdentityResolver, NameKey, Slot};
use super::prepare::{AlbumFill, ArtistClaim, NewAlbumValues, NewArtistValues, PreparedFile};

/// Distinct values, in first-seen order.
pub(super) fn distinct<T: Clone + Eq + std::hash::Hash>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    values.filter(|value| seen.insert(value.clone())).collect()
}

/// Every artist an audio file names: its credits, then its album artist.
fn named_artists(
    file: &PreparedFile,
) -> impl Iterator<Item = &soulspot_domain::scan::ScannedArtist> {
    file.audio().into_iter().flat_map(|audio| {
        let album_artist = audio
            .track
            .album
            .iter()
            .filter_map(|album| album.artist.as_ref());
        audio.track.artists.iter().chain(album_artist)
    })
}

/// What the batch's artists are looked up by: MusicBrainz ids and normalised names.
pub(super) fn artist_lookup_keys(files: &[PreparedFile]) -> (Vec<String>, Vec<String>) {
    let mbids = distinct(
        files
            .iter()
            .flat_map(named_artists)
            .filter_map(|artist| artist.mbid.as_ref().map(|mbid| mbid.as_str().to_owned())),
    );
    let names = distinct(
        files
            .iter()
            .flat_map(named_artists)
            .map(|artist| NormalizedName::new(&artist.name).as_str().to_owned()),
    );
    (mbids, names)
}

/// What the batch's albums are looked up by: MusicBrainz ids and normalised titles.
pub(super) fn album_lookup_keys(files: &[PreparedFile]) -> (Vec<String>, Vec<String>) {
    let albums = || {
        files
            .iter()
            .filter_map(|file| file.audio()?.track.album.as_ref())
    };
    let mbids = distinct(
        albums().filter_map(|album| album.mbid.as_ref().map(|mbid| mbid.as_str().to_owned())),
    );
    let titles =
        distinct(albums().map(|album| NormalizedName::new(&album.title).as_str().to_owned()));
    (mbids, titles)
}

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = artists)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(super) struct StoredArtist {
    id: i64,
    name: String,
    normalized_name: String,
    mbid: Option<String>,
}

/// The artists the batch's audio files name, resolved to slots.
pub(super) struct ArtistPlan {
    pub resolver: IdentityResolver<NameKey>,
    /// Per slot: the name and normalised name (stored, or of the first mention).
    names: Vec<(String, String)>,
    /// Per file: the credited artists' slots, in credit order.
    pub credits: Vec<Vec<usize>>,
    /// Per file: the album artist's slot.
    pub album_artists: Vec<Option<usize>>,
}

impl ArtistPlan {
    pub(super) fn new(files: &[PreparedFile], stored: Vec<StoredArtist>) -> Self {
        let mut names: Vec<(String, String)> = Vec::with_capacity(stored.len());
        let mut ordered = stored;
        ordered.sort_by_key(|row| row.id);
        let resolver_rows: Vec<(i64, NameKey, Option<String>)> = ordered
            .iter()
            .map(|row| {
                (
                    row.id,
                    NameKey::new(&row.name, &row.normalized_name),
                    row.mbid.clone(),
                )
            })
            .collect();
        names.extend(
            ordered
                .into_iter()
                .map(|row| (row.name, row.normalized_name)),
        );
        let mut plan = Self {
            resolver: IdentityResolver::new(resolver_rows),
            names,
            credits: Vec::with_capacity(files.len()),
            album_artists: Vec::with_capacity(files.len()),
        };
        for file in files {
            let Some(audio) = file.audio() else {
                plan.credits.push(Vec::new());
                plan.album_artists.push(None);
                continue;
            };
            let credits = audio
                .track
                .artists
                .iter()
                .map(|artist| plan.resolve(&artist.name, artist.mbid.as_ref()))
                .collect();
            let album_artist = audio
                .track
                .album
                .as_ref()
                .and_then(|album| album.artist.as_ref())
                .map(|artist| plan.resolve(&artist.name, artist.mbid.as_ref()));
            plan.credits.push(credits);
            plan.album_artists.push(album_artist);
        }
        plan
    }

    fn resolve(&mut self, name: &str, mbid: Option<&Mbid>) -> usize {
        let normalized = NormalizedName::new(name).as_str().to_owned();
        let slot = self
            .resolver
            .resolve(NameKey::new(name, &normalized), mbid.map(Mbid::as_str));
        if slot == self.names.len() {
            self.names.push((name.to_owned(), normalized));
        }
        slot
    }

    pub(super) fn new_rows(&self, now: NaiveDateTime) -> Vec<NewArtistValues> {
        new_slots(self.resolver.slots())
            .map(|(slot, state)| NewArtistValues {
                name: self.names[slot].0.clone(),
                normalized_name: self.names[slot].1.clone(),
                mbid: state.mbid.clone(),
                updated_at: now,
            })
            .collect()
    }

    pub(super) fn claims(&self, now: NaiveDateTime) -> Vec<ArtistClaim> {
        self.resolver
            .slots()
            .iter()
            .enumerate()
            .filter_map(|(slot, state)| {
                Some(ArtistClaim {
                    id: state.stored_id.filter(|_| state.mbid_claimed)?,
                    name: self.names[slot].0.clone(),
                    normalized_name: self.names[slot].1.clone(),
                    mbid: state.mbid.clone(),
                    updated_at: now,
                })
            })
            .collect()
    }
}

fn new_slots(slots: &[Slot]) -> impl Iterator<Item = (usize, &Slot)> {
    slots
        .iter()
        .enumerate()
        .filter(|(_, state)| state.stored_id.is_none())
}

/// The id of every slot: stored ones keep theirs, new ones take the inserted ids in order.
pub(super) fn slot_ids(slots: &[Slot], inserted: &[i64]) -> Vec<i64> {
    let mut inserted = inserted.iter();
    slots
        .iter()
        .map(|state| {
            state
                .stored_id
                .or_else(|| inserted.next().copied())
                .unwrap_or(0)
        })
        .collect()
}

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = albums)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(super) struct StoredAlbum {
    id: i64,
    title: String,
    normalized_title: String,
    album_artist_id: Option<i64>,
    year: Option<i32>,
    mbid: Option<String>,
    release_group_mbid: Option<String>,
    release_type: Option<String>,
}

/// Normalised title, album artist, year: albums with the same key are one album.
pub(super) type AlbumKey = (NameKey, Option<i64>, Option<i32>);

/// An album slot's values: stored, or of its first mention, filled by later mentions.
#[derive(Debug)]
struct AlbumValues {
    title: String,
    normalized_title: String,
    album_artist_id: Option<i64>,
    year: Option<i32>,
    release_group_mbid: Option<String>,
    release_type: Option<String>,
    filled: bool,
}

/// The albums the batch's audio files name, resolved to slots.
pub(super) struct AlbumPlan {
    pub resolver: IdentityResolver<AlbumKey>,
    values: Vec<AlbumValues>,
    /// Per file: the album's slot.
    pub albums: Vec<Option<usize>>,
}

impl AlbumPlan {
    pub(super) fn new(
        files: &[PreparedFile],
        album_artist_ids: &[Option<i64>],
        stored: Vec<StoredAlbum>,
    ) -> Self {
        let mut ordered = stored;
        ordered.sort_by_key(|row| row.id);
        let resolver_rows: Vec<(i64, AlbumKey, Option<String>)> = ordered
            .iter()
            .map(|row| {
                let key = (
                    NameKey::new(&row.title, &row.normalized_title),
                    row.album_artist_id,
                    row.year,
                );
                (row.id, key, row.mbid.clone())
            })
            .collect();
        let values = ordered
            .into_iter()
            .map(|row| AlbumValues {
                title: row.title,
                normalized_title: row.normalized_title,
                album_artist_id: row.album_artist_id,
                year: row.year,
                release_group_mbid: row.release_group_mbid,
                release_type: row.release_type,
                filled: false,
            })
            .collect();
        let mut plan = Self {
            resolver: IdentityResolver::new(resolver_rows),
            values,
            albums: Vec::with_capacity(files.len()),
        };
        for (file, album_artist_id) in files.iter().zip(album_artist_ids) {
            let album = file.audio().and_then(|audio| audio.track.album.as_ref());
            let Some(album) = album else {
                plan.albums.push(None);
                continue;
            };
            let normalized_title = NormalizedName::new(&album.title).as_str().to_owned();
            let key = (
                NameKey::new(&album.title, &normalized_title),
                *album_artist_id,
                album.year,
            );
            let slot = plan
                .resolver
                .resolve(key, album.mbid.as_ref().map(Mbid::as_str));
            if slot == plan.values.len() {
                plan.values.push(AlbumValues {
                    title: album.title.clone(),
                    normalized_title,
                    album_artist_id: *album_artist_id,
                    year: album.year,
                    release_group_mbid: None,
                    release_type: None,
                    filled: false,
                });
            }
            // Fill what the album lacks; never overwrite what it has (a Spotify album's type).
            let values = &mut plan.values[slot];
            if values.release_group_mbid.is_none()
                && let Some(group) = &album.release_group_mbid
            {
                values.release_group_mbid = Some(group.as_str().to_owned());
                values.filled = true;
            }
            if values.release_type.is_none() && album.compilation {
                values.release_type = Some("compilation".to_owned());
                values.filled = true;
            }
            plan.albums.push(Some(slot));
        }
        plan
    }

    pub(super) fn new_rows(&self, now: NaiveDateTime) -> Vec<NewAlbumValues> {
        new_slots(self.resolver.slots())
            .map(|(slot, state)| {
                let values = &self.values[slot];
                NewAlbumValues {
                    title: values.title.clone(),
                    normalized_title: values.normalized_title.clone(),
                    album_artist_id: values.album_artist_id,
                    year: values.year,
                    release_type: values.release_type.clone(),
                    mbid: state.mbid.clone(),
                    release_group_mbid: values.release_group_mbid.clone(),
                    updated_at: now,
                }
            })
            .collect()
    }

    pub(super) fn fills(&self, now: NaiveDateTime) -> Vec<AlbumFill> {
        self.resolver
            .slots()
            .iter()
            .zip(&self.values)
            .filter_map(|(state, values)| {
                let id = state.stored_id?;
                (state.mbid_claimed || values.filled).then(|| AlbumFill {
                    id,
                    title: values.title.clone(),
                    normalized_title: values.normalized_title.clone(),
                    mbid: state.mbid.clone(),
                    release_group_mbid: values.release_group_mbid.clone(),
                    release_type: values.release_type.clone(),
                    updated_at: now,
                })
            })
            .collect()
    }
}
