//! Almanac, a self-hosted event manager: the service crate. The tree mirrors the architecture:
//! `storage` holds all SQL, `accounts` and `events` the rules, `jobs` the background work, `http`
//! the plumbing every route shares, `api` the REST handlers, `web` the pages, `app` the assembly,
//! `config` and `cli` the command line, `redact` what of a URL may be shown.

pub mod accounts;
pub mod api;
pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod events;
pub mod http;
pub mod jobs;
pub mod redact;
pub mod storage;
pub mod validation;
pub mod web;
