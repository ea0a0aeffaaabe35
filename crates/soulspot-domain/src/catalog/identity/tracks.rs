//! Which stored track an incoming track is: the same Spotify id; else the same ISRC; else the same
//! MusicBrainz recording id; else the same normalised title, a shared credited artist and a
//! duration within ±3 s. Among several candidates of one rule, the one on the same album wins,
//! then the closest duration, then the oldest track.
//!
//! A candidate never matches when an identifier of one kind differs (another Spotify id is
//! another track; for the title rule, another ISRC or MBID too), when an earlier incoming track
//! of the batch took it, or, for a file's tags, when it already has a file: two scanned files
//! never become one track.

use std::collections::{HashMap, HashSet};

use super::{Source, agree};
use crate::{Isrc, Mbid, NormalizedName, SpotifyId, TrackDuration, TrackId, title_match_key};

/// How far apart two durations may be for a match by title and artist.
pub const MATCH_DURATION_TOLERANCE_MS: u32 = 3_000;

/// What a track is recognised by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackIdentity {
    pub spotify_id: Option<SpotifyId>,
    pub isrc: Option<Isrc>,
    pub mbid: Option<Mbid>,
    /// The title's matching key (featured artists taken out).
    pub title: NormalizedName,
    /// The credited artists' normalised names (empty ones left out).
    pub artists: Vec<NormalizedName>,
    /// The album title's normalised form, which breaks ties.
    pub album: Option<NormalizedName>,
    pub duration: Option<TrackDuration>,
}

impl TrackIdentity {
    /// The keys of a track with these names; identifiers and duration start empty.
    pub fn named<'a>(
        title: &str,
        artists: impl IntoIterator<Item = &'a str>,
        album: Option<&str>,
    ) -> Self {
        Self {
            spotify_id: None,
            isrc: None,
            mbid: None,
            title: title_match_key(title),
            artists: artists
                .into_iter()
                .map(NormalizedName::new)
                .filter(|name| !name.is_empty())
                .collect(),
            album: album.map(NormalizedName::new),
            duration: None,
        }
    }

    fn strength(&self) -> u8 {
        if self.spotify_id.is_some() {
            0
        } else if self.isrc.is_some() {
            1
        } else if self.mbid.is_some() {
            2
        } else {
            3
        }
    }

    fn same_title_artist_and_duration(&self, other: &Self) -> bool {
        let Ok(tolerance) = TrackDuration::from_millis(i64::from(MATCH_DURATION_TOLERANCE_MS))
        else {
            return false;
        };
        !self.title.is_empty()
            && self.title == other.title
            && other
                .artists
                .iter()
                .any(|artist| self.artists.contains(artist))
            && match (self.duration, other.duration) {
                (Some(mine), Some(theirs)) => mine.is_within(theirs, tolerance),
                _ => false,
            }
            && agree(&self.isrc, &other.isrc)
            && agree(&self.mbid, &other.mbid)
    }
}

/// A stored track an incoming one may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackCandidate {
    pub id: TrackId,
    pub identity: TrackIdentity,
    /// Whether a present library file is linked to it.
    pub has_file: bool,
}

/// The rule a track matched by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackMatch {
    SpotifyId,
    Isrc,
    RecordingMbid,
    TitleArtistAndDuration,
}

/// Whether a candidate passes one rule for an incoming track.
type Rule = fn(&TrackIdentity, &TrackCandidate) -> bool;

const RULES: [(TrackMatch, Rule); 4] = [
    (TrackMatch::SpotifyId, |track, candidate| {
        track.spotify_id.is_some() && candidate.identity.spotify_id == track.spotify_id
    }),
    (TrackMatch::Isrc, |track, candidate| {
        track.isrc.is_some() && candidate.identity.isrc == track.isrc
    }),
    (TrackMatch::RecordingMbid, |track, candidate| {
        track.mbid.is_some() && candidate.identity.mbid == track.mbid
    }),
    (TrackMatch::TitleArtistAndDuration, |track, candidate| {
        track.same_title_artist_and_duration(&candidate.identity)
    }),
];

/// The stored track each of `incoming` is, if any. `taken` holds tracks no incoming track may
/// take (those the batch's files already link); a track one incoming track takes is taken for
/// the rest. Incoming tracks are matched in the canonical order (strongest identifier first, then
/// by identity; equal identities keep their order), whatever order the batch lists them in.
pub fn match_tracks(
    incoming: &[TrackIdentity],
    source: Source,
    candidates: &[TrackCandidate],
    mut taken: HashSet<TrackId>,
) -> Vec<Option<(TrackId, TrackMatch)>> {
    let mut matches = vec![None; incoming.len()];
    // Every rule needs one key in common, so each track looks only at the candidates sharing
    // one: a batch costs its size times the few namesakes, not its size times every candidate.
    let keys = CandidateKeys::new(candidates);
    for index in matching_order(incoming) {
        let track = &incoming[index];
        let found = best_match(track, source, &keys.sharing_a_key_with(track), &taken);
        if let Some((id, _)) = found {
            taken.insert(id);
        }
        matches[index] = found;
    }
    matches
}

/// The order [`match_tracks`] takes `incoming` in: strongest identifier first, then by identity;
/// equal identities keep their order. A writer that narrows the candidates per track itself
/// calls [`match_track`] in this order.
pub fn matching_order(incoming: &[TrackIdentity]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..incoming.len()).collect();
    order.sort_by(|&left, &right| {
        let (left, right) = (&incoming[left], &incoming[right]);
        left.strength()
            .cmp(&right.strength())
            .then_with(|| left.cmp(right))
    });
    order
}

/// The candidates by each key a rule compares: Spotify id, ISRC, MBID and title.
struct CandidateKeys<'a> {
    candidates: &'a [TrackCandidate],
    by_spotify_id: HashMap<&'a SpotifyId, Vec<usize>>,
    by_isrc: HashMap<&'a Isrc, Vec<usize>>,
    by_mbid: HashMap<&'a Mbid, Vec<usize>>,
    by_title: HashMap<&'a NormalizedName, Vec<usize>>,
}

impl<'a> CandidateKeys<'a> {
    fn new(candidates: &'a [TrackCandidate]) -> Self {
        let mut keys = Self {
            candidates,
            by_spotify_id: HashMap::new(),
            by_isrc: HashMap::new(),
            by_mbid: HashMap::new(),
            by_title: HashMap::new(),
        };
        for (index, candidate) in candidates.iter().enumerate() {
            let identity = &candidate.identity;
            if let Some(id) = &identity.spotify_id {
                keys.by_spotify_id.entry(id).or_default().push(index);
            }
            if let Some(isrc) = &identity.isrc {
                keys.by_isrc.entry(isrc).or_default().push(index);
            }
            if let Some(mbid) = &identity.mbid {
                keys.by_mbid.entry(mbid).or_default().push(index);
            }
            if !identity.title.is_empty() {
                keys.by_title
                    .entry(&identity.title)
                    .or_default()
                    .push(index);
            }
        }
        keys
    }

    /// The candidates that share at least one key with `track`, in their given order.
    fn sharing_a_key_with(&self, track: &TrackIdentity) -> Vec<&'a TrackCandidate> {
        let mut indexes: Vec<usize> = Vec::new();
        let mut add = |found: Option<&Vec<usize>>| indexes.extend(found.into_iter().flatten());
        add(track
            .spotify_id
            .as_ref()
            .and_then(|id| self.by_spotify_id.get(id)));
        add(track.isrc.as_ref().and_then(|isrc| self.by_isrc.get(isrc)));
        add(track.mbid.as_ref().and_then(|mbid| self.by_mbid.get(mbid)));
        add(self.by_title.get(&track.title));
        indexes.sort_unstable();
        indexes.dedup();
        indexes
            .into_iter()
            .map(|index| &self.candidates[index])
            .collect()
    }
}

/// The candidate `track` is, among those not `taken` (see [`match_tracks`]).
pub fn match_track(
    track: &TrackIdentity,
    source: Source,
    candidates: &[TrackCandidate],
    taken: &HashSet<TrackId>,
) -> Option<(TrackId, TrackMatch)> {
    let all: Vec<&TrackCandidate> = candidates.iter().collect();
    best_match(track, source, &all, taken)
}

/// The best candidate of the first rule any of `candidates` passes.
fn best_match(
    track: &TrackIdentity,
    source: Source,
    candidates: &[&TrackCandidate],
    taken: &HashSet<TrackId>,
) -> Option<(TrackId, TrackMatch)> {
    let eligible = |candidate: &&&TrackCandidate| {
        let two_files = source == Source::Tags && candidate.has_file;
        !taken.contains(&candidate.id)
            && !two_files
            && agree(&candidate.identity.spotify_id, &track.spotify_id)
    };
    RULES.iter().find_map(|(rule, accepts)| {
        candidates
            .iter()
            .filter(eligible)
            .filter(|candidate| accepts(track, candidate))
            .min_by_key(|candidate| {
                let other_album = track.album.is_none() || candidate.identity.album != track.album;
                let distance = match (candidate.identity.duration, track.duration) {
                    (Some(theirs), Some(mine)) => theirs.abs_diff(mine).as_millis(),
                    _ => u32::MAX,
                };
                (other_album, distance, candidate.id)
            })
            .map(|candidate| (candidate.id, *rule))
    })
}
