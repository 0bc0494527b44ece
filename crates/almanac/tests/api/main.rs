//! Integration tests: the real application, in-process, on SQLite and on PostgreSQL.

mod cli;
mod events;
mod http_basics;
mod occurrences;
mod server;
mod support;
mod users;
