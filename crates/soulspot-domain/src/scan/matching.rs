//! From a file's tags to the catalogue: which artists, album and track the file stands for, and
//! the keys it is matched with (the matching itself is `catalog::identity`'s).
//!
//! Names and titles taken from tags are stored exactly as written; only the keys compared here
//! are normalised ([`NormalizedName`]).

use serde::{Deserialize, Serialize};

use super::TagSnapshot;
use crate::values::{
    Isrc, Mbid, NormalizedName, TrackDuration, split_featured_artists, title_match_key,
};

/// The album artist of compilations that name none.
pub const VARIOUS_ARTISTS: &str = "Various Artists";

/// The catalogue entries one audio file stands for, derived from its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedTrack {
    /// The title tag, or the file name without its extension when the tag is absent or empty.
    pub title: String,
    /// The credited artists in order: each artist value, with "feat." credits split out of it.
    pub artists: Vec<ScannedArtist>,
    pub album: Option<ScannedAlbum>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration: TrackDuration,
    pub isrc: Option<Isrc>,
    pub recording_mbid: Option<Mbid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedArtist {
    pub name: String,
    pub mbid: Option<Mbid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedAlbum {
    pub title: String,
    /// The album artist tag, else "Various Artists" for a compilation, else the first credited
    /// artist.
    pub artist: Option<ScannedArtist>,
    /// The year from the date tag's first four digits.
    pub year: Option<i32>,
    pub mbid: Option<Mbid>,
    pub release_group_mbid: Option<Mbid>,
    pub compilation: bool,
}

impl ScannedTrack {
    /// Derives the catalogue entries from `tags`; `file_stem` names the track when the title tag
    /// is missing.
    pub fn from_tags(tags: &TagSnapshot, duration: TrackDuration, file_stem: &str) -> Self {
        let title = tags
            .title
            .clone()
            .filter(|title| !title.trim().is_empty())
            .unwrap_or_else(|| file_stem.to_owned());
        let artists = credits(&tags.artists, &tags.musicbrainz.artist_ids);
        let compilation = tags.compilation.unwrap_or(false);
        let album = tags
            .album
            .clone()
            .filter(|album| !album.trim().is_empty())
            .map(|album_title| {
                let album_artist = credits(&tags.album_artists, &tags.musicbrainz.album_artist_ids)
                    .into_iter()
                    .next()
                    .or_else(|| {
                        compilation.then(|| ScannedArtist {
                            name: VARIOUS_ARTISTS.to_owned(),
                            mbid: None,
                        })
                    })
                    .or_else(|| artists.first().cloned());
                ScannedAlbum {
                    title: album_title,
                    artist: album_artist,
                    year: tags.date.as_deref().and_then(year_of),
                    mbid: parse_mbid(tags.musicbrainz.release_id.as_deref()),
                    release_group_mbid: parse_mbid(tags.musicbrainz.release_group_id.as_deref()),
                    compilation,
                }
            });
        Self {
            title,
            artists,
            album,
            disc_number: tags.disc_number.and_then(|n| i32::try_from(n).ok()),
            track_number: tags.track_number.and_then(|n| i32::try_from(n).ok()),
            duration,
            isrc: tags.isrc(),
            recording_mbid: parse_mbid(tags.musicbrainz.recording_id.as_deref()),
        }
    }

    /// The keys this track is matched with.
    pub fn match_keys(&self) -> MatchKeys {
        MatchKeys {
            title: title_match_key(&self.title),
            artists: self
                .artists
                .iter()
                .map(|artist| NormalizedName::new(&artist.name))
                .filter(|key| !key.is_empty())
                .collect(),
            album: self
                .album
                .as_ref()
                .map(|album| NormalizedName::new(&album.title)),
        }
    }
}

/// The credited artists of a tag: every value, with "feat." credits split out, in order. MBIDs go
/// to artists by position when there are exactly as many valid ids as credits.
fn credits(values: &[String], mbids: &[String]) -> Vec<ScannedArtist> {
    let mut names: Vec<String> = Vec::new();
    for value in values {
        if value.trim().is_empty() {
            continue;
        }
        let split = split_featured_artists(value);
        if split.featured.is_empty() {
            names.push(value.clone());
        } else {
            names.push(split.main);
            names.extend(split.featured);
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|name| seen.insert(NormalizedName::new(name)));
    let ids: Vec<Option<Mbid>> = mbids.iter().map(|id| parse_mbid(Some(id))).collect();
    let use_ids = ids.len() == names.len() && ids.iter().all(Option::is_some);
    names
        .into_iter()
        .enumerate()
        .map(|(index, name)| ScannedArtist {
            name,
            mbid: if use_ids { ids[index].clone() } else { None },
        })
        .collect()
}

fn parse_mbid(text: Option<&str>) -> Option<Mbid> {
    text.and_then(|text| Mbid::parse(text.trim()).ok())
}

/// The year of a date tag: its first four digits when they start it ("1992", "1992-05-01",
/// "1992/05"), else none.
pub fn year_of(date: &str) -> Option<i32> {
    let digits = date.trim().get(..4)?;
    if digits.bytes().all(|byte| byte.is_ascii_digit()) {
        digits.parse().ok().filter(|year| *year > 0)
    } else {
        None
    }
}

/// Normalised keys of a track for matching.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchKeys {
    pub title: NormalizedName,
    pub artists: Vec<NormalizedName>,
    pub album: Option<NormalizedName>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::scan::MusicBrainzTags;

    fn secs(seconds: i64) -> TrackDuration {
        TrackDuration::from_millis(seconds * 1000).unwrap()
    }

    fn tags(title: &str, artists: &[&str], album: &str) -> TagSnapshot {
        TagSnapshot {
            title: Some(title.to_owned()),
            artists: artists.iter().map(|a| (*a).to_owned()).collect(),
            album: Some(album.to_owned()),
            ..TagSnapshot::default()
        }
    }

    #[test]
    fn feat_credits_are_split_and_values_kept_as_written() {
        let snapshot = tags(" Song ", &["Main Act feat. Guest", "Other"], "LP");
        let track = ScannedTrack::from_tags(&snapshot, secs(200), "01 song");
        assert_eq!(track.title, " Song ");
        let names: Vec<_> = track.artists.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Main Act", "Guest", "Other"]);
        assert_eq!(track.album.unwrap().artist.unwrap().name, "Main Act");
    }

    #[test]
    fn album_artist_falls_back_to_various_artists_for_compilations() {
        let mut snapshot = tags("t", &["A"], "Hits");
        snapshot.compilation = Some(true);
        snapshot.date = Some("1992-05-01".into());
        let album = ScannedTrack::from_tags(&snapshot, secs(1), "x")
            .album
            .unwrap();
        assert_eq!(album.artist.unwrap().name, VARIOUS_ARTISTS);
        assert_eq!(album.year, Some(1992));
        snapshot.album_artists = vec!["Label".into()];
        let album = ScannedTrack::from_tags(&snapshot, secs(1), "x")
            .album
            .unwrap();
        assert_eq!(album.artist.unwrap().name, "Label");
    }

    #[test]
    fn missing_title_uses_the_file_name_and_mbids_go_by_position() {
        let mut snapshot = TagSnapshot {
            artists: vec!["A".into(), "B".into()],
            ..TagSnapshot::default()
        };
        snapshot.musicbrainz = MusicBrainzTags {
            artist_ids: vec![
                "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d".into(),
                "a74b1b7f-71a5-4011-9441-d0b5e4122711".into(),
            ],
            ..MusicBrainzTags::default()
        };
        let track = ScannedTrack::from_tags(&snapshot, secs(1), "03 - untitled");
        assert_eq!(track.title, "03 - untitled");
        assert!(track.album.is_none());
        assert!(track.artists.iter().all(|artist| artist.mbid.is_some()));
    }
}
