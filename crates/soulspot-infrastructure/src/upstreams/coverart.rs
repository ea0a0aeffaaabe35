//! The Cover Art Archive: the front image of a release (or of a release group, as a fallback) in
//! one of the archive's sizes. The archive answers 307 to the image's home on the Internet
//! Archive; the policy follows it. 404: no art.

use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::artwork::{CoverArtSource, CoverImage, CoverOf, CoverSize};

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
                let content_type = response
                    .header("content-type")
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                if !content_type.starts_with("image/") || response.body.is_empty() {
                    return Err(UpstreamFailure::Malformed {
                        service: SERVICE.to_owned(),
                        message: format!(
                            "expected an image, got {} bytes of {content_type}",
                            response.body.len()
                        ),
                    });
                }
                Ok(Some(CoverImage {
                    content_type,
                    bytes: response.body.to_vec(),
                }))
            }
            404 => Ok(None),
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }
}
