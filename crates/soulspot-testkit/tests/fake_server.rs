//! The fake servers' common part: requests reach the fake and are recorded, connections are
//! counted and reused, scripted faults apply in order and by path, and a server goes down
//! (connections refused) and comes up again on the same port.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use http::StatusCode;
use soulspot_testkit::fake::{FakeRequest, FakeServer, Fault, json_response};

fn echo(request: &FakeRequest) -> soulspot_testkit::fake::FakeResponse {
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "method": request.method.as_str(),
            "path": request.path,
            "q": request.query("q"),
            "body": String::from_utf8_lossy(&request.body),
        }),
    )
}

#[tokio::test]
async fn requests_reach_the_fake_over_one_kept_alive_connection() {
    let server = FakeServer::start(echo).await;
    let client = common::client();
    for index in 0..5 {
        let url = format!("{}/a%20b/c?q=x+y&n={index}", server.url());
        let answer = common::send_with(&client, "POST", &url, &[("user-agent", "t/1")], "hi").await;
        assert_eq!(answer.status, 200);
        let body = answer.json();
        assert_eq!(body["path"], "/a b/c");
        assert_eq!(body["q"], "x y");
        assert_eq!(body["body"], "hi");
    }
    assert_eq!(server.connections_accepted(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    assert_eq!(requests[0].header("user-agent"), Some("t/1"));
    assert_eq!(requests[4].query, "q=x+y&n=4");
}

#[tokio::test]
async fn scripted_faults_apply_in_order_and_by_path() {
    let server = FakeServer::start(echo).await;
    server
        .faults()
        .next_under("/limited", 1, Fault::retry_after(429, "7"));
    server.faults().next(1, Fault::status(503));
    server.faults().next(1, Fault::Malformed);
    // The first request is not under /limited: the 503 answers it.
    assert_eq!(
        common::get(&format!("{}/x", server.url()), &[])
            .await
            .status,
        503
    );
    let limited = common::get(&format!("{}/limited/1", server.url()), &[]).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    let malformed = common::get(&format!("{}/x", server.url()), &[]).await;
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&malformed.body).is_err());
    assert_eq!(
        common::get(&format!("{}/x", server.url()), &[])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_dropped_connection_is_an_error_for_the_client() {
    let server = FakeServer::start(echo).await;
    server.faults().next(1, Fault::Disconnect);
    let request = http::Request::get(format!("{}/x", server.url()))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    assert!(common::client().request(request).await.is_err());
    assert_eq!(
        common::get(&format!("{}/x", server.url()), &[])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_server_goes_down_and_comes_up_on_the_same_port() {
    let server = FakeServer::start(echo).await;
    let url = format!("{}/x", server.url());
    assert_eq!(common::get(&url, &[]).await.status, 200);
    server.go_down();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(server.address())
            .await
            .is_err()
    );
    server.come_up().await;
    assert_eq!(common::get(&url, &[]).await.status, 200);
}
