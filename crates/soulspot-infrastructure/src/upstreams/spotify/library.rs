//! The Web API client for the connected user's library.
//!
//! Every request carries the session's current access token; a 401 makes the client hand the
//! token back to the session ([`SpotifySession::token_rejected`]) and repeat that one request with
//! the fresh token, once. Lists are read page by page, following `next` — only to the Web API's
//! own origin, so a token never travels elsewhere — until it is `null`. Playlist items are asked
//! for 50 at a time (the current maximum; the historic 100 is also read fine, since only `next`
//! matters), filtered with `fields` to what SoulSpot keeps, with `market=from_token` so each track
//! says whether the user can play it.
//!
//! Lookups by id use the batch endpoints (50 tracks, 20 albums or 50 artists per request) and fall
//! back to one request per id (a few in flight at once) when Spotify refuses the batch endpoint
//! with 403, as it does for development-mode apps since February 2026; the client then remembers
//! the refusal and goes straight to single lookups.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt as _, TryStreamExt as _};
use http::{StatusCode, header};
use serde::de::DeserializeOwned;
use soulspot_domain::SpotifyId;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::spotify::{
    SpotifyAccessToken, SpotifyAlbum, SpotifyArtist, SpotifyFailure, SpotifyLibrary,
    SpotifyPlaylistEntry, SpotifyPlaylistSummary, SpotifySession, SpotifyTrack, SpotifyUser,
};

use super::{ErrorAnswer, convert, wire};
use crate::http::{Upstream, UpstreamRequest, UpstreamResponse};
use crate::upstreams::{decode, failure, unexpected_status};

/// Items per page of every list (the largest `limit` the current reference allows everywhere).
const PAGE_LIMIT: u32 = 50;
/// A list longer than this many pages is a server paging in circles, not a library.
const MAX_PAGES: usize = 5_000;
/// Single lookups in flight at once when the batch endpoints are refused.
const SINGLE_LOOKUPS_IN_FLIGHT: usize = 4;

/// The fields of a track (or of the track-shaped forms of local files and episodes) SoulSpot reads.
macro_rules! track_fields {
    () => {
        "id,name,type,uri,is_local,is_playable,duration_ms,explicit,disc_number,track_number,\
         external_ids(isrc),linked_from(id),artists(id,name),\
         album(id,name,album_type,images,release_date,total_tracks,artists(id,name)),show(name)"
    };
}

/// A page of playlist items, asking for the content under both names Spotify uses (`item`
/// since February 2026, `track` before); the one that is absent is simply left out.
const PLAYLIST_ITEM_FIELDS: &str = concat!(
    "next,items(added_at,added_by(id),is_local,item(",
    track_fields!(),
    "),track(",
    track_fields!(),
    "))"
);

/// A playlist's metadata without any items: the entry count comes from `items(total)` (or
/// `tracks(total)` before February 2026).
const PLAYLIST_FIELDS: &str = "id,name,description,snapshot_id,collaborative,public,\
                               owner(id,display_name),images,items(total),tracks(total)";

/// What Spotify answers (403) for a user missing from a development-mode app's allow-list.
const NOT_ON_ALLOW_LIST: &str = "may not be registered";

/// What a request reads, which decides what a 403 or 404 means.
#[derive(Debug, Clone, Copy)]
enum Reading<'a> {
    Other,
    Playlist(&'a SpotifyId),
    PlaylistItems(&'a SpotifyId),
}

/// The three kinds of lookup by id.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    Tracks,
    Albums,
    Artists,
}

impl Lookup {
    fn path(self) -> &'static str {
        match self {
            Self::Tracks => "tracks",
            Self::Albums => "albums",
            Self::Artists => "artists",
        }
    }

    /// The most ids one batch request may name.
    fn batch_size(self) -> usize {
        match self {
            Self::Tracks | Self::Artists => 50,
            Self::Albums => 20,
        }
    }

    /// Tracks are asked for in the user's market, so they say whether they are playable.
    fn market(self) -> Option<&'static str> {
        match self {
            Self::Tracks => Some("from_token"),
            Self::Albums | Self::Artists => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The Web API client, reading as the user whose tokens `session` holds.
pub struct SpotifyLibraryClient<S> {
    upstream: Upstream,
    session: S,
    /// Per [`Lookup`]: Spotify refused the batch endpoint, so lookups go one id at a time.
    batch_refused: [AtomicBool; 3],
}

impl<S> std::fmt::Debug for SpotifyLibraryClient<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpotifyLibraryClient")
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

impl<S: SpotifySession> SpotifyLibraryClient<S> {
    /// `upstream`'s base URL is the Web API root (see [`SPOTIFY_API_URL`](super::SPOTIFY_API_URL)).
    /// The client refuses redirects whatever the policy's settings (the Web API does not
    /// redirect, and a followed redirect would carry the bearer token along): a 3xx is an error.
    pub fn new(upstream: Upstream, session: S) -> Self {
        Self {
            upstream: upstream.refusing_redirects(),
            session,
            batch_refused: Default::default(),
        }
    }

    /// The session the client reads with.
    pub fn session(&self) -> &S {
        &self.session
    }

    fn service(&self) -> &str {
        self.upstream.name()
    }

    fn malformed(&self, message: impl Into<String>) -> SpotifyFailure {
        UpstreamFailure::Malformed {
            service: self.service().to_owned(),
            message: message.into(),
        }
        .into()
    }

    /// GETs `target` with the session's token; on a 401, once more with a fresh one.
    async fn get(&self, target: &str) -> Result<UpstreamResponse, SpotifyFailure> {
        let token = self.session.access_token().await?;
        let response = self.send_with_token(target, &token).await?;
        if response.status != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        tracing::info!(
            upstream = %self.service(),
            reason = %ErrorAnswer::of(&response).message,
            "Spotify refused the access token; asking the session for a fresh one"
        );
        let fresh = self.session.token_rejected(&token).await?;
        let response = self.send_with_token(target, &fresh).await?;
        if response.status == StatusCode::UNAUTHORIZED {
            return Err(SpotifyFailure::ReconnectRequired {
                message: format!(
                    "Spotify refused a freshly issued access token: {}",
                    ErrorAnswer::of(&response).message
                ),
            });
        }
        Ok(response)
    }

    async fn send_with_token(
        &self,
        target: &str,
        token: &SpotifyAccessToken,
    ) -> Result<UpstreamResponse, SpotifyFailure> {
        let request = UpstreamRequest::get(target)
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, &format!("Bearer {}", token.expose()));
        self.upstream
            .send(request)
            .await
            .map_err(|error| failure(self.service(), error).into())
    }

    /// What a status other than 200 means for what was read.
    fn refusal(&self, response: &UpstreamResponse, reading: Reading<'_>) -> SpotifyFailure {
        let status = response.status;
        if status == StatusCode::FORBIDDEN
            && ErrorAnswer::of(response)
                .message
                .contains(NOT_ON_ALLOW_LIST)
        {
            return UpstreamFailure::NotConfigured {
                service: self.service().to_owned(),
                message: "the Spotify user is not on the app's user list: development-mode apps \
                          serve only the users added under User Management in Spotify's \
                          developer dashboard"
                    .to_owned(),
            }
            .into();
        }
        match (status, reading) {
            (StatusCode::FORBIDDEN, Reading::PlaylistItems(id)) => {
                SpotifyFailure::PlaylistItemsForbidden {
                    playlist_id: id.clone(),
                }
            }
            (StatusCode::NOT_FOUND, Reading::Playlist(id) | Reading::PlaylistItems(id)) => {
                SpotifyFailure::PlaylistNotFound {
                    playlist_id: id.clone(),
                }
            }
            _ => unexpected_status(self.service(), response).into(),
        }
    }

    /// GETs and decodes `target`; returns the value and the URL that answered.
    async fn get_json<T: DeserializeOwned>(
        &self,
        target: &str,
        reading: Reading<'_>,
    ) -> Result<(T, String), SpotifyFailure> {
        let response = self.get(target).await?;
        if response.status != StatusCode::OK {
            return Err(self.refusal(&response, reading));
        }
        let value = decode(self.service(), &response)?;
        Ok((value, response.url))
    }

    /// Every element of every page, from `first` along `next`.
    async fn every_page<T: DeserializeOwned>(
        &self,
        first: String,
        reading: Reading<'_>,
    ) -> Result<Vec<Option<T>>, SpotifyFailure> {
        let mut elements = Vec::new();
        let mut target = first;
        for _ in 0..MAX_PAGES {
            let (page, answered_url): (wire::Page<T>, String) =
                self.get_json(&target, reading).await?;
            elements.extend(page.items.unwrap_or_default());
            match page.next.filter(|next| !next.is_empty()) {
                None => return Ok(elements),
                Some(next) => target = self.next_page_url(&next, &answered_url)?,
            }
        }
        Err(self.malformed(format!(
            "the list goes on past {MAX_PAGES} pages; giving up"
        )))
    }

    /// `next` as an absolute URL, if it stays on the Web API's origin (the request carries the
    /// user's token) and moves on from the page that named it.
    fn next_page_url(&self, next: &str, answered_url: &str) -> Result<String, SpotifyFailure> {
        let answered = url::Url::parse(answered_url)
            .map_err(|error| self.malformed(format!("answered from {answered_url:?}: {error}")))?;
        let next_url = answered
            .join(next)
            .map_err(|error| self.malformed(format!("a bad next link {next:?}: {error}")))?;
        let base = url::Url::parse(self.upstream.base_url())
            .map_err(|error| self.malformed(format!("a bad base URL: {error}")))?;
        if next_url.origin() != base.origin() {
            return Err(self.malformed(format!(
                "the next link {next:?} leaves the Web API; not following it with the user's token"
            )));
        }
        if next_url == answered {
            return Err(self.malformed(format!("the next link {next:?} repeats the same page")));
        }
        Ok(next_url.into())
    }

    /// One answer per id, in order: batches while Spotify allows them, single lookups after.
    async fn look_up<W, T>(
        &self,
        ids: &[SpotifyId],
        lookup: Lookup,
        convert: fn(W) -> Option<T>,
    ) -> Result<Vec<Option<T>>, SpotifyFailure>
    where
        W: DeserializeOwned + Send,
        T: Send,
    {
        let mut answers = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(lookup.batch_size()) {
            let refused = &self.batch_refused[lookup.index()];
            if !refused.load(Ordering::Relaxed) {
                if let Some(found) = self.batch(chunk, lookup, convert).await? {
                    answers.extend(found);
                    continue;
                }
                refused.store(true, Ordering::Relaxed);
                tracing::info!(
                    upstream = %self.service(),
                    endpoint = lookup.path(),
                    "Spotify refuses batch lookups (a development-mode app); looking up one id at \
                     a time from now on"
                );
            }
            // The futures are built up front: a closure inside the stream would make the whole
            // call's future lose `Send` (a known limit of higher-ranked lifetimes in rustc).
            let lookups: Vec<_> = chunk
                .iter()
                .map(|id| self.single(id, lookup, convert))
                .collect();
            let singles: Vec<Option<T>> = futures::stream::iter(lookups)
                .buffered(SINGLE_LOOKUPS_IN_FLIGHT)
                .try_collect()
                .await?;
            answers.extend(singles);
        }
        Ok(answers)
    }

    /// One batch request; `None` when Spotify refuses batch lookups.
    async fn batch<W, T>(
        &self,
        chunk: &[SpotifyId],
        lookup: Lookup,
        convert: fn(W) -> Option<T>,
    ) -> Result<Option<Vec<Option<T>>>, SpotifyFailure>
    where
        W: DeserializeOwned + Send,
    {
        let ids: Vec<&str> = chunk.iter().map(SpotifyId::as_str).collect();
        let mut target = format!("/{}?ids={}", lookup.path(), ids.join(","));
        if let Some(market) = lookup.market() {
            target.push_str(&format!("&market={market}"));
        }
        let response = self.get(&target).await?;
        let allow_list_refusal = || {
            ErrorAnswer::of(&response)
                .message
                .contains(NOT_ON_ALLOW_LIST)
        };
        if response.status == StatusCode::FORBIDDEN && !allow_list_refusal() {
            return Ok(None);
        }
        if response.status != StatusCode::OK {
            return Err(self.refusal(&response, Reading::Other));
        }
        let batch: wire::Batch<W> = decode(self.service(), &response)?;
        let objects = batch.objects.unwrap_or_default();
        if objects.len() != chunk.len() {
            return Err(self.malformed(format!(
                "asked for {} {}, got {} answers",
                chunk.len(),
                lookup.path(),
                objects.len()
            )));
        }
        Ok(Some(
            objects
                .into_iter()
                .map(|object| object.and_then(convert))
                .collect(),
        ))
    }

    /// One object by id; `None` when Spotify does not know it.
    async fn single<W, T>(
        &self,
        id: &SpotifyId,
        lookup: Lookup,
        convert: fn(W) -> Option<T>,
    ) -> Result<Option<T>, SpotifyFailure>
    where
        W: DeserializeOwned + Send,
    {
        let mut target = format!("/{}/{id}", lookup.path());
        if let Some(market) = lookup.market() {
            target.push_str(&format!("?market={market}"));
        }
        let response = self.get(&target).await?;
        match response.status {
            StatusCode::OK => Ok(convert(decode(self.service(), &response)?)),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(self.refusal(&response, Reading::Other)),
        }
    }
}

/// `fields=…` with the filter's parentheses and commas escaped.
fn fields_parameter(fields: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("fields", fields)
        .finish()
}

impl<S: SpotifySession> SpotifyLibrary for SpotifyLibraryClient<S> {
    async fn current_user(&self) -> Result<SpotifyUser, SpotifyFailure> {
        let (user, _): (wire::User, _) = self.get_json("/me", Reading::Other).await?;
        convert::user(user).ok_or_else(|| self.malformed("the current user has no id"))
    }

    async fn playlists(&self) -> Result<Vec<SpotifyPlaylistSummary>, SpotifyFailure> {
        let listed: Vec<Option<wire::Playlist>> = self
            .every_page(format!("/me/playlists?limit={PAGE_LIMIT}"), Reading::Other)
            .await?;
        let listed_count = listed.len();
        let playlists: Vec<SpotifyPlaylistSummary> = listed
            .into_iter()
            .flatten()
            .filter_map(convert::playlist_summary)
            .collect();
        if playlists.len() < listed_count {
            tracing::warn!(
                upstream = %self.service(),
                skipped = listed_count - playlists.len(),
                "skipped playlists listed without an id or snapshot id"
            );
        }
        Ok(playlists)
    }

    async fn playlist(&self, id: &SpotifyId) -> Result<SpotifyPlaylistSummary, SpotifyFailure> {
        let target = format!("/playlists/{id}?{}", fields_parameter(PLAYLIST_FIELDS));
        let (playlist, _): (wire::Playlist, _) =
            self.get_json(&target, Reading::Playlist(id)).await?;
        convert::playlist_summary(playlist)
            .ok_or_else(|| self.malformed(format!("playlist {id} came without an id or snapshot")))
    }

    async fn playlist_items(
        &self,
        id: &SpotifyId,
    ) -> Result<Vec<SpotifyPlaylistEntry>, SpotifyFailure> {
        let first = format!(
            "/playlists/{id}/items?limit={PAGE_LIMIT}&additional_types=track&market=from_token&{}",
            fields_parameter(PLAYLIST_ITEM_FIELDS)
        );
        let entries: Vec<Option<wire::PlaylistEntry>> =
            self.every_page(first, Reading::PlaylistItems(id)).await?;
        Ok(entries.into_iter().map(convert::playlist_entry).collect())
    }

    async fn liked_songs(&self) -> Result<Vec<SpotifyPlaylistEntry>, SpotifyFailure> {
        let entries: Vec<Option<wire::PlaylistEntry>> = self
            .every_page(
                format!("/me/tracks?limit={PAGE_LIMIT}&market=from_token"),
                Reading::Other,
            )
            .await?;
        Ok(entries.into_iter().map(convert::playlist_entry).collect())
    }

    async fn tracks(&self, ids: &[SpotifyId]) -> Result<Vec<Option<SpotifyTrack>>, SpotifyFailure> {
        self.look_up(ids, Lookup::Tracks, convert::track).await
    }

    async fn albums(&self, ids: &[SpotifyId]) -> Result<Vec<Option<SpotifyAlbum>>, SpotifyFailure> {
        self.look_up(ids, Lookup::Albums, convert::album).await
    }

    async fn artists(
        &self,
        ids: &[SpotifyId],
    ) -> Result<Vec<Option<SpotifyArtist>>, SpotifyFailure> {
        self.look_up(ids, Lookup::Artists, convert::artist).await
    }
}
