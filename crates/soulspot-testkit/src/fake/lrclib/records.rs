//! The records of the fake LRCLIB: the seeding description of one track's lyrics, a few
//! realistic sample records (all lyrics invented), and lyrics for the testkit's generated
//! catalogue.

use soulspot_domain::CatalogBatch;

use super::FakeLrclib;

/// Seeding: one track's lyrics record.
#[derive(Debug, Clone)]
pub struct LyricsRecordSeed {
    pub track_name: String,
    pub artist_name: String,
    pub album_name: String,
    /// Seconds, as LRCLIB stores it (a float; usually whole seconds).
    pub duration_seconds: f64,
    pub instrumental: bool,
    pub plain_lyrics: Option<String>,
    /// LRC text, `[mm:ss.xx] line` per line.
    pub synced_lyrics: Option<String>,
    /// `false`: only "external sources" know it until a `/get` fetches it.
    pub cached: bool,
}

/// `[mm:ss.xx]` for a time in seconds.
fn lrc_timestamp(seconds: f64) -> String {
    let hundredths = (seconds.max(0.0) * 100.0).round() as u64;
    format!(
        "[{:02}:{:02}.{:02}]",
        hundredths / 6000,
        (hundredths / 100) % 60,
        hundredths % 100
    )
}

impl LyricsRecordSeed {
    /// A record with synced lyrics (and the plain lyrics derived from them): `lines` are
    /// (seconds from the start, text).
    pub fn synced(
        track_name: &str,
        artist_name: &str,
        album_name: &str,
        duration_seconds: f64,
        lines: &[(f64, &str)],
    ) -> Self {
        let mut synced: Vec<String> = lines
            .iter()
            .map(|(at, text)| format!("{} {text}", lrc_timestamp(*at)))
            .collect();
        // LRCLIB's synced lyrics usually close with an empty timed line where the singing ends.
        if let Some((last, _)) = lines.last() {
            synced.push(format!(
                "{} ",
                lrc_timestamp((last + 4.0).min(duration_seconds))
            ));
        }
        Self {
            track_name: track_name.to_owned(),
            artist_name: artist_name.to_owned(),
            album_name: album_name.to_owned(),
            duration_seconds,
            instrumental: false,
            plain_lyrics: Some(
                lines
                    .iter()
                    .map(|(_, text)| *text)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            synced_lyrics: Some(synced.join("\n")),
            cached: true,
        }
    }

    /// A record with plain lyrics only.
    pub fn plain(
        track_name: &str,
        artist_name: &str,
        album_name: &str,
        duration_seconds: f64,
        lyrics: &str,
    ) -> Self {
        Self {
            track_name: track_name.to_owned(),
            artist_name: artist_name.to_owned(),
            album_name: album_name.to_owned(),
            duration_seconds,
            instrumental: false,
            plain_lyrics: Some(lyrics.to_owned()),
            synced_lyrics: None,
            cached: true,
        }
    }

    /// An instrumental: no lyrics by design.
    pub fn instrumental(
        track_name: &str,
        artist_name: &str,
        album_name: &str,
        duration_seconds: f64,
    ) -> Self {
        Self {
            track_name: track_name.to_owned(),
            artist_name: artist_name.to_owned(),
            album_name: album_name.to_owned(),
            duration_seconds,
            instrumental: true,
            plain_lyrics: None,
            synced_lyrics: None,
            cached: true,
        }
    }

    /// Known only to external sources until a `/get` fetches it.
    pub fn external_only(mut self) -> Self {
        self.cached = false;
        self
    }
}

impl FakeLrclib {
    /// A database with a few realistic records (all lyrics invented): synced and plain lyrics,
    /// the same song in an album version and a 33-second-shorter single edit, an instrumental,
    /// names with diacritics and apostrophes, and one external-only record. See
    /// [`sample_records`].
    pub fn with_sample_records() -> Self {
        let fake = Self::new();
        for record in sample_records() {
            fake.add_record(record);
        }
        fake
    }

    /// Lyrics for a Spotify-shaped catalogue batch, by track position (`None`: LRCLIB has
    /// nothing). Deterministic, and shaped like LRCLIB's coverage: of every ten tracks, six have
    /// synced lyrics, one plain lyrics only, one is instrumental, one is known only to external
    /// sources, one is missing. Artist names are the credited artists joined by ", ", durations
    /// the track's rounded to whole seconds. Tracks without a duration get nothing.
    pub fn seed_catalog_batch(&self, batch: &CatalogBatch) -> Vec<Option<i64>> {
        batch
            .tracks
            .iter()
            .enumerate()
            .map(|(position, track)| {
                let duration = track.duration?.as_millis();
                let duration_seconds = (f64::from(duration) / 1000.0).round();
                let artist_name = track
                    .artists
                    .iter()
                    .filter_map(|artist| batch.artists.get(*artist))
                    .map(|artist| artist.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let album_name = track
                    .album
                    .and_then(|album| batch.albums.get(album))
                    .map(|album| album.title.clone())
                    .unwrap_or_default();
                let lines = generated_lines(&track.title, duration_seconds);
                let lines: Vec<(f64, &str)> = lines
                    .iter()
                    .map(|(at, text)| (*at, text.as_str()))
                    .collect();
                let seed = match position % 10 {
                    6 => LyricsRecordSeed::plain(
                        &track.title,
                        &artist_name,
                        &album_name,
                        duration_seconds,
                        &lines
                            .iter()
                            .map(|(_, text)| *text)
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                    7 => LyricsRecordSeed::instrumental(
                        &track.title,
                        &artist_name,
                        &album_name,
                        duration_seconds,
                    ),
                    8 => LyricsRecordSeed::synced(
                        &track.title,
                        &artist_name,
                        &album_name,
                        duration_seconds,
                        &lines,
                    )
                    .external_only(),
                    9 => return None,
                    _ => LyricsRecordSeed::synced(
                        &track.title,
                        &artist_name,
                        &album_name,
                        duration_seconds,
                        &lines,
                    ),
                };
                Some(self.add_record(seed))
            })
            .collect()
    }
}

/// Invented lyric lines for a generated track, spread over its first three quarters.
fn generated_lines(title: &str, duration_seconds: f64) -> Vec<(f64, String)> {
    const SHAPES: [&str; 6] = [
        "I hear {} calling through the rain",
        "We kept the light on for {}",
        "Every road leads back to {}",
        "Say it slow, say {}",
        "Nothing left but {} and me",
        "Hold on, hold on to {}",
    ];
    let hook = title.to_lowercase();
    let count = 8;
    let step = (duration_seconds * 0.75 / f64::from(count)).max(1.0);
    (0..count)
        .map(|index| {
            let shape = SHAPES[(index as usize + title.len()) % SHAPES.len()];
            (8.0 + step * f64::from(index), shape.replace("{}", &hook))
        })
        .collect()
}

/// The records [`FakeLrclib::with_sample_records`] seeds, oldest first.
pub fn sample_records() -> Vec<LyricsRecordSeed> {
    let lanterns = [
        (17.12, "Paper lanterns on the water"),
        (21.48, "Drifting where the harbour bends"),
        (26.03, "Every light a little promise"),
        (30.55, "Every promise finds its end"),
        (38.20, "So let them go, let them go"),
        (42.91, "Into the dark we used to know"),
    ];
    vec![
        LyricsRecordSeed::synced(
            "Paper Lanterns",
            "The Harbour Lights",
            "Tidewater",
            245.0,
            &lanterns,
        ),
        LyricsRecordSeed::synced(
            "Paper Lanterns",
            "The Harbour Lights",
            "Paper Lanterns - Single",
            212.0,
            &lanterns,
        ),
        LyricsRecordSeed::instrumental(
            "Interlude: Low Tide",
            "The Harbour Lights",
            "Tidewater",
            94.0,
        ),
        LyricsRecordSeed::plain(
            "Norðurljós",
            "Ólöf Ragnarsdóttir",
            "Vetur",
            301.0,
            "Green fire over the fjord\nI count the seconds till the morning\nGreen fire, say a word",
        ),
        LyricsRecordSeed::synced(
            "Don't Let the River Sleep",
            "Moss & Stone",
            "Field Notes",
            233.0,
            &[
                (12.40, "Don't let the river sleep tonight"),
                (18.05, "It carries all the names we lost"),
                (24.77, "Keep it moving, keep it bright"),
            ],
        ),
        LyricsRecordSeed::synced(
            "Midnight Signal",
            "Neon Ghost",
            "Signals",
            198.0,
            &[
                (9.00, "Static on the radio"),
                (13.50, "A midnight signal, soft and low"),
            ],
        )
        .external_only(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lrc_timestamps_are_minutes_seconds_and_hundredths() {
        assert_eq!(lrc_timestamp(17.12), "[00:17.12]");
        assert_eq!(lrc_timestamp(221.5), "[03:41.50]");
    }
}
