//! Prometheus metrics at `/metrics`: requests by route and status with their latency, the job
//! queue's depth, generation latency and failures, cache hits and misses, database connections.
//! Off unless a token is set (`ALMANAC_METRICS_TOKEN`), and then only for requests that carry it,
//! so that the public listener does not publish them.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::error::ApiError;
use super::session::tokens_match;
use crate::app::AppState;
use crate::config::SecretKey;

/// Latency buckets, in seconds: from a cached answer to a request timing out.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often the samples recorded into histograms are folded into their buckets. The recorder
/// keeps every sample until then (8 bytes each, a million in a minute of load), so without this
/// a server nobody scrapes grows without bound.
pub const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's recorder, installed once: metrics are process-wide, whatever the number of apps.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Only empty buckets are refused, and these are not: without them, latencies would be
        // summaries, which cannot be aggregated across processes.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will be empty");
        }
        let upkeep = handle.clone();
        // A thread rather than a task: the recorder outlives any one runtime (tests build many).
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "no metrics upkeep thread; histograms are drained only by scrapes");
        }
        handle
    })
}

/// Installs the recorder, so that what is counted before the first scrape is kept. Only for a
/// server that publishes its metrics: without a recorder, counting costs nothing.
pub fn install() {
    handle();
}

/// Counts each request by method, route (the path pattern, so ids do not make new series) and
/// status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("almanac_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("almanac_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: the text exposition format, for a request carrying the metrics token.
pub async fn serve(
    state: &AppState,
    token: Option<&SecretKey>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let Some(token) = token else {
        return Err(ApiError::NotFound);
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = std::str::from_utf8(token.expose()).unwrap_or_default();
    if !tokens_match(sent, expected) {
        return Err(ApiError::AuthenticationFailed {
            detail: "The metrics token is missing or wrong.",
            code: "metrics_token_not_valid",
        });
    }
    record_gauges(state).await;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response())
}

/// What is read at scrape time rather than counted as it happens.
async fn record_gauges(state: &AppState) {
    let pool = state.db.pool_use();
    metrics::gauge!("almanac_db_connections", "state" => "idle").set(pool.idle as f64);
    metrics::gauge!("almanac_db_connections", "state" => "in_use").set(pool.in_use as f64);
    match state.jobs.waiting().await {
        Ok(waiting) => metrics::gauge!("almanac_jobs_waiting").set(waiting as f64),
        Err(error) => tracing::debug!(%error, "metrics: job queue depth unknown"),
    }
}
