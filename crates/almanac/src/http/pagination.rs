//! `?limit=&offset=` pagination for list endpoints. Lists stay plain JSON arrays, as in the seed;
//! when a page is full, an RFC 8288 `Link: <…>; rel="next"` header points at the next one.

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::storage::events::Page;
use crate::validation::FieldErrors;

use super::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 1000;
pub const MAX_LIMIT: i64 = 5000;

/// Query parameters of every list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page size: 1000 by default, at most 5000.
    pub limit: Option<String>,
    /// Rows to skip (default 0).
    pub offset: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        let mut errors = FieldErrors::new();
        let limit = parse(
            &mut errors,
            "limit",
            self.limit.as_deref(),
            DEFAULT_LIMIT,
            1,
            MAX_LIMIT,
        );
        let offset = parse(
            &mut errors,
            "offset",
            self.offset.as_deref(),
            0,
            0,
            i64::MAX,
        );
        errors.into_result().map_err(ApiError::Validation)?;
        Ok(Page { limit, offset })
    }
}

fn parse(
    errors: &mut FieldErrors,
    field: &str,
    text: Option<&str>,
    default: i64,
    min: i64,
    max: i64,
) -> i64 {
    let Some(text) = text else { return default };
    match text.trim().parse::<i64>() {
        Ok(value) if value < min => errors.add(
            field,
            format!("Ensure this value is greater than or equal to {min}."),
        ),
        Ok(value) if value > max => errors.add(
            field,
            format!("Ensure this value is less than or equal to {max}."),
        ),
        Ok(value) => return value,
        Err(_) => errors.add(field, "A valid integer is required."),
    }
    default
}

/// Headers for a list response: a `Link` to the next page when this one came back full.
pub fn link_headers(uri: &Uri, page: Page, returned: usize) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if i64::try_from(returned).unwrap_or(i64::MAX) < page.limit {
        return headers;
    }
    let kept = uri.query().unwrap_or_default().split('&').filter(|pair| {
        !pair.is_empty() && !pair.starts_with("limit=") && !pair.starts_with("offset=")
    });
    let next = format!("limit={}&offset={}", page.limit, page.offset + page.limit);
    let query: Vec<&str> = kept.chain(std::iter::once(next.as_str())).collect();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "<{}?{}>; rel=\"next\"",
        uri.path(),
        query.join("&")
    )) {
        headers.insert(header::LINK, value);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_links_to_the_next_keeping_the_filters() {
        let uri: Uri = "/api/v1/event-occurrences/?start_date=2026-03-01&limit=2"
            .parse()
            .expect("uri");
        let headers = link_headers(
            &uri,
            Page {
                limit: 2,
                offset: 0,
            },
            2,
        );
        assert_eq!(
            headers[header::LINK],
            "</api/v1/event-occurrences/?start_date=2026-03-01&limit=2&offset=2>; rel=\"next\""
        );
    }

    #[test]
    fn a_short_page_has_no_next_link() {
        let uri: Uri = "/api/v1/events/".parse().expect("uri");
        assert!(
            link_headers(
                &uri,
                Page {
                    limit: 10,
                    offset: 0
                },
                3
            )
            .is_empty()
        );
    }

    #[test]
    fn limits_outside_the_bounds_are_field_errors() {
        let query = PageQuery {
            limit: Some("0".into()),
            offset: Some("x".into()),
        };
        let Err(ApiError::Validation(errors)) = query.page() else {
            panic!("expected errors")
        };
        assert_eq!(
            serde_json::to_value(errors).expect("json"),
            serde_json::json!({"limit": ["Ensure this value is greater than or equal to 1."], "offset": ["A valid integer is required."]})
        );
    }
}
