//! Integration tests: the real application, in-process, on SQLite and on PostgreSQL.

mod cli;
mod http_basics;
mod server;
mod support;
mod users;
