//! Reading playlists and their entries.

use soulspot_domain::ports::PlaylistRepository;
use soulspot_domain::{Page, PageRequest, Playlist, PlaylistEntryDetails, PlaylistId};

use crate::error::ServiceResult;

#[derive(Debug, Clone)]
pub struct PlaylistService<S> {
    store: S,
}

impl<S: PlaylistRepository> PlaylistService<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn playlists(
        &self,
        page: PageRequest<PlaylistId>,
    ) -> ServiceResult<Page<Playlist, PlaylistId>> {
        Ok(self.store.list_playlists(page).await?)
    }

    pub async fn playlist(&self, id: PlaylistId) -> ServiceResult<Playlist> {
        Ok(self.store.playlist(id).await?)
    }

    /// A page of entries by position; `NotFound` for an unknown playlist (the repository tells
    /// it from an empty one).
    pub async fn entries(
        &self,
        id: PlaylistId,
        page: PageRequest<i32>,
    ) -> ServiceResult<Page<PlaylistEntryDetails, i32>> {
        Ok(self.store.entries_page(id, page).await?)
    }
}
