//! Property tests without an oracle: whatever the rule, zone and time of day (DST gaps and folds
//! included), a series starts with the event, strictly increases, respects its end, keeps the
//! start's wall-clock time except where that time does not exist, keeps the event's duration
//! (or its whole dates, all-day), leaves out its exclusions, seeks to the same occurrences it
//! iterates to, and examines no more days than the bounded-work argument allows.

mod common;

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Span};
use proptest::prelude::*;
use recurrence::{
    End, Occurrence, RecurrenceError, Rule, RuleParts, Series, TimeZone, Timestamp, Timing,
    start_of_day, time_zone,
};

const ZONES: [&str; 8] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Auckland",
    // Half-hour DST.
    "Australia/Lord_Howe",
];

/// Occurrences checked per case, at most.
const CHECKED: usize = 200;

/// Days in the Gregorian cycle: one step of the walk examines at most this many days in empty
/// periods, plus the period it finds a date in (at most 366 days).
const CYCLE_DAYS: u64 = 146_097;

#[derive(Debug, Clone)]
enum Kind {
    Timed { duration_minutes: i64 },
    AllDay { days: i64 },
}

#[derive(Debug, Clone)]
enum Ending {
    Count(u32),
    UntilDays(i64),
    Never,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => (0i64..=1440).prop_map(|duration_minutes| Kind::Timed { duration_minutes }),
        1 => (1i64..=3).prop_map(|days| Kind::AllDay { days }),
    ]
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        (1u32..=60).prop_map(Ending::Count),
        (1i64..=1500).prop_map(Ending::UntilDays),
        Just(Ending::Never),
    ]
}

fn resolve(zone: &TimeZone, date: Date, time: Time) -> Option<Timestamp> {
    zone.to_ambiguous_timestamp(date.to_datetime(time))
        .compatible()
        .ok()
}

fn local_date(zone: &TimeZone, instant: Timestamp) -> Date {
    zone.to_datetime(instant).date()
}

fn days_between(from: Date, to: Date) -> u64 {
    u64::try_from(to.duration_since(from).as_hours() / 24).unwrap_or(0)
}

/// Whether `occurrence` is the event's wall-clock time on its date, moved forward by a gap where
/// that time does not exist (possibly past midnight, into the next date).
fn keeps_the_wall_clock(zone: &TimeZone, wall: Time, occurrence: Occurrence) -> bool {
    let date = local_date(zone, occurrence.start);
    [Some(date), date.yesterday().ok()]
        .into_iter()
        .flatten()
        .any(|date| resolve(zone, date, wall) == Some(occurrence.start))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn series_keep_their_shape(
        zone_index in 0..ZONES.len(),
        day in 0i64..18_262,
        // Any time of day, with extra weight on the hours when clocks change.
        hour in prop_oneof![0i8..24, 0i8..4],
        minute in prop_oneof![Just(0i8), Just(30), 0i8..60],
        kind in kind(),
        pattern in common::pattern(false),
        ending in ending(),
        excluded in proptest::collection::vec(0usize..CHECKED, 0..=4),
        unmatched in proptest::collection::vec(0i64..1_000_000_000, 0..=2),
        seek in (0usize..CHECKED, 0i64..86_400_000),
    ) {
        let zone = time_zone(ZONES[zone_index]).expect("known zone");
        let date = Date::constant(1990, 1, 1)
            .checked_add(Span::new().days(day))
            .expect("in range");
        let wall = Time::constant(hour, minute, 0, 0);
        let timing = match kind {
            Kind::Timed { duration_minutes } => {
                let start = resolve(&zone, date, wall).expect("in range");
                let end = start
                    .checked_add(SignedDuration::from_mins(duration_minutes))
                    .expect("in range");
                Timing::At { start, end }
            }
            Kind::AllDay { days } => Timing::AllDay {
                start: date,
                end: date.checked_add(Span::new().days(days)).expect("in range"),
            },
        };
        let first_start = match timing {
            Timing::At { start, .. } => start,
            Timing::AllDay { start, .. } => start_of_day(start, &zone).expect("in range"),
        };
        // The start's wall-clock time: the time asked for, or past a gap it fell in (the event
        // is an instant; the time that did not exist is not kept).
        let wall = zone.to_datetime(first_start).time();
        let end = match ending {
            Ending::Count(count) => End::Count(count),
            Ending::UntilDays(days) => End::Until(
                first_start
                    .checked_add(SignedDuration::from_hours(24 * days))
                    .expect("in range"),
            ),
            Ending::Never => End::Never,
        };
        let rule = Rule::new(RuleParts { end, ..pattern }).expect("valid rule");
        let plain = Series::new(timing, zone.clone(), Some(rule.clone()), vec![])
            .expect("valid series");

        // The bounded work of iterating: what lies between the start and the last date
        // returned, plus one cycle and two periods.
        let mut iterator = plain.iter();
        let fifty: Vec<Occurrence> = iterator.by_ref().take(50).collect();
        let last = fifty.last().expect("the event itself");
        let bound = days_between(date, local_date(&zone, last.start)) + CYCLE_DAYS + 2 * 366;
        prop_assert!(
            iterator.examined_days() <= bound,
            "{} examined, bound {}", iterator.examined_days(), bound
        );

        let occurrences: Vec<Occurrence> = plain.iter().take(CHECKED).collect();
        let first = plain.first();
        prop_assert_eq!(occurrences[0], first);
        prop_assert_eq!(first.start, first_start);
        prop_assert!(occurrences.windows(2).all(|pair| pair[0].start < pair[1].start));
        let never_occurs = plain.validate(usize::MAX) == Err(RecurrenceError::NeverOccurs);
        if never_occurs {
            // The event alone: nothing more to check, and each further walk would scan a
            // whole cycle again.
            prop_assert_eq!(occurrences.len(), 1);
            return Ok(());
        }
        match rule.end() {
            End::Count(count) => {
                prop_assert_eq!(occurrences.len(), usize::try_from(count).expect("small"));
            }
            End::Until(until) => prop_assert!(occurrences.iter().all(|o| o.start <= until)),
            End::Never => {}
        }
        for occurrence in &occurrences[1..] {
            match (kind.clone(), timing) {
                (Kind::Timed { .. }, Timing::At { start, end }) => {
                    prop_assert!(
                        keeps_the_wall_clock(&zone, wall, *occurrence),
                        "{} moved to {}", wall, zone.to_datetime(occurrence.start)
                    );
                    prop_assert_eq!(
                        occurrence.end.duration_since(occurrence.start),
                        end.duration_since(start)
                    );
                }
                (Kind::AllDay { days }, _) => {
                    let on = local_date(&zone, occurrence.start);
                    prop_assert_eq!(Ok(occurrence.start), start_of_day(on, &zone));
                    let after = on.checked_add(Span::new().days(days)).expect("in range");
                    prop_assert_eq!(Ok(occurrence.end), start_of_day(after, &zone));
                }
                (Kind::Timed { .. }, Timing::AllDay { .. }) => unreachable!("timed is At"),
            }
        }

        // A whole series, when short enough to check here, is what expansion gives.
        let complete = occurrences.len() < CHECKED && rule.end() != End::Never;
        if complete {
            prop_assert_eq!(plain.expand(usize::MAX), Ok(occurrences.clone()));
        }

        // Exclusions: some occurrences, and instants that are none.
        let mut exdates: Vec<Timestamp> = excluded
            .iter()
            .filter_map(|index| occurrences.get(*index).map(|o| o.start))
            .collect();
        exdates.extend(unmatched.iter().map(|seconds| {
            first_start
                .checked_add(SignedDuration::from_secs(seconds * 7 + 1))
                .expect("in range")
        }));
        let excluding = Series::new(timing, zone.clone(), Some(rule), exdates.clone())
            .expect("valid series");
        let expected: Vec<Occurrence> = occurrences
            .iter()
            .filter(|o| !exdates.contains(&o.start))
            .copied()
            .collect();
        let last_checked = occurrences.last().expect("the event itself").start;
        let got: Vec<Occurrence> = excluding
            .iter()
            .take_while(|o| o.start <= last_checked)
            .collect();
        prop_assert_eq!(&got, &expected);
        if complete {
            let expanded = excluding.expand(usize::MAX);
            if expected.is_empty() {
                prop_assert_eq!(expanded, Err(RecurrenceError::EveryOccurrenceExcluded));
            } else {
                prop_assert_eq!(expanded, Ok(expected.clone()));
            }
        }

        // Seeking: from an occurrence, or a little after one.
        let (index, offset_ms) = seek;
        let target = occurrences[index % occurrences.len()].start;
        for from in [
            target,
            target.checked_add(SignedDuration::from_millis(offset_ms)).expect("in range"),
        ] {
            let sought: Vec<Occurrence> = excluding.iter_from(from).take(20).collect();
            let filtered: Vec<Occurrence> = excluding
                .iter()
                .filter(|o| o.start >= from)
                .take(20)
                .collect();
            prop_assert_eq!(sought, filtered, "from {}", from);
        }
    }
}

/// Found by the property above: an event at 02:00 on the day Sydney's clocks skip from 02:00 to
/// 03:00 starts at 03:00, and its series keeps 03:00, also on dates without a gap.
#[test]
fn a_series_starting_in_a_gap_keeps_the_time_it_starts_at() {
    let zone = time_zone("Australia/Sydney").expect("known zone");
    let date = Date::constant(1996, 10, 27);
    let start = resolve(&zone, date, Time::constant(2, 0, 0, 0)).expect("in range");
    assert_eq!(zone.to_datetime(start).time(), Time::constant(3, 0, 0, 0));
    let rule = Rule::new(RuleParts {
        by_month_day: vec![29],
        by_month: vec![2],
        end: End::Count(2),
        ..RuleParts::new(recurrence::Frequency::Yearly)
    })
    .expect("valid rule");
    let series = Series::new(
        Timing::At { start, end: start },
        zone.clone(),
        Some(rule),
        vec![],
    )
    .expect("valid series");
    let leap_day = series.iter().nth(1).expect("a second occurrence");
    assert_eq!(
        zone.to_datetime(leap_day.start).to_string(),
        "2000-02-29T03:00:00"
    );
}
