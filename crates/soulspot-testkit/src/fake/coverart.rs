//! A faithful fake of the Cover Art Archive (UPSTREAMS.md §5.3), with the Internet Archive's
//! image host standing beside it on the same server.
//!
//! What it reproduces:
//! - `GET /release/{mbid}` → `{images: [...], release}` with each image's `id` (a number, as the
//!   archive now sends it), `types`, `front`, `back`, `approved`, `comment`, `edit`, `image` and
//!   `thumbnails` (`250`, `500`, `1200`, and the older names `small` = 250, `large` = 500). 404
//!   when the release has no art, 400 for a malformed MBID.
//! - `GET /release/{mbid}/front|back|{imageId}`, each with an optional `-250`, `-500` or `-1200`
//!   suffix (and `{imageId}` with an optional extension): **307** to the image host, like the real
//!   archive. The image host answers in two steps as archive.org does: `/download/mbid-…/file`
//!   redirects (302) to a "data node" path `/items/mbid-…/file`, which serves the bytes. So a
//!   client must follow a chain of two redirects.
//! - `GET /release-group/{mbid}` and `/release-group/{mbid}/front[-250|-500|-1200]`: the art of the
//!   group's representative release, the first linked release (earliest first when seeded from
//!   the MusicBrainz fake) with a front image. The listing's `release` names that release.
//! - Real image bytes: originals are baseline JPEGs (or PNGs when seeded so) at the seeded size,
//!   thumbnails are always JPEGs of at most 250, 500 or 1200 pixels, as on the archive; each
//!   picture is a small pattern derived from the image id. A seeded image can lack its 1200-pixel
//!   thumbnail (older uploads did): the listing omits the key and the image host answers 404.
//! - A slow image host: [`FakeCoverArtArchive::set_image_host_latency`]. 503s and other faults
//!   come from the server's generic [`super::Faults`] (`next_under("/release/", …)`).
//!
//! Image URLs in listings point back at the fake itself (built from the request's `Host`), the
//! way the real listings point at the archive (`http://…/release/{mbid}/{id}.jpg`). The `release`
//! field names the release on the MusicBrainz site, `https://musicbrainz.org/release/{mbid}` by
//! default ([`FakeCoverArtArchive::set_musicbrainz_site_url`] changes the site part).

mod images;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::musicbrainz::{FakeMusicBrainz, is_valid_mbid};
use super::{
    FakeRequest, FakeResponse, FakeUpstream, ResponseDelay, json_response, redirect_response,
    text_response,
};

/// Where the stand-in for archive.org's download front door lives.
pub const IMAGE_HOST_DOWNLOAD_PREFIX: &str = "/download/";
/// Where the stand-in for an archive.org data node (which serves the bytes) lives.
pub const IMAGE_HOST_ITEMS_PREFIX: &str = "/items/";

/// The thumbnail sizes the archive offers.
const THUMBNAIL_SIZES: [u32; 3] = [250, 500, 1200];

/// An original image's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
}

/// Seeding: one image of a release.
#[derive(Debug, Clone)]
pub struct CoverImageSeed {
    /// The archive's image id; generated when absent.
    pub id: Option<u64>,
    /// `Front`, `Back`, `Booklet`, `Medium`, `Tray`, …
    pub types: Vec<String>,
    pub front: bool,
    pub back: bool,
    pub approved: bool,
    pub comment: String,
    /// The MusicBrainz edit that added it; generated when absent.
    pub edit: Option<u64>,
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub has_1200_thumbnail: bool,
}

impl CoverImageSeed {
    /// An approved front cover, a 1000-pixel square JPEG.
    pub fn front() -> Self {
        Self {
            id: None,
            types: vec!["Front".to_owned()],
            front: true,
            back: false,
            approved: true,
            comment: String::new(),
            edit: None,
            format: ImageFormat::Jpeg,
            width: 1000,
            height: 1000,
            has_1200_thumbnail: true,
        }
    }

    /// An approved back cover.
    pub fn back() -> Self {
        Self {
            types: vec!["Back".to_owned()],
            front: false,
            back: true,
            ..Self::front()
        }
    }

    /// Another kind of image (`Booklet`, `Medium`, …), neither front nor back.
    pub fn of_type(image_type: &str) -> Self {
        Self {
            types: vec![image_type.to_owned()],
            front: false,
            back: false,
            ..Self::front()
        }
    }

    pub fn with_id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    pub fn as_png(mut self) -> Self {
        self.format = ImageFormat::Png;
        self
    }

    pub fn sized(mut self, width: u32, height: u32) -> Self {
        self.width = width.max(1);
        self.height = height.max(1);
        self
    }

    pub fn unapproved(mut self) -> Self {
        self.approved = false;
        self
    }

    pub fn commented(mut self, comment: &str) -> Self {
        self.comment = comment.to_owned();
        self
    }

    /// An older upload whose 1200-pixel thumbnail was never made.
    pub fn without_1200_thumbnail(mut self) -> Self {
        self.has_1200_thumbnail = false;
        self
    }
}

/// An image of a release: its archive id, what was seeded, and the edit that added it.
#[derive(Debug, Clone)]
struct Image {
    id: u64,
    seed: CoverImageSeed,
    edit: u64,
}

/// The archive's images and release-group links, and the image host's settings and count.
#[derive(Debug)]
struct State {
    /// Images per release MBID, in the order they were added.
    releases: HashMap<String, Vec<Image>>,
    /// Releases per release group MBID, most representative first.
    release_groups: HashMap<String, Vec<String>>,
    musicbrainz_site_url: String,
    image_host_latency: Duration,
    images_served: u64,
}

/// The fake Cover Art Archive (and image host). Serve it with `Running::start`.
#[derive(Debug)]
pub struct FakeCoverArtArchive {
    state: Mutex<State>,
}

impl Default for FakeCoverArtArchive {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeCoverArtArchive {
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                releases: HashMap::new(),
                release_groups: HashMap::new(),
                musicbrainz_site_url: "https://musicbrainz.org".to_owned(),
                image_host_latency: Duration::ZERO,
                images_served: 0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an image to a release and returns the image's id.
    ///
    /// # Panics
    /// When the MBID is malformed or the image id is taken.
    pub fn add_image(&self, release_mbid: &str, seed: CoverImageSeed) -> u64 {
        assert!(
            is_valid_mbid(release_mbid),
            "{release_mbid:?} is not an MBID"
        );
        let release_mbid = release_mbid.to_ascii_lowercase();
        let mut state = self.state();
        let ordinal = state.releases.get(&release_mbid).map_or(0, Vec::len);
        let id = seed.id.unwrap_or_else(|| {
            10_000_000_000 + spread(&format!("{release_mbid}/{ordinal}")) % 89_999_999_999
        });
        assert!(
            state
                .releases
                .values()
                .flatten()
                .all(|image| image.id != id),
            "image id {id} was already added"
        );
        let edit = seed
            .edit
            .unwrap_or_else(|| 10_000_000 + spread(&format!("edit/{id}")) % 90_000_000);
        state
            .releases
            .entry(release_mbid)
            .or_default()
            .push(Image { id, seed, edit });
        id
    }

    /// Links a release group to its releases, the most representative first: the group's art is
    /// the first of them with a front image.
    ///
    /// # Panics
    /// When an MBID is malformed.
    pub fn link_release_group(&self, release_group_mbid: &str, release_mbids: &[String]) {
        assert!(
            is_valid_mbid(release_group_mbid),
            "{release_group_mbid:?} is not an MBID"
        );
        for release in release_mbids {
            assert!(is_valid_mbid(release), "{release:?} is not an MBID");
        }
        self.state().release_groups.insert(
            release_group_mbid.to_ascii_lowercase(),
            release_mbids
                .iter()
                .map(|release| release.to_ascii_lowercase())
                .collect(),
        );
    }

    /// Gives every release of the MusicBrainz fake the art its `cover-art-archive` summary
    /// announces (a front and/or a back cover; sizes vary from 600 to 1600 pixels), and links
    /// every release group to its releases, earliest first. Returns the number of images added.
    pub fn seed_from_musicbrainz(&self, musicbrainz: &FakeMusicBrainz) -> usize {
        let releases = musicbrainz.releases();
        let mut added = 0;
        // Per release group: its releases as (date, order added, MBID).
        let mut groups: Vec<(String, Vec<GroupMember>)> = Vec::new();
        for (position, release) in releases.iter().enumerate() {
            let size = 600 + (spread(&release.id) % 11) as u32 * 100;
            if release.cover_art.front {
                self.add_image(&release.id, CoverImageSeed::front().sized(size, size));
                added += 1;
            }
            if release.cover_art.back {
                self.add_image(&release.id, CoverImageSeed::back().sized(size, size));
                added += 1;
            }
            let entry = (release.date.clone(), position, release.id.clone());
            match groups
                .iter_mut()
                .find(|(group, _)| *group == release.release_group_id)
            {
                Some((_, members)) => members.push(entry),
                None => groups.push((release.release_group_id.clone(), vec![entry])),
            }
        }
        for (group, mut members) in groups {
            // Undated releases go last, as they would on MusicBrainz.
            members.sort_by(|left, right| {
                (left.0.is_none(), &left.0, left.1).cmp(&(right.0.is_none(), &right.0, right.1))
            });
            let members: Vec<String> = members.into_iter().map(|(_, _, id)| id).collect();
            self.link_release_group(&group, &members);
        }
        added
    }

    /// The site the listings' `release` field points at (default `https://musicbrainz.org`).
    pub fn set_musicbrainz_site_url(&self, url: &str) {
        self.state().musicbrainz_site_url = url.trim_end_matches('/').to_owned();
    }

    /// How long the image host's data node takes before it sends the bytes.
    ///
    /// The fake's handler is synchronous, so the wait holds the connection's task: under a
    /// multi-threaded runtime other tasks go on (the wait is a `block_in_place`); under a
    /// current-thread runtime everything waits. For a wait on tokio's clock, script
    /// `server.faults().next_under(IMAGE_HOST_ITEMS_PREFIX, n, Fault::Delay(…))` instead.
    pub fn set_image_host_latency(&self, latency: Duration) {
        self.state().image_host_latency = latency;
    }

    /// Image files the data node has served.
    pub fn images_served(&self) -> u64 {
        self.state().images_served
    }
}

/// A release of a release group being linked: (date, order added, MBID).
type GroupMember = (Option<String>, usize, String);

/// A deterministic number from a key.
fn spread(key: &str) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    u64::from_le_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ])
}

fn plain(status: StatusCode, message: &str) -> FakeResponse {
    text_response(status, "text/plain; charset=utf-8", message.to_owned())
}

fn not_found() -> FakeResponse {
    plain(StatusCode::NOT_FOUND, "Not Found")
}

fn invalid_mbid(mbid: &str) -> FakeResponse {
    plain(
        StatusCode::BAD_REQUEST,
        &format!("{mbid} is not a valid MusicBrainz identifier"),
    )
}

/// Which file of an image a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Front,
    Back,
    Image(u64),
}

/// Parses `front`, `back-500`, `1234`, `1234-250.jpg` into a piece and an optional thumbnail
/// size.
fn parse_piece(text: &str) -> Option<(Piece, Option<u32>)> {
    let stem = text
        .strip_suffix(".jpg")
        .or_else(|| text.strip_suffix(".png"))
        .or_else(|| text.strip_suffix(".gif"))
        .unwrap_or(text);
    let (name, size) = match stem.rsplit_once('-') {
        Some((name, size)) => {
            let size: u32 = size.parse().ok()?;
            if !THUMBNAIL_SIZES.contains(&size) {
                return None;
            }
            (name, Some(size))
        }
        None => (stem, None),
    };
    let piece = match name {
        "front" => Piece::Front,
        "back" => Piece::Back,
        id => Piece::Image(id.parse().ok()?),
    };
    Some((piece, size))
}

/// `http://host` of the request, for URLs that point back at this fake.
fn own_base_url(request: &FakeRequest) -> String {
    format!("http://{}", request.header("host").unwrap_or("127.0.0.1"))
}

/// The file name of an image (or one of its thumbnails) on the image host.
fn image_host_file(release: &str, image: &Image, size: Option<u32>) -> String {
    match size {
        Some(size) => format!("mbid-{release}-{}_thumb{size}.jpg", image.id),
        None => format!(
            "mbid-{release}-{}.{}",
            image.id,
            image.seed.format.extension()
        ),
    }
}

impl State {
    fn listing(&self, base: &str, release: &str) -> Option<Value> {
        let images = self
            .releases
            .get(release)
            .filter(|images| !images.is_empty())?;
        let images: Vec<Value> = images
            .iter()
            .map(|image| {
                let prefix = format!("{base}/release/{release}/{}", image.id);
                let mut thumbnails = Map::new();
                thumbnails.insert("250".into(), json!(format!("{prefix}-250.jpg")));
                thumbnails.insert("500".into(), json!(format!("{prefix}-500.jpg")));
                if image.seed.has_1200_thumbnail {
                    thumbnails.insert("1200".into(), json!(format!("{prefix}-1200.jpg")));
                }
                thumbnails.insert("small".into(), json!(format!("{prefix}-250.jpg")));
                thumbnails.insert("large".into(), json!(format!("{prefix}-500.jpg")));
                json!({
                    "id": image.id,
                    "types": image.seed.types,
                    "front": image.seed.front,
                    "back": image.seed.back,
                    "approved": image.seed.approved,
                    "comment": image.seed.comment,
                    "edit": image.edit,
                    "image": format!("{prefix}.{}", image.seed.format.extension()),
                    "thumbnails": thumbnails,
                })
            })
            .collect();
        Some(json!({
            "images": images,
            "release": format!("{}/release/{release}", self.musicbrainz_site_url),
        }))
    }

    fn find(&self, release: &str, piece: Piece) -> Option<&Image> {
        let images = self.releases.get(release)?;
        match piece {
            Piece::Front => images.iter().find(|image| image.seed.front),
            Piece::Back => images.iter().find(|image| image.seed.back),
            Piece::Image(id) => images.iter().find(|image| image.id == id),
        }
    }

    /// The release whose art stands for a release group.
    fn representative(&self, release_group: &str) -> Option<&str> {
        self.release_groups
            .get(release_group)?
            .iter()
            .find(|release| self.find(release, Piece::Front).is_some())
            .map(String::as_str)
    }

    fn redirect_to_image(
        &self,
        base: &str,
        release: &str,
        piece: Piece,
        size: Option<u32>,
    ) -> FakeResponse {
        match self.find(release, piece) {
            Some(image) => redirect_response(
                StatusCode::TEMPORARY_REDIRECT,
                &format!(
                    "{base}{IMAGE_HOST_DOWNLOAD_PREFIX}mbid-{release}/{}",
                    image_host_file(release, image, size)
                ),
            ),
            None => not_found(),
        }
    }

    /// The image host's file at `mbid-{release}/{file}`: which image and size it is.
    fn image_host_lookup(&self, item: &str, file: &str) -> Option<(&Image, Option<u32>)> {
        let release = item.strip_prefix("mbid-")?;
        let rest = file.strip_prefix(&format!("mbid-{release}-"))?;
        let (stem, extension) = rest.rsplit_once('.')?;
        let (id, size) = match stem.split_once("_thumb") {
            Some((id, size)) => (id, Some(size.parse::<u32>().ok()?)),
            None => (stem, None),
        };
        let image = self.find(release, Piece::Image(id.parse().ok()?))?;
        match size {
            Some(size) if extension == "jpg" && THUMBNAIL_SIZES.contains(&size) => {
                (size != 1200 || image.seed.has_1200_thumbnail).then_some((image, Some(size)))
            }
            None if extension == image.seed.format.extension() => Some((image, None)),
            _ => None,
        }
    }
}

impl FakeUpstream for FakeCoverArtArchive {
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        if request.method != http::Method::GET && request.method != http::Method::HEAD {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        }
        let base = own_base_url(request);
        let segments: Vec<&str> = request
            .path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        if let ["items", item, file] = segments.as_slice() {
            let (bytes, content_type, latency) = {
                let mut state = self.state();
                let Some((image, size)) = state.image_host_lookup(item, file) else {
                    return not_found();
                };
                let (bytes, content_type) = render_image(image, size);
                state.images_served += 1;
                (bytes, content_type, state.image_host_latency)
            };
            let mut response = http::Response::new(Full::new(Bytes::from(bytes)));
            if !latency.is_zero() {
                response.extensions_mut().insert(ResponseDelay(latency));
            }
            if let Ok(value) = http::HeaderValue::try_from(content_type) {
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_TYPE, value);
            }
            return response;
        }
        let state = self.state();
        match segments.as_slice() {
            ["download", item, file] => match state.image_host_lookup(item, file) {
                Some(_) => redirect_response(
                    StatusCode::FOUND,
                    &format!("{base}{IMAGE_HOST_ITEMS_PREFIX}{item}/{file}"),
                ),
                None => not_found(),
            },
            ["release", mbid, rest @ ..] => {
                if !is_valid_mbid(mbid) {
                    return invalid_mbid(mbid);
                }
                let release = mbid.to_ascii_lowercase();
                match rest {
                    [] | ["index.json"] => match state.listing(&base, &release) {
                        Some(listing) => json_response(StatusCode::OK, &listing),
                        None => not_found(),
                    },
                    [piece] => match parse_piece(piece) {
                        Some((piece, size)) => {
                            state.redirect_to_image(&base, &release, piece, size)
                        }
                        None => plain(
                            StatusCode::BAD_REQUEST,
                            &format!(
                                "{piece} is not front, back or an image id (with -250, -500 or -1200)"
                            ),
                        ),
                    },
                    _ => not_found(),
                }
            }
            ["release-group", mbid, rest @ ..] => {
                if !is_valid_mbid(mbid) {
                    return invalid_mbid(mbid);
                }
                let Some(release) = state.representative(&mbid.to_ascii_lowercase()) else {
                    return not_found();
                };
                match rest {
                    [] | ["index.json"] => match state.listing(&base, release) {
                        Some(listing) => json_response(StatusCode::OK, &listing),
                        None => not_found(),
                    },
                    [piece] => match parse_piece(piece) {
                        Some((Piece::Front, size)) => {
                            state.redirect_to_image(&base, release, Piece::Front, size)
                        }
                        _ => plain(
                            StatusCode::BAD_REQUEST,
                            "a release group offers only front, front-250, front-500 and front-1200",
                        ),
                    },
                    _ => not_found(),
                }
            }
            _ => not_found(),
        }
    }
}

/// The bytes and content type of an image file: the original in its format, or a JPEG
/// thumbnail at most `size` pixels on its longer side.
fn render_image(image: &Image, size: Option<u32>) -> (Vec<u8>, &'static str) {
    let (width, height) = (image.seed.width, image.seed.height);
    match size {
        None => match image.seed.format {
            ImageFormat::Jpeg => (images::encode_jpeg(width, height, image.id), "image/jpeg"),
            ImageFormat::Png => (images::encode_png(width, height, image.id), "image/png"),
        },
        Some(size) => {
            let longer = width.max(height);
            let (width, height) = if longer <= size {
                (width, height)
            } else {
                (
                    (u64::from(width) * u64::from(size) / u64::from(longer)).max(1) as u32,
                    (u64::from(height) * u64::from(size) / u64::from(longer)).max(1) as u32,
                )
            };
            (
                images::encode_jpeg(width, height, image.id),
                ImageFormat::Jpeg.content_type(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_parse_like_the_archive_paths() {
        assert_eq!(parse_piece("front"), Some((Piece::Front, None)));
        assert_eq!(parse_piece("back-500"), Some((Piece::Back, Some(500))));
        assert_eq!(
            parse_piece("123-1200.jpg"),
            Some((Piece::Image(123), Some(1200)))
        );
        assert_eq!(parse_piece("123.png"), Some((Piece::Image(123), None)));
        assert_eq!(parse_piece("front-300"), None);
        assert_eq!(parse_piece("side"), None);
    }
}
