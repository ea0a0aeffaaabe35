//! Which track each audio file of a scan batch links to, decided without a statement of its own:
//! the file's current track (kept when it came from Spotify, rewritten from the tags when the
//! scan created it), else the wanted track the domain's identity rules (`catalog::identity`,
//! speaking as a file's tags) choose among the candidates a lookup found, else a new track; and
//! what that means for the `tracks` and `track_artists` rows.

use std::collections::{HashMap, HashSet};

use soulspot_domain::catalog::identity::{
    Source, TrackCandidate, TrackFields, TrackIdentity, match_track, matching_order, merge_track,
};
use soulspot_domain::{
    AlbumId, ArtistId, Isrc, Mbid, NormalizedName, SpotifyId, TrackDuration, TrackId,
};

use super::super::catalog_write::{credit_rows, distinct};
use super::super::rows::{TrackChanges, TrackRow};
use super::file_rows::CurrentFile;
use super::prepare::{PreparedAudio, PreparedFile};

/// What an audio file's track is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TrackChoice {
    /// An existing track, kept as it is (it came from Spotify).
    Keep(i64),
    /// An existing track the scan created: rewritten from the tags when they changed.
    Rewrite(i64),
    /// None yet: a wanted track if one fits, else a new one.
    Undecided,
    /// A new track.
    New,
    /// A broken file: no track from its tags (its row keeps the link it has).
    NotAudio,
}

impl TrackChoice {
    fn of(track: &TrackRow) -> Self {
        if track.spotify_id.is_none() {
            Self::Rewrite(track.id)
        } else {
            Self::Keep(track.id)
        }
    }

    pub(super) fn track_id(self) -> Option<i64> {
        match self {
            Self::Keep(id) | Self::Rewrite(id) => Some(id),
            Self::Undecided | Self::New | Self::NotAudio => None,
        }
    }
}

/// A wanted track as loaded: the track, its title key, its album's title key.
pub(super) type CandidateRow = (TrackRow, String, Option<String>);

/// The wanted tracks the batch's undecided files might fill, indexed by each key they match on.
pub(super) struct Candidates {
    rows: Vec<(TrackRow, TrackCandidate)>,
    by_id: HashMap<i64, usize>,
    by_isrc: HashMap<String, Vec<usize>>,
    by_mbid: HashMap<String, Vec<usize>>,
    by_title: HashMap<String, Vec<usize>>,
}

impl Candidates {
    pub(super) fn new(rows: Vec<CandidateRow>, credits: &Credits) -> Self {
        let mut candidates = Self {
            rows: Vec::with_capacity(rows.len()),
            by_id: HashMap::with_capacity(rows.len()),
            by_isrc: HashMap::new(),
            by_mbid: HashMap::new(),
            by_title: HashMap::new(),
        };
        for (track, title_key, album_key) in rows {
            let index = candidates.rows.len();
            // A lookup split over several statements may meet one track twice.
            if candidates.by_id.contains_key(&track.id) {
                continue;
            }
            candidates.by_id.insert(track.id, index);
            if let Some(isrc) = &track.isrc {
                candidates
                    .by_isrc
                    .entry(isrc.clone())
                    .or_default()
                    .push(index);
            }
            if let Some(mbid) = &track.mbid {
                candidates
                    .by_mbid
                    .entry(mbid.clone())
                    .or_default()
                    .push(index);
            }
            candidates
                .by_title
                .entry(title_key.clone())
                .or_default()
                .push(index);
            let wanted = TrackCandidate {
                id: TrackId(track.id),
                identity: TrackIdentity {
                    spotify_id: track
                        .spotify_id
                        .as_deref()
                        .and_then(|id| SpotifyId::parse(id).ok()),
                    isrc: track
                        .isrc
                        .as_deref()
                        .and_then(|isrc| Isrc::parse(isrc).ok()),
                    mbid: track
                        .mbid
                        .as_deref()
                        .and_then(|mbid| Mbid::parse(mbid).ok()),
                    title: NormalizedName::from(title_key),
                    artists: credits
                        .names
                        .get(&track.id)
                        .into_iter()
                        .flatten()
                        .filter(|name| !name.is_empty())
                        .map(|name| NormalizedName::from(name.clone()))
                        .collect(),
                    album: album_key.map(NormalizedName::from),
                    duration: track
                        .duration_ms
                        .and_then(|millis| TrackDuration::from_millis(i64::from(millis)).ok()),
                },
                // Only wanted tracks are loaded.
                has_file: false,
            };
            candidates.rows.push((track, wanted));
        }
        candidates
    }

    /// The wanted track `audio` fills, among those no file of the batch has taken.
    fn pick(
        &self,
        audio: &PreparedAudio,
        identity: &TrackIdentity,
        taken: &HashSet<TrackId>,
    ) -> Option<&TrackRow> {
        let mut indexes: Vec<usize> = Vec::new();
        if let Some(isrc) = &audio.track.isrc {
            indexes.extend(self.by_isrc.get(isrc.as_str()).into_iter().flatten());
        }
        if let Some(mbid) = &audio.track.recording_mbid {
            indexes.extend(self.by_mbid.get(mbid.as_str()).into_iter().flatten());
        }
        indexes.extend(self.by_title.get(&audio.title_key).into_iter().flatten());
        indexes.sort_unstable();
        indexes.dedup();
        let available: Vec<TrackCandidate> = indexes
            .iter()
            .map(|&index| self.rows[index].1.clone())
            .collect();
        let (picked, _) = match_track(identity, Source::Tags, &available, taken)?;
        self.track(picked.0)
    }
}

/// What a file's track is recognised by.
fn identity_of(audio: &PreparedAudio) -> TrackIdentity {
    TrackIdentity {
        spotify_id: None,
        isrc: audio.track.isrc.clone(),
        mbid: audio.track.recording_mbid.clone(),
        title: audio.keys.title.clone(),
        artists: audio.keys.artists.clone(),
        album: audio.keys.album.clone(),
        duration: Some(audio.track.duration),
    }
}

/// Each audio file's track as its tags describe it (`None` for broken files), given each file's
/// credited artists and album as rows.
pub(super) fn desired_tracks(
    files: &[PreparedFile],
    credits: &[Vec<ArtistId>],
    albums: &[Option<AlbumId>],
) -> Vec<Option<TrackFields>> {
    files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let audio = file.audio()?;
            let scanned = &audio.track;
            let mut credited: Vec<ArtistId> = Vec::with_capacity(credits[index].len());
            for &artist_id in &credits[index] {
                // Two credits that resolve to one artist (one MusicBrainz id under two names)
                // credit it once.
                if !credited.contains(&artist_id) {
                    credited.push(artist_id);
                }
            }
            Some(TrackFields {
                title: scanned.title.clone(),
                album_id: albums[index],
                disc_number: scanned.disc_number,
                track_number: scanned.track_number,
                duration: Some(scanned.duration),
                isrc: scanned.isrc.clone(),
                spotify_id: None,
                mbid: scanned.recording_mbid.clone(),
                explicit: None,
                artist_ids: credited,
            })
        })
        .collect()
}

/// Each file's track before any wanted track is looked at: an audio file whose row links a track
/// keeps it, the other audio files are undecided.
pub(super) fn first_choices(
    files: &[PreparedFile],
    targets: &[Option<usize>],
    current: &[CurrentFile],
) -> Vec<TrackChoice> {
    files
        .iter()
        .zip(targets)
        .map(|(file, target)| {
            let track = target.and_then(|row| current[row].track.as_ref());
            match (file.audio(), track) {
                (None, _) => TrackChoice::NotAudio,
                (Some(_), Some(track)) => TrackChoice::of(track),
                (Some(_), None) => TrackChoice::Undecided,
            }
        })
        .collect()
}

/// What wanted tracks are looked up by: the undecided files' ISRCs, recording MBIDs and title keys.
pub(super) struct WantedKeys {
    pub isrcs: Vec<String>,
    pub mbids: Vec<String>,
    pub titles: Vec<String>,
}

impl WantedKeys {
    pub(super) fn new(files: &[PreparedFile], choices: &[TrackChoice]) -> Self {
        let undecided = || {
            files
                .iter()
                .zip(choices)
                .filter(|(_, choice)| **choice == TrackChoice::Undecided)
                .filter_map(|(file, _)| file.audio())
        };
        Self {
            isrcs: distinct(undecided().filter_map(|audio| {
                audio
                    .track
                    .isrc
                    .as_ref()
                    .map(|isrc| isrc.as_str().to_owned())
            })),
            mbids: distinct(undecided().filter_map(|audio| {
                audio
                    .track
                    .recording_mbid
                    .as_ref()
                    .map(|mbid| mbid.as_str().to_owned())
            })),
            // An empty key (a title of punctuation only) never matches by title.
            titles: distinct(
                undecided()
                    .map(|audio| audio.title_key.clone())
                    .filter(|key| !key.is_empty()),
            ),
        }
    }
}

/// The tracks whose credits the batch compares or matches with: the tracks files already link,
/// and every candidate.
pub(super) fn credit_track_ids(choices: &[TrackChoice], candidates: &[CandidateRow]) -> Vec<i64> {
    let mut ids: Vec<i64> = choices
        .iter()
        .filter_map(|choice| choice.track_id())
        .chain(candidates.iter().map(|(track, _, _)| track.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Tracks' credits, in credit order: artist ids, and artist normalised names for matching.
#[derive(Debug, Default)]
pub(super) struct Credits {
    pub ids: HashMap<i64, Vec<i64>>,
    pub names: HashMap<i64, Vec<String>>,
}

impl Credits {
    /// From rows `(track, position, artist, artist's normalised name)` in any order.
    pub(super) fn new(mut rows: Vec<(i64, i32, i64, String)>) -> Self {
        rows.sort_by_key(|(track_id, position, _, _)| (*track_id, *position));
        let mut credits = Self::default();
        for (track_id, _, artist_id, name) in rows {
            credits.ids.entry(track_id).or_default().push(artist_id);
            credits.names.entry(track_id).or_default().push(name);
        }
        credits
    }
}

impl Candidates {
    /// Decides every undecided audio file, in the identity rules' order (not the batch's): a
    /// wanted track one file takes is no longer wanted for the next (two files of a batch never
    /// share one). `taken` starts with the tracks files already link. Returns how many files
    /// filled a wanted track.
    pub(super) fn assign(
        &self,
        files: &[PreparedFile],
        choices: &mut [TrackChoice],
        taken: HashSet<i64>,
    ) -> u64 {
        let mut taken: HashSet<TrackId> = taken.into_iter().map(TrackId).collect();
        let undecided: Vec<(usize, &PreparedAudio)> = files
            .iter()
            .enumerate()
            .filter(|(index, _)| choices[*index] == TrackChoice::Undecided)
            .filter_map(|(index, file)| Some((index, file.audio()?)))
            .collect();
        let identities: Vec<TrackIdentity> = undecided
            .iter()
            .map(|(_, audio)| identity_of(audio))
            .collect();
        let mut matched = 0;
        for position in matching_order(&identities) {
            let (index, audio) = undecided[position];
            choices[index] = match self.pick(audio, &identities[position], &taken) {
                Some(track) => {
                    taken.insert(TrackId(track.id));
                    matched += 1;
                    TrackChoice::of(track)
                }
                None => TrackChoice::New,
            };
        }
        matched
    }

    fn track(&self, id: i64) -> Option<&TrackRow> {
        self.by_id.get(&id).map(|&index| &self.rows[index].0)
    }
}

/// What the batch writes to the tracks its files link and to credits.
#[derive(Debug, Default)]
pub(super) struct TrackRewrites {
    pub updates: Vec<TrackChanges>,
    /// Tracks whose credits are deleted before `fresh_credits` are inserted.
    pub stale_credits: Vec<i64>,
    /// `(track, position, artist)`.
    pub fresh_credits: Vec<(i64, i32, i64)>,
}

impl TrackRewrites {
    /// Each linked track after its file's tags (the first file of the batch that links it), as
    /// the domain's field rules allow: a track the scan created follows its tags, a Spotify
    /// track only gains the identifiers it lacked. A row or its credits are rewritten only when
    /// they differ, so a re-applied batch rewrites nothing.
    pub(super) fn new(
        choices: &[TrackChoice],
        desired: &[Option<TrackFields>],
        current: &[CurrentFile],
        candidates: &Candidates,
        credits: &Credits,
        now: chrono::NaiveDateTime,
    ) -> diesel::QueryResult<Self> {
        let mut rewrites = Self::default();
        let mut rewritten = HashSet::new();
        let linked: HashMap<i64, &TrackRow> = current
            .iter()
            .filter_map(|row| row.track.as_ref())
            .map(|track| (track.id, track))
            .collect();
        for (choice, desired) in choices.iter().zip(desired) {
            let (Some(track_id), Some(desired)) = (choice.track_id(), desired) else {
                continue;
            };
            if !rewritten.insert(track_id) {
                continue;
            }
            let Some(stored) = linked
                .get(&track_id)
                .copied()
                .or_else(|| candidates.track(track_id))
            else {
                continue;
            };
            let stored_credits: Vec<ArtistId> = credits
                .ids
                .get(&track_id)
                .into_iter()
                .flatten()
                .copied()
                .map(ArtistId)
                .collect();
            let stored = TrackFields::from(&stored.clone().into_domain(stored_credits)?);
            let merged = merge_track(&stored, desired, Source::Tags);
            let values_differ = TrackFields {
                artist_ids: Vec::new(),
                ..merged.clone()
            } != TrackFields {
                artist_ids: Vec::new(),
                ..stored.clone()
            };
            if values_differ {
                rewrites
                    .updates
                    .push(TrackChanges::new(track_id, &merged, now));
            }
            if merged.artist_ids != stored.artist_ids {
                if !stored.artist_ids.is_empty() {
                    rewrites.stale_credits.push(track_id);
                }
                rewrites
                    .fresh_credits
                    .extend(credit_rows(track_id, &merged.artist_ids));
            }
        }
        Ok(rewrites)
    }
}
