//! The engine against an independent implementation: the `rrule` crate, given the equivalent
//! DTSTART;TZID=… and RRULE, must produce exactly the same start instants.
//!
//! Restricted to what rrule is known to get right and what our rules can express: starts in
//! 1990–2040 between 09:00 and 17:00 local (away from every DST change in these zones, so gap and
//! fold handling — covered by unit tests — never comes into play), whole seconds, and only
//! FREQ, INTERVAL and one of COUNT or UNTIL.

use jiff::civil::{Date, DateTime, Time};
use proptest::prelude::*;
use recurrence::{Frequency, Rule, TimeZone, Timestamp, expand, time_zone};

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

/// How the oracle case ends: a count, or an until this many days after the start at either the
/// start's own wall-clock time (landing exactly on a daily occurrence) or another one.
#[derive(Debug, Clone)]
enum Ending {
    Count(u32),
    Until { days: i64, at: Option<(i8, i8)> },
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        (1u32..=60).prop_map(Ending::Count),
        (
            1i64..=1500,
            proptest::option::of((0i8..24, prop_oneof![Just(0i8), Just(30), 0i8..60]))
        )
            .prop_map(|(days, at)| Ending::Until { days, at }),
    ]
}

fn resolve(zone: &TimeZone, local: DateTime) -> Timestamp {
    zone.to_ambiguous_timestamp(local)
        .compatible()
        .expect("within jiff's range")
}

fn rrule_starts(zone_name: &str, local: DateTime, rule_text: &str) -> Vec<i64> {
    let text = format!(
        "DTSTART;TZID={zone_name}:{}\nRRULE:{rule_text}",
        local.strftime("%Y%m%dT%H%M%S")
    );
    let set: rrule::RRuleSet = text.parse().expect("rrule accepts the rule");
    set.all_unchecked()
        .iter()
        .map(|start| start.timestamp())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn our_series_match_rrules(
        zone_index in 0..ZONES.len(),
        day in 0i64..18_262,
        hour in 9i8..17,
        minute in 0i8..60,
        frequency in frequency(),
        interval in 1u32..=6,
        ending in ending(),
    ) {
        let zone_name = ZONES[zone_index];
        let zone = time_zone(zone_name).expect("known zone");
        let date = Date::constant(1990, 1, 1)
            .checked_add(jiff::Span::new().days(day))
            .expect("in range");
        let local = date.to_datetime(Time::constant(hour, minute, 0, 0));
        let start = resolve(&zone, local);

        let freq = frequency.as_str().to_uppercase();
        let (rule, rule_text) = match ending {
            Ending::Count(count) => (
                Rule::new(frequency, interval, Some(count), None),
                format!("FREQ={freq};INTERVAL={interval};COUNT={count}"),
            ),
            Ending::Until { days, at } => {
                let until_date = date.checked_add(jiff::Span::new().days(days)).expect("in range");
                let until_time = at.map_or(local.time(), |(h, m)| Time::constant(h, m, 0, 0));
                let until = resolve(&zone, until_date.to_datetime(until_time));
                (
                    Rule::new(frequency, interval, None, Some(until)),
                    format!(
                        "FREQ={freq};INTERVAL={interval};UNTIL={}",
                        until.strftime("%Y%m%dT%H%M%SZ")
                    ),
                )
            }
        };
        let rule = rule.expect("valid rule");

        let ours: Vec<i64> = expand(start, start, &zone, Some(&rule), 5000)
            .expect("valid series")
            .iter()
            .map(|occurrence| occurrence.start.as_second())
            .collect();
        let theirs = rrule_starts(zone_name, local, &rule_text);
        prop_assert_eq!(ours, theirs, "{} in {}", rule_text, zone_name);
    }
}

#[test]
fn the_oracle_agrees_on_rfc5545s_daily_until_example() {
    let zone = time_zone("America/New_York").expect("known zone");
    let local = Date::constant(1997, 9, 2).to_datetime(Time::constant(9, 0, 0, 0));
    let until: Timestamp = "1997-12-24T00:00:00Z".parse().expect("valid");
    let rule = Rule::new(Frequency::Daily, 1, None, Some(until)).expect("valid rule");
    let start = resolve(&zone, local);
    let ours: Vec<i64> = expand(start, start, &zone, Some(&rule), 5000)
        .expect("valid series")
        .iter()
        .map(|occurrence| occurrence.start.as_second())
        .collect();
    let theirs = rrule_starts(
        "America/New_York",
        local,
        "FREQ=DAILY;INTERVAL=1;UNTIL=19971224T000000Z",
    );
    assert_eq!(ours.len(), 113);
    assert_eq!(ours, theirs);
}
