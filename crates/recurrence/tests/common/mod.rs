//! Random rules for the property tests: every frequency and part, with sparse combinations (leap
//! days, fifth weekdays, far set positions, impossible dates) weighted in.

use proptest::collection::vec;
use proptest::prelude::*;
use recurrence::{Frequency, RuleParts, Weekday, WeekdayNum};

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

fn weekday() -> impl Strategy<Value = Weekday> {
    proptest::sample::select(WEEKDAYS.to_vec())
}

fn frequency() -> impl Strategy<Value = Frequency> {
    prop_oneof![
        Just(Frequency::Daily),
        Just(Frequency::Weekly),
        Just(Frequency::Monthly),
        Just(Frequency::Yearly),
    ]
}

/// `magnitude` from the start or the end: ±1..=max.
fn signed(max: i16) -> impl Strategy<Value = i16> {
    (1..=max, any::<bool>()).prop_map(|(n, negative)| if negative { -n } else { n })
}

fn ordinal(frequency: Frequency) -> BoxedStrategy<Option<i8>> {
    let small = signed(5).prop_map(|n| i8::try_from(n).ok());
    match frequency {
        Frequency::Daily | Frequency::Weekly => Just(None).boxed(),
        Frequency::Monthly => prop_oneof![2 => Just(None), 1 => small].boxed(),
        Frequency::Yearly => prop_oneof![
            2 => Just(None),
            1 => small,
            1 => signed(53).prop_map(|n| i8::try_from(n).ok()),
        ]
        .boxed(),
    }
}

/// A valid rule without an end, using every part where its frequency allows it. With
/// `rrule_agrees`, only what the rrule crate reads as RFC 5545 does (see tests/oracle.rs): no
/// plain weekdays mixed with ordinal ones, no -5 monthly or -53 yearly ordinals, and set
/// positions within the ranges it accepts.
pub fn pattern(rrule_agrees: bool) -> BoxedStrategy<RuleParts> {
    let general = frequency()
        .prop_flat_map(move |frequency| {
            let weekday_num = (ordinal(frequency), weekday())
                .prop_map(|(ordinal, weekday)| WeekdayNum { ordinal, weekday });
            let month_days = if frequency == Frequency::Weekly {
                Just(vec![]).boxed()
            } else {
                vec(signed(31).prop_map(|n| n as i8), 1..=3).boxed()
            };
            let max_position = match (frequency, rrule_agrees) {
                (Frequency::Monthly, true) => 31,
                (Frequency::Weekly, true) => 7,
                _ => 366,
            };
            let positions = prop_oneof![
                3 => Just(vec![]),
                2 => vec(signed(3), 1..=2),
                1 => vec(signed(max_position), 1..=2),
            ];
            // Each list empty more often than not: rules with every part at once mostly never
            // occur.
            (
                Just(frequency),
                prop_oneof![3 => Just(1u32), 2 => 1u32..=6],
                prop_oneof![Just(vec![]), vec(weekday_num, 1..=3)],
                prop_oneof![3 => Just(vec![]), 2 => month_days],
                prop_oneof![3 => Just(vec![]), 2 => vec(1i8..=12, 1..=2)],
                positions,
                weekday(),
            )
        })
        .prop_map(
            |(
                frequency,
                interval,
                by_weekday,
                by_month_day,
                by_month,
                by_set_position,
                week_start,
            )| {
                RuleParts {
                    interval,
                    by_weekday,
                    by_month_day,
                    by_month,
                    by_set_position,
                    week_start,
                    ..RuleParts::new(frequency)
                }
            },
        );
    let sparse = prop_oneof![
        Just("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
        Just("FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29"),
        Just("FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=-1"),
        Just("FREQ=MONTHLY;BYDAY=5MO"),
        Just("FREQ=MONTHLY;INTERVAL=5;BYDAY=5FR,5SA"),
        Just("FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=366"),
        Just("FREQ=YEARLY;BYMONTH=2;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=29"),
        Just("FREQ=YEARLY;BYDAY=53TH"),
        Just("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"),
        Just("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=SU"),
        Just("FREQ=WEEKLY;INTERVAL=6;BYMONTH=2;BYDAY=SA;WKST=SU"),
        Just("FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=13;BYDAY=FR"),
        Just("FREQ=DAILY;INTERVAL=6;BYMONTHDAY=31;BYMONTH=1,3"),
    ]
    .prop_map(|text| {
        recurrence::Rule::parse_rrule(text, &recurrence::TimeZone::UTC)
            .expect("valid sparse rule")
            .parts()
            .clone()
    });
    prop_oneof![4 => general, 1 => sparse]
        .prop_map(move |mut parts| {
            if rrule_agrees {
                agree_with_rrule(&mut parts);
            }
            // RFC 5545: BYSETPOS only with another BYxxx part.
            if parts.by_weekday.is_empty()
                && parts.by_month_day.is_empty()
                && parts.by_month.is_empty()
            {
                parts.by_set_position.clear();
            }
            parts
        })
        .boxed()
}

/// Keeps a rule within what the rrule crate 0.14 reads as RFC 5545 does (tests/oracle.rs says
/// why each difference is rrule's).
fn agree_with_rrule(parts: &mut RuleParts) {
    let has_plain = parts.by_weekday.iter().any(|day| day.ordinal.is_none());
    for day in &mut parts.by_weekday {
        if has_plain {
            day.ordinal = None;
        }
        day.ordinal = match (parts.frequency, day.ordinal) {
            (Frequency::Monthly, Some(-5)) => Some(-4),
            (Frequency::Yearly, Some(-53)) => Some(-52),
            (_, ordinal) => ordinal,
        };
    }
}
