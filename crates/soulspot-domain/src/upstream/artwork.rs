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

/// An image's bytes and its media type, as told by the bytes themselves ([`image_type`]).
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

/// The media type of an image by its first bytes (JPEG, PNG, GIF, WebP), or `None` when the bytes
/// are not one: what an upstream's `Content-Type` says is never taken for it.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(
            image_type(b"\xff\xd8\xff\xe0\x00\x10JFIF"),
            Some("image/jpeg")
        );
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n\x00"), Some("image/png"));
        assert_eq!(image_type(b"GIF89a\x01\x00"), Some("image/gif"));
        assert_eq!(
            image_type(b"RIFF\x24\x00\x00\x00WEBPVP8 "),
            Some("image/webp")
        );
        for not_an_image in [
            &b"<html>oops</html>"[..],
            b"",
            b"\xff\xd8",
            b"RIFF\x24\x00\x00\x00WAVEfmt ",
            b"{\"error\": 1}",
        ] {
            assert_eq!(image_type(not_an_image), None, "{not_an_image:?}");
        }
    }
}
