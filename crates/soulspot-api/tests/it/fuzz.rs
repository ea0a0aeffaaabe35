//! Property-based fuzzing of every documented route with malformed input: odd path ids, odd query
//! strings, forged cursors, search operators, malformed and oversized bodies, wrong content types.
//! No request may cause a 5xx, every error must be a problem, and the database must not change.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRng, TestRunner};
use soulspot_domain::ports::{
    QualityProfileRepository, SecretRepository, SettingsRepository, StatsRepository,
};
use soulspot_infrastructure::Database;
use soulspot_testkit::TestDatabase;

use crate::{KEY, call, seed};

/// Every byte outside the unreserved set, percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

const NASTY: &[&str] = &[
    "",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "abc",
    "\"",
    "'",
    "' OR 1=1 --",
    "NEAR(a b)",
    "a*",
    "-",
    "^x",
    "title:x",
    "(",
    ")",
    "{\"a\":1}",
    "%",
    "\u{0}",
    "\u{200b}",
    "🎵",
    "..",
    "../..",
    "bnVsbA",
    "dHJhY2tzOi0x",
    "YWxidW1zOjE",
    "dHJhY2tzOjE4NDQ2NzQ0MDczNzA5NTUxNjE2",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NASTY).prop_map(str::to_owned),
        any::<String>(),
        "[a-z0-9*:()\"'^ -]{0,40}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = proptest::sample::select(vec![
        "limit",
        "cursor",
        "q",
        "album_id",
        "artist_id",
        "has_file",
        "isrc",
        "sort",
        "",
        "limit[]",
    ]);
    proptest::collection::vec((key, text()), 0..4).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(key, value)| format!("{key}={}", encode(&value)))
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Bytes(Vec<u8>),
    Json(String),
    Huge,
}

fn body() -> impl Strategy<Value = (Body, Option<&'static str>)> {
    let content_type = proptest::sample::select(vec![
        Some("application/json"),
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
        None,
    ]);
    let body = prop_oneof![
        Just(Body::None),
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(Body::Bytes),
        proptest::sample::select(vec![
            "{",
            "[",
            "null",
            "[]",
            "\"x\"",
            "{\"downloads\": 5}",
            "{\"name\": null}",
            "{\"secret\": 5}",
            "{\"formats\": \"flac\"}",
            "{\"a\":",
            "{\"downloads\":{\"max_concurrent\":-1}}",
            "{\"name\":\"x\",\"formats\":[\"flac\"],\"duration_tolerance_ms\":-5}",
            "{\"secret\":\"x\",\"extra\":1}",
        ])
        .prop_map(|json| Body::Json(json.to_owned())),
        Just(Body::Json(format!(
            "{}{}",
            "[".repeat(5_000),
            "]".repeat(5_000)
        ))),
        Just(Body::Huge),
    ];
    (body, content_type)
}

#[derive(Debug, Clone)]
struct Case {
    operation: usize,
    path_value: String,
    query: String,
    body: (Body, Option<&'static str>),
}

/// What a request could change: stats, settings, secrets and profiles.
async fn fingerprint(database: &Database) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?}",
        database.library_stats().await.unwrap(),
        database.all_settings().await.unwrap(),
        database.secret("credential.slskd").await.unwrap(),
        database.secret("credential.spotify").await.unwrap(),
        database.list_profiles().await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_never_fail_the_server_nor_change_data() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    seed(&test.database, 48, 24).await;
    let app = crate::app!(&test.database, &keys);
    let document = serde_json::to_value(soulspot_api::openapi::document()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    let before = fingerprint(&test.database).await;

    let strategy = (0..operations.len(), text(), query(), body()).prop_map(
        |(operation, path_value, query, body)| Case {
            operation,
            path_value,
            query,
            body,
        },
    );
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(Config::default().rng_algorithm),
    );
    let cases = 600;
    for _ in 0..cases {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let (method, path) = &operations[case.operation];
        let value = encode(&case.path_value);
        let mut uri = path.replace("{id}", &value).replace("{provider}", &value);
        if uri.contains("//") || value.is_empty() {
            uri = path.replace("{id}", "x").replace("{provider}", "x");
        }
        if !case.query.is_empty() {
            uri = format!("{uri}?{}", case.query);
        }
        let mut request = TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri)
            .insert_header(("x-api-key", KEY));
        if let Some(content_type) = case.body.1 {
            request = request.insert_header(("content-type", content_type));
        }
        request = match &case.body.0 {
            Body::None => request,
            Body::Bytes(bytes) => request.set_payload(bytes.clone()),
            Body::Json(json) => request.set_payload(json.clone()),
            Body::Huge => request.set_payload(vec![b'['; crate::MAX_BODY * 4]),
        };
        let reply = call(&app, request.to_request()).await;
        assert!(reply.status < 500, "{method} {uri} {case:?} → {reply:?}");
        if reply.status >= 400 {
            assert_eq!(
                reply.content_type(),
                "application/problem+json",
                "{method} {uri} → {reply:?}"
            );
            let problem = reply.json();
            assert!(problem["code"].is_string() && problem["status"] == reply.status);
        }
    }
    assert_eq!(
        fingerprint(&test.database).await,
        before,
        "a malformed request changed data"
    );
}
