//! The Cover Art Archive: the front image of a release (or of a release group, as a fallback) in
//! one of the archive's sizes. The archive answers 307 to the image's home on the Internet
//! Archive; the policy follows it. 404: no art. An answer is an image only when its bytes say so
//! (JPEG, PNG, GIF, WebP); its `Content-Type` is never believed, and its size is bounded by the
//! policy's response limit.

use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::artwork::{
    CoverArtSource, CoverImage, CoverOf, CoverSize, image_type,
};

use super::{failure, unexpected_status};
use crate::http::{Upstream, UpstreamRequest};

const SERVICE: &str = "coverartarchive";

#[derive(Debug, Clone)]
pub struct CoverArtClient {
    upstream: Upstream,
}

impl CoverArtClient {
    /// `upstream`'s base URL is the archive's root.
    pub fn new(upstream: Upstream) -> Self {
        Self { upstream }
    }
}

impl CoverArtSource for CoverArtClient {
    async fn front_cover(
        &self,
        of: &CoverOf,
        size: CoverSize,
    ) -> Result<Option<CoverImage>, UpstreamFailure> {
        let (entity, id) = match of {
            CoverOf::Release(id) => ("release", id),
            CoverOf::ReleaseGroup(id) => ("release-group", id),
        };
        let target = format!("/{entity}/{}/front{}", id.as_str(), size.suffix());
        let response = self
            .upstream
            .send(UpstreamRequest::get(target))
            .await
            .map_err(|error| failure(SERVICE, error))?;
        match response.status.as_u16() {
            200 => {
                let Some(content_type) = image_type(&response.body) else {
                    return Err(UpstreamFailure::Malformed {
                        service: SERVICE.to_owned(),
                        message: format!(
                            "expected an image, got {} bytes that are not JPEG, PNG, GIF or WebP",
                            response.body.len()
                        ),
                    });
                };
                Ok(Some(CoverImage {
                    content_type: content_type.to_owned(),
                    bytes: response.body.to_vec(),
                }))
            }
            404 => Ok(None),
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }
}
