//! Downloads through the slskd client against the fake: enqueue and follow to a file on disk, a
//! file already underway refused, one call listing every user's downloads, each scripted failure
//! read as its failed state, cancelling and forgetting, another client's in-flight enqueue waited
//! out, and an enqueue never repeated after a `500` or a broken connection.

use std::time::{Duration, Instant};

use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::soulseek::{
    RequestedDownload, SoulseekNetwork, Transfer, TransferFailureKind, TransferId,
    TransferStateFlags,
};
use soulspot_infrastructure::http::UpstreamRequest;
use soulspot_infrastructure::upstreams::slskd::SlskdClient;
use soulspot_testkit::fake::Fault;
use soulspot_testkit::fake::slskd::{
    Peer, SharedFile, TransferFailure, TransferOutcome, TransferPhase, TransferScript,
};

use super::{API_KEY, client, milliseconds, river_peers, start_fake, upstream, upstream_settings};

/// Polls the one-call listing until `id` has ended (or 10 s pass).
async fn until_ended(slskd: &SlskdClient, id: &TransferId) -> Transfer {
    let begun = Instant::now();
    loop {
        let downloads = slskd.downloads().await.unwrap();
        let transfer = downloads
            .into_iter()
            .find(|transfer| transfer.id == *id)
            .unwrap();
        if transfer.state.is_terminal() || begun.elapsed() > Duration::from_secs(10) {
            return transfer;
        }
        tokio::time::sleep(milliseconds(20)).await;
    }
}

#[tokio::test]
async fn an_enqueued_download_completes_and_lands_in_the_downloads_folder() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    let content: Vec<u8> = (0..300_000_u32).map(|index| (index % 251) as u8).collect();
    let filename = r"@@music\Band\2001 - River Song\01 - River Song.flac";
    running.fake.add_peer(
        Peer::new("fast").with_file(SharedFile::flac(filename, 240).with_content(content.clone())),
    );
    running
        .fake
        .set_default_transfer_script(TransferScript::default().phases(milliseconds(30)));
    let slskd = client(&running);

    let wanted = RequestedDownload {
        filename: filename.to_owned(),
        size: content.len() as u64,
    };
    let outcome = slskd
        .enqueue_downloads("fast", std::slice::from_ref(&wanted))
        .await
        .unwrap();
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(outcome.enqueued.len(), 1);
    let enqueued = &outcome.enqueued[0];
    assert_eq!(
        (enqueued.username.as_str(), enqueued.filename.as_str()),
        ("fast", filename)
    );
    assert_eq!(enqueued.size, content.len() as u64);
    assert!(enqueued.state.is_waiting(), "{}", enqueued.state);
    assert!(enqueued.requested_at.is_some());

    // The same file again while it is underway: refused, with slskd's reason.
    let again = slskd
        .enqueue_downloads("fast", std::slice::from_ref(&wanted))
        .await
        .unwrap();
    assert!(again.enqueued.is_empty());
    assert_eq!(again.failed.len(), 1);
    assert_eq!(again.failed[0].filename, filename);
    assert!(
        again.failed[0].reason.contains("already underway"),
        "{}",
        again.failed[0].reason
    );
    let refused = again.failed[0].transfer.as_ref().unwrap();
    assert_eq!(refused.state.failure(), Some(TransferFailureKind::Aborted));

    let finished = until_ended(&slskd, &enqueued.id).await;
    assert_eq!(finished.state, TransferStateFlags::COMPLETED_SUCCEEDED);
    assert!(finished.state.is_succeeded());
    assert_eq!(finished.bytes_transferred, content.len() as u64);
    assert_eq!(finished.percent_complete, 100.0);
    assert!(finished.average_speed > 0.0);
    // requestedAt/enqueuedAt come without an offset, startedAt/endedAt with one: all read.
    let (requested, enqueued_at, started, ended) = (
        finished.requested_at.unwrap(),
        finished.enqueued_at.unwrap(),
        finished.started_at.unwrap(),
        finished.ended_at.unwrap(),
    );
    assert!(requested <= enqueued_at && enqueued_at <= started && started <= ended);

    let landed = running.fake.local_path(filename);
    assert_eq!(
        landed,
        downloads
            .path()
            .join("2001 - River Song")
            .join("01 - River Song.flac")
    );
    assert_eq!(std::fs::read(&landed).unwrap(), content);

    let one = slskd.download("fast", &enqueued.id).await.unwrap().unwrap();
    assert_eq!(one.state, TransferStateFlags::COMPLETED_SUCCEEDED);
    let unknown = TransferId("0f8fad5b-d9cb-469f-a165-70867728950e".to_owned());
    assert_eq!(slskd.download("fast", &unknown).await.unwrap(), None);
}

#[tokio::test]
async fn one_call_lists_the_downloads_of_every_user() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    let slskd = client(&running);
    let wanted = [
        (
            "fast",
            r"@@music\Band\2001 - River Song\01 - River Song.flac",
        ),
        ("fast", r"@@music\Band\2001 - River Song\cover.jpg"),
        ("middle", r"@@share\River Song.mp3"),
        ("slow", r"@@audio\Band - River Song [V0].mp3"),
    ];
    for (username, filename) in wanted {
        let outcome = slskd
            .enqueue_downloads(
                username,
                &[RequestedDownload {
                    filename: filename.to_owned(),
                    size: 1,
                }],
            )
            .await
            .unwrap();
        assert_eq!(outcome.enqueued.len(), 1);
    }

    let listed = slskd.downloads().await.unwrap();
    let mut found: Vec<(&str, &str)> = listed
        .iter()
        .map(|transfer| (transfer.username.as_str(), transfer.filename.as_str()))
        .collect();
    found.sort_unstable();
    let mut expected = wanted.to_vec();
    expected.sort_unstable();
    assert_eq!(found, expected);
    assert!(
        listed
            .iter()
            .all(|transfer| transfer.state == TransferStateFlags::QUEUED_LOCALLY)
    );
    let requests = running.server.requests_to("/api/v0/transfers/downloads");
    let listings = requests
        .iter()
        .filter(|request| request.method == http::Method::GET)
        .count();
    assert_eq!(listings, 1, "one call for every user");
}

#[tokio::test]
async fn scripted_failures_read_as_their_failed_states() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.freeze_time();
    let slskd = client(&running);
    let cases = [
        (TransferOutcome::errored(), TransferFailureKind::Errored),
        (TransferOutcome::rejected(), TransferFailureKind::Rejected),
        (TransferOutcome::timed_out(), TransferFailureKind::TimedOut),
        (TransferOutcome::cancelled(), TransferFailureKind::Cancelled),
        (TransferOutcome::aborted(), TransferFailureKind::Aborted),
        (
            TransferOutcome::failing(
                TransferFailure::Errored,
                TransferPhase::QueuedRemotely,
                "Failed to move file",
            ),
            TransferFailureKind::Errored,
        ),
    ];
    for (index, (outcome, _)) in cases.iter().enumerate() {
        let username = format!("peer{index}");
        running
            .fake
            .add_peer(Peer::new(&username).with_file(SharedFile::mp3(
                r"@@share\Song.mp3",
                320,
                60,
            )));
        running.fake.script_user_transfers(
            &username,
            TransferScript::default()
                .phases(milliseconds(10))
                .outcome(outcome.clone()),
        );
        let enqueued = slskd
            .enqueue_downloads(
                &username,
                &[RequestedDownload {
                    filename: r"@@share\Song.mp3".to_owned(),
                    size: 320 * 125 * 60,
                }],
            )
            .await
            .unwrap();
        assert_eq!(enqueued.enqueued.len(), 1);
    }
    running.fake.advance_time(Duration::from_secs(60));

    let listed = slskd.downloads().await.unwrap();
    assert_eq!(listed.len(), cases.len());
    for (index, (_, kind)) in cases.iter().enumerate() {
        let transfer = listed
            .iter()
            .find(|transfer| transfer.username == format!("peer{index}"))
            .unwrap();
        assert!(transfer.state.is_terminal(), "{}", transfer.state);
        assert!(transfer.state.is_failed(), "{}", transfer.state);
        assert!(!transfer.state.is_succeeded());
        assert_eq!(transfer.state.failure(), Some(*kind), "{}", transfer.state);
        assert!(transfer.exception.is_some(), "slskd says why");
        assert!(transfer.ended_at.is_some());
    }
}

#[tokio::test]
async fn downloads_are_cancelled_and_forgotten() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    let slskd = client(&running);
    let mut ids = Vec::new();
    for filename in [
        r"@@music\Band\2001 - River Song\01 - River Song.flac",
        r"@@music\Band\2001 - River Song\cover.jpg",
    ] {
        let outcome = slskd
            .enqueue_downloads(
                "fast",
                &[RequestedDownload {
                    filename: filename.to_owned(),
                    size: 1,
                }],
            )
            .await
            .unwrap();
        ids.push(outcome.enqueued[0].id.clone());
    }

    slskd.cancel_download("fast", &ids[0], false).await.unwrap();
    let cancelled = slskd.download("fast", &ids[0]).await.unwrap().unwrap();
    assert_eq!(
        cancelled.state.failure(),
        Some(TransferFailureKind::Cancelled)
    );

    // Still running: cancelled, then removed once slskd reports it ended.
    slskd.cancel_download("fast", &ids[1], true).await.unwrap();
    let listed = slskd.downloads().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, ids[0]);
    assert!(
        running
            .fake
            .downloads()
            .iter()
            .any(|download| download.id == ids[1].as_str() && download.removed)
    );
    // Forgetting what is already gone is not an error.
    slskd.cancel_download("fast", &ids[1], true).await.unwrap();
}

#[tokio::test]
async fn another_clients_enqueue_in_flight_is_waited_out() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    running.fake.set_enqueue_in_flight(milliseconds(800), 1);
    let slskd = client(&running);

    let other = upstream(upstream_settings(running.api_url()));
    let other_enqueue = tokio::spawn(async move {
        let request = UpstreamRequest::new(http::Method::POST, "/transfers/downloads/middle")
            .header(http::HeaderName::from_static("x-api-key"), API_KEY)
            .json_body(&serde_json::json!([{"filename": r"@@share\River Song.mp3"}]))
            .unwrap();
        other.send(request).await.unwrap().status
    });
    while running.server.requests_to("/api/v0/transfers").is_empty() {
        tokio::time::sleep(milliseconds(5)).await;
    }

    let begun = Instant::now();
    let outcome = slskd
        .enqueue_downloads(
            "slow",
            &[RequestedDownload {
                filename: r"@@audio\Band - River Song [V0].mp3".to_owned(),
                size: 1,
            }],
        )
        .await
        .unwrap();
    assert_eq!(outcome.enqueued.len(), 1);
    assert_eq!(other_enqueue.await.unwrap(), 201);
    assert!(
        begun.elapsed() >= milliseconds(500),
        "{:?}",
        begun.elapsed()
    );
    let posts = running
        .server
        .requests_to("/api/v0/transfers/downloads/slow");
    assert!(posts.len() >= 2, "ours was refused at least once");
    // Exactly one download each: the refused attempts enqueued nothing.
    assert_eq!(running.fake.downloads().len(), 2);
}

#[tokio::test]
async fn an_enqueue_is_never_repeated_after_a_500_or_a_broken_connection() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.set_user_online("middle", false);
    let slskd = client(&running);
    let file = [RequestedDownload {
        filename: r"@@share\River Song.mp3".to_owned(),
        size: 1,
    }];

    let failure = slskd.enqueue_downloads("middle", &file).await.unwrap_err();
    match &failure {
        UpstreamFailure::Unavailable { message, .. } => {
            assert!(message.contains("appears to be offline"), "{message}");
        }
        other => panic!("expected unavailable, got {other}"),
    }
    assert_eq!(
        running
            .server
            .requests_to("/api/v0/transfers/downloads/middle")
            .len(),
        1
    );

    running.fake.set_user_online("middle", true);
    running
        .server
        .faults()
        .next_under("/api/v0/transfers/downloads/middle", 1, Fault::Disconnect);
    let failure = slskd.enqueue_downloads("middle", &file).await.unwrap_err();
    assert!(
        matches!(failure, UpstreamFailure::Unavailable { .. }),
        "{failure}"
    );
    assert_eq!(
        running
            .server
            .requests_to("/api/v0/transfers/downloads/middle")
            .len(),
        2
    );
    assert!(running.fake.downloads().is_empty());

    // An empty list asks nothing of slskd.
    let nothing = slskd.enqueue_downloads("middle", &[]).await.unwrap();
    assert!(nothing.enqueued.is_empty() && nothing.failed.is_empty());
    assert_eq!(
        running
            .server
            .requests_to("/api/v0/transfers/downloads/middle")
            .len(),
        2
    );
}
