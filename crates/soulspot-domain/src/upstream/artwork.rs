//! Cover art from the Cover Art Archive: the front image of a release, or of a release group
//! when the exact release has none.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::UpstreamFailure;
use crate::values::Mbid;

/// The sizes the archive serves besides the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CoverSize {
    /// 250 px thumbnail.
    Small,
    /// 500 px thumbnail.
    Large,
    /// 1200 px thumbnail.
    ExtraLarge,
    /// The image as uploaded (any size).
    Original,
}

impl CoverSize {
    /// The path suffix (`-250`, `-500`, `-1200`, or none).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Small => "-250",
            Self::Large => "-500",
            Self::ExtraLarge => "-1200",
            Self::Original => "",
        }
    }
}

/// Which entity's front image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CoverOf {
    Release(Mbid),
    ReleaseGroup(Mbid),
}

/// An image's bytes and declared media type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoverImage {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Front covers. `Ok(None)`: the entity has no art.
pub trait CoverArtSource: Send + Sync {
    fn front_cover(
        &self,
        of: &CoverOf,
        size: CoverSize,
    ) -> impl Future<Output = Result<Option<CoverImage>, UpstreamFailure>> + Send;
}
