//! Property tests: whatever the rule, a series starts with the event, strictly increases, keeps
//! the event's duration, respects its end, and keeps the local wall-clock time of the start.

use proptest::prelude::*;
use recurrence::{End, Frequency, Rule, Timestamp, expand, time_zone};

const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
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
        // 1990..2040, starting between 09:00 and 17:00 local so no start falls in a DST change.
        day in 0i64..18_250,
        hour in 9i64..17,
        minutes in 0i64..240,
        frequency in frequency(),
        interval in 1u32..=6,
        count in proptest::option::of(1u32..=60),
        until_days in 1i64..1500,
    ) {
        let zone = time_zone(ZONES[zone_index]).expect("known zone");
        let local = jiff::civil::date(1990, 1, 1)
            .checked_add(jiff::Span::new().days(day))
            .expect("in range")
            .at(i8::try_from(hour).expect("hour"), 0, 0, 0);
        let start = zone.to_ambiguous_timestamp(local).compatible().expect("a daytime start exists");
        let end = start.checked_add(jiff::SignedDuration::from_mins(minutes)).expect("in range");
        let until = start.checked_add(jiff::SignedDuration::from_hours(24 * until_days)).expect("in range");
        let rule = match count {
            Some(count) => Rule::new(frequency, interval, Some(count), None),
            None => Rule::new(frequency, interval, None, Some(until)),
        }
        .expect("valid rule");

        let series = expand(start, end, &zone, Some(&rule), 5000).expect("valid series");

        prop_assert_eq!(series[0].start, start);
        prop_assert!(series.windows(2).all(|pair| pair[0].start < pair[1].start));
        prop_assert!(series.iter().all(|o| o.end.duration_since(o.start) == end.duration_since(start)));
        match rule.end {
            End::Count(count) => prop_assert_eq!(series.len(), usize::try_from(count).expect("small")),
            End::Until(until) => prop_assert!(series.iter().all(|o| o.start <= until)),
        }
        let wall_clock = |t: Timestamp| zone.to_datetime(t).time();
        prop_assert!(series.iter().all(|o| wall_clock(o.start) == wall_clock(start)));
    }
}
