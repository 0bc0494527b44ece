//! The request id of the request being handled, readable from anywhere in its task, so that a 500
//! body can quote the id under which the error was logged.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header carrying the id, set by `SetRequestIdLayer` (or by a proxy in front of us).
pub const HEADER: &str = "x-request-id";

pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Middleware: makes the request's id available to [`current`] while it is handled.
pub async fn scope(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    REQUEST_ID.scope(id, next.run(request)).await
}
