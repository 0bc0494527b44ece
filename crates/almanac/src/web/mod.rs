//! The web UI: server-rendered pages (templates in `web/templates`) whose small scripts talk to
//! `/api/v1`, the static files they need, and the security headers every response carries.

mod assets;
mod error;
mod form;
mod pages;
mod templates;
mod visitor;

pub use error::PageError;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};

use crate::app::AppState;
use pages::{admin, auth, events};

/// Scripts only from this site (no inline script anywhere). FullCalendar injects its styles at run
/// time, with its icon font as a data: URL, hence inline styles and data: fonts.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(events::list_page))
        .route("/events/new/", get(events::new_page))
        .route("/events/calendar/", get(events::calendar_page))
        .route("/events/{id}/", get(events::detail_page))
        .route("/events/{id}/edit/", get(events::edit_page))
        .route("/login/", get(auth::login_page).post(auth::login))
        .route("/register/", get(auth::register_page).post(auth::register))
        .route("/logout/", post(auth::logout))
        .route("/admin/", get(admin::admin_page))
        .route("/admin/users/{id}/", post(admin::user_action))
        .route("/static/{*path}", get(assets::serve_asset))
}

/// What an unknown address answers: JSON under `/api/`, a page elsewhere.
pub async fn not_found(request: Request) -> Response {
    use axum::response::IntoResponse;
    if request.uri().path().starts_with("/api/") {
        crate::http::error::ApiError::NotFound.into_response()
    } else {
        error::PageError::NotFound.into_response()
    }
}

/// Adds the security headers to every response that does not set its own.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
