//! The MusicBrainz web service (v2, JSON): ISRC lookups, recording search, recording and release
//! lookups. MusicBrainz allows one request per second on average per client and refuses clients
//! without a meaningful User-Agent, so the client is built only with a contact address
//! ([`musicbrainz_user_agent`]) and its policy's rate limit must stay at 1/s (a self-hosted mirror
//! may allow more). A 503 means "slow down"; the policy retries it with backoff.

use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::musicbrainz::{
    ArtistCredit, Medium, MusicBrainzLookup, Recording, RecordingQuery, Release,
    ReleaseGroupSummary, ReleaseSummary, ReleaseTrack,
};
use soulspot_domain::{Isrc, Mbid, TrackDuration};

use super::{failure, found_json};
use crate::http::{Upstream, UpstreamRequest};

const SERVICE: &str = "musicbrainz";

/// `SoulSpot/<version> ( <contact> )`, as MusicBrainz asks of every client. The contact (an email
/// address or a URL) is required: `None` when it is missing or blank.
pub fn musicbrainz_user_agent(version: &str, contact: Option<&str>) -> Option<String> {
    let contact = contact
        .map(str::trim)
        .filter(|contact| !contact.is_empty())?;
    Some(format!("SoulSpot/{version} ( {contact} )"))
}

/// The MusicBrainz client. Without a contact it exists but refuses every call with
/// `NotConfigured`, so the rest of the system runs and health says what is missing.
#[derive(Debug, Clone)]
pub struct MusicBrainzClient {
    upstream: Option<Upstream>,
}

impl MusicBrainzClient {
    /// `upstream`'s base URL is the web service root (`…/ws/2`).
    pub fn new(upstream: Upstream) -> Self {
        Self {
            upstream: Some(upstream),
        }
    }

    /// A client that refuses every call until a contact is configured.
    pub fn unconfigured() -> Self {
        Self { upstream: None }
    }

    fn upstream(&self) -> Result<&Upstream, UpstreamFailure> {
        self.upstream
            .as_ref()
            .ok_or_else(|| UpstreamFailure::NotConfigured {
                service: SERVICE.to_owned(),
                message: "set `musicbrainz.contact` (an email address or URL): MusicBrainz \
                          refuses clients that do not say who they are"
                    .to_owned(),
            })
    }

    /// GETs `path` (with `fmt=json`); `None` on 404.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path_and_query: &str,
    ) -> Result<Option<T>, UpstreamFailure> {
        let upstream = self.upstream()?;
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let request = UpstreamRequest::get(format!("{path_and_query}{separator}fmt=json"))
            .header(http::header::ACCEPT, "application/json");
        let response = upstream
            .send(request)
            .await
            .map_err(|error| failure(SERVICE, error))?;
        found_json(SERVICE, &response)
    }
}

impl MusicBrainzLookup for MusicBrainzClient {
    async fn recordings_by_isrc(&self, isrc: &Isrc) -> Result<Vec<Recording>, UpstreamFailure> {
        let found: Option<wire::IsrcLookup> = self
            .get(&format!(
                "/isrc/{}?inc=artists+releases+isrcs+release-groups",
                isrc.as_str()
            ))
            .await?;
        Ok(found
            .map(|lookup| {
                lookup
                    .recordings
                    .into_iter()
                    .filter_map(recording)
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn search_recordings(
        &self,
        query: &RecordingQuery,
        limit: u8,
    ) -> Result<Vec<Recording>, UpstreamFailure> {
        let lucene = lucene_query(query);
        let encoded: String = url::form_urlencoded::byte_serialize(lucene.as_bytes()).collect();
        let limit = limit.clamp(1, 100);
        let found: Option<wire::RecordingSearch> = self
            .get(&format!("/recording?query={encoded}&limit={limit}"))
            .await?;
        Ok(found
            .map(|search| {
                search
                    .recordings
                    .into_iter()
                    .filter_map(recording)
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn recording(&self, id: &Mbid) -> Result<Option<Recording>, UpstreamFailure> {
        let found: Option<wire::Recording> = self
            .get(&format!(
                "/recording/{}?inc=artists+releases+isrcs+release-groups",
                id.as_str()
            ))
            .await?;
        Ok(found.and_then(recording))
    }

    async fn release(&self, id: &Mbid) -> Result<Option<Release>, UpstreamFailure> {
        let found: Option<wire::Release> = self
            .get(&format!(
                "/release/{}?inc=recordings+artist-credits+media+release-groups+isrcs",
                id.as_str()
            ))
            .await?;
        Ok(found.and_then(release))
    }
}

/// `recording:"…" AND artist:"…"` (and `AND dur:[a TO b]`, ±3 s in milliseconds), phrases escaped
/// for Lucene.
pub fn lucene_query(query: &RecordingQuery) -> String {
    let mut lucene = format!(
        "recording:\"{}\" AND artist:\"{}\"",
        escape_phrase(&query.title),
        escape_phrase(&query.artist)
    );
    if let Some(duration) = query.duration {
        let millis = duration.as_millis();
        lucene.push_str(&format!(
            " AND dur:[{} TO {}]",
            millis.saturating_sub(3_000),
            millis.saturating_add(3_000)
        ));
    }
    lucene
}

/// Inside a quoted phrase only the quote and the backslash need escaping.
fn escape_phrase(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn length(millis: Option<i64>) -> Option<TrackDuration> {
    millis.and_then(|millis| TrackDuration::from_millis(millis).ok())
}

fn artist_credit(credits: Vec<wire::ArtistCredit>) -> Vec<ArtistCredit> {
    credits
        .into_iter()
        .filter_map(|credit| {
            let artist = credit.artist?;
            Some(ArtistCredit {
                artist_id: Mbid::parse(&artist.id).ok()?,
                credited_as: credit.name.unwrap_or_else(|| artist.name.clone()),
                artist_name: artist.name,
                sort_name: artist.sort_name,
                join_phrase: credit.joinphrase.unwrap_or_default(),
            })
        })
        .collect()
}

fn release_group(group: Option<wire::ReleaseGroup>) -> Option<ReleaseGroupSummary> {
    let group = group?;
    Some(ReleaseGroupSummary {
        id: Mbid::parse(&group.id).ok()?,
        title: group.title.unwrap_or_default(),
        primary_type: group.primary_type,
        first_release_date: group.first_release_date.filter(|date| !date.is_empty()),
    })
}

/// A recording from the wire; one whose id is not an MBID is dropped (it could not be looked up
/// again or stored).
fn recording(wire: wire::Recording) -> Option<Recording> {
    Some(Recording {
        id: Mbid::parse(&wire.id).ok()?,
        title: wire.title.unwrap_or_default(),
        length: length(wire.length),
        artist_credit: artist_credit(wire.artist_credit),
        isrcs: wire
            .isrcs
            .iter()
            .filter_map(|isrc| Isrc::parse(isrc).ok())
            .collect(),
        releases: wire
            .releases
            .into_iter()
            .filter_map(|release| {
                Some(ReleaseSummary {
                    id: Mbid::parse(&release.id).ok()?,
                    title: release.title.unwrap_or_default(),
                    date: release.date.filter(|date| !date.is_empty()),
                    country: release.country,
                    status: release.status,
                    release_group: release_group(release.release_group),
                })
            })
            .collect(),
        score: wire
            .score
            .and_then(|score| match score {
                serde_json::Value::Number(number) => number.as_u64(),
                serde_json::Value::String(text) => text.parse().ok(),
                _ => None,
            })
            .map(|score| score.min(100) as u8),
    })
}

fn release(wire: wire::Release) -> Option<Release> {
    Some(Release {
        id: Mbid::parse(&wire.id).ok()?,
        title: wire.title.unwrap_or_default(),
        date: wire.date.filter(|date| !date.is_empty()),
        country: wire.country,
        status: wire.status,
        barcode: wire.barcode.filter(|barcode| !barcode.is_empty()),
        artist_credit: artist_credit(wire.artist_credit),
        release_group: release_group(wire.release_group),
        media: wire
            .media
            .into_iter()
            .map(|medium| Medium {
                position: medium.position.unwrap_or(1),
                format: medium.format,
                tracks: medium
                    .tracks
                    .into_iter()
                    .filter_map(|track| {
                        let recording = track.recording?;
                        Some(ReleaseTrack {
                            id: Mbid::parse(&track.id).ok()?,
                            number: track.number.unwrap_or_default(),
                            position: track.position.unwrap_or(0),
                            title: track
                                .title
                                .or_else(|| recording.title.clone())
                                .unwrap_or_default(),
                            length: length(track.length.or(recording.length)),
                            recording_id: Mbid::parse(&recording.id).ok()?,
                        })
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The JSON MusicBrainz sends, as far as SoulSpot reads it. Every field but ids is optional and
/// unknown fields are ignored, so additions to the service never break the client.
mod wire {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct IsrcLookup {
        #[serde(default)]
        pub recordings: Vec<Recording>,
    }

    #[derive(Debug, Deserialize)]
    pub struct RecordingSearch {
        #[serde(default)]
        pub recordings: Vec<Recording>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Recording {
        pub id: String,
        pub title: Option<String>,
        pub length: Option<i64>,
        /// A number in today's JSON; tolerated as a string too.
        pub score: Option<serde_json::Value>,
        #[serde(default, rename = "artist-credit")]
        pub artist_credit: Vec<ArtistCredit>,
        #[serde(default)]
        pub isrcs: Vec<String>,
        #[serde(default)]
        pub releases: Vec<ReleaseSummary>,
    }

    #[derive(Debug, Deserialize)]
    pub struct ArtistCredit {
        pub name: Option<String>,
        pub joinphrase: Option<String>,
        pub artist: Option<Artist>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Artist {
        pub id: String,
        pub name: String,
        #[serde(rename = "sort-name")]
        pub sort_name: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct ReleaseSummary {
        pub id: String,
        pub title: Option<String>,
        pub date: Option<String>,
        pub country: Option<String>,
        pub status: Option<String>,
        #[serde(rename = "release-group")]
        pub release_group: Option<ReleaseGroup>,
    }

    #[derive(Debug, Deserialize)]
    pub struct ReleaseGroup {
        pub id: String,
        pub title: Option<String>,
        #[serde(rename = "primary-type")]
        pub primary_type: Option<String>,
        #[serde(rename = "first-release-date")]
        pub first_release_date: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Release {
        pub id: String,
        pub title: Option<String>,
        pub date: Option<String>,
        pub country: Option<String>,
        pub status: Option<String>,
        pub barcode: Option<String>,
        #[serde(default, rename = "artist-credit")]
        pub artist_credit: Vec<ArtistCredit>,
        #[serde(rename = "release-group")]
        pub release_group: Option<ReleaseGroup>,
        #[serde(default)]
        pub media: Vec<Medium>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Medium {
        pub position: Option<u32>,
        pub format: Option<String>,
        #[serde(default)]
        pub tracks: Vec<Track>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Track {
        pub id: String,
        pub number: Option<String>,
        pub position: Option<u32>,
        pub title: Option<String>,
        pub length: Option<i64>,
        pub recording: Option<TrackRecording>,
    }

    #[derive(Debug, Deserialize)]
    pub struct TrackRecording {
        pub id: String,
        pub title: Option<String>,
        pub length: Option<i64>,
    }
}
