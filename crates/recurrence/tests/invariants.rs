//! Property tests without an oracle: whatever the rule, zone and time of day (DST gaps and folds
//! included), a series starts with the event, strictly increases, keeps the event's duration,
//! respects its end and the occurrence limit, and keeps the start's wall-clock time except where
//! that time does not exist.

use jiff::civil::{Date, Time};
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Span};
use proptest::prelude::*;
use recurrence::{End, Frequency, RecurrenceError, Rule, expand, time_zone};

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

fn frequency() -> impl Strategy<Value = Frequency> {
    prop_oneof![
        Just(Frequency::Daily),
        Just(Frequency::Weekly),
        Just(Frequency::Monthly)
    ]
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
        duration_minutes in 0i64..=1440,
        frequency in frequency(),
        interval in 1u32..=6,
        count in proptest::option::of(1u32..=60),
        until_days in 1i64..1500,
        max_occurrences in prop_oneof![1usize..=80, Just(5000)],
    ) {
        let zone = time_zone(ZONES[zone_index]).expect("known zone");
        let date = Date::constant(1990, 1, 1)
            .checked_add(Span::new().days(day))
            .expect("in range");
        let wall_clock = Time::constant(hour, minute, 0, 0);
        let start = zone
            .to_ambiguous_timestamp(date.to_datetime(wall_clock))
            .compatible()
            .expect("in range");
        let end = start
            .checked_add(SignedDuration::from_mins(duration_minutes))
            .expect("in range");
        let until = start
            .checked_add(SignedDuration::from_hours(24 * until_days))
            .expect("in range");
        let rule = match count {
            Some(count) => Rule::new(frequency, interval, Some(count), None),
            None => Rule::new(frequency, interval, None, Some(until)),
        }
        .expect("valid rule");

        let series = match expand(start, end, &zone, Some(&rule), max_occurrences) {
            Ok(series) => series,
            Err(error) => {
                prop_assert_eq!(
                    &error,
                    &RecurrenceError::TooManyOccurrences { max: max_occurrences, by_count: count.is_some() }
                );
                // Refused only when the series really is longer than the limit.
                let unlimited = expand(start, end, &zone, Some(&rule), 5000).expect("valid series");
                prop_assert!(unlimited.len() > max_occurrences);
                return Ok(());
            }
        };

        prop_assert!(series.len() <= max_occurrences);
        prop_assert_eq!(series[0].start, start);
        prop_assert!(series.windows(2).all(|pair| pair[0].start < pair[1].start));
        prop_assert!(series.iter().all(|o| o.end.duration_since(o.start) == end.duration_since(start)));
        match rule.end {
            End::Count(count) => prop_assert_eq!(series.len(), usize::try_from(count).expect("small")),
            End::Until(until) => prop_assert!(series.iter().all(|o| o.start <= until)),
        }
        let start_wall_clock = zone.to_datetime(start).time();
        for occurrence in &series[1..] {
            let local = zone.to_datetime(occurrence.start);
            if local.time() != start_wall_clock {
                // Only a wall-clock time that does not exist that day may move, and then forward
                // by the gap.
                let intended = zone.to_ambiguous_timestamp(local.date().to_datetime(start_wall_clock));
                let is_gap = matches!(intended.offset(), AmbiguousOffset::Gap { .. });
                prop_assert!(is_gap, "{} moved to {}", start_wall_clock, local);
                prop_assert!(local.time() > start_wall_clock);
            }
        }
    }
}
