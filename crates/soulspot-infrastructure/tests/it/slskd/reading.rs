//! How the slskd client reads slskd's JSON: fixtures shaped like real answers (`null` audio
//! attributes, members left out, timestamps without an offset, unknown members and state names)
//! are read; malformed bodies become a typed failure; and every state string the fake produces
//! reads back as the same flags.

use chrono::{TimeZone as _, Utc};
use http::StatusCode;
use serde_json::json;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::soulseek::{
    RequestedDownload, SearchStateFlags, SoulseekNetwork, SoulseekSearchId, TransferFailureKind,
    TransferId, TransferStateFlags,
};
use soulspot_testkit::fake::slskd::{SearchStates, TransferStates};
use soulspot_testkit::fake::{
    FakeRequest, FakeResponse, FakeServer, Fault, empty_response, json_response,
};

use super::{client, client_settings, client_with, start_fake};

const SEARCH_ID: &str = "9b2e4c1a-7d3f-4a8e-b5c6-0d1e2f3a4b5c";
const TRANSFER_ID: &str = "1c0f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b";

/// Answers the way a real slskd does, member for member, including its `null`s and omissions.
fn real_slskd(request: &FakeRequest) -> FakeResponse {
    let path = request.path.trim_start_matches("/api/v0");
    match path {
        "/server" => json_response(
            StatusCode::OK,
            &json!({"address": "vps.slsknet.org:2271", "state": "Connected, LoggedIn"}),
        ),
        p if p == format!("/searches/{SEARCH_ID}") => json_response(
            StatusCode::OK,
            // No isComplete, no lockedFileCount, no endedAt; a state name from a future slskd.
            &json!({
                "id": SEARCH_ID.to_uppercase(),
                "searchText": "river song",
                "state": "Completed, TimedOut, Archived",
                "token": 123_456,
                "startedAt": "2026-03-28T11:58:08.1234567",
                "responseCount": 2,
                "fileCount": 3,
                "responses": [],
            }),
        ),
        p if p == format!("/searches/{SEARCH_ID}/responses") => json_response(
            StatusCode::OK,
            &json!([
                {
                    "fileCount": 2,
                    "files": [
                        {
                            "bitDepth": null,
                            "bitRate": null,
                            "code": 1,
                            "extension": "",
                            "filename": "@@abcde\\Music\\Band\\River Song.flac",
                            "isVariableBitRate": null,
                            "length": null,
                            "sampleRate": null,
                            "size": 31_000_000,
                            "isLocked": false,
                        },
                        {
                            "bitRate": 320,
                            "code": 1,
                            "extension": ".MP3",
                            "filename": "@@abcde\\Music\\Band\\River Song.mp3",
                            "isVariableBitRate": false,
                            "length": 245,
                            "size": 9_800_000,
                            "isLocked": false,
                            "attributes": [{"type": "BitRate", "value": 320}],
                        },
                    ],
                    "hasFreeUploadSlot": true,
                    "lockedFileCount": 1,
                    "lockedFiles": [
                        {"filename": "@@abcde\\Buddies\\River Song.flac", "size": 1, "code": 1, "isLocked": false},
                    ],
                    "queueLength": 0,
                    "token": 123_456,
                    "uploadSpeed": 1_234_567,
                    "username": "someone",
                },
                // A peer that reports next to nothing.
                {"username": "terse", "files": [{"filename": "x\\River Song.ogg"}], "lockedFiles": null},
            ]),
        ),
        "/transfers/downloads" => json_response(
            StatusCode::OK,
            &json!([
                {
                    "username": "someone",
                    "directories": [{
                        "directory": "@@abcde\\Music\\Band",
                        "fileCount": 1,
                        "files": [{
                            "id": TRANSFER_ID,
                            "username": "someone",
                            "direction": "Download",
                            "filename": "@@abcde\\Music\\Band\\River Song.flac",
                            "size": 31_000_000,
                            "startOffset": 0,
                            "state": "Completed, Succeeded",
                            "stateDescription": "Completed, Succeeded",
                            "requestedAt": "2026-03-28T11:58:08.1234567",
                            "enqueuedAt": "2026-03-28T11:58:09",
                            "startedAt": "2026-03-28T11:58:10.5Z",
                            "endedAt": "2026-03-28T11:58:20Z",
                            "bytesTransferred": 31_000_000,
                            "averageSpeed": 3_100_000.5,
                            "bytesRemaining": 0,
                            "elapsedTime": "00:00:09.5000000",
                            "percentComplete": 100,
                            "remainingTime": "00:00:00",
                            "attempts": 1,
                        }],
                    }],
                },
                {
                    "username": "terse",
                    "directories": [{
                        "directory": "x",
                        // No username, size or timestamps beyond the request; a number as state.
                        "files": [{
                            "id": "2d1f6b3e-4c5d-4f7a-9b8c-1d2e3f4a5b6c",
                            "filename": "x\\River Song.ogg",
                            "state": 4098,
                            "placeInQueue": 7,
                            "requestedAt": "2026-03-28T11:58:08",
                            "exception": null,
                            "somethingNew": {"nested": true},
                        }],
                    }],
                },
                {"username": "nobody", "directories": null},
            ]),
        ),
        // An older slskd: the enqueue's 201 has no body.
        "/transfers/downloads/terse" if request.method == http::Method::POST => {
            empty_response(StatusCode::CREATED)
        }
        "/transfers/downloads/terse" => json_response(
            StatusCode::OK,
            &json!({
                "username": "terse",
                "directories": [{"directory": "x", "files": [
                    {"id": "3e2a7c4f-5d6e-4a8b-8c9d-2e3f4a5b6c7d", "filename": "x\\River Song.ogg", "state": "Queued, Locally"},
                    {"id": "4f3b8d5a-6e7f-4b9c-9d0e-3f4a5b6c7d8e", "filename": "x\\Other.ogg", "state": "Queued, Locally"},
                ]}],
            }),
        ),
        // A `failed` list as a tuple list would serialise.
        "/transfers/downloads/someone" => json_response(
            StatusCode::CREATED,
            &json!({"enqueued": [], "failed": [{"item1": "@@abcde\\a.flac", "item2": "File not shared"}]}),
        ),
        _ => empty_response(StatusCode::NOT_FOUND),
    }
}

#[tokio::test]
async fn answers_shaped_like_real_slskd_are_read() {
    let server = FakeServer::start(real_slskd).await;
    let slskd = client_with(format!("{}/api/v0", server.url()), client_settings());

    let state = slskd.server_state().await.unwrap();
    assert!(state.is_connected && state.is_logged_in && state.is_ready());
    assert_eq!(state.address.as_deref(), Some("vps.slsknet.org:2271"));

    let id = SoulseekSearchId::parse(SEARCH_ID).unwrap();
    let status = slskd.search_status(&id).await.unwrap().unwrap();
    assert_eq!(status.id, id, "read in any case");
    assert_eq!(
        status.state,
        SearchStateFlags::COMPLETED | SearchStateFlags::TIMED_OUT
    );
    assert!(status.is_complete, "derived from the state when absent");
    assert_eq!(
        (
            status.response_count,
            status.file_count,
            status.locked_file_count
        ),
        (2, 3, 0)
    );
    assert_eq!(
        status.started_at,
        Some(
            Utc.with_ymd_and_hms(2026, 3, 28, 11, 58, 8).unwrap()
                + chrono::Duration::nanoseconds(123_456_700)
        )
    );
    assert_eq!(status.ended_at, None);

    let responses = slskd.search_responses(&id).await.unwrap().unwrap();
    assert_eq!(responses.len(), 2);
    let someone = &responses[0];
    let flac = &someone.files[0];
    assert_eq!(flac.filename, r"@@abcde\Music\Band\River Song.flac");
    assert_eq!(
        (
            flac.bit_rate,
            flac.bit_depth,
            flac.sample_rate,
            flac.length_seconds
        ),
        (None, None, None, None)
    );
    assert_eq!(flac.extension, None, "an empty extension is none");
    assert_eq!(flac.is_variable_bit_rate, None);
    let mp3 = &someone.files[1];
    assert_eq!(mp3.extension.as_deref(), Some("MP3"));
    assert_eq!(
        (mp3.bit_rate, mp3.length_seconds, mp3.is_variable_bit_rate),
        (Some(320), Some(245), Some(false))
    );
    assert_eq!(someone.locked_files.len(), 1);
    assert!(someone.locked_files[0].is_locked);
    assert_eq!(someone.upload_speed, 1_234_567);
    let terse = &responses[1];
    assert_eq!(terse.files[0].size, 0);
    assert!(terse.locked_files.is_empty());
    assert!(!terse.has_free_upload_slot);

    let downloads = slskd.downloads().await.unwrap();
    assert_eq!(downloads.len(), 2);
    let done = &downloads[0];
    assert_eq!(done.id, TransferId(TRANSFER_ID.to_owned()));
    assert!(done.state.is_succeeded());
    assert_eq!(done.percent_complete, 100.0);
    assert_eq!(done.average_speed, 3_100_000.5);
    assert_eq!(
        done.requested_at.unwrap().to_rfc3339(),
        "2026-03-28T11:58:08.123456700+00:00"
    );
    assert_eq!(
        done.enqueued_at,
        Some(Utc.with_ymd_and_hms(2026, 3, 28, 11, 58, 9).unwrap())
    );
    assert_eq!(
        done.ended_at,
        Some(Utc.with_ymd_and_hms(2026, 3, 28, 11, 58, 20).unwrap())
    );
    let queued = &downloads[1];
    assert_eq!(queued.username, "terse", "taken from the user group");
    assert_eq!(queued.state, TransferStateFlags::QUEUED_REMOTELY);
    assert!(queued.state.is_waiting());
    assert_eq!(queued.place_in_queue, Some(7));
    assert_eq!((queued.size, queued.started_at), (0, None));

    // An enqueue answered without a body: the transfers are found by listing the user's.
    let outcome = slskd
        .enqueue_downloads(
            "terse",
            &[RequestedDownload {
                filename: r"x\River Song.ogg".to_owned(),
                size: 0,
            }],
        )
        .await
        .unwrap();
    assert_eq!(outcome.enqueued.len(), 1);
    assert_eq!(outcome.enqueued[0].filename, r"x\River Song.ogg");

    let outcome = slskd
        .enqueue_downloads(
            "someone",
            &[RequestedDownload {
                filename: r"@@abcde\a.flac".to_owned(),
                size: 1,
            }],
        )
        .await
        .unwrap();
    assert!(outcome.enqueued.is_empty());
    assert_eq!(
        (
            outcome.failed[0].filename.as_str(),
            outcome.failed[0].reason.as_str()
        ),
        (r"@@abcde\a.flac", "File not shared")
    );
}

/// Answers every call with `body` (status 200).
fn always(body: &'static str) -> impl Fn(&FakeRequest) -> FakeResponse {
    move |_| {
        soulspot_testkit::fake::text_response(StatusCode::OK, "application/json", body.to_owned())
    }
}

#[tokio::test]
async fn malformed_answers_are_typed_failures() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    let slskd = client(&running);
    running.server.faults().next(1, Fault::Malformed);
    let failure = slskd.downloads().await.unwrap_err();
    assert!(
        matches!(failure, UpstreamFailure::Malformed { .. }),
        "{failure}"
    );

    let id = SoulseekSearchId::parse(SEARCH_ID).unwrap();
    for body in [
        r#"{"not": "a list"}"#,
        r#"[{"username": "u", "directories": [{"files": [{"id": "", "filename": "f"}]}]}]"#,
        r#"[{"directories": [{"files": [{"id": "x", "filename": "f"}]}]}]"#,
        r#"[{"username": "u", "directories": [{"files": [{"id": "x", "filename": "f", "size": -1}]}]}]"#,
    ] {
        let server = FakeServer::start(always(body)).await;
        let slskd = client_with(server.url(), client_settings());
        let failure = slskd.downloads().await.unwrap_err();
        assert!(
            matches!(failure, UpstreamFailure::Malformed { .. }),
            "{body}: {failure}"
        );
    }
    for body in [
        r#"{"id": "not-a-uuid"}"#,
        r#"{"searchText": "no id"}"#,
        "[]",
    ] {
        let server = FakeServer::start(always(body)).await;
        let slskd = client_with(server.url(), client_settings());
        let failure = slskd.search_status(&id).await.unwrap_err();
        assert!(
            matches!(failure, UpstreamFailure::Malformed { .. }),
            "{body}: {failure}"
        );
    }
    let server = FakeServer::start(always(r#"{"enqueued": [], "failed": [42]}"#)).await;
    let slskd = client_with(server.url(), client_settings());
    let failure = slskd
        .enqueue_downloads(
            "u",
            &[RequestedDownload {
                filename: "f".to_owned(),
                size: 1,
            }],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(failure, UpstreamFailure::Malformed { .. }),
        "{failure}"
    );
}

#[test]
fn every_state_string_the_fake_produces_reads_back() {
    // Every single flag, every documented combination, and every pair of flags.
    let transfer_flags: Vec<TransferStates> = TransferStates::FLAGS
        .iter()
        .map(|(_, flag)| *flag)
        .collect();
    let mut transfer_states = vec![
        TransferStates::NONE,
        TransferStates::QUEUED_LOCALLY,
        TransferStates::QUEUED_REMOTELY,
        TransferStates::COMPLETED_SUCCEEDED,
        TransferStates::COMPLETED_CANCELLED,
        TransferStates::COMPLETED_TIMED_OUT,
        TransferStates::COMPLETED_ERRORED,
        TransferStates::COMPLETED_REJECTED,
        TransferStates::COMPLETED_ABORTED,
    ];
    for first in &transfer_flags {
        for second in &transfer_flags {
            transfer_states.push(*first | *second);
        }
    }
    for state in transfer_states {
        let text = state.name();
        let read = TransferStateFlags::parse(&text);
        assert_eq!(read.bits(), state.0, "{text}");
        assert_eq!(read.name(), text);
        assert!(TransferStateFlags::unrecognised_names(&text).is_empty());
        assert_eq!(read.is_terminal(), state.is_terminal(), "{text}");
    }
    let failures = [
        (
            TransferStates::COMPLETED_CANCELLED,
            TransferFailureKind::Cancelled,
        ),
        (
            TransferStates::COMPLETED_TIMED_OUT,
            TransferFailureKind::TimedOut,
        ),
        (
            TransferStates::COMPLETED_ERRORED,
            TransferFailureKind::Errored,
        ),
        (
            TransferStates::COMPLETED_REJECTED,
            TransferFailureKind::Rejected,
        ),
        (
            TransferStates::COMPLETED_ABORTED,
            TransferFailureKind::Aborted,
        ),
    ];
    for (state, kind) in failures {
        assert_eq!(
            TransferStateFlags::parse(&state.name()).failure(),
            Some(kind)
        );
    }

    let search_flags: Vec<SearchStates> =
        SearchStates::FLAGS.iter().map(|(_, flag)| *flag).collect();
    for first in &search_flags {
        for second in &search_flags {
            let state = *first | *second;
            let text = state.name();
            let read = SearchStateFlags::parse(&text);
            assert_eq!(read.bits(), state.0, "{text}");
            assert_eq!(read.name(), text);
            assert_eq!(read.is_complete(), state.is_complete(), "{text}");
        }
    }
}
