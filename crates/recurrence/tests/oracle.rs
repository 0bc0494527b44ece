//! The engine against an independent implementation: the `rrule` crate 0.14 (a port of Python's
//! dateutil), given the equivalent `DTSTART;TZID=…` and our own RRULE text, must produce the same
//! start instants.
//!
//! Where rrule reads RFC 5545 differently, and how these tests account for it (each difference is
//! pinned by a test at the end, which fails if rrule changes):
//! - An unsynchronized DTSTART (one the rule does not produce) is not an occurrence for rrule,
//!   and its COUNT counts the rule's own instances. RFC 5545 §3.3.10 says "The DTSTART property
//!   value always counts as the first occurrence", and so does this engine: where rrule's first
//!   instance is not the start, the start comes first, then rrule's first n-1 (COUNT=n) or all
//!   of rrule's (UNTIL).
//! - BYDAY mixing plain and ordinal weekdays (MO,-1WE): rrule intersects them (a day must be a
//!   Monday and the last Wednesday, so nothing), as dateutil does — rrule 0.14
//!   src/iter/filters.rs applies `is_filtered_by_weekday` and `is_filtered_by_neg_weekday` one
//!   after the other; the JavaScript port's https://github.com/jkbrzt/rrule/issues/71 reports the
//!   same result. RFC 5545 §3.3.10 lets each BYDAY value add its days ("MO represents all Mondays
//!   within the month"; "-1MO represents the last Monday"): a union. Random cases never mix them.
//! - rrule refuses BYDAY=-5MO in monthly rules and -53MO in yearly ones: its validator bounds
//!   ordinals by `-31 / 7 ..= 31 / 7 + 1`, and Rust's division truncates -31 / 7 to -4
//!   (src/validator/validate_rrule.rs `validate_by_weekday`; the fix is proposed in
//!   https://github.com/fmeringdal/rust-rrule/pull/149). Random cases use -4 and -52 instead.
//! - rrule refuses BYSETPOS beyond ±31 in monthly rules and ±53 in weekly ones
//!   (`validate_by_set_pos`); RFC 5545 allows ±366 in any rule, and a position past the period's
//!   set just picks nothing. Random cases stay within rrule's ranges.
//! - rrule's first weekly period runs from DTSTART to the end of its week, not the whole week
//!   (src/iter/iterinfo.rs `weekday_set` starts at the counter date, which is DTSTART at
//!   first; dateutil's `wdayset` likewise), so BYSETPOS counts from DTSTART in that week: with
//!   BYDAY=WE,SA;BYSETPOS=1;WKST=TH from a Tuesday, rrule takes that Wednesday, where the week
//!   from Thursday to Wednesday first offers the Saturday before the start, dropped. RFC 5545
//!   §3.3.10 applies BYSETPOS to "the set of recurrence instances" of the whole interval, as the
//!   monthly and yearly rules of both engines do. Weekly cases with BYSETPOS start on their
//!   week's first day.
//! - rrule wants UNTIL in UTC when DTSTART has a TZID; it is always given in UTC here.
//! - rrule resolves a wall-clock time in a DST gap or fold its own way (src/iter/utils.rs
//!   `add_time_to_date`: midnight plus the time's length), so starts are 09:00 to 17:00 local,
//!   away from every change in these zones; unit tests and tests/invariants.rs cover DST.
//! - rrule's zones come from chrono-tz, whose tables stop at 2099: chrono-tz 0.10.4's
//!   src/prebuilt/timezones.rs ends Europe/Berlin with the change of 2099-10-25 and keeps CET
//!   after it, where jiff applies the zone's rule for every later year. Occurrences from 2100
//!   on are not compared.
//! - A rule that never occurs makes rrule scan to its year 10,000, about half a second each in a
//!   debug build; such random cases are left to tests/invariants.rs (this engine finds them
//!   within one 400-year cycle), and one fixed case here checks that rrule agrees.
//! - (Not compared, since this engine refuses such rules as RFC 5545 requires: rrule ignores
//!   ordinal BYDAY values in DAILY and WEEKLY rules altogether, see the last test.)

mod common;

use jiff::civil::{Date, DateTime, Time};
use jiff::{SignedDuration, Span};
use proptest::prelude::*;
use recurrence::{
    End, Frequency, RecurrenceError, Rule, RuleParts, Series, TimeZone, Timestamp, Timing,
    time_zone,
};

const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
];

/// Occurrences compared per case, at most: enough to cross several periods of any rule while
/// keeping the whole test fast.
const COMPARED: usize = 300;

/// 2100-01-01T00:00:00Z: chrono-tz knows no DST change from then on.
const COMPARED_BEFORE: i64 = 4_102_444_800;

/// How a case ends.
#[derive(Debug, Clone)]
enum Ending {
    Count(u32),
    /// This many days after the start, at the start's wall-clock time or another one.
    Until {
        days: i64,
        at: Option<(i8, i8)>,
    },
    /// Open-ended: the first 30 occurrences are compared.
    Never,
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        (1u32..=30).prop_map(Ending::Count),
        (
            1i64..=1500,
            proptest::option::of((0i8..24, prop_oneof![Just(0i8), Just(30), 0i8..60]))
        )
            .prop_map(|(days, at)| Ending::Until { days, at }),
        Just(Ending::Never),
    ]
}

fn resolve(zone: &TimeZone, local: DateTime) -> Timestamp {
    zone.to_ambiguous_timestamp(local)
        .compatible()
        .expect("within jiff's range")
}

/// rrule's start instants (seconds) for the event at `local` in `zone_name`, at most `limit`.
fn rrule_starts(zone_name: &str, local: DateTime, rule_text: &str, limit: usize) -> Vec<i64> {
    let text = format!(
        "DTSTART;TZID={zone_name}:{}\nRRULE:{rule_text}",
        local.strftime("%Y%m%dT%H%M%S")
    );
    let set: rrule::RRuleSet = text.parse().expect("rrule accepts the rule");
    let result = set.all(u16::try_from(limit).expect("small limit"));
    assert!(
        !result.limited || result.dates.len() == limit,
        "rrule gave up: {text}"
    );
    result.dates.iter().map(|start| start.timestamp()).collect()
}

/// What this engine should give, from rrule's instances: the start first even where rrule does
/// not produce it, and then as many as `count` allows.
fn expected(start: i64, mut theirs: Vec<i64>, count: Option<usize>) -> Vec<i64> {
    if theirs.first() != Some(&start) {
        theirs.insert(0, start);
    }
    if let Some(count) = count {
        theirs.truncate(count);
    }
    theirs
}

fn ours(series: &Series, limit: usize) -> Vec<i64> {
    series
        .iter()
        .take(limit)
        .map(|occurrence| occurrence.start.as_second())
        .collect()
}

fn series_at(zone: &TimeZone, local: DateTime, rule: Rule) -> Series {
    let start = resolve(zone, local);
    Series::new(
        Timing::At { start, end: start },
        zone.clone(),
        Some(rule),
        vec![],
    )
    .expect("valid series")
}

fn new_york_at_nine(date: Date) -> (TimeZone, DateTime) {
    (
        time_zone("America/New_York").expect("known zone"),
        date.to_datetime(Time::constant(9, 0, 0, 0)),
    )
}

proptest! {
    // About a fifth of random rules never occur and are skipped (see above).
    #![proptest_config(ProptestConfig {
        max_global_rejects: 100_000,
        ..ProptestConfig::with_cases(512)
    })]

    #[test]
    fn our_series_match_rrules(
        zone_index in 0..ZONES.len(),
        day in 0i64..18_262,
        hour in 9i8..17,
        minute in 0i8..60,
        second in 0i8..60,
        pattern in common::pattern(true),
        ending in ending(),
    ) {
        let zone_name = ZONES[zone_index];
        let zone = time_zone(zone_name).expect("known zone");
        let mut date = Date::constant(1990, 1, 1)
            .checked_add(Span::new().days(day))
            .expect("in range");
        if pattern.frequency == Frequency::Weekly && !pattern.by_set_position.is_empty() {
            let into_week = pattern.week_start.until(date.weekday());
            date = date.checked_sub(Span::new().days(into_week)).expect("in range");
        }
        let local = date.to_datetime(Time::constant(hour, minute, second, 0));
        let start = resolve(&zone, local);
        let (end, count, limit, rrule_end) = match ending {
            Ending::Count(count) => (End::Count(count), Some(count as usize), count as usize, format!("COUNT={count}")),
            Ending::Until { days, at } => {
                let until_date = date.checked_add(Span::new().days(days)).expect("in range");
                let until_time = at.map_or(local.time(), |(h, m)| Time::constant(h, m, 0, 0));
                let until = resolve(&zone, until_date.to_datetime(until_time));
                (End::Until(until), None, COMPARED, format!("UNTIL={}", until.strftime("%Y%m%dT%H%M%SZ")))
            }
            Ending::Never => (End::Never, Some(30), 30, "COUNT=30".to_owned()),
        };
        let rule = Rule::new(RuleParts { end, ..pattern }).expect("valid rule");
        let rule_text = format!("{};{rrule_end}", rule.pattern());
        let series = series_at(&zone, local, rule);
        prop_assume!(series.validate(usize::MAX) != Err(RecurrenceError::NeverOccurs));

        let theirs = rrule_starts(zone_name, local, &rule_text, limit);
        let mut expected = expected(start.as_second(), theirs, count);
        expected.truncate(limit);
        expected.retain(|start| *start < COMPARED_BEFORE);
        let mut ours = ours(&series, limit);
        ours.retain(|start| *start < COMPARED_BEFORE);
        prop_assert_eq!(ours, expected, "{} from {} in {}", rule_text, local, zone_name);
    }
}

#[test]
fn the_oracle_agrees_on_rfc5545s_daily_until_example() {
    let (zone, local) = new_york_at_nine(Date::constant(1997, 9, 2));
    let rule = Rule::parse_rrule("FREQ=DAILY;UNTIL=19971224T000000Z", &zone).expect("valid");
    let series = series_at(&zone, local, rule);
    let theirs = rrule_starts(
        "America/New_York",
        local,
        "FREQ=DAILY;UNTIL=19971224T000000Z",
        COMPARED,
    );
    assert_eq!(theirs.len(), 113);
    assert_eq!(ours(&series, COMPARED), theirs);
}

#[test]
fn rrule_agrees_that_february_31st_never_comes() {
    let (zone, local) = new_york_at_nine(Date::constant(2026, 1, 5));
    let text = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31;COUNT=3";
    assert_eq!(rrule_starts("America/New_York", local, text, 10), []);
    let series = series_at(&zone, local, Rule::parse_rrule(text, &zone).expect("valid"));
    assert_eq!(series.validate(10), Err(RecurrenceError::NeverOccurs));
    assert_eq!(ours(&series, 10), [resolve(&zone, local).as_second()]);
}

#[test]
fn rrule_leaves_an_unsynchronized_dtstart_out_and_counts_only_the_rules_instances() {
    // Monday 2026-03-02 with BYDAY=TU,TH.
    let (zone, local) = new_york_at_nine(Date::constant(2026, 3, 2));
    let text = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3";
    let at_nine = |day: i8| resolve(&zone, Date::constant(2026, 3, day).at(9, 0, 0, 0)).as_second();
    assert_eq!(
        rrule_starts("America/New_York", local, text, 10),
        [at_nine(3), at_nine(5), at_nine(10)]
    );
    let series = series_at(&zone, local, Rule::parse_rrule(text, &zone).expect("valid"));
    assert_eq!(ours(&series, 10), [at_nine(2), at_nine(3), at_nine(5)]);
}

#[test]
fn rrule_intersects_plain_and_ordinal_weekdays_where_rfc_5545_unites_them() {
    let (zone, local) = new_york_at_nine(Date::constant(2026, 1, 5));
    let text = "FREQ=MONTHLY;BYDAY=MO,-1WE;COUNT=6";
    assert_eq!(rrule_starts("America/New_York", local, text, 10), []);
    let series = series_at(&zone, local, Rule::parse_rrule(text, &zone).expect("valid"));
    let days: Vec<i8> = series
        .iter()
        .map(|o| zone.to_datetime(o.start).day())
        .collect();
    // Mondays 5, 12, 19 and 26, Wednesday the 28th (January's last), Monday 2 February.
    assert_eq!(days, [5, 12, 19, 26, 28, 2]);
}

#[test]
fn rrule_refuses_the_fifth_last_weekday_of_a_month_and_the_53rd_last_of_a_year() {
    let local = Date::constant(2026, 1, 5)
        .at(9, 0, 0, 0)
        .strftime("%Y%m%dT%H%M%S");
    for (rule, bound) in [
        ("FREQ=MONTHLY;BYDAY=-5MO", "-4..=5"),
        ("FREQ=YEARLY;BYDAY=-53MO", "-52..=53"),
    ] {
        let text = format!("DTSTART;TZID=America/New_York:{local}\nRRULE:{rule}");
        let error = text
            .parse::<rrule::RRuleSet>()
            .expect_err("rrule refuses it");
        assert!(error.to_string().contains(bound), "{rule}: {error}");
        assert!(Rule::parse_rrule(rule, &TimeZone::UTC).is_ok(), "{rule}");
    }
}

#[test]
fn rrule_counts_set_positions_in_the_first_week_from_dtstart() {
    // Tuesday 1990-01-02, weeks from Thursday: that week offers Saturday 30 December and
    // Wednesday 3 January; the first of them is before the start.
    let zone = TimeZone::UTC;
    let local = Date::constant(1990, 1, 2).at(9, 0, 0, 0);
    let text = "FREQ=WEEKLY;BYDAY=WE,SA;BYSETPOS=1;WKST=TH;COUNT=2";
    let at_nine = |month: i8, day: i8| {
        resolve(&zone, Date::constant(1990, month, day).at(9, 0, 0, 0)).as_second()
    };
    assert_eq!(
        rrule_starts("UTC", local, text, 10),
        [at_nine(1, 3), at_nine(1, 6)]
    );
    let series = series_at(&zone, local, Rule::parse_rrule(text, &zone).expect("valid"));
    assert_eq!(ours(&series, 10), [at_nine(1, 2), at_nine(1, 6)]);
}

#[test]
fn rrule_refuses_set_positions_past_31_in_monthly_rules() {
    let text =
        "DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=32";
    assert!(text.parse::<rrule::RRuleSet>().is_err());
    assert!(Rule::parse_rrule("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=32", &TimeZone::UTC).is_ok());
}

#[test]
fn rrule_ignores_ordinal_weekdays_in_a_daily_rule_which_rfc_5545_forbids() {
    // Tuesday 2026-03-03: BYDAY=1MO should mean Mondays (dateutil) or be refused (RFC 5545, and
    // this engine); rrule returns every day.
    let (zone, local) = new_york_at_nine(Date::constant(2026, 3, 3));
    let theirs = rrule_starts(
        "America/New_York",
        local,
        "FREQ=DAILY;BYDAY=1MO;COUNT=3",
        10,
    );
    let day = SignedDuration::from_hours(24).as_secs();
    let first = resolve(&zone, local).as_second();
    assert_eq!(theirs, [first, first + day, first + 2 * day]);
    assert!(Rule::parse_rrule("FREQ=DAILY;BYDAY=1MO", &zone).is_err());
}
