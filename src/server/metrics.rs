//! Prometheus metrics for the operator: request counts and durations by route
//! template and status, and service-wide gauges. Nothing personal: no user name,
//! document id or address ever becomes a label.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::api::AdminStatus;

type Labels = Vec<(String, String)>;

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    durations: Family<Labels, Histogram, fn() -> Histogram>,
    citizens: Gauge,
    mediators: Gauge,
    documents: Gauge,
    stored_bytes: Gauge,
    active_grants: Gauge,
    journal_entries: Gauge,
    last_backup: Gauge,
    login_failures: Family<Labels, Counter>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("coffre");
        let requests = Family::<Labels, Counter>::default();
        let durations =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to produce a response, by route",
            durations.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let login_failures = Family::<Labels, Counter>::default();
        registry.register(
            "login_failures",
            "Refused logins: wrong passphrase, or too many attempts",
            login_failures.clone(),
        );
        Metrics {
            login_failures,
            citizens: gauge(&mut registry, "citizens", "Citizen accounts"),
            mediators: gauge(&mut registry, "mediators", "Mediator accounts"),
            documents: gauge(&mut registry, "documents", "Documents stored"),
            stored_bytes: gauge(&mut registry, "stored_bytes", "Ciphertext bytes stored"),
            active_grants: gauge(&mut registry, "active_grants", "Grants in force"),
            journal_entries: gauge(&mut registry, "journal_entries", "Entries in the journal"),
            last_backup: gauge(
                &mut registry,
                "last_backup_timestamp_seconds",
                "When the last backup was sent whole (Unix time; 0: never)",
            ),
            registry,
            requests,
            durations,
        }
    }

    /// Counts one response.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = vec![
            ("method".to_owned(), method.to_owned()),
            ("route".to_owned(), route.to_owned()),
            ("status".to_owned(), status.to_string()),
        ];
        self.requests.get_or_create(&labels).inc();
        let route_only = vec![("route".to_owned(), route.to_owned())];
        self.durations.get_or_create(&route_only).observe(seconds);
    }

    /// Counts a refused login (`bad_credentials` or `too_many_attempts`).
    pub fn login_failed(&self, reason: &'static str) {
        let labels = vec![("reason".to_owned(), reason.to_owned())];
        self.login_failures.get_or_create(&labels).inc();
    }

    /// The text exposition, with gauges refreshed from `status`.
    pub fn render(
        &self,
        status: &AdminStatus,
        journal_entries: u64,
        last_backup_ms: Option<i64>,
    ) -> String {
        let set = |g: &Gauge, v: u64| {
            g.set(i64::try_from(v).unwrap_or(i64::MAX));
        };
        set(&self.citizens, status.citizens);
        set(&self.mediators, status.mediators);
        set(&self.documents, status.documents);
        set(&self.stored_bytes, status.stored_bytes);
        set(&self.active_grants, status.active_grants);
        set(&self.journal_entries, journal_entries);
        self.last_backup
            .set(last_backup_ms.map_or(0, |ms| ms / 1000));
        let mut out = String::new();
        let _ = encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
