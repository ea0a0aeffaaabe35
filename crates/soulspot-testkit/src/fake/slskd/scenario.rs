//! Peers every slskd test can search: three answering "river song" (one with a cover image
//! beside its FLAC, one sharing a locked FLAC too) at 100 ms and at the given delays, and one
//! sharing something else.

use std::time::Duration;

use super::{Peer, SharedFile};

/// `fast` answers after 100 ms, `middle` and `slow` after the given delays, `elsewhere` (no
/// match) after 50 ms.
pub fn river_peers(middle: Duration, slow: Duration) -> Vec<Peer> {
    vec![
        Peer::new("fast")
            .response_delay(Duration::from_millis(100))
            .with_file(SharedFile::flac(
                r"@@music\Band\2001 - River Song\01 - River Song.flac",
                240,
            ))
            .with_file(SharedFile::new(
                r"@@music\Band\2001 - River Song\cover.jpg",
                120_000,
            )),
        Peer::new("middle")
            .response_delay(middle)
            .with_file(SharedFile::mp3(r"@@share\River Song.mp3", 320, 240)),
        Peer::new("slow")
            .response_delay(slow)
            .with_file(SharedFile::mp3(
                r"@@audio\Band - River Song [V0].mp3",
                245,
                240,
            ))
            .with_file(SharedFile::flac(r"@@audio\locked\River Song.flac", 240).locked()),
        Peer::new("elsewhere")
            .response_delay(Duration::from_millis(50))
            .with_file(SharedFile::flac(r"@@music\Other\Ocean.flac", 200)),
    ]
}
