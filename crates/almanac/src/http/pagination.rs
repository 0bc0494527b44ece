//! `?limit=&offset=` pagination for list endpoints. Lists stay plain JSON arrays, as in the seed;
//! when a page is full, an RFC 8288 `Link: <…>; rel="next"` header points at the next one.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::storage::events::Page;
use crate::validation::FieldErrors;

use super::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 1000;
pub const MAX_LIMIT: i64 = 5000;
/// The deepest page: occurrences past the stored horizon are computed from each series up to
/// the page's end, so a deeper offset would be work without bound (an offset of ten million
/// into a daily series without end took 28 s). A calendar pages by date range instead.
pub const MAX_OFFSET: i64 = 100_000;

/// Query parameters of every list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page size: 1000 by default, at most 5000.
    #[param(value_type = Option<i64>, nullable = false, minimum = 1, maximum = 5000)]
    pub limit: Option<String>,
    /// Rows to skip: 0 by default, at most 100,000 (narrow a long list by date range instead).
    #[param(value_type = Option<i64>, nullable = false, minimum = 0, maximum = 100000)]
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
            MAX_OFFSET,
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

/// The most JSON one list answer carries. A page of 5,000 events whose descriptions are at their
/// longest would otherwise weigh hundreds of megabytes; a page cut short at this size links to
/// the rest like a full one.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// A page of a list as sent: a JSON array within [`MAX_PAGE_BYTES`].
#[derive(Debug, Clone)]
pub struct JsonPage {
    pub json: Bytes,
    /// How many items it holds.
    pub rows: usize,
    /// Whether items were left out to stay within [`MAX_PAGE_BYTES`].
    pub cut_short: bool,
}

/// Writes items into a JSON array until the next one would pass [`MAX_PAGE_BYTES`]; the first
/// item is always written, however large, so that every page makes progress.
pub fn json_page<T: Serialize>(items: impl IntoIterator<Item = T>) -> serde_json::Result<JsonPage> {
    let mut json = vec![b'['];
    let mut rows = 0;
    let mut cut_short = false;
    for item in items {
        let before = json.len();
        if rows > 0 {
            json.push(b',');
        }
        serde_json::to_writer(&mut json, &item)?;
        if rows > 0 && json.len() + 1 > MAX_PAGE_BYTES {
            json.truncate(before);
            cut_short = true;
            break;
        }
        rows += 1;
    }
    json.push(b']');
    Ok(JsonPage {
        json: json.into(),
        rows,
        cut_short,
    })
}

/// A list answer: the page as JSON, with its `Link` to the next page.
pub fn list_answer(uri: &Uri, page: Page, listed: JsonPage) -> Response {
    let headers = link_headers(uri, page, listed.rows, listed.cut_short);
    (
        headers,
        [(header::CONTENT_TYPE, "application/json")],
        listed.json,
    )
        .into_response()
}

/// Headers for a list response: a `Link` to the next page when this one came back full, or was
/// cut short by size; the next page starts after the last item sent.
pub fn link_headers(uri: &Uri, page: Page, returned: usize, cut_short: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let returned = i64::try_from(returned).unwrap_or(i64::MAX);
    if returned < page.limit && !cut_short {
        return headers;
    }
    let kept = uri.query().unwrap_or_default().split('&').filter(|pair| {
        !pair.is_empty() && !pair.starts_with("limit=") && !pair.starts_with("offset=")
    });
    let next = format!(
        "limit={}&offset={}",
        page.limit,
        page.offset.saturating_add(returned)
    );
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
            false,
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
                3,
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn a_page_cut_short_by_size_links_to_the_item_after_its_last() {
        let uri: Uri = "/api/v1/events/?limit=100&offset=10".parse().expect("uri");
        let page = Page {
            limit: 100,
            offset: 10,
        };
        let headers = link_headers(&uri, page, 3, true);
        assert_eq!(
            headers[header::LINK],
            "</api/v1/events/?limit=100&offset=13>; rel=\"next\""
        );
    }

    #[test]
    fn a_json_page_stops_before_the_item_that_would_pass_the_size_limit() {
        let item = "x".repeat(MAX_PAGE_BYTES / 3);
        let page = json_page(std::iter::repeat_n(&item, 5)).expect("serializes");
        assert_eq!((page.rows, page.cut_short), (2, true));
        assert!(page.json.len() <= MAX_PAGE_BYTES);
        let items: Vec<String> = serde_json::from_slice(&page.json).expect("a JSON array");
        assert_eq!(items.len(), 2);

        let huge = "x".repeat(MAX_PAGE_BYTES * 2);
        let first = json_page([&huge, &huge]).expect("serializes");
        assert_eq!(
            (first.rows, first.cut_short),
            (1, true),
            "the first item always goes"
        );

        let all = json_page(["a", "b"]).expect("serializes");
        assert_eq!(
            (&all.json[..], all.rows, all.cut_short),
            (&b"[\"a\",\"b\"]"[..], 2, false)
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
