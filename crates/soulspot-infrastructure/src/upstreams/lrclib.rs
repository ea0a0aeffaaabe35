//! LRCLIB: lyrics by track signature. The cheap cached lookup (`/get-cached`, LRCLIB's own
//! database only) first, then `/get` (which may fetch from elsewhere, slowly), then `/search`,
//! whose best hit must be within LRCLIB's ±2 s of the track's duration. 404: none.

use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::lyrics::{Lyrics, LyricsQuery, LyricsSource};

use super::{failure, found_json};
use crate::http::{Upstream, UpstreamRequest};

const SERVICE: &str = "lrclib";
/// LRCLIB matches durations within this many seconds.
const DURATION_TOLERANCE_SECS: f64 = 2.0;

#[derive(Debug, Clone)]
pub struct LrclibClient {
    upstream: Upstream,
}

impl LrclibClient {
    /// `upstream`'s base URL is the API root (`…/api`).
    pub fn new(upstream: Upstream) -> Self {
        Self { upstream }
    }

    fn signature(query: &LyricsQuery) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        pairs.append_pair("track_name", &query.title);
        pairs.append_pair("artist_name", &query.artist);
        if let Some(album) = &query.album {
            pairs.append_pair("album_name", album);
        }
        if let Some(duration) = query.duration {
            pairs.append_pair(
                "duration",
                &(duration.as_secs_f64().round() as u64).to_string(),
            );
        }
        pairs.finish()
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        target: String,
    ) -> Result<Option<T>, UpstreamFailure> {
        let response = self
            .upstream
            .send(UpstreamRequest::get(target))
            .await
            .map_err(|error| failure(SERVICE, error))?;
        found_json(SERVICE, &response)
    }
}

impl LyricsSource for LrclibClient {
    async fn lyrics(&self, query: &LyricsQuery) -> Result<Option<Lyrics>, UpstreamFailure> {
        let signature = Self::signature(query);
        for endpoint in ["/get-cached", "/get"] {
            let found: Option<wire::Record> =
                self.get_json(format!("{endpoint}?{signature}")).await?;
            if let Some(record) = found {
                return Ok(Some(record.into()));
            }
        }
        let search = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("track_name", &query.title)
            .append_pair("artist_name", &query.artist)
            .finish();
        let hits: Vec<wire::Record> = self
            .get_json(format!("/search?{search}"))
            .await?
            .unwrap_or_default();
        let wanted = query.duration.map(|duration| duration.as_secs_f64());
        let best = hits.into_iter().find(|hit| match (wanted, hit.duration) {
            (Some(wanted), Some(found)) => (wanted - found).abs() <= DURATION_TOLERANCE_SECS,
            // Without a duration to compare, only an exact title match is trusted.
            _ => hit
                .track_name
                .as_deref()
                .is_some_and(|title| title.eq_ignore_ascii_case(&query.title)),
        });
        Ok(best.map(Lyrics::from))
    }
}

mod wire {
    use serde::Deserialize;
    use soulspot_domain::upstream::lyrics::Lyrics;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Record {
        pub track_name: Option<String>,
        pub duration: Option<f64>,
        #[serde(default)]
        pub instrumental: bool,
        pub plain_lyrics: Option<String>,
        pub synced_lyrics: Option<String>,
    }

    impl From<Record> for Lyrics {
        fn from(record: Record) -> Self {
            let text = |text: Option<String>| text.filter(|text| !text.trim().is_empty());
            Self {
                synced: text(record.synced_lyrics),
                plain: text(record.plain_lyrics),
                instrumental: record.instrumental,
            }
        }
    }
}
