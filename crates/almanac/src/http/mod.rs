//! HTTP plumbing shared by every route: request ids and tracing, the body limit, timeouts, panics,
//! CORS, and a JSON body for every error response, whoever produced it.

pub mod error;
pub mod extract;
pub mod metrics;
pub mod pagination;
pub mod request_id;
pub mod session;

use std::any::Any;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::util::option_layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::HttpSettings;
use error::{BODY_LIMIT_BYTES, ErrorBody, default_detail};

/// Wraps the routes in the middleware every response passes through (innermost first).
pub fn with_middleware<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    settings: &HttpSettings,
) -> Router<S> {
    let request_id = HeaderName::from_static(request_id::HEADER);
    let router = router
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, settings.request_timeout))
        .layer(option_layer(
            settings.metrics_token.is_some().then(|| middleware::from_fn(metrics::track)),
        ))
        .layer(middleware::from_fn(fill_error_body))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(request_id::scope))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid));
    if settings.cors_origins.is_empty() {
        return router;
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(settings.cors_origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-csrf-token"),
                header::IF_MATCH,
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([
                header::LINK,
                header::RETRY_AFTER,
                header::ETAG,
                HeaderName::from_static("idempotent-replayed"),
            ])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}

/// Gives a JSON `{"detail": …}` body to error responses that were produced without one (axum's
/// 405, the timeout's 503, a 413 from the body limit) and, under `/api/`, to those axum's
/// extractors answer in plain text (a query string that does not parse, a path that is not
/// UTF-8), keeping their message: every API error has one JSON shape.
async fn fill_error_body(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let is_plain_text = content_type
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain"));
    if !is_error || (content_type.is_some() && !(is_api && is_plain_text)) {
        return response;
    }
    let (mut parts, original) = response.into_parts();
    let said = axum::body::to_bytes(original, EXTRACTOR_MESSAGE_LIMIT)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .filter(|text| status.is_client_error() && !text.trim().is_empty());
    let mut body = ErrorBody::new(said.unwrap_or_else(|| default_detail(status, &method)));
    if status.is_server_error() {
        body.request_id = request_id::current();
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let json = serde_json::to_vec(&body).unwrap_or_default();
    Response::from_parts(parts, Body::from(json))
}

/// The longest message of axum's own to keep; they are a line or two.
const EXTRACTOR_MESSAGE_LIMIT: usize = 4096;

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "handler panicked");
    let body = ErrorBody {
        request_id: request_id::current(),
        ..ErrorBody::new(default_detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &Method::GET,
        ))
    };
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    fn settings(request_timeout: Duration) -> HttpSettings {
        HttpSettings {
            bind: ([127, 0, 0, 1], 0).into(),
            cors_origins: Vec::new(),
            request_timeout,
            trusted_proxies: 0,
            cache_bytes: 0,
            metrics_token: None,
        }
    }

    async fn call(router: Router) -> (StatusCode, Option<String>, serde_json::Value) {
        let request = Request::get("/").body(Body::empty()).expect("request");
        let response = router.oneshot(request).await.expect("infallible");
        let status = response.status();
        let id = response
            .headers()
            .get(request_id::HEADER)
            .map(|v| v.to_str().expect("ascii").to_owned());
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            id,
            serde_json::from_slice(&bytes).expect("a JSON body"),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_outlives_the_timeout_is_a_503_with_json() {
        let slow = Router::new().route(
            "/",
            get(|| async { tokio::time::sleep(Duration::from_secs(60)).await }),
        );
        let (status, _, body) =
            call(with_middleware(slow, &settings(Duration::from_secs(1)))).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body["detail"],
            "The server could not answer in time; try again."
        );
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_that_quotes_the_request_id() {
        async fn broken() -> &'static str {
            panic!("secret internals")
        }
        let broken = Router::new().route("/", get(broken));
        let (status, id, body) =
            call(with_middleware(broken, &settings(Duration::from_secs(5)))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["detail"], "A server error occurred.");
        assert_eq!(body["request_id"].as_str(), id.as_deref());
        assert!(!body.to_string().contains("secret"));
    }
}
