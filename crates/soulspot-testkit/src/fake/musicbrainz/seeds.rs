//! The seeding API of the fake MusicBrainz: plain descriptions of artists, recordings, release
//! groups and releases that [`super::FakeMusicBrainz`] turns into its catalogue.

/// Seeding: an artist.
#[derive(Debug, Clone)]
pub struct ArtistSeed {
    /// The MBID; generated deterministically when absent.
    pub id: Option<String>,
    pub name: String,
    /// Defaults to the name ("The Band" sorts as "Band, The").
    pub sort_name: Option<String>,
    /// `Person`, `Group`, … (`None`: unknown, as for many real artists).
    pub artist_type: Option<String>,
    /// ISO 3166-1 code.
    pub country: Option<String>,
    pub disambiguation: String,
}

impl ArtistSeed {
    pub fn named(name: &str) -> Self {
        Self {
            id: None,
            name: name.to_owned(),
            sort_name: None,
            artist_type: None,
            country: None,
            disambiguation: String::new(),
        }
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    pub fn sorted_as(mut self, sort_name: &str) -> Self {
        self.sort_name = Some(sort_name.to_owned());
        self
    }

    pub fn of_type(mut self, artist_type: &str) -> Self {
        self.artist_type = Some(artist_type.to_owned());
        self
    }

    pub fn from_country(mut self, country: &str) -> Self {
        self.country = Some(country.to_owned());
        self
    }

    pub fn disambiguated_as(mut self, disambiguation: &str) -> Self {
        self.disambiguation = disambiguation.to_owned();
        self
    }
}

/// Seeding: one artist of an artist credit ("Artist A feat. Artist B" is two of these, the first
/// with the join phrase " feat. ").
#[derive(Debug, Clone)]
pub struct CreditSeed {
    pub artist_id: String,
    /// The name as credited here; defaults to the artist's name.
    pub credited_as: Option<String>,
    /// Text between this artist and the next (`" & "`, `" feat. "`), empty for the last one.
    pub joinphrase: String,
}

/// Appends an artist to a credit, joining it to the previous one with `joinphrase` unless that
/// one already has a join phrase.
pub(super) fn push_credit(credit: &mut Vec<CreditSeed>, artist_id: &str, joinphrase: &str) {
    if let Some(last) = credit.last_mut()
        && last.joinphrase.is_empty()
    {
        last.joinphrase = joinphrase.to_owned();
    }
    credit.push(CreditSeed {
        artist_id: artist_id.to_owned(),
        credited_as: None,
        joinphrase: String::new(),
    });
}

/// Seeding: a recording.
#[derive(Debug, Clone)]
pub struct RecordingSeed {
    pub id: Option<String>,
    pub title: String,
    /// Milliseconds; `None` for the recordings MusicBrainz has no length for.
    pub length_ms: Option<u32>,
    pub isrcs: Vec<String>,
    pub artist_credit: Vec<CreditSeed>,
    pub disambiguation: String,
    pub video: bool,
}

impl RecordingSeed {
    pub fn new(title: &str, length_ms: u32) -> Self {
        Self {
            id: None,
            title: title.to_owned(),
            length_ms: Some(length_ms),
            isrcs: Vec::new(),
            artist_credit: Vec::new(),
            disambiguation: String::new(),
            video: false,
        }
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    pub fn without_length(mut self) -> Self {
        self.length_ms = None;
        self
    }

    /// Credits `artist_id` (joined to a previous artist with " & ").
    pub fn by(mut self, artist_id: &str) -> Self {
        push_credit(&mut self.artist_credit, artist_id, " & ");
        self
    }

    /// Credits `artist_id` after " feat. ".
    pub fn featuring(mut self, artist_id: &str) -> Self {
        push_credit(&mut self.artist_credit, artist_id, " feat. ");
        self
    }

    /// Credits `artist_id` under another name, with an explicit join phrase after it.
    pub fn credited(mut self, artist_id: &str, credited_as: &str, joinphrase: &str) -> Self {
        self.artist_credit.push(CreditSeed {
            artist_id: artist_id.to_owned(),
            credited_as: Some(credited_as.to_owned()),
            joinphrase: joinphrase.to_owned(),
        });
        self
    }

    pub fn with_isrc(mut self, isrc: &str) -> Self {
        self.isrcs.push(isrc.to_ascii_uppercase());
        self
    }

    pub fn disambiguated_as(mut self, disambiguation: &str) -> Self {
        self.disambiguation = disambiguation.to_owned();
        self
    }
}

/// Seeding: a release group (the "album" that groups editions).
#[derive(Debug, Clone)]
pub struct ReleaseGroupSeed {
    pub id: Option<String>,
    pub title: String,
    /// `Album`, `Single`, `EP`, `Broadcast`, `Other`.
    pub primary_type: Option<String>,
    /// `Compilation`, `Live`, `Remix`, `Soundtrack`, …
    pub secondary_types: Vec<String>,
    pub artist_credit: Vec<CreditSeed>,
    pub disambiguation: String,
}

impl ReleaseGroupSeed {
    pub fn new(title: &str, primary_type: &str) -> Self {
        Self {
            id: None,
            title: title.to_owned(),
            primary_type: Some(primary_type.to_owned()),
            secondary_types: Vec::new(),
            artist_credit: Vec::new(),
            disambiguation: String::new(),
        }
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    pub fn by(mut self, artist_id: &str) -> Self {
        push_credit(&mut self.artist_credit, artist_id, " & ");
        self
    }

    pub fn with_secondary_type(mut self, secondary_type: &str) -> Self {
        self.secondary_types.push(secondary_type.to_owned());
        self
    }
}

/// Seeding: a label credit of a release.
#[derive(Debug, Clone)]
pub struct LabelSeed {
    pub name: String,
    pub catalog_number: Option<String>,
}

/// Seeding: one track of a medium.
#[derive(Debug, Clone)]
pub struct TrackSeed {
    pub id: Option<String>,
    pub recording_id: String,
    /// Defaults to the recording's title.
    pub title: Option<String>,
    /// Defaults to the recording's length.
    pub length_ms: Option<u32>,
    /// The printed number (`"A1"` on vinyl); defaults to the position.
    pub number: Option<String>,
    /// Defaults to the recording's credit.
    pub artist_credit: Option<Vec<CreditSeed>>,
}

impl TrackSeed {
    pub fn of(recording_id: &str) -> Self {
        Self {
            id: None,
            recording_id: recording_id.to_owned(),
            title: None,
            length_ms: None,
            number: None,
            artist_credit: None,
        }
    }
}

/// Seeding: a medium (disc) of a release.
#[derive(Debug, Clone)]
pub struct MediumSeed {
    /// `CD`, `Digital Media`, `12" Vinyl`, …
    pub format: Option<String>,
    pub title: String,
    pub tracks: Vec<TrackSeed>,
}

impl MediumSeed {
    /// A medium of `format` holding these recordings in order.
    pub fn of(format: &str, recording_ids: &[String]) -> Self {
        Self {
            format: Some(format.to_owned()),
            title: String::new(),
            tracks: recording_ids.iter().map(|id| TrackSeed::of(id)).collect(),
        }
    }
}

/// What MusicBrainz says about a release's cover art (the `cover-art-archive` object).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverArtSummary {
    pub front: bool,
    pub back: bool,
    /// Images in the archive, front and back included.
    pub count: u32,
}

/// Seeding: a release.
#[derive(Debug, Clone)]
pub struct ReleaseSeed {
    pub id: Option<String>,
    pub title: String,
    /// Defaults to the release group's credit, else the first track's.
    pub artist_credit: Vec<CreditSeed>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: Option<String>,
    pub country: Option<String>,
    /// `Official`, `Promotion`, `Bootleg`, `Pseudo-Release`.
    pub status: Option<String>,
    pub barcode: Option<String>,
    pub packaging: Option<String>,
    /// An existing release group; `None` creates one titled like the release, of
    /// `new_release_group_type`.
    pub release_group_id: Option<String>,
    pub new_release_group_type: String,
    pub labels: Vec<LabelSeed>,
    pub media: Vec<MediumSeed>,
    pub cover_art: CoverArtSummary,
    pub disambiguation: String,
}

impl ReleaseSeed {
    pub fn new(title: &str) -> Self {
        Self {
            id: None,
            title: title.to_owned(),
            artist_credit: Vec::new(),
            date: None,
            country: None,
            status: Some("Official".to_owned()),
            barcode: None,
            packaging: None,
            release_group_id: None,
            new_release_group_type: "Album".to_owned(),
            labels: Vec::new(),
            media: Vec::new(),
            cover_art: CoverArtSummary::default(),
            disambiguation: String::new(),
        }
    }

    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    pub fn by(mut self, artist_id: &str) -> Self {
        push_credit(&mut self.artist_credit, artist_id, " & ");
        self
    }

    pub fn dated(mut self, date: &str) -> Self {
        self.date = Some(date.to_owned());
        self
    }

    pub fn in_country(mut self, country: &str) -> Self {
        self.country = Some(country.to_owned());
        self
    }

    pub fn with_status(mut self, status: &str) -> Self {
        self.status = Some(status.to_owned());
        self
    }

    pub fn with_barcode(mut self, barcode: &str) -> Self {
        self.barcode = Some(barcode.to_owned());
        self
    }

    pub fn in_release_group(mut self, release_group_id: &str) -> Self {
        self.release_group_id = Some(release_group_id.to_owned());
        self
    }

    /// The type of the release group created for this release (when it names none).
    pub fn of_type(mut self, primary_type: &str) -> Self {
        self.new_release_group_type = primary_type.to_owned();
        self
    }

    pub fn on_label(mut self, name: &str, catalog_number: &str) -> Self {
        self.labels.push(LabelSeed {
            name: name.to_owned(),
            catalog_number: Some(catalog_number.to_owned()),
        });
        self
    }

    pub fn with_medium(mut self, medium: MediumSeed) -> Self {
        self.media.push(medium);
        self
    }

    pub fn with_cover_art(mut self, cover_art: CoverArtSummary) -> Self {
        self.cover_art = cover_art;
        self
    }
}

/// The MBIDs [`super::FakeMusicBrainz::seed_catalog_batch`] gave a batch's entities, by batch position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeededCatalogue {
    pub artists: Vec<String>,
    /// One release group per batch album.
    pub release_groups: Vec<String>,
    /// The main release of each batch album.
    pub releases: Vec<String>,
    /// The recording of each batch track.
    pub recordings: Vec<String>,
}

/// One release's place in the catalogue, for fakes that mirror it (the Cover Art Archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseSummary {
    pub id: String,
    pub release_group_id: String,
    pub title: String,
    pub date: Option<String>,
    pub cover_art: CoverArtSummary,
}
