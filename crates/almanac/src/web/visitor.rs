//! Who is looking at a page: the signed-in user from the session cookie (with the CSRF token the
//! page's forms and scripts must send back), or nobody.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use url::Url;

use crate::app::AppState;
use crate::http::session;
use crate::storage::users::User;

use super::error::PageError;

/// What every page's layout knows about the signed-in user.
#[derive(Debug, Clone, Serialize)]
pub struct Viewer {
    pub email: String,
    pub is_staff: bool,
    pub csrf_token: String,
    #[serde(skip)]
    pub user: User,
}

/// The signed-in user, or a redirect to the sign-in page that comes back here afterwards.
#[derive(Debug)]
pub struct SignedIn(pub Viewer);

/// The signed-in user, if any.
#[derive(Debug)]
pub struct MaybeSignedIn(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let Some(token) = session::session_token(&parts.headers) else {
            return Ok(MaybeSignedIn(None));
        };
        let viewer = state.accounts.session(&token).await?.map(|session| Viewer {
            email: session.user.email.clone(),
            is_staff: session.user.is_staff,
            csrf_token: session.csrf_token,
            user: session.user,
        });
        Ok(MaybeSignedIn(viewer))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match MaybeSignedIn::from_request_parts(parts, state).await {
            Ok(MaybeSignedIn(Some(viewer))) => Ok(SignedIn(viewer)),
            Ok(MaybeSignedIn(None)) => {
                let here = parts
                    .extensions
                    .get::<OriginalUri>()
                    .map_or_else(|| parts.uri.to_string(), |OriginalUri(uri)| uri.to_string());
                let next: String = form_urlencoded_component(&here);
                Err(Redirect::to(&format!("/login/?next={next}")).into_response())
            }
            Err(error) => Err(error.into_response()),
        }
    }
}

/// Percent-encodes a path for a query parameter.
fn form_urlencoded_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A `next` target that stays on this site: a path, never `//host` or a full URL.
pub fn safe_next(next: Option<&str>) -> String {
    // Read as a browser would read the Location header (the WHATWG URL parser drops tabs and
    // line breaks, turns `\` into `/`), against an origin of our own: only a path on it passes,
    // and it is sent on as the parser wrote it, escaped.
    let Ok(site) = Url::parse("http://almanac.invalid/") else {
        return "/".to_owned();
    };
    let target = next
        .filter(|next| next.starts_with('/'))
        .and_then(|next| site.join(next).ok())
        .filter(|target| target.origin() == site.origin());
    match target {
        Some(target) => match target.query() {
            Some(query) => format!("{}?{query}", target.path()),
            None => target.path().to_owned(),
        },
        None => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_only_leads_back_into_this_site() {
        assert_eq!(safe_next(Some("/events/calendar/")), "/events/calendar/");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            safe_next(Some("/\t/evil.example/")),
            "/",
            "a tab the browser drops"
        );
        assert_eq!(safe_next(Some("/\n/evil.example/")), "/");
        assert_eq!(
            safe_next(Some("/\n")),
            "/",
            "never a header value that cannot be sent"
        );
        assert_eq!(safe_next(Some("/events/?q=a b")), "/events/?q=a%20b");
    }

    #[test]
    fn the_return_path_is_encoded_for_the_query() {
        assert_eq!(
            form_urlencoded_component("/events/?q=a b&x=1"),
            "/events/%3Fq%3Da%20b%26x%3D1"
        );
    }
}
