//! Almanac's recurrence engine: the rule model (daily, weekly, monthly; every N; ending by count
//! or by date), its validation, and its expansion on wall-clock time in an IANA time zone.
//!
//! It is pure — no I/O, no async, no database types — so that it can be tested exhaustively and
//! reasoned about alone. The service converts to and from its storage and API types at the edge.

mod error;
mod expand;
mod parse;
mod rule;

pub use error::RecurrenceError;
pub use expand::{Occurrence, expand, time_zone};
pub use jiff::{Timestamp, tz::TimeZone};
pub use parse::{parse_instant, parse_until};
pub use rule::{End, Frequency, Rule};
