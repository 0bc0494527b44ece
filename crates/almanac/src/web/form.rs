//! HTML form bodies, read strictly: axum's `Form` decodes percent-escapes that are not UTF-8 into
//! U+FFFD, so `%FF@example.com` would become an account named `�@example.com`. Such a form is
//! refused instead.

use axum::extract::rejection::RawFormRejection;
use axum::extract::{FromRequest, RawForm, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::PageError;

/// A form body (`application/x-www-form-urlencoded`) whose every name and value is UTF-8.
#[derive(Debug)]
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let RawForm(body) = RawForm::from_request(request, state)
            .await
            .map_err(refusal)?;
        // Separators are ASCII, so the whole body decodes to UTF-8 exactly when every part does.
        if percent_encoding::percent_decode(&body)
            .decode_utf8()
            .is_err()
        {
            return Err(PageError::BadRequest(
                "The form contains text that is not valid UTF-8.".to_owned(),
            ));
        }
        serde_urlencoded::from_bytes(&body)
            .map(WebForm)
            .map_err(|error| PageError::BadRequest(format!("The form cannot be read: {error}.")))
    }
}

fn refusal(rejection: RawFormRejection) -> PageError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return PageError::PayloadTooLarge;
    }
    PageError::BadRequest(rejection.body_text())
}
