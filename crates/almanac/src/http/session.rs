//! The browser's cookies: the session cookie, the CSRF cookie of signed-out forms, and the
//! comparison of CSRF tokens. Both cookies are HttpOnly and SameSite=Lax, and Secure when the
//! request came over HTTPS (as a trusted proxy says in `X-Forwarded-Proto`).

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::storage::Timestamp;

pub const SESSION_COOKIE: &str = "almanac_session";
/// Holds the CSRF token of forms shown before signing in (sign-in, registration).
pub const CSRF_COOKIE: &str = "almanac_csrf";
/// The header scripts send the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie's value, if the request has one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

/// Whether the browser reached us over HTTPS, as far as we can know: only a trusted proxy's
/// `X-Forwarded-Proto` says so, since Almanac itself speaks plain HTTP.
pub fn is_https(headers: &HeaderMap, trusted_proxies: usize) -> bool {
    trusted_proxies > 0
        && headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// A cookie only this site's requests carry, invisible to scripts. `expires` `None` makes it
/// last as long as the browser session.
pub fn private_cookie(
    name: &'static str,
    value: String,
    expires: Option<Timestamp>,
    secure: bool,
) -> Cookie<'static> {
    let mut cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build();
    if let Some(expires) = expires {
        let seconds = Timestamp::now().until(expires).as_secs();
        cookie.set_max_age(cookie::time::Duration::seconds(
            i64::try_from(seconds).unwrap_or(i64::MAX),
        ));
    }
    cookie
}

/// A cookie that tells the browser to forget `name`.
pub fn removal_cookie(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build((name, "")).path("/").build();
    cookie.make_removal();
    cookie
}

/// Compares a sent token with the expected one in constant time.
pub fn tokens_match(sent: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_when_equal_and_present() {
        assert!(tokens_match("abc123", "abc123"));
        assert!(!tokens_match("abc124", "abc123"));
        assert!(!tokens_match("abc12", "abc123"));
        assert!(!tokens_match("", ""));
    }

    #[test]
    fn https_is_believed_only_from_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-proto", "https".parse().expect("header"));
        assert!(is_https(&headers, 1));
        assert!(!is_https(&headers, 0));
    }

    #[test]
    fn session_cookies_are_http_only_and_same_site() {
        let cookie = private_cookie(SESSION_COOKIE, "t".into(), None, true).to_string();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Secure"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
    }
}
