//! Builds the outbound side of this process from the configuration: the one pooled HTTP client,
//! and for each upstream service its policy (registered with the health registry, which holds its
//! circuit breaker), its client and the cache decorator in front of it. Built once; the job
//! handlers that use them receive them from here. The Spotify library client is built per
//! connected user once the application's session (stored tokens, refresh) exists; the policy of
//! `spotify-api` is configured here already.

use std::time::Duration;

use anyhow::Context;
use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, RateLimitSettings, RetrySettings, Upstream, UpstreamSettings,
};
use soulspot_infrastructure::upstreams::cache::CacheSettings;
use soulspot_infrastructure::upstreams::coverart::CoverArtClient;
use soulspot_infrastructure::upstreams::decorators::{
    CachedCoverArt, CachedLyrics, CachedMusicBrainz,
};
use soulspot_infrastructure::upstreams::lrclib::LrclibClient;
use soulspot_infrastructure::upstreams::musicbrainz::{MusicBrainzClient, musicbrainz_user_agent};
use soulspot_infrastructure::upstreams::slskd::{SlskdClient, SlskdSettings};
use soulspot_infrastructure::upstreams::spotify::SpotifyAccountsClient;

use soulspot_domain::redact::redact_url;

use crate::config::{Config, UpstreamConfig};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The upstream clients of this process, cache first.
#[derive(Debug)]
#[expect(
    dead_code,
    reason = "the enrichment job kinds of later issues take these; built now so that start-up \
              validates the configuration and health lists every upstream"
)]
pub struct Upstreams {
    pub musicbrainz: CachedMusicBrainz<MusicBrainzClient>,
    pub cover_art: CachedCoverArt<CoverArtClient>,
    pub lyrics: CachedLyrics<LrclibClient>,
    /// `None` until `spotify.client_id` is set.
    pub spotify_accounts: Option<SpotifyAccountsClient>,
    pub soulseek: SlskdClient,
}

pub fn build(config: &Config, health: &HealthRegistry) -> anyhow::Result<Upstreams> {
    warn_of_plain_http(config);
    let http = &config.http;
    let client = HttpClient::new(&HttpClientSettings {
        connect_timeout: Duration::from_secs(http.connect_timeout_secs),
        pool_idle_timeout: Duration::from_secs(http.pool_idle_timeout_secs),
        pool_max_idle_per_host: http.pool_max_idle_per_host,
    })?;
    // Services without a contact of their own still say who is calling.
    let generic_agent = format!("SoulSpot/{VERSION} ( self-hosted )");
    let upstreams = &config.upstreams;

    let musicbrainz = match musicbrainz_user_agent(VERSION, Some(&config.musicbrainz.contact)) {
        Some(agent) => MusicBrainzClient::new(policy(
            &client,
            health,
            "musicbrainz",
            &upstreams.musicbrainz,
            agent,
        )?),
        None => {
            tracing::warn!(
                "MusicBrainz lookups are off: set musicbrainz.contact (an email address or URL) \
                 so MusicBrainz knows who is calling"
            );
            MusicBrainzClient::unconfigured()
        }
    };
    let cover_art = CoverArtClient::new(policy(
        &client,
        health,
        "coverartarchive",
        &upstreams.coverartarchive,
        generic_agent.clone(),
    )?);
    let lyrics = LrclibClient::new(policy(
        &client,
        health,
        "lrclib",
        &upstreams.lrclib,
        generic_agent.clone(),
    )?);
    let client_id = config.spotify.client_id.trim();
    let spotify_accounts = if client_id.is_empty() {
        tracing::info!("Spotify is off: set spotify.client_id to your app's Client ID");
        None
    } else {
        Some(SpotifyAccountsClient::new(
            policy(
                &client,
                health,
                "spotify-accounts",
                &upstreams.spotify_accounts,
                generic_agent.clone(),
            )?,
            client_id,
        ))
    };
    let slskd = &config.slskd;
    let mut slskd_settings = SlskdSettings::new(slskd.api_key.trim());
    if let Some(budget) = RateLimitSettings::at_most(
        slskd.searches_per_window,
        Duration::from_secs(slskd.search_window_secs),
    ) {
        slskd_settings.search_budget = budget;
    }
    let soulseek = SlskdClient::new(
        policy(&client, health, "slskd", &upstreams.slskd, generic_agent)?,
        slskd_settings,
    );
    Ok(Upstreams {
        musicbrainz: CachedMusicBrainz::new(musicbrainz, cache(&upstreams.musicbrainz)),
        cover_art: CachedCoverArt::new(cover_art, cache(&upstreams.coverartarchive)),
        lyrics: CachedLyrics::new(lyrics, cache(&upstreams.lrclib)),
        spotify_accounts,
        soulseek,
    })
}

fn policy(
    client: &HttpClient,
    health: &HealthRegistry,
    name: &str,
    config: &UpstreamConfig,
    user_agent: String,
) -> anyhow::Result<Upstream> {
    let mut settings = UpstreamSettings::new(name, &config.base_url, user_agent);
    settings.request_timeout = Duration::from_secs(config.timeout_secs);
    settings.rate_limit = RateLimitSettings::per_second(config.rate_per_second, config.burst);
    settings.max_concurrency = config.max_concurrency;
    settings.max_body_bytes = config.max_response_bytes;
    settings.retry = RetrySettings {
        max_retries: config.max_retries,
        base_delay: Duration::from_millis(config.retry_base_ms),
        max_delay: Duration::from_secs(config.retry_max_secs),
        max_wait: Duration::from_secs(config.max_wait_secs),
    };
    let handle = health.register_upstream(
        name,
        false,
        BreakerSettings {
            failure_threshold: config.breaker_failures,
            cool_down: Duration::from_secs(config.breaker_cool_down_secs),
            half_open_probes: 1,
        },
    );
    Upstream::new(client.clone(), settings, handle).with_context(|| format!("upstreams.{name}"))
}

/// One warning per upstream reached over plain `http://` on another machine: its answers (and
/// the credentials sent to it) cross the network unprotected. Loopback is fine (slskd's default).
fn warn_of_plain_http(config: &Config) {
    for (name, upstream) in config.upstreams.named() {
        let Ok(url) = url::Url::parse(&upstream.base_url) else {
            continue;
        };
        let is_loopback = match url.host() {
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if url.scheme() == "http" && !is_loopback {
            tracing::warn!(
                upstream = name,
                base_url = %redact_url(&upstream.base_url),
                "upstream reached over plain http on another machine: its answers and any key \
                 sent to it can be read and changed on the way; prefer https"
            );
        }
    }
}

fn cache(config: &UpstreamConfig) -> CacheSettings {
    CacheSettings::new(
        config.cache_capacity,
        Duration::from_secs(config.cache_ttl_secs),
        Duration::from_secs(config.not_found_ttl_secs),
    )
    .with_max_bytes(config.cache_max_bytes)
}
