//! Times as the API writes them: RFC 3339 in UTC, with microseconds only when there are any (as
//! DRF writes them), and dates for all-day events, which are the same day in every zone.

use jiff::civil::Date;
use jiff::fmt::temporal::DateTimePrinter;
use jiff::tz::TimeZone;
use serde::{Serialize, Serializer};

use crate::storage::Timestamp;

/// Whole seconds, and microseconds, in RFC 3339. jiff's RFC 3339 printer rather than `strftime`,
/// which interprets its format string anew for every instant: a page of 66 occurrences writes 198.
static WHOLE_SECONDS: DateTimePrinter = DateTimePrinter::new().precision(Some(0));
static MICROSECONDS: DateTimePrinter = DateTimePrinter::new().precision(Some(6));

/// `2026-03-02T08:00:00Z`, or `2026-03-02T08:00:00.250000Z`.
pub fn rfc3339(instant: Timestamp) -> String {
    let instant = instant.as_jiff();
    let printer = if instant.subsec_microsecond() == 0 {
        &WHOLE_SECONDS
    } else {
        &MICROSECONDS
    };
    printer.timestamp_to_string(&instant)
}

pub fn serialize_instant<S: Serializer>(
    instant: &Timestamp,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*instant))
}

pub fn serialize_optional_instant<S: Serializer>(
    instant: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match instant {
        Some(instant) => serialize_instant(instant, serializer),
        None => serializer.serialize_none(),
    }
}

/// When something starts or ends: an instant, or a date for an all-day event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Instant(Timestamp),
    Date(Date),
}

impl When {
    /// The zone [`When::of`] needs for an event or occurrence: its own, found by `name`, when it
    /// is all-day (to name its dates), and none otherwise. Looking every event's zone up by its
    /// name cost a page of events a tenth of its CPU (docs/BENCHMARKS.md).
    pub fn zone_of(all_day: bool, name: &str) -> TimeZone {
        match all_day {
            true => recurrence::time_zone(name).unwrap_or(TimeZone::UTC),
            false => TimeZone::UTC,
        }
    }

    /// The instant itself, or for an all-day event the date it falls on in the event's zone
    /// (where all-day instants are the starts of days).
    pub fn of(instant: Timestamp, all_day: bool, zone: &TimeZone) -> When {
        if all_day {
            When::Date(zone.to_datetime(instant.as_jiff()).date())
        } else {
            When::Instant(instant)
        }
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            When::Instant(instant) => serialize_instant(instant, serializer),
            When::Date(date) => serializer.collect_str(date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from(text.parse::<jiff::Timestamp>().expect("valid"))
    }

    #[test]
    fn instants_show_microseconds_only_when_there_are_some() {
        assert_eq!(rfc3339(at("2026-03-02T08:00:00Z")), "2026-03-02T08:00:00Z");
        assert_eq!(
            rfc3339(at("2026-03-02T08:00:00.25Z")),
            "2026-03-02T08:00:00.250000Z"
        );
        assert_eq!(rfc3339(Timestamp::MIN), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn an_all_day_instant_is_its_date_in_the_events_zone() {
        let zone = TimeZone::get("Pacific/Kiritimati").expect("zone");
        let midnight = at("2031-03-13T10:00:00Z");
        assert_eq!(
            serde_json::to_value(When::of(midnight, true, &zone)).expect("serializes"),
            "2031-03-14"
        );
        assert_eq!(
            serde_json::to_value(When::of(midnight, false, &zone)).expect("serializes"),
            "2031-03-13T10:00:00Z"
        );
    }
}
