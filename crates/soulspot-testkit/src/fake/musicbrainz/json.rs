//! The JSON shapes of the fake MusicBrainz: the `inc=` sub-queries each resource accepts, and
//! lookups and search hits with the real hyphenated field names.

use http::StatusCode;
use serde_json::{Map, Value, json};

use super::text::deterministic_mbid;
use super::{Artist, Credit, FakeRequest, Refusal, Release, State, Track, error, refuse};

/// The sub-queries a lookup asked for.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Includes {
    artist_credits: bool,
    releases: bool,
    release_groups: bool,
    isrcs: bool,
    media: bool,
    recordings: bool,
    labels: bool,
    aliases: bool,
    tags: bool,
    genres: bool,
    ratings: bool,
    annotation: bool,
    relations: bool,
}

/// The `inc` values each resource accepts (a subset of the real lists: the relationship
/// includes are accepted and answered with no relations).
pub(super) fn allowed_includes(resource: &str) -> &'static [&'static str] {
    const RELATIONS: [&str; 9] = [
        "artist-rels",
        "label-rels",
        "recording-rels",
        "release-rels",
        "release-group-rels",
        "url-rels",
        "work-rels",
        "area-rels",
        "series-rels",
    ];
    const RECORDING: [&str; 22] = [
        "artists",
        "artist-credits",
        "releases",
        "release-groups",
        "isrcs",
        "media",
        "discids",
        "aliases",
        "tags",
        "genres",
        "ratings",
        "annotation",
        "user-tags",
        "user-genres",
        RELATIONS[0],
        RELATIONS[1],
        RELATIONS[2],
        RELATIONS[3],
        RELATIONS[4],
        RELATIONS[5],
        RELATIONS[6],
        "work-level-rels",
    ];
    const RELEASE: [&str; 23] = [
        "artists",
        "artist-credits",
        "labels",
        "recordings",
        "release-groups",
        "media",
        "discids",
        "isrcs",
        "aliases",
        "tags",
        "genres",
        "annotation",
        "recording-level-rels",
        "work-level-rels",
        RELATIONS[0],
        RELATIONS[1],
        RELATIONS[2],
        RELATIONS[3],
        RELATIONS[4],
        RELATIONS[5],
        RELATIONS[6],
        RELATIONS[7],
        RELATIONS[8],
    ];
    const RELEASE_GROUP: [&str; 14] = [
        "artists",
        "artist-credits",
        "releases",
        "media",
        "aliases",
        "tags",
        "genres",
        "ratings",
        "annotation",
        RELATIONS[0],
        RELATIONS[2],
        RELATIONS[3],
        RELATIONS[4],
        RELATIONS[5],
    ];
    const ARTIST: [&str; 12] = [
        "recordings",
        "releases",
        "release-groups",
        "works",
        "aliases",
        "tags",
        "genres",
        "ratings",
        "annotation",
        RELATIONS[0],
        RELATIONS[5],
        RELATIONS[2],
    ];
    match resource {
        "recording" | "isrc" => &RECORDING,
        "release" => &RELEASE,
        "release-group" => &RELEASE_GROUP,
        _ => &ARTIST,
    }
}

/// Parses `inc=a+b` (the `+` arrives decoded as a space) for `resource`.
pub(super) fn parse_includes(request: &FakeRequest, resource: &str) -> Result<Includes, Refusal> {
    let mut includes = Includes::default();
    let raw = request.query("inc").unwrap_or_default();
    for name in raw
        .split(|character: char| character == '+' || character.is_whitespace())
        .filter(|name| !name.is_empty())
    {
        if !allowed_includes(resource).contains(&name) {
            return Err(refuse(error(
                StatusCode::BAD_REQUEST,
                &format!("{name} is not a valid inc parameter for the {resource} resource."),
            )));
        }
        match name {
            "artists" | "artist-credits" => includes.artist_credits = true,
            "releases" => includes.releases = true,
            "release-groups" => includes.release_groups = true,
            "isrcs" => includes.isrcs = true,
            "media" => includes.media = true,
            "recordings" => {
                includes.recordings = true;
                includes.media = true;
            }
            "labels" => includes.labels = true,
            "aliases" => includes.aliases = true,
            "tags" | "user-tags" => includes.tags = true,
            "genres" | "user-genres" => includes.genres = true,
            "ratings" => includes.ratings = true,
            "annotation" => includes.annotation = true,
            _ if name.ends_with("-rels") => includes.relations = true,
            _ => {}
        }
    }
    Ok(includes)
}

/// Stable ids for MusicBrainz's type and status vocabularies (not the real ones, but as stable).
pub(super) fn vocabulary_id(vocabulary: &str, name: &str) -> String {
    deterministic_mbid(&format!("vocabulary/{vocabulary}/{name}"))
}

pub(super) fn country_name(code: &str) -> &str {
    match code {
        "US" => "United States",
        "GB" => "United Kingdom",
        "DE" => "Germany",
        "FR" => "France",
        "JP" => "Japan",
        "SE" => "Sweden",
        "IS" => "Iceland",
        "CA" => "Canada",
        "AU" => "Australia",
        "NL" => "Netherlands",
        "XW" => "[Worldwide]",
        "XE" => "Europe",
        other => other,
    }
}

pub(super) fn artist_short_json(artist: &Artist, with_details: bool) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(artist.id));
    object.insert("name".into(), json!(artist.name));
    object.insert("sort-name".into(), json!(artist.sort_name));
    if with_details {
        object.insert("disambiguation".into(), json!(artist.disambiguation));
        object.insert("type".into(), json!(artist.artist_type));
        object.insert(
            "type-id".into(),
            json!(
                artist
                    .artist_type
                    .as_deref()
                    .map(|name| vocabulary_id("artist-type", name))
            ),
        );
    } else if !artist.disambiguation.is_empty() {
        object.insert("disambiguation".into(), json!(artist.disambiguation));
    }
    Value::Object(object)
}

/// An artist credit; the search format leaves out empty join phrases and the artists' types.
pub(super) fn artist_credit_json(state: &State, credit: &[Credit], search_format: bool) -> Value {
    Value::Array(
        credit
            .iter()
            .map(|part| {
                let mut object = Map::new();
                object.insert("name".into(), json!(part.credited_as));
                if !(search_format && part.joinphrase.is_empty()) {
                    object.insert("joinphrase".into(), json!(part.joinphrase));
                }
                object.insert(
                    "artist".into(),
                    artist_short_json(&state.artists[part.artist], !search_format),
                );
                Value::Object(object)
            })
            .collect(),
    )
}

pub(super) fn insert_empty_extras(object: &mut Map<String, Value>, includes: Includes) {
    if includes.aliases {
        object.insert("aliases".into(), json!([]));
    }
    if includes.tags {
        object.insert("tags".into(), json!([]));
    }
    if includes.genres {
        object.insert("genres".into(), json!([]));
    }
    if includes.ratings {
        object.insert("rating".into(), json!({ "value": null, "votes-count": 0 }));
    }
    if includes.annotation {
        object.insert("annotation".into(), Value::Null);
    }
    if includes.relations {
        object.insert("relations".into(), json!([]));
    }
}

pub(super) fn release_group_basic_json(state: &State, group: usize) -> Map<String, Value> {
    let release_group = &state.release_groups[group];
    let mut object = Map::new();
    object.insert("id".into(), json!(release_group.id));
    object.insert("title".into(), json!(release_group.title));
    object.insert("primary-type".into(), json!(release_group.primary_type));
    object.insert(
        "primary-type-id".into(),
        json!(
            release_group
                .primary_type
                .as_deref()
                .map(|name| vocabulary_id("release-group-type", name))
        ),
    );
    object.insert(
        "secondary-types".into(),
        json!(release_group.secondary_types),
    );
    object.insert(
        "secondary-type-ids".into(),
        json!(
            release_group
                .secondary_types
                .iter()
                .map(|name| vocabulary_id("release-group-secondary-type", name))
                .collect::<Vec<_>>()
        ),
    );
    object.insert(
        "first-release-date".into(),
        json!(state.release_group_first_date(group).unwrap_or_default()),
    );
    object.insert("disambiguation".into(), json!(release_group.disambiguation));
    object
}

pub(super) fn release_group_json(state: &State, group: usize, includes: Includes) -> Value {
    let mut object = release_group_basic_json(state, group);
    if includes.artist_credits {
        object.insert(
            "artist-credit".into(),
            artist_credit_json(state, &state.release_groups[group].credit, false),
        );
    }
    if includes.releases {
        let releases: Vec<Value> = state.release_groups[group]
            .releases
            .iter()
            .map(|release| {
                let mut release_object = release_basic_json(&state.releases[*release]);
                if includes.media {
                    release_object.insert(
                        "media".into(),
                        media_json(state, *release, false, includes, None),
                    );
                }
                Value::Object(release_object)
            })
            .collect();
        object.insert("releases".into(), Value::Array(releases));
    }
    insert_empty_extras(&mut object, includes);
    Value::Object(object)
}

pub(super) fn release_events_json(release: &Release) -> Value {
    match (&release.date, &release.country) {
        (None, None) => json!([]),
        (date, country) => json!([{
            "date": date.clone().unwrap_or_default(),
            "area": country.as_deref().map(|code| json!({
                "id": deterministic_mbid(&format!("area/{code}")),
                "name": country_name(code),
                "sort-name": country_name(code),
                "disambiguation": "",
                "iso-3166-1-codes": [code],
                "type": null,
                "type-id": null,
            })),
        }]),
    }
}

pub(super) fn release_basic_json(release: &Release) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("id".into(), json!(release.id));
    object.insert("title".into(), json!(release.title));
    object.insert("status".into(), json!(release.status));
    object.insert(
        "status-id".into(),
        json!(
            release
                .status
                .as_deref()
                .map(|name| vocabulary_id("release-status", name))
        ),
    );
    object.insert(
        "date".into(),
        json!(release.date.clone().unwrap_or_default()),
    );
    object.insert("country".into(), json!(release.country));
    object.insert("release-events".into(), release_events_json(release));
    object.insert("barcode".into(), json!(release.barcode));
    object.insert("packaging".into(), json!(release.packaging));
    object.insert(
        "packaging-id".into(),
        json!(
            release
                .packaging
                .as_deref()
                .map(|name| vocabulary_id("release-packaging", name))
        ),
    );
    object.insert("disambiguation".into(), json!(release.disambiguation));
    object.insert("quality".into(), json!("normal"));
    object.insert(
        "text-representation".into(),
        json!({ "language": "eng", "script": "Latn" }),
    );
    object
}

pub(super) fn track_json(
    state: &State,
    track: &Track,
    position: usize,
    includes: Includes,
    with_recording: bool,
) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(track.id));
    object.insert("number".into(), json!(track.number));
    object.insert("position".into(), json!(position + 1));
    object.insert("title".into(), json!(track.title));
    object.insert("length".into(), json!(track.length_ms));
    if includes.artist_credits {
        object.insert(
            "artist-credit".into(),
            artist_credit_json(state, &track.credit, false),
        );
    }
    if with_recording {
        object.insert(
            "recording".into(),
            Value::Object(recording_basic_json(state, track.recording, includes)),
        );
    }
    Value::Object(object)
}

/// The media of a release; `only_recording` keeps the tracks of one recording (how a recording
/// lookup shows where it appears).
pub(super) fn media_json(
    state: &State,
    release: usize,
    with_tracks: bool,
    includes: Includes,
    only_recording: Option<usize>,
) -> Value {
    let release = &state.releases[release];
    let mut offset = 0;
    let media = release
        .media
        .iter()
        .enumerate()
        .filter_map(|(position, medium)| {
            let track_offset = offset;
            offset += medium.tracks.len();
            let mut object = Map::new();
            object.insert("position".into(), json!(position + 1));
            object.insert("title".into(), json!(medium.title));
            object.insert("format".into(), json!(medium.format));
            object.insert(
                "format-id".into(),
                json!(
                    medium
                        .format
                        .as_deref()
                        .map(|name| vocabulary_id("medium-format", name))
                ),
            );
            object.insert("track-count".into(), json!(medium.tracks.len()));
            object.insert("track-offset".into(), json!(track_offset));
            if let Some(recording) = only_recording {
                let tracks: Vec<Value> = medium
                    .tracks
                    .iter()
                    .enumerate()
                    .filter(|(_, track)| track.recording == recording)
                    .map(|(track_position, track)| {
                        track_json(state, track, track_position, Includes::default(), false)
                    })
                    .collect();
                if tracks.is_empty() {
                    return None;
                }
                object.insert("tracks".into(), Value::Array(tracks));
            } else if with_tracks {
                let tracks: Vec<Value> = medium
                    .tracks
                    .iter()
                    .enumerate()
                    .map(|(track_position, track)| {
                        track_json(state, track, track_position, includes, true)
                    })
                    .collect();
                object.insert("tracks".into(), Value::Array(tracks));
            }
            Some(Value::Object(object))
        })
        .collect();
    Value::Array(media)
}

pub(super) fn release_json(state: &State, index: usize, includes: Includes) -> Value {
    let release = &state.releases[index];
    let mut object = release_basic_json(release);
    object.insert("asin".into(), Value::Null);
    object.insert(
        "cover-art-archive".into(),
        json!({
            "artwork": release.cover_art.count > 0,
            "count": release.cover_art.count,
            "front": release.cover_art.front,
            "back": release.cover_art.back,
            "darkened": false,
        }),
    );
    if includes.artist_credits {
        object.insert(
            "artist-credit".into(),
            artist_credit_json(state, &release.credit, false),
        );
    }
    if includes.release_groups {
        let mut group = release_group_basic_json(state, release.release_group);
        if includes.artist_credits {
            group.insert(
                "artist-credit".into(),
                artist_credit_json(
                    state,
                    &state.release_groups[release.release_group].credit,
                    false,
                ),
            );
        }
        object.insert("release-group".into(), Value::Object(group));
    }
    if includes.labels {
        let labels: Vec<Value> = release
            .labels
            .iter()
            .map(|label| {
                json!({
                    "catalog-number": label.catalog_number,
                    "label": {
                        "id": deterministic_mbid(&format!("label/{}", label.name)),
                        "name": label.name,
                        "sort-name": label.name,
                        "disambiguation": "",
                        "label-code": null,
                        "type": "Original Production",
                        "type-id": vocabulary_id("label-type", "Original Production"),
                    },
                })
            })
            .collect();
        object.insert("label-info".into(), Value::Array(labels));
    }
    if includes.media {
        object.insert(
            "media".into(),
            media_json(state, index, includes.recordings, includes, None),
        );
    }
    insert_empty_extras(&mut object, includes);
    Value::Object(object)
}

pub(super) fn recording_basic_json(
    state: &State,
    index: usize,
    includes: Includes,
) -> Map<String, Value> {
    let recording = &state.recordings[index];
    let mut object = Map::new();
    object.insert("id".into(), json!(recording.id));
    object.insert("title".into(), json!(recording.title));
    object.insert("length".into(), json!(recording.length_ms));
    object.insert("disambiguation".into(), json!(recording.disambiguation));
    object.insert("video".into(), json!(recording.video));
    object.insert(
        "first-release-date".into(),
        json!(state.recording_first_date(index).unwrap_or_default()),
    );
    if includes.isrcs {
        object.insert("isrcs".into(), json!(recording.isrcs));
    }
    if includes.artist_credits {
        object.insert(
            "artist-credit".into(),
            artist_credit_json(state, &recording.credit, false),
        );
    }
    object
}

pub(super) fn recording_json(state: &State, index: usize, includes: Includes) -> Value {
    let mut object = recording_basic_json(state, index, includes);
    if includes.releases {
        let releases: Vec<Value> = state
            .releases_of(index)
            .into_iter()
            .map(|release| {
                let mut release_object = release_basic_json(&state.releases[release]);
                if includes.artist_credits {
                    release_object.insert(
                        "artist-credit".into(),
                        artist_credit_json(state, &state.releases[release].credit, false),
                    );
                }
                if includes.release_groups {
                    release_object.insert(
                        "release-group".into(),
                        Value::Object(release_group_basic_json(
                            state,
                            state.releases[release].release_group,
                        )),
                    );
                }
                if includes.media {
                    release_object.insert(
                        "media".into(),
                        media_json(state, release, true, includes, Some(index)),
                    );
                }
                Value::Object(release_object)
            })
            .collect();
        object.insert("releases".into(), Value::Array(releases));
    }
    insert_empty_extras(&mut object, includes);
    Value::Object(object)
}

pub(super) fn artist_json(state: &State, index: usize, includes: Includes) -> Value {
    let artist = &state.artists[index];
    let mut object = match artist_short_json(artist, true) {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    object.insert("country".into(), json!(artist.country));
    object.insert(
        "life-span".into(),
        json!({ "begin": null, "end": null, "ended": false }),
    );
    insert_empty_extras(&mut object, includes);
    Value::Object(object)
}

/// A recording as the search lists it.
pub(super) fn search_recording_json(state: &State, index: usize, score: u32) -> Value {
    let recording = &state.recordings[index];
    let mut object = Map::new();
    object.insert("id".into(), json!(recording.id));
    object.insert("score".into(), json!(score));
    object.insert("title".into(), json!(recording.title));
    if let Some(length) = recording.length_ms {
        object.insert("length".into(), json!(length));
    }
    if !recording.disambiguation.is_empty() {
        object.insert("disambiguation".into(), json!(recording.disambiguation));
    }
    object.insert("video".into(), Value::Null);
    object.insert(
        "artist-credit".into(),
        artist_credit_json(state, &recording.credit, true),
    );
    if let Some(date) = state.recording_first_date(index) {
        object.insert("first-release-date".into(), json!(date));
    }
    let releases: Vec<Value> = state
        .releases_of(index)
        .into_iter()
        .map(|release_index| search_release_json(state, release_index, index))
        .collect();
    if !releases.is_empty() {
        object.insert("releases".into(), Value::Array(releases));
    }
    if !recording.isrcs.is_empty() {
        object.insert("isrcs".into(), json!(recording.isrcs));
    }
    Value::Object(object)
}

/// A release inside a recording search hit: its media list only this recording's tracks, under
/// the search format's `track` key.
pub(super) fn search_release_json(state: &State, release_index: usize, recording: usize) -> Value {
    let release = &state.releases[release_index];
    let group = &state.release_groups[release.release_group];
    let mut object = Map::new();
    object.insert("id".into(), json!(release.id));
    object.insert(
        "status-id".into(),
        json!(
            release
                .status
                .as_deref()
                .map(|name| vocabulary_id("release-status", name))
        ),
    );
    object.insert("count".into(), json!(release.media.len()));
    object.insert("title".into(), json!(release.title));
    object.insert("status".into(), json!(release.status));
    object.insert(
        "artist-credit".into(),
        artist_credit_json(state, &release.credit, true),
    );
    object.insert(
        "release-group".into(),
        json!({
            "id": group.id,
            "type-id": group.primary_type.as_deref().map(|name| vocabulary_id("release-group-type", name)),
            "primary-type-id": group.primary_type.as_deref().map(|name| vocabulary_id("release-group-type", name)),
            "title": group.title,
            "primary-type": group.primary_type,
            "secondary-types": group.secondary_types,
        }),
    );
    if let Some(date) = &release.date {
        object.insert("date".into(), json!(date));
    }
    if let Some(country) = &release.country {
        object.insert("country".into(), json!(country));
    }
    object.insert("release-events".into(), release_events_json(release));
    object.insert(
        "track-count".into(),
        json!(
            release
                .media
                .iter()
                .map(|medium| medium.tracks.len())
                .sum::<usize>()
        ),
    );
    let mut offset = 0;
    let media: Vec<Value> = release
        .media
        .iter()
        .enumerate()
        .filter_map(|(position, medium)| {
            let track_offset = offset;
            offset += medium.tracks.len();
            let tracks: Vec<Value> = medium
                .tracks
                .iter()
                .filter(|track| track.recording == recording)
                .map(|track| {
                    json!({
                        "id": track.id,
                        "number": track.number,
                        "title": track.title,
                        "length": track.length_ms,
                    })
                })
                .collect();
            (!tracks.is_empty()).then(|| {
                json!({
                    "position": position + 1,
                    "format": medium.format,
                    "track": tracks,
                    "track-count": medium.tracks.len(),
                    "track-offset": track_offset,
                })
            })
        })
        .collect();
    object.insert("media".into(), Value::Array(media));
    Value::Object(object)
}
