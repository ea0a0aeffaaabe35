//! The generated catalogue of the fake MusicBrainz: the testkit's Spotify-shaped catalogue batch
//! mirrored as artists, release groups, releases and recordings, plus the untidiness of the real
//! database (second editions, remastered duplicates sharing an ISRC, compilations).

use sha2::{Digest, Sha256};
use soulspot_domain::CatalogBatch;

use super::seeds::{CoverArtSummary, LabelSeed, SeededCatalogue};
use super::text::{default_sort_name, deterministic_mbid};
use super::{Artist, Credit, Medium, Recording, Release, ReleaseGroup, State, Track};

pub(super) const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "SE", "JP", "XW", "NL"];
pub(super) const LABELS: &[&str] = &[
    "Harbour Lights Records",
    "Northern Static",
    "Velvet Fog Music",
    "Paper Moon Recordings",
];

/// A small deterministic number from a key, for spreading generated details.
pub(super) fn spread(key: &str) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    u64::from_le_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ])
}

/// The key a batch entity's MBID derives from: its Spotify id, else its place and name.
pub(super) fn catalogue_key(
    kind: &str,
    spotify_id: Option<&soulspot_domain::SpotifyId>,
    position: usize,
    name: &str,
) -> String {
    match spotify_id {
        Some(id) => format!("{kind}/spotify/{id}"),
        None => format!("{kind}/batch/{position}/{name}"),
    }
}

/// A batch track's or album's credit: two artists read "A feat. B", more read "A, B & C".
pub(super) fn batch_credit(state: &State, artist_ids: &[String], artists: &[usize]) -> Vec<Credit> {
    let count = artists.len();
    artists
        .iter()
        .enumerate()
        .filter_map(|(place, artist)| {
            let index = *state.artist_index.get(artist_ids.get(*artist)?)?;
            let joinphrase = match (count, place) {
                (_, place) if place + 1 == count => "",
                (2, 0) => " feat. ",
                (_, place) if place + 2 == count => " & ",
                _ => ", ",
            };
            Some(Credit {
                artist: index,
                credited_as: state.artists[index].name.clone(),
                joinphrase: joinphrase.to_owned(),
            })
        })
        .collect()
}

pub(super) fn seed_batch(state: &mut State, batch: &CatalogBatch) -> SeededCatalogue {
    let mut seeded = SeededCatalogue::default();
    for (position, artist) in batch.artists.iter().enumerate() {
        let key = catalogue_key("artist", artist.spotify_id.as_ref(), position, &artist.name);
        let id = artist
            .mbid
            .as_ref()
            .map_or_else(|| deterministic_mbid(&key), |mbid| mbid.as_str().to_owned());
        if let Some(existing) = state.artist_index.get(&id) {
            seeded.artists.push(state.artists[*existing].id.clone());
            continue;
        }
        let index = state.artists.len();
        state.artists.push(Artist {
            id: id.clone(),
            name: artist.name.clone(),
            sort_name: artist
                .sort_name
                .clone()
                .unwrap_or_else(|| default_sort_name(&artist.name)),
            artist_type: Some(
                if spread(&key).is_multiple_of(3) {
                    "Group"
                } else {
                    "Person"
                }
                .to_owned(),
            ),
            country: Some(COUNTRIES[(spread(&key) % COUNTRIES.len() as u64) as usize].to_owned()),
            disambiguation: String::new(),
        });
        state.artist_index.insert(id.clone(), index);
        seeded.artists.push(id);
    }
    for (position, track) in batch.tracks.iter().enumerate() {
        let key = catalogue_key(
            "recording",
            track.spotify_id.as_ref(),
            position,
            &track.title,
        );
        let id = track
            .mbid
            .as_ref()
            .map_or_else(|| deterministic_mbid(&key), |mbid| mbid.as_str().to_owned());
        if let Some(existing) = state.recording_index.get(&id) {
            seeded
                .recordings
                .push(state.recordings[*existing].id.clone());
            continue;
        }
        let credit = batch_credit(state, &seeded.artists, &track.artists);
        let index = state.recordings.len();
        state.recordings.push(Recording {
            id: id.clone(),
            title: track.title.clone(),
            length_ms: track.duration.map(|duration| duration.as_millis()),
            isrcs: track
                .isrc
                .iter()
                .map(|isrc| isrc.as_str().to_ascii_uppercase())
                .collect(),
            credit,
            disambiguation: String::new(),
            video: false,
        });
        state.recording_index.insert(id.clone(), index);
        seeded.recordings.push(id);
    }
    for (album_position, album) in batch.albums.iter().enumerate() {
        let key = catalogue_key(
            "album",
            album.spotify_id.as_ref(),
            album_position,
            &album.title,
        );
        let group_id = album.release_group_mbid.as_ref().map_or_else(
            || deterministic_mbid(&format!("{key}/group")),
            |mbid| mbid.as_str().to_owned(),
        );
        let release_id = album.mbid.as_ref().map_or_else(
            || deterministic_mbid(&format!("{key}/release")),
            |mbid| mbid.as_str().to_owned(),
        );
        if state.release_index.contains_key(&release_id) {
            seeded.release_groups.push(group_id);
            seeded.releases.push(release_id);
            continue;
        }
        let album_credit = album
            .album_artist
            .map(|artist| batch_credit(state, &seeded.artists, &[artist]))
            .unwrap_or_default();
        let primary_type = match album.release_type.as_deref() {
            Some("single") => "Single",
            Some("ep") => "EP",
            _ => "Album",
        };
        let group_index = match state.release_group_index.get(&group_id) {
            Some(index) => *index,
            None => {
                let index = state.release_groups.len();
                state.release_groups.push(ReleaseGroup {
                    id: group_id.clone(),
                    title: album.title.clone(),
                    primary_type: Some(primary_type.to_owned()),
                    secondary_types: if album.release_type.as_deref() == Some("compilation") {
                        vec!["Compilation".to_owned()]
                    } else {
                        Vec::new()
                    },
                    credit: album_credit.clone(),
                    disambiguation: String::new(),
                    releases: Vec::new(),
                });
                state.release_group_index.insert(group_id.clone(), index);
                index
            }
        };
        let mut discs: Vec<(i32, Vec<(i32, usize)>)> = Vec::new();
        for (track_position, track) in batch.tracks.iter().enumerate() {
            if track.album != Some(album_position) {
                continue;
            }
            let disc = track.disc_number.unwrap_or(1);
            let number = track.track_number.unwrap_or(i32::MAX);
            let recording = state.recording_index[&seeded.recordings[track_position]];
            match discs.iter_mut().find(|(existing, _)| *existing == disc) {
                Some((_, tracks)) => tracks.push((number, recording)),
                None => discs.push((disc, vec![(number, recording)])),
            }
        }
        discs.sort_by_key(|(disc, _)| *disc);
        let spread_value = spread(&key);
        let media: Vec<Medium> = discs
            .into_iter()
            .map(|(disc, mut tracks)| {
                tracks.sort_by_key(|(number, _)| *number);
                Medium {
                    format: Some(
                        if spread_value.is_multiple_of(2) {
                            "Digital Media"
                        } else {
                            "CD"
                        }
                        .to_owned(),
                    ),
                    title: String::new(),
                    tracks: tracks
                        .into_iter()
                        .enumerate()
                        .map(|(position, (_, recording))| Track {
                            id: deterministic_mbid(&format!("{key}/track/{disc}/{position}")),
                            recording,
                            title: state.recordings[recording].title.clone(),
                            length_ms: state.recordings[recording].length_ms,
                            number: (position + 1).to_string(),
                            credit: state.recordings[recording].credit.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        let date = album.year.map(|year| {
            format!(
                "{year:04}-{:02}-{:02}",
                spread_value % 12 + 1,
                (spread_value / 12) % 28 + 1
            )
        });
        let front = spread_value % 10 < 8;
        let back = front && spread_value % 10 < 3;
        let release = Release {
            id: release_id.clone(),
            title: album.title.clone(),
            credit: album_credit,
            date,
            country: Some(COUNTRIES[(spread_value % COUNTRIES.len() as u64) as usize].to_owned()),
            status: Some("Official".to_owned()),
            barcode: Some(format!("{:012}", spread_value % 1_000_000_000_000)),
            packaging: Some(
                if spread_value.is_multiple_of(2) {
                    "None"
                } else {
                    "Jewel Case"
                }
                .to_owned(),
            ),
            release_group: group_index,
            labels: vec![LabelSeed {
                name: LABELS[(spread_value % LABELS.len() as u64) as usize].to_owned(),
                catalog_number: Some(format!("CAT-{:05}", spread_value % 100_000)),
            }],
            media,
            cover_art: CoverArtSummary {
                front,
                back,
                count: u32::from(front) + u32::from(back),
            },
            disambiguation: String::new(),
        };
        push_release(state, release);
        seeded.release_groups.push(group_id);
        seeded.releases.push(release_id);
    }
    seeded
}

pub(super) fn push_release(state: &mut State, release: Release) {
    let index = state.releases.len();
    for (medium_position, medium) in release.media.iter().enumerate() {
        for (track_position, track) in medium.tracks.iter().enumerate() {
            state.appearances.entry(track.recording).or_default().push((
                index,
                medium_position,
                track_position,
            ));
        }
    }
    state.release_groups[release.release_group]
        .releases
        .push(index);
    state.release_index.insert(release.id.clone(), index);
    state.releases.push(release);
}

/// Second editions of some albums and remastered duplicates of some recordings.
pub(super) fn add_untidiness(state: &mut State, batch: &CatalogBatch, seeded: &SeededCatalogue) {
    for (album_position, release_id) in seeded.releases.iter().enumerate() {
        if album_position % 4 != 3 {
            continue;
        }
        let edition_id = deterministic_mbid(&format!("{release_id}/second-edition"));
        if state.release_index.contains_key(&edition_id) {
            continue;
        }
        let mut edition = state.releases[state.release_index[release_id]].clone();
        let spread_value = spread(&edition_id);
        edition.id = edition_id.clone();
        edition.country =
            Some(COUNTRIES[(spread_value % COUNTRIES.len() as u64) as usize].to_owned());
        edition.date = edition.date.as_deref().and_then(|date| {
            let year: i32 = date.get(0..4)?.parse().ok()?;
            Some(format!(
                "{:04}{}",
                year + 1 + (spread_value % 10) as i32,
                &date[4..]
            ))
        });
        edition.barcode = Some(format!("{:012}", spread_value % 1_000_000_000_000));
        edition.disambiguation = "second edition".to_owned();
        for (medium_position, medium) in edition.media.iter_mut().enumerate() {
            for (track_position, track) in medium.tracks.iter_mut().enumerate() {
                track.id = deterministic_mbid(&format!(
                    "{edition_id}/track/{medium_position}/{track_position}"
                ));
            }
        }
        edition.cover_art = CoverArtSummary {
            front: spread_value.is_multiple_of(2),
            back: false,
            count: u32::from(spread_value.is_multiple_of(2)),
        };
        push_release(state, edition);
    }
    let mut remasters = Vec::new();
    for (track_position, track) in batch.tracks.iter().enumerate() {
        if track_position % 7 != 6 || track.isrc.is_none() {
            continue;
        }
        let original = state.recording_index[&seeded.recordings[track_position]];
        let remaster_id =
            deterministic_mbid(&format!("{}/remaster", state.recordings[original].id));
        if state.recording_index.contains_key(&remaster_id) {
            continue;
        }
        let mut remaster = state.recordings[original].clone();
        remaster.id = remaster_id.clone();
        remaster.disambiguation = "remastered".to_owned();
        remaster.length_ms = remaster
            .length_ms
            .map(|length| length + 400 + (spread(&remaster_id) % 1600) as u32);
        let index = state.recordings.len();
        state.recordings.push(remaster);
        state.recording_index.insert(remaster_id, index);
        remasters.push(index);
    }
    for (chunk_position, chunk) in remasters.chunks(12).enumerate() {
        let key = format!(
            "compilation/{}/{chunk_position}",
            state.recordings[chunk[0]].id
        );
        let group_id = deterministic_mbid(&format!("{key}/group"));
        let release_id = deterministic_mbid(&format!("{key}/release"));
        let various = match state
            .artist_index
            .get(&deterministic_mbid("artist/various-artists"))
        {
            Some(index) => *index,
            None => {
                let id = deterministic_mbid("artist/various-artists");
                let index = state.artists.len();
                state.artists.push(Artist {
                    id: id.clone(),
                    name: "Various Artists".to_owned(),
                    sort_name: "Various Artists".to_owned(),
                    artist_type: Some("Other".to_owned()),
                    country: None,
                    disambiguation: "add compilations to this artist".to_owned(),
                });
                state.artist_index.insert(id, index);
                index
            }
        };
        let credit = vec![Credit {
            artist: various,
            credited_as: "Various Artists".to_owned(),
            joinphrase: String::new(),
        }];
        let title = format!("Remastered Collection, Volume {}", chunk_position + 1);
        let group_index = state.release_groups.len();
        state.release_groups.push(ReleaseGroup {
            id: group_id.clone(),
            title: title.clone(),
            primary_type: Some("Album".to_owned()),
            secondary_types: vec!["Compilation".to_owned()],
            credit: credit.clone(),
            disambiguation: String::new(),
            releases: Vec::new(),
        });
        state.release_group_index.insert(group_id, group_index);
        let tracks = chunk
            .iter()
            .enumerate()
            .map(|(position, recording)| Track {
                id: deterministic_mbid(&format!("{key}/track/{position}")),
                recording: *recording,
                title: state.recordings[*recording].title.clone(),
                length_ms: state.recordings[*recording].length_ms,
                number: (position + 1).to_string(),
                credit: state.recordings[*recording].credit.clone(),
            })
            .collect();
        let spread_value = spread(&key);
        push_release(
            state,
            Release {
                id: release_id,
                title,
                credit,
                date: Some(format!(
                    "{}-{:02}-01",
                    2010 + spread_value % 15,
                    spread_value % 12 + 1
                )),
                country: Some("XE".to_owned()),
                status: Some("Official".to_owned()),
                barcode: Some(format!("{:012}", spread_value % 1_000_000_000_000)),
                packaging: Some("Jewel Case".to_owned()),
                release_group: group_index,
                labels: vec![LabelSeed {
                    name: LABELS[(spread_value % LABELS.len() as u64) as usize].to_owned(),
                    catalog_number: None,
                }],
                media: vec![Medium {
                    format: Some("CD".to_owned()),
                    title: String::new(),
                    tracks,
                }],
                cover_art: CoverArtSummary {
                    front: true,
                    back: false,
                    count: 1,
                },
                disambiguation: String::new(),
            },
        );
    }
}
