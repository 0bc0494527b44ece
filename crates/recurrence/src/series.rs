//! A series: the event's timing, its zone, its rule and its exclusion dates, and the iterator
//! over its occurrences.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::expand::{CYCLE_DAYS, Day, LAST_DAY, Pattern, Walk, date_of, day_of};
use crate::{End, RecurrenceError, Rule, start_of_day};

/// When the event itself happens: between two instants, or on whole days (floating dates, the
/// end exclusive as in iCalendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    At { start: Timestamp, end: Timestamp },
    AllDay { start: Date, end: Date },
}

/// One occurrence: where it starts and ends. For an all-day series, the starts of its first day
/// and of the day after its last, in the series' zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// How far a valid series runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    Ends { last: Occurrence, count: usize },
    Forever,
}

/// How every occurrence is laid on its date.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// At the start's wall-clock time, for the event's exact duration.
    At {
        time: Time,
        duration: SignedDuration,
    },
    /// From the start of its date to the start of the date `days` later.
    AllDay { days: i64 },
}

#[derive(Debug, Clone)]
pub struct Series {
    timing: Timing,
    zone: TimeZone,
    rule: Option<Rule>,
    exdates: Vec<Timestamp>,
    first: Occurrence,
    /// The start's date on the event's wall clock.
    start_day: Day,
    shape: Shape,
    pattern: Option<Pattern>,
}

impl Series {
    /// Checks the event's own times and the rule's until against them; no expansion.
    pub fn new(
        timing: Timing,
        zone: TimeZone,
        rule: Option<Rule>,
        mut exdates: Vec<Timestamp>,
    ) -> Result<Series, RecurrenceError> {
        let in_range = |year: i16| (1..=9999).contains(&year);
        let (first, start_date, shape) = match timing {
            Timing::At { start, end } => {
                if end < start {
                    return Err(RecurrenceError::EndBeforeStart);
                }
                let local = zone.to_datetime(start);
                if !in_range(local.year()) {
                    return Err(RecurrenceError::StartOutOfRange);
                }
                if !in_range(zone.to_datetime(end).year()) {
                    return Err(RecurrenceError::EndOutOfRange);
                }
                let shape = Shape::At {
                    time: local.time(),
                    duration: end.duration_since(start),
                };
                (Occurrence { start, end }, local.date(), shape)
            }
            Timing::AllDay { start, end } => {
                if end <= start {
                    return Err(RecurrenceError::AllDayEndNotAfterStart);
                }
                let first = Occurrence {
                    start: start_of_day(start, &zone)
                        .map_err(|_| RecurrenceError::StartOutOfRange)?,
                    end: start_of_day(end, &zone).map_err(|_| RecurrenceError::EndOutOfRange)?,
                };
                let days = day_of(end) - day_of(start);
                (first, start, Shape::AllDay { days })
            }
        };
        if let Some(End::Until(until)) = rule.as_ref().map(Rule::end)
            && until <= first.start
        {
            return Err(RecurrenceError::UntilNotAfterStart);
        }
        exdates.sort_unstable();
        exdates.dedup();
        let pattern = rule
            .as_ref()
            .map(|rule| Pattern::new(rule.parts(), start_date));
        Ok(Series {
            timing,
            zone,
            rule,
            exdates,
            first,
            start_day: day_of(start_date),
            shape,
            pattern,
        })
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    pub fn rule(&self) -> Option<&Rule> {
        self.rule.as_ref()
    }

    pub fn exdates(&self) -> &[Timestamp] {
        &self.exdates
    }

    pub fn is_all_day(&self) -> bool {
        matches!(self.timing, Timing::AllDay { .. })
    }

    pub fn is_open_ended(&self) -> bool {
        self.rule.as_ref().map(Rule::end) == Some(End::Never)
    }

    /// The event itself (RFC 5545 §3.3.10: "The DTSTART property value always counts as the
    /// first occurrence"), even where the rule does not produce its date.
    pub fn first(&self) -> Occurrence {
        self.first
    }

    /// How far the series runs, refusing one that never repeats, that would hold more than
    /// `max_occurrences` (counted before exclusions: the work and the rule's own size), that
    /// would need dates after year 9999 for its count, or whose exclusions remove everything.
    pub fn validate(&self, max_occurrences: usize) -> Result<Extent, RecurrenceError> {
        self.run(max_occurrences, |_| {}, &mut 0)
    }

    /// Every occurrence of a series that ends, exclusions removed, after [`Series::validate`].
    pub fn expand(&self, max_occurrences: usize) -> Result<Vec<Occurrence>, RecurrenceError> {
        let mut occurrences = Vec::new();
        match self.run(max_occurrences, |o| occurrences.push(o), &mut 0)? {
            Extent::Ends { .. } => Ok(occurrences),
            Extent::Forever => Err(RecurrenceError::OpenEnded),
        }
    }

    /// The occurrences in order, exclusions removed; an open-ended series runs to year 9999.
    pub fn iter(&self) -> Occurrences<'_> {
        Occurrences::new(self, Walk::new(0, self.start_day), true, None)
    }

    /// The occurrences starting at or after `original_start`. A series ending by date or never
    /// starts at the period holding that instant's date (arithmetic, not iteration); a counted
    /// one counts from its start.
    pub fn iter_from(&self, original_start: Timestamp) -> Occurrences<'_> {
        let counted = matches!(self.rule.as_ref().map(Rule::end), Some(End::Count(_)));
        match &self.pattern {
            Some(pattern) if !counted && original_start > self.first.start => {
                // An occurrence two days before `original_start`'s date starts before it even
                // when a gap (at most a day long) moves it forward, so the walk may begin the day
                // before that date; the instant filter does the rest.
                let from_day = day_of(self.zone.to_datetime(original_start).date()) - 1;
                let walk = Walk::new(
                    pattern.first_period_reaching(from_day),
                    self.start_day.max(from_day - 1),
                );
                Occurrences::new(self, walk, false, Some(original_start))
            }
            _ => Occurrences::new(
                self,
                Walk::new(0, self.start_day),
                true,
                Some(original_start),
            ),
        }
    }

    pub fn describe(&self) -> Option<String> {
        let rule = self.rule.as_ref()?;
        let start = match self.timing {
            Timing::At { start, .. } => self.zone.to_datetime(start).date(),
            Timing::AllDay { start, .. } => start,
        };
        Some(crate::describe::describe(
            rule,
            start,
            &self.zone,
            self.exdates.len(),
        ))
    }

    /// The occurrence the rule places on `day`, if it starts and ends within jiff's range.
    fn occurrence_on(&self, day: Day) -> Option<Occurrence> {
        let date = date_of(day)?;
        match self.shape {
            Shape::At { time, duration } => {
                // A time in a gap moves forward by the gap; one in a fold takes the earlier
                // offset (RFC 5545 §3.3.5) — jiff's "compatible" disambiguation.
                let start = self
                    .zone
                    .to_ambiguous_timestamp(date.to_datetime(time))
                    .compatible()
                    .ok()?;
                let end = start.checked_add(duration).ok()?;
                Some(Occurrence { start, end })
            }
            Shape::AllDay { days } => Some(Occurrence {
                start: start_of_day(date, &self.zone).ok()?,
                end: start_of_day(date_of(day.checked_add(days)?)?, &self.zone).ok()?,
            }),
        }
    }

    /// Exclusion dates apply to a rule's occurrences; a one-off has no rule to exclude from.
    fn is_excluded(&self, start: Timestamp) -> bool {
        self.rule.is_some() && self.exdates.binary_search(&start).is_ok()
    }

    /// Validates and, for a series that ends, hands each occurrence left after exclusions to
    /// `keep`; adds the days examined to `work`.
    fn run(
        &self,
        max_occurrences: usize,
        mut keep: impl FnMut(Occurrence),
        work: &mut u64,
    ) -> Result<Extent, RecurrenceError> {
        let (Some(rule), Some(pattern)) = (&self.rule, &self.pattern) else {
            keep(self.first);
            return Ok(Extent::Ends {
                last: self.first,
                count: 1,
            });
        };
        let (never, examined) = pattern.never_occurs();
        *work += examined;
        if never {
            return Err(RecurrenceError::NeverOccurs);
        }
        let count = match rule.end() {
            End::Never => return Ok(Extent::Forever),
            End::Count(count) => {
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                // The count says up front how long the series is: no need to expand it.
                if count > max_occurrences {
                    return Err(RecurrenceError::TooManyOccurrences {
                        max: max_occurrences,
                        by_count: true,
                    });
                }
                Some(count)
            }
            End::Until(_) => None,
        };
        let mut occurrences = self.iter();
        let (mut total, mut kept, mut last) = (0usize, 0usize, None);
        while let Some(occurrence) = occurrences.next_instance() {
            total += 1;
            if total > max_occurrences {
                return Err(RecurrenceError::TooManyOccurrences {
                    max: max_occurrences,
                    by_count: false,
                });
            }
            if !self.is_excluded(occurrence.start) {
                kept += 1;
                last = Some(occurrence);
                keep(occurrence);
            }
        }
        *work += occurrences.examined_days();
        // The module comment of `expand` bounds a walk by the days up to year 9999 plus one
        // cycle; more means a bug, reported rather than looped on.
        let bound = u64::try_from(LAST_DAY - self.start_day).unwrap_or(0) + 2 * CYCLE_DAYS;
        if occurrences.examined_days() > bound {
            return Err(RecurrenceError::IterationLimit);
        }
        // A pattern that repeats (it passed the check above) stops only at the calendar's end.
        if count.is_some_and(|count| total < count) {
            return Err(RecurrenceError::RunsPastYear9999);
        }
        match last {
            Some(last) => Ok(Extent::Ends { last, count: kept }),
            None => Err(RecurrenceError::EveryOccurrenceExcluded),
        }
    }
}

/// The occurrences of a series in order, exclusion dates removed.
#[derive(Debug)]
pub struct Occurrences<'a> {
    series: &'a Series,
    walk: Walk,
    /// Whether the event itself is still to come.
    first_pending: bool,
    /// Rule instances (the event included) still allowed by a count.
    remaining: Option<u64>,
    /// Occurrences starting before this are skipped (`iter_from`).
    from: Option<Timestamp>,
    /// The start last returned: a day swallowed whole by a gap would resolve to the same instant
    /// as the next one, and is skipped.
    last_start: Option<Timestamp>,
    finished: bool,
}

impl<'a> Occurrences<'a> {
    fn new(
        series: &'a Series,
        walk: Walk,
        first_pending: bool,
        from: Option<Timestamp>,
    ) -> Occurrences<'a> {
        let walk = if series.pattern.is_some() {
            walk
        } else {
            Walk::finished()
        };
        let remaining = match series.rule.as_ref().map(Rule::end) {
            Some(End::Count(count)) => Some(u64::from(count)),
            _ => None,
        };
        Occurrences {
            series,
            walk,
            first_pending,
            remaining,
            from,
            last_start: None,
            finished: false,
        }
    }

    /// How many candidate days this iterator has examined so far.
    pub fn examined_days(&self) -> u64 {
        self.walk.examined()
    }

    /// The next instance of the rule (the event first), before exclusions and `from`.
    fn next_instance(&mut self) -> Option<Occurrence> {
        if self.finished || self.remaining == Some(0) {
            self.finished = true;
            return None;
        }
        let series = self.series;
        let occurrence = if self.first_pending {
            self.first_pending = false;
            series.first
        } else {
            let pattern = series.pattern.as_ref()?;
            loop {
                let Some(occurrence) = self
                    .walk
                    .next_day(pattern, LAST_DAY)
                    .and_then(|day| series.occurrence_on(day))
                else {
                    self.finished = true;
                    return None;
                };
                if let Some(End::Until(until)) = series.rule.as_ref().map(Rule::end)
                    && occurrence.start > until
                {
                    self.finished = true;
                    return None;
                }
                if self.last_start.is_none_or(|last| occurrence.start > last) {
                    break occurrence;
                }
            }
        };
        self.last_start = Some(occurrence.start);
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
        }
        Some(occurrence)
    }
}

impl Iterator for Occurrences<'_> {
    type Item = Occurrence;

    fn next(&mut self) -> Option<Occurrence> {
        loop {
            let occurrence = self.next_instance()?;
            let early = self.from.is_some_and(|from| occurrence.start < from);
            if !early && !self.series.is_excluded(occurrence.start) {
                return Some(occurrence);
            }
        }
    }
}

/// Looks up an IANA zone name ("UTC", "Europe/Berlin").
pub fn time_zone(name: &str) -> Result<TimeZone, RecurrenceError> {
    TimeZone::get(name).map_err(|_| RecurrenceError::UnknownTimeZone(name.to_owned()))
}

/// Entries of the zone database that are not places: `localtime` and `posixrules` stand for a
/// host's own setting, `Factory` for "no zone set".
const NOT_PLACES: [&str; 3] = ["localtime", "posixrules", "Factory"];

/// Reads a zone name as a client writes it, in any letter case (`europe/berlin`, `utc`), and gives
/// the zone with its name as the database spells it (`Europe/Berlin`, `UTC`). Names that stand
/// for a host's setting rather than a place are refused.
pub fn canonical_time_zone(name: &str) -> Result<(String, TimeZone), RecurrenceError> {
    let unknown = || RecurrenceError::UnknownTimeZone(name.to_owned());
    let zone = time_zone(name)?;
    let canonical = zone.iana_name().ok_or_else(unknown)?.to_owned();
    if NOT_PLACES.contains(&canonical.as_str()) {
        return Err(unknown());
    }
    Ok((canonical, zone))
}

#[cfg(test)]
mod tests;
