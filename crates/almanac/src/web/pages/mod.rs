//! The HTML pages, grouped by feature.

pub mod admin;
pub mod auth;
pub mod events;
