//! Errors of the HTML pages: a page for the person, never a stack trace. A 500 is logged with its
//! request id, which the page quotes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::request_id;
use crate::storage::StorageError;

use super::templates::render_or_text;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("the form was not sent from this site, or has expired")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("the database is unavailable")]
    Unavailable,
    #[error("the form is larger than the request-body limit")]
    PayloadTooLarge,
    #[error(transparent)]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl PageError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        PageError::Internal(error.into())
    }
}

impl From<StorageError> for PageError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => PageError::NotFound,
            StorageError::Unavailable(error) => {
                tracing::warn!(%error, "database unavailable");
                PageError::Unavailable
            }
            other => PageError::internal(other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here. It may have been deleted, or the address is mistyped."
                    .to_owned(),
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Please try again",
                "The form had expired or did not come from this site. Reload the page and send \
                 it again."
                    .to_owned(),
            ),
            PageError::BadRequest(reason) => {
                (StatusCode::BAD_REQUEST, "Bad request", reason.clone())
            }
            PageError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much to send",
                "The form was larger than Almanac accepts (1 MiB). Shorten what you typed and send \
                 it again."
                    .to_owned(),
            ),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Almanac is unavailable",
                "Almanac cannot reach its database just now. Try again in a few seconds."
                    .to_owned(),
            ),
            PageError::Internal(error) => {
                tracing::error!(error = %error, debug = ?error, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Almanac could not show this page. Try again in a moment.".to_owned(),
                )
            }
        };
        let request_id = status.is_server_error().then(request_id::current).flatten();
        let page = render_or_text(
            "pages/error.html",
            json!({"title": title, "message": message, "request_id": request_id}),
            title,
        );
        (status, page).into_response()
    }
}
