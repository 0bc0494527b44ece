//! A stored event as the engine's series.

use std::collections::BTreeSet;

use recurrence::{RecurrenceError, Series, Timing};

use crate::storage::Timestamp;
use crate::storage::events::{Event, EventFields, Recurrence, RecurrenceFields};

/// What the engine needs of an event, stored or about to be.
#[derive(Debug, Clone, Copy)]
pub struct SeriesSource<'a> {
    start: Timestamp,
    end: Timestamp,
    all_day: bool,
    timezone: &'a str,
    rule: Option<(&'a recurrence::Rule, &'a [Timestamp])>,
}

impl<'a> From<&'a Event> for SeriesSource<'a> {
    fn from(event: &'a Event) -> Self {
        SeriesSource {
            start: event.start,
            end: event.end,
            all_day: event.all_day,
            timezone: &event.timezone,
            rule: event
                .recurrence
                .as_ref()
                .map(|Recurrence { rule, exdates, .. }| (rule, exdates.as_slice())),
        }
    }
}

impl<'a> From<&'a EventFields> for SeriesSource<'a> {
    fn from(fields: &'a EventFields) -> Self {
        SeriesSource {
            start: fields.start,
            end: fields.end,
            all_day: fields.all_day,
            timezone: &fields.timezone,
            rule: fields
                .recurrence
                .as_ref()
                .map(|RecurrenceFields { rule, exdates }| (rule, exdates.as_slice())),
        }
    }
}

/// The engine's view of an event: its timing (dates, for an all-day event, read in its zone),
/// zone, rule and exclusion dates.
pub fn series_of<'a>(event: impl Into<SeriesSource<'a>>) -> Result<Series, RecurrenceError> {
    build(event.into(), true)
}

/// Every instance of the event's rule, its exclusion dates included: the occurrences that are
/// stored, the cancelled ones among them.
pub fn instances_of<'a>(event: impl Into<SeriesSource<'a>>) -> Result<Series, RecurrenceError> {
    build(event.into(), false)
}

fn build(source: SeriesSource<'_>, with_exdates: bool) -> Result<Series, RecurrenceError> {
    let zone = recurrence::time_zone(source.timezone)?;
    let timing = if source.all_day {
        Timing::AllDay {
            start: zone.to_datetime(source.start.as_jiff()).date(),
            end: zone.to_datetime(source.end.as_jiff()).date(),
        }
    } else {
        Timing::At {
            start: source.start.as_jiff(),
            end: source.end.as_jiff(),
        }
    };
    let (rule, exdates) = match source.rule {
        Some((rule, exdates)) if with_exdates => (
            Some(rule.clone()),
            exdates.iter().map(|at| at.as_jiff()).collect(),
        ),
        Some((rule, _)) => (Some(rule.clone()), Vec::new()),
        None => (None, Vec::new()),
    };
    Series::new(timing, zone, rule, exdates)
}

/// Which of `original_starts` the series' rule still produces (`instances`: from
/// [`instances_of`]; `max_occurrences`: the limit it was validated against).
pub fn still_occurring(
    instances: &Series,
    original_starts: impl IntoIterator<Item = Timestamp>,
    max_occurrences: usize,
) -> BTreeSet<Timestamp> {
    let wanted: BTreeSet<Timestamp> = original_starts.into_iter().collect();
    if wanted.is_empty() {
        return wanted;
    }
    if !instances.is_open_ended()
        && let Ok(all) = instances.expand(max_occurrences)
    {
        let all: BTreeSet<Timestamp> = all.iter().map(|o| Timestamp::from(o.start)).collect();
        return wanted.intersection(&all).copied().collect();
    }
    wanted
        .into_iter()
        .filter(|&start| {
            instances
                .iter_from(start.as_jiff())
                .next()
                .is_some_and(|next| Timestamp::from(next.start) == start)
        })
        .collect()
}

/// The event's rule in words on its own wall clock ("Every 2 weeks on Monday, 10 times");
/// `None` for a one-off.
pub fn describe_rule(event: &Event) -> Option<String> {
    series_of(event).ok()?.describe()
}
