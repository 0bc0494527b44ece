//! Integration tests: the real application, in-process, on SQLite and on PostgreSQL.

mod all_day;
mod cancellation;
mod cli;
mod concurrency;
mod drills;
mod events;
mod exceptions;
mod freshness;
mod http_basics;
mod idempotency;
mod jobs;
mod occurrences;
mod open_ended;
mod outages;
mod processes;
mod rules;
mod server;
mod support;
mod topology;
mod users;
mod web;
