//! Static files served from the binary: our own CSS and scripts (`web/static`) and the vendored
//! npm packages (`web/vendor`, served under `/static/vendor/…`; `scripts/vendor-assets` refreshes
//! them from `web/package-lock.json`). A URL made by [`asset_url`] carries the file's hash, so it is
//! cached for good; other requests revalidate with the ETag.

use std::borrow::Cow;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::{EmbeddedFile, RustEmbed};
use serde::Deserialize;

#[derive(RustEmbed)]
#[folder = "web/static"]
struct OwnAssets;

#[derive(RustEmbed)]
#[folder = "web/vendor"]
struct VendorAssets;

const VENDOR_PREFIX: &str = "vendor/";
const FOREVER: &str = "public, max-age=31536000, immutable";

fn find(path: &str) -> Option<EmbeddedFile> {
    match path.strip_prefix(VENDOR_PREFIX) {
        Some(vendored) => VendorAssets::get(vendored),
        None => OwnAssets::get(path),
    }
}

fn version(file: &EmbeddedFile) -> String {
    hex::encode(&file.metadata.sha256_hash()[..6])
}

/// The URL of a static file, versioned by its content (`/static/app.css?v=1a2b3c…`).
pub fn asset_url(path: &str) -> String {
    match find(path) {
        Some(file) => format!("/static/{path}?v={}", version(&file)),
        None => format!("/static/{path}"),
    }
}

#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

/// `GET /static/{*path}`.
pub async fn serve_asset(
    Path(path): Path<String>,
    Query(query): Query<VersionQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(file) = find(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let version = version(&file);
    let etag = format!("\"{version}\"");
    let cache = if query.v.as_deref() == Some(version.as_str()) {
        FOREVER
    } else {
        "no-cache"
    };
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    if let Ok(value) = HeaderValue::from_str(file.metadata.mimetype()) {
        response_headers.insert(header::CONTENT_TYPE, value);
    }
    let body = match file.data {
        Cow::Borrowed(bytes) => axum::body::Body::from(bytes),
        Cow::Owned(bytes) => axum::body::Body::from(bytes),
    };
    (response_headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by `scripts/vendor-assets`: each vendored package as the lock pinned it, and each
    /// file with its SHA-256.
    const RECORD: &str = include_str!("../../web/vendor.sha256");
    const LOCK: &str = include_str!("../../web/package-lock.json");

    #[test]
    fn the_vendored_files_are_those_the_lock_file_pins() {
        let lock: serde_json::Value = serde_json::from_str(LOCK).expect("the lock file is JSON");
        let mut recorded = Vec::new();
        for line in RECORD.lines().filter(|line| !line.starts_with('#')) {
            match line.split(' ').collect::<Vec<_>>()[..] {
                ["package", name, version, integrity] => {
                    let pinned = &lock["packages"][format!("node_modules/{name}")];
                    assert_eq!(
                        (pinned["version"].as_str(), pinned["integrity"].as_str()),
                        (Some(version), Some(integrity)),
                        "package-lock.json pins another {name}: run scripts/vendor-assets"
                    );
                }
                ["file", path, sha256] => {
                    let file = VendorAssets::get(path)
                        .unwrap_or_else(|| panic!("web/vendor/{path} is missing"));
                    assert_eq!(
                        hex::encode(file.metadata.sha256_hash()),
                        sha256,
                        "web/vendor/{path} is not the file npm installed: run scripts/vendor-assets"
                    );
                    recorded.push(path.to_owned());
                }
                _ => panic!("web/vendor.sha256 has a line it should not: {line}"),
            }
        }
        let mut served: Vec<String> = VendorAssets::iter().map(String::from).collect();
        served.sort();
        recorded.sort();
        assert_eq!(
            served, recorded,
            "web/vendor holds a file vendor-assets did not put there"
        );
    }
}
