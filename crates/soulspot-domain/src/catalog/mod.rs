//! The catalogue's rules that every writer shares: which stored artist, album or track an
//! incoming one is ([`identity`]), and how a Spotify track becomes a [`crate::CatalogBatch`]
//! (`spotify`).

pub mod identity;
mod spotify;
