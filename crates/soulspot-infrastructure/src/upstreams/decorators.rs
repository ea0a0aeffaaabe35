//! Cache decorators: each implements the same port as the client it wraps, answering from a
//! [`LookupCache`] first. Built in the binary around the real clients, sized by configuration.

use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::artwork::{CoverArtSource, CoverImage, CoverOf, CoverSize};
use soulspot_domain::upstream::lyrics::{Lyrics, LyricsQuery, LyricsSource};
use soulspot_domain::upstream::musicbrainz::{
    MusicBrainzLookup, Recording, RecordingQuery, Release,
};
use soulspot_domain::{Isrc, Mbid};

use super::cache::{CacheSettings, LookupCache};

/// MusicBrainz lookups, cache first.
#[derive(Debug)]
pub struct CachedMusicBrainz<L> {
    inner: L,
    by_isrc: LookupCache<Isrc, Vec<Recording>>,
    searches: LookupCache<(RecordingQuery, u8), Vec<Recording>>,
    recordings: LookupCache<Mbid, Option<Recording>>,
    releases: LookupCache<Mbid, Option<Release>>,
}

impl<L: MusicBrainzLookup> CachedMusicBrainz<L> {
    pub fn new(inner: L, settings: CacheSettings) -> Self {
        Self {
            inner,
            by_isrc: LookupCache::new("musicbrainz.isrc", settings, Vec::is_empty),
            searches: LookupCache::new("musicbrainz.search", settings, Vec::is_empty),
            recordings: LookupCache::new("musicbrainz.recording", settings, Option::is_none),
            releases: LookupCache::new("musicbrainz.release", settings, Option::is_none),
        }
    }
}

impl<L: MusicBrainzLookup> MusicBrainzLookup for CachedMusicBrainz<L> {
    async fn recordings_by_isrc(&self, isrc: &Isrc) -> Result<Vec<Recording>, UpstreamFailure> {
        self.by_isrc
            .get_or_fetch(isrc.clone(), || self.inner.recordings_by_isrc(isrc))
            .await
    }

    async fn search_recordings(
        &self,
        query: &RecordingQuery,
        limit: u8,
    ) -> Result<Vec<Recording>, UpstreamFailure> {
        self.searches
            .get_or_fetch((query.clone(), limit), || {
                self.inner.search_recordings(query, limit)
            })
            .await
    }

    async fn recording(&self, id: &Mbid) -> Result<Option<Recording>, UpstreamFailure> {
        self.recordings
            .get_or_fetch(id.clone(), || self.inner.recording(id))
            .await
    }

    async fn release(&self, id: &Mbid) -> Result<Option<Release>, UpstreamFailure> {
        self.releases
            .get_or_fetch(id.clone(), || self.inner.release(id))
            .await
    }
}

/// Front covers, cache first (by entity and size).
#[derive(Debug)]
pub struct CachedCoverArt<S> {
    inner: S,
    covers: LookupCache<(CoverOf, CoverSize), Option<CoverImage>>,
}

impl<S: CoverArtSource> CachedCoverArt<S> {
    pub fn new(inner: S, settings: CacheSettings) -> Self {
        Self {
            inner,
            // Images are large: the cache is bounded by their bytes, not only by their number.
            covers: LookupCache::new("coverartarchive", settings, Option::is_none)
                .weighing(cover_bytes, settings),
        }
    }
}

impl<S: CoverArtSource> CoverArtSource for CachedCoverArt<S> {
    async fn front_cover(
        &self,
        of: &CoverOf,
        size: CoverSize,
    ) -> Result<Option<CoverImage>, UpstreamFailure> {
        self.covers
            .get_or_fetch((of.clone(), size), || self.inner.front_cover(of, size))
            .await
    }
}

fn cover_bytes(cover: &Option<CoverImage>) -> usize {
    cover.as_ref().map_or(0, |image| image.bytes.len())
}

/// Lyrics, cache first (by the whole signature).
#[derive(Debug)]
pub struct CachedLyrics<S> {
    inner: S,
    lyrics: LookupCache<LyricsQuery, Option<Lyrics>>,
}

impl<S: LyricsSource> CachedLyrics<S> {
    pub fn new(inner: S, settings: CacheSettings) -> Self {
        Self {
            inner,
            lyrics: LookupCache::new("lrclib", settings, Option::is_none),
        }
    }
}

impl<S: LyricsSource> LyricsSource for CachedLyrics<S> {
    async fn lyrics(&self, query: &LyricsQuery) -> Result<Option<Lyrics>, UpstreamFailure> {
        self.lyrics
            .get_or_fetch(query.clone(), || self.inner.lyrics(query))
            .await
    }
}
