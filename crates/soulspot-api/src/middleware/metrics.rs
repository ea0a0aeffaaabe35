//! `MetricsEndpoint`: the process-wide Prometheus recorder behind the `metrics` facade, and the
//! `/metrics` handler that renders it.
//!
//! Everything in the process records through the facade (`metrics::counter!` and friends); this
//! module installs the recorder that collects those values and renders them in Prometheus' text
//! format. There is no listener of its own: the API serves the text on a route the composition
//! root chooses. Values that are read rather than recorded (resident memory, database pool
//! sizes) are refreshed just before each render, by collectors.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use actix_web::{HttpResponse, web};
use metrics::Unit;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use super::observe::{HTTP_REQUEST_DURATION_SECONDS, HTTP_REQUESTS_TOTAL};

/// Gauge of the process' resident set size, in bytes, refreshed on every render.
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";

/// Content type of Prometheus' text exposition format.
pub const PROMETHEUS_TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds, in seconds, of the request duration buckets: from half a millisecond (a
/// cached read) to ten seconds (past any sane API timeout).
const REQUEST_DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The handle of the recorder this module installed. The `metrics` facade allows one global
/// recorder per process, so the handle to it is process-wide too; a second `install` (several
/// tests in one process, say) gets the same recorder instead of an error.
static INSTALLED: OnceLock<PrometheusHandle> = OnceLock::new();
/// Makes "check, then install" atomic, so two threads cannot both try to install.
static INSTALLING: Mutex<()> = Mutex::new(());

/// Why the recorder could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("could not install the Prometheus metrics recorder")]
pub struct InstallMetricsError(#[source] BuildError);

/// A callback that refreshes read-on-demand values (gauges) before a render.
type Collector = Arc<dyn Fn() + Send + Sync>;

/// Renders everything recorded through the `metrics` facade as Prometheus text.
#[derive(Clone)]
pub struct MetricsEndpoint {
    handle: PrometheusHandle,
    collectors: Vec<Collector>,
}

impl fmt::Debug for MetricsEndpoint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MetricsEndpoint")
            .field("collectors", &self.collectors.len())
            .finish_non_exhaustive()
    }
}

impl MetricsEndpoint {
    /// Installs the Prometheus recorder as the process' global `metrics` recorder, or returns an
    /// endpoint over the one an earlier call installed. Each returned endpoint starts with no
    /// collectors.
    ///
    /// Fails when another recorder was installed globally by other code.
    pub fn install() -> Result<Self, InstallMetricsError> {
        let handle = match INSTALLED.get() {
            Some(handle) => handle.clone(),
            None => {
                let _installing = INSTALLING.lock().unwrap_or_else(PoisonError::into_inner);
                match INSTALLED.get() {
                    Some(handle) => handle.clone(),
                    None => {
                        let handle = PrometheusBuilder::new()
                            .set_buckets_for_metric(
                                Matcher::Full(HTTP_REQUEST_DURATION_SECONDS.to_owned()),
                                REQUEST_DURATION_BUCKETS,
                            )
                            .map_err(InstallMetricsError)?
                            .install_recorder()
                            .map_err(InstallMetricsError)?;
                        describe_metrics();
                        INSTALLED.get_or_init(|| handle).clone()
                    }
                }
            }
        };
        Ok(Self {
            handle,
            collectors: Vec::new(),
        })
    }

    /// Adds a callback that runs before every render, to set gauges from values that are read
    /// rather than recorded as they change (for example the database pool's size).
    #[must_use]
    pub fn with_collector(mut self, collector: impl Fn() + Send + Sync + 'static) -> Self {
        self.collectors.push(Arc::new(collector));
        self
    }

    /// Refreshes the resident memory gauge, runs the collectors, and renders every metric in
    /// Prometheus' text format.
    pub fn render(&self) -> String {
        if let Some(bytes) = resident_memory_bytes() {
            metrics::gauge!(PROCESS_RESIDENT_MEMORY_BYTES).set(bytes as f64);
        }
        for collector in &self.collectors {
            collector();
        }
        self.handle.render()
    }

    /// Drains recorded histogram samples into their buckets. Rendering does this too; call it
    /// periodically (every few seconds) when scrapes may be rare, so samples do not pile up in
    /// memory between them.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// Answers a Prometheus scrape.
pub async fn metrics_handler(endpoint: web::Data<MetricsEndpoint>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(PROMETHEUS_TEXT_CONTENT_TYPE)
        .body(endpoint.render())
}

/// `# HELP` lines for the metrics this crate records.
fn describe_metrics() {
    metrics::describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "HTTP requests answered, by method, route pattern and status."
    );
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time until the response head was ready, by method and route pattern."
    );
    metrics::describe_gauge!(
        PROCESS_RESIDENT_MEMORY_BYTES,
        Unit::Bytes,
        "Resident set size of the process."
    );
}

/// The process' resident set size: `VmRSS` from `/proc/self/status`, else the resident page
/// count from `/proc/self/statm`. `None` where neither exists (not Linux).
fn resident_memory_bytes() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| vm_rss_bytes(&status))
        .or_else(|| {
            std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|statm| statm_resident_bytes(&statm))
        })
}

/// Parses the `VmRSS:   12345 kB` line of `/proc/<pid>/status`.
fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?;
    let mut parts = line.split_whitespace();
    let kibibytes: u64 = parts.next()?.parse().ok()?;
    (parts.next()? == "kB").then(|| kibibytes.saturating_mul(1024))
}

/// Parses `/proc/<pid>/statm`, whose second field is the resident size in pages. The page size
/// is assumed to be 4 KiB: reading the real one needs `sysconf`, which needs `unsafe`, and this
/// is only the fallback for kernels without `VmRSS`.
fn statm_resident_bytes(statm: &str) -> Option<u64> {
    const ASSUMED_PAGE_SIZE: u64 = 4096;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages.saturating_mul(ASSUMED_PAGE_SIZE))
}

/// Sets the health gauges of every registered worker and upstream: `soulspot_component_up`
/// (1 unless down or stopped), `soulspot_component_consecutive_failures` and, for upstreams,
/// `soulspot_circuit_breaker_state` (0 closed, 1 half-open, 2 open).
pub fn export_health(registry: &soulspot_application::health::HealthRegistry) {
    use soulspot_application::breaker::BreakerState;
    use soulspot_application::health::ComponentState;
    for component in registry.snapshot() {
        let labels = [
            ("kind", component.kind.as_str().to_owned()),
            ("name", component.name.clone()),
        ];
        let up = !matches!(
            component.state,
            ComponentState::Down | ComponentState::Stopped
        );
        metrics::gauge!("soulspot_component_up", &labels).set(if up { 1.0 } else { 0.0 });
        metrics::gauge!("soulspot_component_consecutive_failures", &labels)
            .set(f64::from(component.consecutive_failures));
        if let Some(state) = component.breaker {
            let value = match state {
                BreakerState::Closed => 0.0,
                BreakerState::HalfOpen => 1.0,
                BreakerState::Open => 2.0,
            };
            metrics::gauge!("soulspot_circuit_breaker_state", &labels).set(value);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use actix_web::App;
    use actix_web::http::header::CONTENT_TYPE;
    use actix_web::test as actix_test;

    use super::*;

    /// The value of the first sample of `name` (with any labels) in rendered text.
    fn sample(rendered: &str, name: &str) -> Option<f64> {
        rendered
            .lines()
            .filter(|line| !line.starts_with('#'))
            .find(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
            })
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|value| value.parse().ok())
    }

    #[test]
    fn install_twice_gives_the_same_recorder() {
        let first = MetricsEndpoint::install().unwrap();
        let second = MetricsEndpoint::install().unwrap();
        metrics::counter!("soulspot_test_install_twice_total").increment(2);
        assert_eq!(
            sample(&first.render(), "soulspot_test_install_twice_total"),
            Some(2.0)
        );
        assert_eq!(
            sample(&second.render(), "soulspot_test_install_twice_total"),
            Some(2.0)
        );
    }

    #[test]
    fn render_reports_resident_memory_and_facade_counters() {
        let endpoint = MetricsEndpoint::install().unwrap();
        metrics::counter!("soulspot_test_rendered_total", "kind" => "facade").increment(3);

        let rendered = endpoint.render();
        let resident = sample(&rendered, PROCESS_RESIDENT_MEMORY_BYTES).unwrap();
        assert!(resident > 0.0, "{rendered}");
        assert!(
            rendered.contains(r#"soulspot_test_rendered_total{kind="facade"} 3"#),
            "{rendered}"
        );
        assert!(
            rendered.contains("# HELP process_resident_memory_bytes"),
            "{rendered}"
        );
    }

    #[test]
    fn request_durations_are_bucketed() {
        let endpoint = MetricsEndpoint::install().unwrap();
        metrics::histogram!(HTTP_REQUEST_DURATION_SECONDS, "route" => "/bucket-test").record(0.003);

        let rendered = endpoint.render();
        for expected in [
            r#"http_request_duration_seconds_bucket{route="/bucket-test",le="0.0025"} 0"#,
            r#"http_request_duration_seconds_bucket{route="/bucket-test",le="0.005"} 1"#,
            r#"http_request_duration_seconds_bucket{route="/bucket-test",le="+Inf"} 1"#,
        ] {
            assert!(
                rendered.contains(expected),
                "missing {expected} in\n{rendered}"
            );
        }
    }

    #[test]
    fn collectors_run_before_every_render() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let endpoint = MetricsEndpoint::install().unwrap().with_collector(move || {
            let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
            metrics::gauge!("soulspot_test_collector_runs").set(run as f64);
        });

        assert_eq!(
            sample(&endpoint.render(), "soulspot_test_collector_runs"),
            Some(1.0)
        );
        assert_eq!(
            sample(&endpoint.render(), "soulspot_test_collector_runs"),
            Some(2.0)
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[actix_web::test]
    async fn the_handler_serves_prometheus_text() {
        let endpoint = MetricsEndpoint::install().unwrap();
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(endpoint))
                .route("/metrics", web::get().to(metrics_handler)),
        )
        .await;
        let response = actix_test::call_service(
            &app,
            actix_test::TestRequest::get().uri("/metrics").to_request(),
        )
        .await;
        assert!(response.status().is_success());
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let body = actix_test::read_body(response).await;
        let text = std::str::from_utf8(&body).unwrap();
        assert!(
            sample(text, PROCESS_RESIDENT_MEMORY_BYTES).unwrap() > 0.0,
            "{text}"
        );
    }

    #[test]
    fn resident_memory_is_parsed_from_proc_files() {
        let status = "Name:\tsoulspot\nVmHWM:\t  20000 kB\nVmRSS:\t   12345 kB\nThreads:\t4\n";
        assert_eq!(vm_rss_bytes(status), Some(12345 * 1024));
        assert_eq!(vm_rss_bytes("Name:\tkernel-thread\n"), None);
        assert_eq!(vm_rss_bytes("VmRSS:\t12 MB\n"), None);
        assert_eq!(
            statm_resident_bytes("5000 300 200 10 0 400 0\n"),
            Some(300 * 4096)
        );
        assert_eq!(statm_resident_bytes(""), None);
    }
}
