//! Almanac's recurrence engine: the rule model (RFC 5545 RRULE: FREQ DAILY, WEEKLY, MONTHLY or
//! YEARLY; INTERVAL; BYDAY with ordinals; BYMONTHDAY; BYMONTH; BYSETPOS; WKST; COUNT, UNTIL or no
//! end), its validation, RRULE text, exclusion dates, all-day dates, and expansion on wall-clock
//! time in an IANA time zone.
//!
//! It is pure — no I/O, no async, no database types — so that it can be tested exhaustively and
//! reasoned about alone. The service converts to and from its storage and API types at the edge.

mod describe;
mod error;
mod expand;
mod parse;
mod rrule;
mod rule;
mod series;

pub use error::{RecurrenceError, RulePart};
pub use jiff::civil::{Date, Weekday};
pub use jiff::{Timestamp, tz::TimeZone};
pub use parse::{TimeError, parse_date, parse_instant, parse_until, start_of_day};
pub use rule::{End, Frequency, Rule, RuleParts, WeekdayNum};
pub use series::{Extent, Occurrence, Occurrences, Series, Timing, canonical_time_zone, time_zone};
