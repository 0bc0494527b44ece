//! A stored event as the engine's series.

use recurrence::{RecurrenceError, Series, Timing};

use crate::storage::events::Event;

/// The engine's view of a stored event: its timing (dates, for an all-day event, read in its
/// zone), zone, rule and exclusion dates.
pub fn series_of(event: &Event) -> Result<Series, RecurrenceError> {
    let zone = recurrence::time_zone(&event.timezone)?;
    let timing = if event.all_day {
        Timing::AllDay {
            start: zone.to_datetime(event.start.as_jiff()).date(),
            end: zone.to_datetime(event.end.as_jiff()).date(),
        }
    } else {
        Timing::At {
            start: event.start.as_jiff(),
            end: event.end.as_jiff(),
        }
    };
    let (rule, exdates) = match &event.recurrence {
        Some(recurrence) => (
            Some(recurrence.rule.clone()),
            recurrence.exdates.iter().map(|at| at.as_jiff()).collect(),
        ),
        None => (None, Vec::new()),
    };
    Series::new(timing, zone, rule, exdates)
}

/// The event's rule in words on its own wall clock ("Every 2 weeks on Monday, 10 times");
/// `None` for a one-off.
pub fn describe_rule(event: &Event) -> Option<String> {
    series_of(event).ok()?.describe()
}
