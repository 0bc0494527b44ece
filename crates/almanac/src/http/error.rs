//! The one place where errors become HTTP responses, in the JSON shapes DRF and simplejwt use:
//! `{"field": ["…"]}` for validation, `{"detail": "…", "code": "…"}` for everything else. A 500
//! is logged with its request id and answered with a body that leaks nothing but that id.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::AccountError;
use crate::events::EventError;
use crate::storage::StorageError;
use crate::validation::FieldErrors;

/// When a client may try again after a 503: a database or queue outage is usually a restart.
const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(5);

use super::request_id;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication credentials were not provided")]
    NotAuthenticated,
    #[error("{detail}")]
    AuthenticationFailed {
        detail: &'static str,
        code: &'static str,
    },
    #[error("CSRF token missing or incorrect")]
    CsrfFailed,
    #[error("not found")]
    NotFound,
    /// `If-Match` names another version than the current one.
    #[error("precondition failed: the current version is {current}")]
    PreconditionFailed { current: i64 },
    #[error("method {0} not allowed")]
    MethodNotAllowed(Method),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported media type {0:?}")]
    UnsupportedMediaType(String),
    /// A well-formed request that cannot be carried out as sent.
    #[error("{0}")]
    Unprocessable(&'static str),
    #[error("throttled for {0:?}")]
    Throttled(Duration),
    #[error("service unavailable: {0}")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// The body of every error that is not a validation error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub detail: String,
    /// A stable code for programs, where there is one (e.g. `token_not_valid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Quote this when reporting a server error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ErrorBody {
    pub fn new(detail: impl Into<String>) -> Self {
        ErrorBody {
            detail: detail.into(),
            code: None,
            request_id: None,
        }
    }
}

/// The request-body limit, named in the 413 message.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

impl ApiError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(error.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotAuthenticated | ApiError::AuthenticationFailed { .. } => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::CsrfFailed => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Whole seconds for `Retry-After`, at least one.
fn retry_after(wait: Duration) -> u64 {
    wait.as_secs().max(1)
}

/// The message a bodiless error response gets, so clients always see one JSON shape.
pub fn default_detail(status: StatusCode, method: &Method) -> String {
    match status {
        StatusCode::BAD_REQUEST => "Bad request.".to_owned(),
        StatusCode::UNAUTHORIZED => "Authentication credentials were not provided.".to_owned(),
        StatusCode::FORBIDDEN => "You do not have permission to perform this action.".to_owned(),
        StatusCode::NOT_FOUND => "Not found.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => format!("Method \"{method}\" not allowed."),
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!(
                "Request body is too large: the limit is {} KiB.",
                BODY_LIMIT_BYTES / 1024
            )
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type in request.".to_owned(),
        StatusCode::TOO_MANY_REQUESTS => "Request was throttled.".to_owned(),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            "The server could not answer in time; try again.".to_owned()
        }
        StatusCode::INTERNAL_SERVER_ERROR => "A server error occurred.".to_owned(),
        other => other.canonical_reason().unwrap_or("Error.").to_owned(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let wait = match &self {
            ApiError::Throttled(wait) => Some(*wait),
            ApiError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER),
            _ => None,
        };
        let body = match self {
            ApiError::Validation(errors) => return (status, Json(errors)).into_response(),
            ApiError::BadRequest(detail) => ErrorBody::new(detail),
            ApiError::NotAuthenticated | ApiError::NotFound | ApiError::PayloadTooLarge => {
                ErrorBody::new(default_detail(status, &Method::GET))
            }
            ApiError::AuthenticationFailed { detail, code } => ErrorBody {
                code: Some(code),
                ..ErrorBody::new(detail)
            },
            ApiError::CsrfFailed => ErrorBody::new("CSRF Failed: CSRF token missing or incorrect."),
            ApiError::PreconditionFailed { current } => {
                let mut response = (
                    status,
                    Json(ErrorBody {
                        code: Some("precondition_failed"),
                        ..ErrorBody::new(
                            "The event has changed since you read it: read it again (its ETag is \
                             in this answer) and retry your change.",
                        )
                    }),
                )
                    .into_response();
                let (name, value) = super::extract::etag(current);
                response.headers_mut().insert(name, value);
                return response;
            }
            ApiError::MethodNotAllowed(method) => ErrorBody::new(default_detail(status, &method)),
            ApiError::UnsupportedMediaType(media_type) => ErrorBody::new(format!(
                "Unsupported media type \"{media_type}\" in request."
            )),
            ApiError::Throttled(wait) => ErrorBody::new(format!(
                "Request was throttled. Expected available in {} seconds.",
                retry_after(wait)
            )),
            ApiError::Unavailable(what) => ErrorBody::new(format!("Service unavailable: {what}.")),
            ApiError::Unprocessable(detail) => ErrorBody::new(detail),
            ApiError::Internal(error) => {
                tracing::error!(error = %error, debug = ?error, "internal error");
                ErrorBody {
                    request_id: request_id::current(),
                    ..ErrorBody::new(default_detail(status, &Method::GET))
                }
            }
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(wait) = wait {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after(wait)));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        response
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Unavailable(error) => {
                tracing::warn!(%error, "database unavailable");
                ApiError::Unavailable("database")
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<EventError> for ApiError {
    fn from(error: EventError) -> Self {
        match error {
            EventError::Invalid(errors) => ApiError::Validation(errors),
            EventError::NotFound => ApiError::NotFound,
            EventError::PreconditionFailed { current } => ApiError::PreconditionFailed { current },
            EventError::NotRecurring(detail) => ApiError::BadRequest(detail.to_owned()),
            EventError::Storage(error) => error.into(),
            EventError::Interrupted(error) => ApiError::Internal(error.into()),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        const TOKEN_NOT_VALID: &str = "token_not_valid";
        match error {
            AccountError::Invalid(errors) => ApiError::Validation(errors),
            AccountError::InvalidCredentials => ApiError::AuthenticationFailed {
                detail: "No active account found with the given credentials",
                code: "no_active_account",
            },
            AccountError::Throttled { retry_after } => ApiError::Throttled(retry_after),
            AccountError::Token(_) => ApiError::AuthenticationFailed {
                detail: "Token is invalid or expired",
                code: TOKEN_NOT_VALID,
            },
            AccountError::TokenBlacklisted => ApiError::AuthenticationFailed {
                detail: "Token is blacklisted",
                code: TOKEN_NOT_VALID,
            },
            AccountError::UserNotFound => ApiError::AuthenticationFailed {
                detail: "User not found",
                code: "user_not_found",
            },
            AccountError::UserInactive => ApiError::AuthenticationFailed {
                detail: "User is inactive",
                code: "user_inactive",
            },
            AccountError::Storage(error) => error.into(),
            AccountError::Hashing(reason) => ApiError::internal(reason),
        }
    }
}
