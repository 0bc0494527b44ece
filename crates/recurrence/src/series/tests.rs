//! Series: RFC 5545's examples, DST, exclusions, ranges and errors.

use jiff::civil::DateTime;

use super::*;
use crate::{Frequency, RuleParts, canonical_time_zone, time_zone};

const NEW_YORK: &str = "America/New_York";
const BERLIN: &str = "Europe/Berlin";
const SYDNEY: &str = "Australia/Sydney";

fn at(text: &str) -> Timestamp {
    text.parse().expect("valid timestamp")
}

fn zone(name: &str) -> TimeZone {
    time_zone(name).expect("known zone")
}

/// The wall-clock time `local` ("1997-09-02T09:00") in `zone_name`, as an instant.
fn local(local: &str, zone_name: &str) -> Timestamp {
    let local: DateTime = local.parse().expect("valid civil datetime");
    zone(zone_name)
        .to_ambiguous_timestamp(local)
        .compatible()
        .expect("in range")
}

fn rule(text: &str, zone_name: &str) -> Rule {
    Rule::parse_rrule(text, &zone(zone_name)).expect("valid rule")
}

/// A one-hour event starting at `start` (local) in `zone_name`, repeating by `rrule`.
fn timed(start: &str, zone_name: &str, rrule: &str) -> Series {
    timed_except(start, zone_name, rrule, vec![])
}

fn timed_except(start: &str, zone_name: &str, rrule: &str, exdates: Vec<Timestamp>) -> Series {
    let start = local(start, zone_name);
    let end = start
        .checked_add(SignedDuration::from_hours(1))
        .expect("in range");
    Series::new(
        Timing::At { start, end },
        zone(zone_name),
        Some(rule(rrule, zone_name)),
        exdates,
    )
    .expect("valid series")
}

fn all_day(start: Date, days: i64, zone_name: &str, rrule: &str) -> Series {
    let end = start
        .checked_add(jiff::Span::new().days(days))
        .expect("in range");
    Series::new(
        Timing::AllDay { start, end },
        zone(zone_name),
        Some(rule(rrule, zone_name)),
        vec![],
    )
    .expect("valid series")
}

/// Wall-clock starts with their offsets, so that DST shows: "1997-09-02 09:00 -04:00".
fn walls(series: &Series, occurrences: impl IntoIterator<Item = Occurrence>) -> Vec<String> {
    occurrences
        .into_iter()
        .map(|occurrence| {
            occurrence
                .start
                .to_zoned_datetime(series.zone().clone())
                .strftime("%Y-%m-%d %H:%M %:z")
                .to_string()
        })
        .collect()
}

fn first_walls(series: &Series, n: usize) -> Vec<String> {
    walls(series, series.iter().take(n))
}

fn expanded_walls(series: &Series) -> Vec<String> {
    walls(series, series.expand(5000).expect("valid series"))
}

/// The dates of occurrences that all start at 09:00 on the event's wall clock.
fn dates_at_nine(
    series: &Series,
    occurrences: impl IntoIterator<Item = Occurrence>,
) -> Vec<String> {
    occurrences
        .into_iter()
        .map(|occurrence| {
            let wall = series.zone().to_datetime(occurrence.start);
            assert_eq!(wall.time(), Time::constant(9, 0, 0, 0), "{wall}");
            wall.date().to_string()
        })
        .collect()
}

/// An RFC 5545 §3.8.5.3 example: DTSTART;TZID=America/New_York:`dtstart` and the RRULE.
fn rfc(dtstart: &str, rrule: &str) -> Series {
    let start = DateTime::strptime("%Y%m%dT%H%M%S", dtstart).expect("basic date-time");
    timed(&start.to_string(), NEW_YORK, rrule)
}

/// The first `n` dates of an RFC example, all at 09:00 New York time.
fn rfc_dates(series: &Series, n: usize) -> Vec<String> {
    dates_at_nine(series, series.iter().take(n))
}

/// Dates written compactly: ("1997-09", [2, 4]) is 1997-09-02 and 1997-09-04.
fn dates(months: &[(&str, &[u8])]) -> Vec<String> {
    months
        .iter()
        .flat_map(|(month, days)| days.iter().map(move |day| format!("{month}-{day:02}")))
        .collect()
}

// RFC 5545 §3.8.5.3's examples that use only supported parts, in the RFC's order, with the
// instances the RFC lists. Skipped, as they need unsupported parts: "every third year on the
// 1st, 100th, and 200th day" (BYYEARDAY), "Monday of week number 20" (BYWEEKNO), "every 3 hours
// from 9:00 AM to 5:00 PM" (HOURLY), "every 15 minutes for 6 occurrences" and "every hour and a
// half for 4 occurrences" (MINUTELY), and "every 20 minutes from 9:00 AM to 4:40 PM every day"
// (BYHOUR and BYMINUTE, or MINUTELY).

#[test]
fn rfc5545_daily_for_10_occurrences() {
    let series = rfc("19970902T090000", "FREQ=DAILY;COUNT=10");
    assert_eq!(
        dates_at_nine(&series, series.expand(5000).expect("valid")),
        dates(&[("1997-09", &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11])])
    );
}

#[test]
fn rfc5545_daily_until_december_24_keeps_nine_oclock_across_the_fall_change() {
    let series = rfc("19970902T090000", "FREQ=DAILY;UNTIL=19971224T000000Z");
    let got = expanded_walls(&series);
    assert_eq!(got.len(), 113);
    assert_eq!(got[0], "1997-09-02 09:00 -04:00");
    assert_eq!(got[53], "1997-10-25 09:00 -04:00");
    assert_eq!(got[54], "1997-10-26 09:00 -05:00");
    assert_eq!(got[112], "1997-12-23 09:00 -05:00");
}

#[test]
fn rfc5545_every_other_day_forever() {
    let series = rfc("19970902T090000", "FREQ=DAILY;INTERVAL=2");
    assert!(series.is_open_ended());
    assert_eq!(
        rfc_dates(&series, 15),
        dates(&[(
            "1997-09",
            &[2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
        )])
    );
}

#[test]
fn rfc5545_every_10_days_5_occurrences() {
    let series = rfc("19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5");
    assert_eq!(
        rfc_dates(&series, 10),
        dates(&[("1997-09", &[2, 12, 22]), ("1997-10", &[2, 12])])
    );
}

#[test]
fn rfc5545_every_day_in_january_for_3_years_both_ways() {
    let expected = dates(&[
        ("1998-01", &(1..=31).collect::<Vec<u8>>()),
        ("1999-01", &(1..=31).collect::<Vec<u8>>()),
        ("2000-01", &(1..=31).collect::<Vec<u8>>()),
    ]);
    for rrule in [
        "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
        "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
    ] {
        let series = rfc("19980101T090000", rrule);
        assert_eq!(
            dates_at_nine(&series, series.expand(5000).expect("valid")),
            expected,
            "{rrule}"
        );
    }
}

#[test]
fn rfc5545_weekly_for_10_occurrences() {
    let series = rfc("19970902T090000", "FREQ=WEEKLY;COUNT=10");
    assert_eq!(
        expanded_walls(&series),
        [
            "1997-09-02 09:00 -04:00",
            "1997-09-09 09:00 -04:00",
            "1997-09-16 09:00 -04:00",
            "1997-09-23 09:00 -04:00",
            "1997-09-30 09:00 -04:00",
            "1997-10-07 09:00 -04:00",
            "1997-10-14 09:00 -04:00",
            "1997-10-21 09:00 -04:00",
            "1997-10-28 09:00 -05:00",
            "1997-11-04 09:00 -05:00",
        ]
    );
}

#[test]
fn rfc5545_weekly_until_december_24() {
    let series = rfc("19970902T090000", "FREQ=WEEKLY;UNTIL=19971224T000000Z");
    assert_eq!(
        dates_at_nine(&series, series.expand(5000).expect("valid")),
        dates(&[
            ("1997-09", &[2, 9, 16, 23, 30]),
            ("1997-10", &[7, 14, 21, 28]),
            ("1997-11", &[4, 11, 18, 25]),
            ("1997-12", &[2, 9, 16, 23]),
        ])
    );
}

#[test]
fn rfc5545_every_other_week_forever() {
    let series = rfc("19970902T090000", "FREQ=WEEKLY;INTERVAL=2;WKST=SU");
    assert_eq!(
        rfc_dates(&series, 13),
        dates(&[
            ("1997-09", &[2, 16, 30]),
            ("1997-10", &[14, 28]),
            ("1997-11", &[11, 25]),
            ("1997-12", &[9, 23]),
            ("1998-01", &[6, 20]),
            ("1998-02", &[3, 17]),
        ])
    );
}

#[test]
fn rfc5545_weekly_on_tuesday_and_thursday_for_five_weeks_both_ways() {
    let expected = dates(&[
        ("1997-09", &[2, 4, 9, 11, 16, 18, 23, 25, 30]),
        ("1997-10", &[2]),
    ]);
    for rrule in [
        "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
        "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
    ] {
        let series = rfc("19970902T090000", rrule);
        assert_eq!(
            dates_at_nine(&series, series.expand(5000).expect("valid")),
            expected,
            "{rrule}"
        );
    }
}

#[test]
fn rfc5545_every_other_week_on_monday_wednesday_and_friday_until_december_24() {
    let series = rfc(
        "19970901T090000",
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
    );
    let got = dates_at_nine(&series, series.expand(5000).expect("valid"));
    assert_eq!(
        got,
        dates(&[
            ("1997-09", &[1, 3, 5, 15, 17, 19, 29]),
            ("1997-10", &[1, 3, 13, 15, 17, 27, 29, 31]),
            ("1997-11", &[10, 12, 14, 24, 26, 28]),
            ("1997-12", &[8, 10, 12, 22]),
        ])
    );
    assert_eq!(got.len(), 25);
}

#[test]
fn rfc5545_every_other_week_on_tuesday_and_thursday_for_8_occurrences() {
    let series = rfc(
        "19970902T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
    );
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[("1997-09", &[2, 4, 16, 18, 30]), ("1997-10", &[2, 14, 16])])
    );
}

#[test]
fn rfc5545_monthly_on_the_first_friday_for_10_occurrences() {
    let series = rfc("19970905T090000", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR");
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[5]),
            ("1997-10", &[3]),
            ("1997-11", &[7]),
            ("1997-12", &[5]),
            ("1998-01", &[2]),
            ("1998-02", &[6]),
            ("1998-03", &[6]),
            ("1998-04", &[3]),
            ("1998-05", &[1]),
            ("1998-06", &[5]),
        ])
    );
}

#[test]
fn rfc5545_monthly_on_the_first_friday_until_december_24() {
    let series = rfc(
        "19970905T090000",
        "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
    );
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[5]),
            ("1997-10", &[3]),
            ("1997-11", &[7]),
            ("1997-12", &[5])
        ])
    );
}

#[test]
fn rfc5545_every_other_month_on_the_first_and_last_sunday_for_10_occurrences() {
    let series = rfc(
        "19970907T090000",
        "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
    );
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[7, 28]),
            ("1997-11", &[2, 30]),
            ("1998-01", &[4, 25]),
            ("1998-03", &[1, 29]),
            ("1998-05", &[3, 31]),
        ])
    );
}

#[test]
fn rfc5545_monthly_on_the_second_to_last_monday_for_6_months() {
    let series = rfc("19970922T090000", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO");
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[22]),
            ("1997-10", &[20]),
            ("1997-11", &[17]),
            ("1997-12", &[22]),
            ("1998-01", &[19]),
            ("1998-02", &[16]),
        ])
    );
}

#[test]
fn rfc5545_monthly_on_the_third_to_the_last_day_forever() {
    let series = rfc("19970928T090000", "FREQ=MONTHLY;BYMONTHDAY=-3");
    assert_eq!(
        rfc_dates(&series, 6),
        dates(&[
            ("1997-09", &[28]),
            ("1997-10", &[29]),
            ("1997-11", &[28]),
            ("1997-12", &[29]),
            ("1998-01", &[29]),
            ("1998-02", &[26]),
        ])
    );
}

#[test]
fn rfc5545_monthly_on_the_2nd_and_15th_for_10_occurrences() {
    let series = rfc("19970902T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15");
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[2, 15]),
            ("1997-10", &[2, 15]),
            ("1997-11", &[2, 15]),
            ("1997-12", &[2, 15]),
            ("1998-01", &[2, 15]),
        ])
    );
}

#[test]
fn rfc5545_monthly_on_the_first_and_last_day_for_10_occurrences() {
    let series = rfc("19970930T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1");
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[30]),
            ("1997-10", &[1, 31]),
            ("1997-11", &[1, 30]),
            ("1997-12", &[1, 31]),
            ("1998-01", &[1, 31]),
            ("1998-02", &[1]),
        ])
    );
}

#[test]
fn rfc5545_every_18_months_on_the_10th_to_15th_for_10_occurrences() {
    let series = rfc(
        "19970910T090000",
        "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
    );
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-09", &[10, 11, 12, 13, 14, 15]),
            ("1999-03", &[10, 11, 12, 13])
        ])
    );
}

#[test]
fn rfc5545_every_tuesday_every_other_month() {
    let series = rfc("19970902T090000", "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU");
    assert_eq!(
        rfc_dates(&series, 18),
        dates(&[
            ("1997-09", &[2, 9, 16, 23, 30]),
            ("1997-11", &[4, 11, 18, 25]),
            ("1998-01", &[6, 13, 20, 27]),
            ("1998-03", &[3, 10, 17, 24, 31]),
        ])
    );
}

#[test]
fn rfc5545_yearly_in_june_and_july_for_10_occurrences() {
    let series = rfc("19970610T090000", "FREQ=YEARLY;COUNT=10;BYMONTH=6,7");
    let expected: Vec<String> = (1997..=2001)
        .flat_map(|year| [format!("{year}-06-10"), format!("{year}-07-10")])
        .collect();
    assert_eq!(rfc_dates(&series, 20), expected);
}

#[test]
fn rfc5545_every_other_year_on_january_february_and_march_for_10_occurrences() {
    let series = rfc(
        "19970310T090000",
        "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
    );
    assert_eq!(
        rfc_dates(&series, 20),
        dates(&[
            ("1997-03", &[10]),
            ("1999-01", &[10]),
            ("1999-02", &[10]),
            ("1999-03", &[10]),
            ("2001-01", &[10]),
            ("2001-02", &[10]),
            ("2001-03", &[10]),
            ("2003-01", &[10]),
            ("2003-02", &[10]),
            ("2003-03", &[10]),
        ])
    );
}

#[test]
fn rfc5545_every_20th_monday_of_the_year_forever() {
    let series = rfc("19970519T090000", "FREQ=YEARLY;BYDAY=20MO");
    assert_eq!(
        rfc_dates(&series, 3),
        ["1997-05-19", "1998-05-18", "1999-05-17"]
    );
}

#[test]
fn rfc5545_every_thursday_in_march_forever() {
    let series = rfc("19970313T090000", "FREQ=YEARLY;BYMONTH=3;BYDAY=TH");
    assert_eq!(
        rfc_dates(&series, 11),
        dates(&[
            ("1997-03", &[13, 20, 27]),
            ("1998-03", &[5, 12, 19, 26]),
            ("1999-03", &[4, 11, 18, 25]),
        ])
    );
}

#[test]
fn rfc5545_every_thursday_in_june_july_and_august_forever() {
    let series = rfc("19970605T090000", "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8");
    assert_eq!(
        rfc_dates(&series, 39),
        dates(&[
            ("1997-06", &[5, 12, 19, 26]),
            ("1997-07", &[3, 10, 17, 24, 31]),
            ("1997-08", &[7, 14, 21, 28]),
            ("1998-06", &[4, 11, 18, 25]),
            ("1998-07", &[2, 9, 16, 23, 30]),
            ("1998-08", &[6, 13, 20, 27]),
            ("1999-06", &[3, 10, 17, 24]),
            ("1999-07", &[1, 8, 15, 22, 29]),
            ("1999-08", &[5, 12, 19, 26]),
        ])
    );
}

#[test]
fn rfc5545_every_friday_the_13th_with_the_unsynchronized_start_excluded() {
    // The RFC's DTSTART (Tuesday 2 September) is not a Friday the 13th, so it "always counts as
    // the first occurrence" and the RFC removes it with an EXDATE, as here.
    let start = local("1997-09-02T09:00", NEW_YORK);
    let series = timed_except(
        "1997-09-02T09:00",
        NEW_YORK,
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        vec![start],
    );
    assert_eq!(
        rfc_dates(&series, 5),
        [
            "1998-02-13",
            "1998-03-13",
            "1998-11-13",
            "1999-08-13",
            "2000-10-13"
        ]
    );
}

#[test]
fn rfc5545_every_friday_the_13th_includes_an_unsynchronized_start_unless_excluded() {
    let series = rfc("19970902T090000", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13");
    assert_eq!(
        rfc_dates(&series, 3),
        ["1997-09-02", "1998-02-13", "1998-03-13"]
    );
}

#[test]
fn rfc5545_the_first_saturday_that_follows_the_first_sunday_of_the_month_forever() {
    let series = rfc(
        "19970913T090000",
        "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
    );
    assert_eq!(
        rfc_dates(&series, 10),
        [
            "1997-09-13",
            "1997-10-11",
            "1997-11-08",
            "1997-12-13",
            "1998-01-10",
            "1998-02-07",
            "1998-03-07",
            "1998-04-11",
            "1998-05-09",
            "1998-06-13",
        ]
    );
}

#[test]
fn rfc5545_us_presidential_election_day_every_4_years() {
    let series = rfc(
        "19961105T090000",
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
    );
    assert_eq!(
        rfc_dates(&series, 3),
        ["1996-11-05", "2000-11-07", "2004-11-02"]
    );
}

#[test]
fn rfc5545_the_third_instance_of_tuesday_wednesday_or_thursday_for_3_months() {
    let series = rfc(
        "19970904T090000",
        "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
    );
    assert_eq!(
        rfc_dates(&series, 10),
        ["1997-09-04", "1997-10-07", "1997-11-06"]
    );
}

#[test]
fn rfc5545_the_second_to_last_weekday_of_the_month() {
    let series = rfc(
        "19970929T090000",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
    );
    assert_eq!(
        rfc_dates(&series, 7),
        [
            "1997-09-29",
            "1997-10-30",
            "1997-11-27",
            "1997-12-30",
            "1998-01-29",
            "1998-02-26",
            "1998-03-30"
        ]
    );
}

#[test]
fn rfc5545_the_last_work_day_of_the_month() {
    // RFC 5545 §3.3.10's BYSETPOS example.
    let series = rfc(
        "19970930T090000",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    );
    assert_eq!(
        rfc_dates(&series, 5),
        [
            "1997-09-30",
            "1997-10-31",
            "1997-11-28",
            "1997-12-31",
            "1998-01-30"
        ]
    );
}

#[test]
fn rfc5545_wkst_changes_which_days_an_every_other_week_rule_takes() {
    let monday_weeks = rfc(
        "19970805T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
    );
    assert_eq!(
        rfc_dates(&monday_weeks, 10),
        ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"]
    );
    let sunday_weeks = rfc(
        "19970805T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
    );
    assert_eq!(
        rfc_dates(&sunday_weeks, 10),
        ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"]
    );
}

#[test]
fn rfc5545_an_invalid_date_such_as_february_30_is_ignored() {
    let series = rfc("20070115T090000", "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5");
    assert_eq!(
        rfc_dates(&series, 10),
        [
            "2007-01-15",
            "2007-01-30",
            "2007-02-15",
            "2007-03-15",
            "2007-03-30"
        ]
    );
}

// The start is always the first occurrence.

#[test]
fn an_unsynchronized_start_is_an_extra_first_occurrence_that_counts() {
    // Monday 2026-03-02 with BYDAY=TU,TH: the Monday, then two rule dates.
    let series = timed(
        "2026-03-02T09:00",
        NEW_YORK,
        "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3",
    );
    assert_eq!(
        dates_at_nine(&series, series.expand(10).expect("valid")),
        ["2026-03-02", "2026-03-03", "2026-03-05"]
    );
}

#[test]
fn a_rule_date_on_the_start_date_is_the_start_itself() {
    let series = timed(
        "2026-03-03T09:00",
        NEW_YORK,
        "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=3",
    );
    assert_eq!(
        dates_at_nine(&series, series.expand(10).expect("valid")),
        ["2026-03-03", "2026-03-05", "2026-03-10"]
    );
}

#[test]
fn rule_dates_before_the_start_in_its_period_are_dropped() {
    // The first weekday of March 2026 (the 2nd) is before the start.
    let series = timed(
        "2026-03-10T09:00",
        NEW_YORK,
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1;COUNT=4",
    );
    assert_eq!(
        dates_at_nine(&series, series.expand(10).expect("valid")),
        ["2026-03-10", "2026-03-31", "2026-04-01", "2026-04-30"]
    );
}

#[test]
fn without_a_rule_the_event_is_its_only_occurrence() {
    let (start, end) = (at("2026-05-01T10:00:00Z"), at("2026-05-01T11:00:00Z"));
    let series =
        Series::new(Timing::At { start, end }, zone("UTC"), None, vec![start]).expect("valid");
    let only = Occurrence { start, end };
    assert_eq!(series.expand(5000), Ok(vec![only]));
    assert_eq!(
        series.validate(5000),
        Ok(Extent::Ends {
            last: only,
            count: 1
        })
    );
    assert_eq!(series.iter().collect::<Vec<_>>(), [only]);
    assert_eq!(series.iter_from(end).count(), 0);
    assert!(!series.is_open_ended());
    assert_eq!(series.describe(), None);
}

// DST.

#[test]
fn a_monday_wednesday_friday_meeting_stays_at_nine_across_berlins_spring_change() {
    let series = timed("2026-03-25T09:00", BERLIN, "FREQ=WEEKLY;BYDAY=MO,WE,FR");
    assert_eq!(
        first_walls(&series, 4),
        [
            "2026-03-25 09:00 +01:00",
            "2026-03-27 09:00 +01:00",
            "2026-03-30 09:00 +02:00",
            "2026-04-01 09:00 +02:00",
        ]
    );
}

#[test]
fn a_monday_wednesday_friday_meeting_stays_at_nine_across_new_yorks_changes() {
    let spring = timed(
        "2026-03-06T09:00",
        NEW_YORK,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=3",
    );
    assert_eq!(
        expanded_walls(&spring),
        [
            "2026-03-06 09:00 -05:00",
            "2026-03-09 09:00 -04:00",
            "2026-03-11 09:00 -04:00",
        ]
    );
    let autumn = timed(
        "2026-10-30T09:00",
        NEW_YORK,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=2",
    );
    assert_eq!(
        expanded_walls(&autumn),
        ["2026-10-30 09:00 -04:00", "2026-11-02 09:00 -05:00"]
    );
}

#[test]
fn a_monday_wednesday_friday_meeting_stays_at_nine_across_sydneys_changes() {
    let april = timed(
        "2026-04-03T09:00",
        SYDNEY,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=2",
    );
    assert_eq!(
        expanded_walls(&april),
        ["2026-04-03 09:00 +11:00", "2026-04-06 09:00 +10:00"]
    );
    let october = timed(
        "2026-10-02T09:00",
        SYDNEY,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=2",
    );
    assert_eq!(
        expanded_walls(&october),
        ["2026-10-02 09:00 +10:00", "2026-10-05 09:00 +11:00"]
    );
}

#[test]
fn the_last_sunday_at_half_past_two_moves_out_of_berlins_gap_and_takes_the_earlier_fold() {
    // Berlin changes clocks on the last Sundays of March and October, at 02:00 and 03:00.
    let series = timed("2026-02-22T02:30", BERLIN, "FREQ=MONTHLY;BYDAY=-1SU");
    let got = first_walls(&series, 10);
    assert_eq!(got[1], "2026-03-29 03:30 +02:00");
    assert_eq!(got[2], "2026-04-26 02:30 +02:00");
    assert_eq!(got[8], "2026-10-25 02:30 +02:00");
    assert_eq!(got[9], "2026-11-29 02:30 +01:00");
}

#[test]
fn the_first_sunday_at_half_past_two_in_sydney_takes_the_earlier_fold_and_leaves_the_gap() {
    // Sydney leaves DST at 03:00 on the first Sunday of April and enters it at 02:00 on the
    // first Sunday of October.
    let series = timed("2026-03-01T02:30", SYDNEY, "FREQ=MONTHLY;BYDAY=1SU");
    let got = first_walls(&series, 8);
    assert_eq!(got[1], "2026-04-05 02:30 +11:00");
    assert_eq!(got[2], "2026-05-03 02:30 +10:00");
    assert_eq!(got[7], "2026-10-04 03:30 +11:00");
}

#[test]
fn the_first_sunday_of_november_at_half_past_one_in_new_york_takes_the_earlier_fold() {
    let series = timed(
        "2026-10-04T01:30",
        NEW_YORK,
        "FREQ=MONTHLY;BYDAY=1SU;COUNT=3",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-10-04 01:30 -04:00",
            "2026-11-01 01:30 -04:00",
            "2026-12-06 01:30 -05:00"
        ]
    );
}

#[test]
fn the_second_sunday_of_march_in_new_york_is_its_spring_change_every_year() {
    let series = timed(
        "2026-03-08T01:30",
        NEW_YORK,
        "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;COUNT=3",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-03-08 01:30 -05:00",
            "2027-03-14 01:30 -05:00",
            "2028-03-12 01:30 -05:00"
        ]
    );
    let in_the_gap = timed(
        "2026-03-01T02:30",
        NEW_YORK,
        "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;COUNT=3",
    );
    assert_eq!(
        expanded_walls(&in_the_gap),
        [
            "2026-03-01 02:30 -05:00",
            "2026-03-08 03:30 -04:00",
            "2027-03-14 03:30 -04:00"
        ]
    );
}

#[test]
fn a_yearly_rule_in_sydney_keeps_its_wall_clock_in_both_seasons() {
    let series = timed(
        "2026-01-15T09:00",
        SYDNEY,
        "FREQ=YEARLY;BYMONTH=1,7;COUNT=4",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-01-15 09:00 +11:00",
            "2026-07-15 09:00 +10:00",
            "2027-01-15 09:00 +11:00",
            "2027-07-15 09:00 +10:00",
        ]
    );
}

#[test]
fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
    let series = timed("2026-03-22T02:30", BERLIN, "FREQ=WEEKLY;COUNT=3");
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-03-22 02:30 +01:00",
            "2026-03-29 03:30 +02:00",
            "2026-04-05 02:30 +02:00",
        ]
    );
}

#[test]
fn a_gap_at_midnight_in_sao_paulo_moves_to_one_oclock() {
    // Brazil's last DST began at 00:00 on 2018-11-04, straight to 01:00.
    let series = timed(
        "2018-11-03T00:30",
        "America/Sao_Paulo",
        "FREQ=DAILY;COUNT=3",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2018-11-03 00:30 -03:00",
            "2018-11-04 01:30 -02:00",
            "2018-11-05 00:30 -02:00",
        ]
    );
}

#[test]
fn a_time_in_the_autumn_fold_takes_the_earlier_offset() {
    let series = timed("2026-10-24T02:30", BERLIN, "FREQ=DAILY;COUNT=3");
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-10-24 02:30 +02:00",
            "2026-10-25 02:30 +02:00",
            "2026-10-26 02:30 +01:00",
        ]
    );
}

#[test]
fn a_time_in_a_southern_fold_takes_the_earlier_offset() {
    // Sao Paulo's DST ended at 00:00 on 2019-02-17, so 23:30 on the 16th happened twice.
    let series = timed(
        "2019-02-15T23:30",
        "America/Sao_Paulo",
        "FREQ=DAILY;COUNT=3",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2019-02-15 23:30 -02:00",
            "2019-02-16 23:30 -02:00",
            "2019-02-17 23:30 -03:00",
        ]
    );
}

#[test]
fn an_event_at_the_later_of_two_equal_times_is_still_the_first_occurrence() {
    // 02:30 CET on 2026-10-25 (01:30Z) is the second 02:30 that night.
    let start = at("2026-10-25T01:30:00Z");
    let series = Series::new(
        Timing::At { start, end: start },
        zone(BERLIN),
        Some(rule("FREQ=DAILY;COUNT=2", BERLIN)),
        vec![],
    )
    .expect("valid");
    let starts: Vec<Timestamp> = series.iter().map(|o| o.start).collect();
    assert_eq!(starts, [start, at("2026-10-26T01:30:00Z")]);
    assert_eq!(series.first().start, start);
}

#[test]
fn every_occurrence_has_the_events_exact_duration_even_across_dst() {
    let (start, end) = (at("2026-03-27T08:00:00Z"), at("2026-03-27T09:30:00Z"));
    let series = Series::new(
        Timing::At { start, end },
        zone(BERLIN),
        Some(rule("FREQ=DAILY;COUNT=4", BERLIN)),
        vec![],
    )
    .expect("valid");
    let got = series.expand(10).expect("valid");
    assert_eq!(got.len(), 4);
    assert!(
        got.iter()
            .all(|o| o.end.duration_since(o.start) == SignedDuration::from_mins(90))
    );
}

#[test]
fn a_zero_length_event_repeats_as_zero_length_occurrences() {
    let start = at("2026-01-01T09:00:00Z");
    let series = Series::new(
        Timing::At { start, end: start },
        zone("UTC"),
        Some(rule("FREQ=WEEKLY;COUNT=3", "UTC")),
        vec![],
    )
    .expect("valid");
    assert!(series.iter().all(|o| o.start == o.end));
}

// Month lengths and leap years.

#[test]
fn a_monthly_series_on_the_31st_skips_short_months() {
    let series = timed("2026-01-31T10:00", "UTC", "FREQ=MONTHLY;COUNT=4");
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-01-31 10:00 +00:00",
            "2026-03-31 10:00 +00:00",
            "2026-05-31 10:00 +00:00",
            "2026-07-31 10:00 +00:00",
        ]
    );
}

#[test]
fn a_monthly_series_on_the_31st_returns_to_the_31st_until_its_end() {
    let series = timed(
        "2026-01-31T10:00",
        "UTC",
        "FREQ=MONTHLY;UNTIL=20261231T100000Z",
    );
    let months: Vec<String> = expanded_walls(&series)
        .iter()
        .map(|start| start[5..7].to_owned())
        .collect();
    assert_eq!(months, ["01", "03", "05", "07", "08", "10", "12"]);
}

#[test]
fn a_monthly_series_on_the_29th_skips_february_except_in_leap_years() {
    let common = timed("2026-01-29T10:00", "UTC", "FREQ=MONTHLY;COUNT=3");
    assert_eq!(
        expanded_walls(&common),
        [
            "2026-01-29 10:00 +00:00",
            "2026-03-29 10:00 +00:00",
            "2026-04-29 10:00 +00:00",
        ]
    );
    let leap = timed("2028-01-29T10:00", "UTC", "FREQ=MONTHLY;COUNT=3");
    assert_eq!(
        expanded_walls(&leap),
        [
            "2028-01-29 10:00 +00:00",
            "2028-02-29 10:00 +00:00",
            "2028-03-29 10:00 +00:00",
        ]
    );
}

#[test]
fn skipped_months_do_not_count_and_intervals_apply_before_skipping() {
    // Every 2 months from Jan 31: September and November have 30 days.
    let series = timed("2026-01-31T10:00", "UTC", "FREQ=MONTHLY;INTERVAL=2;COUNT=5");
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-01-31 10:00 +00:00",
            "2026-03-31 10:00 +00:00",
            "2026-05-31 10:00 +00:00",
            "2026-07-31 10:00 +00:00",
            "2027-01-31 10:00 +00:00",
        ]
    );
}

#[test]
fn the_last_day_of_the_month_follows_each_months_length() {
    let series = timed(
        "2028-01-31T10:00",
        "UTC",
        "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2028-01-31 10:00 +00:00",
            "2028-02-29 10:00 +00:00",
            "2028-03-31 10:00 +00:00",
            "2028-04-30 10:00 +00:00",
        ]
    );
}

#[test]
fn a_yearly_series_on_february_29th_lands_only_in_leap_years() {
    let series = timed("2024-02-29T10:00", "UTC", "FREQ=YEARLY;COUNT=3");
    assert_eq!(
        expanded_walls(&series),
        [
            "2024-02-29 10:00 +00:00",
            "2028-02-29 10:00 +00:00",
            "2032-02-29 10:00 +00:00",
        ]
    );
}

#[test]
fn a_yearly_series_on_february_29th_skips_2100() {
    let series = timed("2096-02-29T10:00", "UTC", "FREQ=YEARLY;COUNT=2");
    assert_eq!(
        expanded_walls(&series),
        ["2096-02-29 10:00 +00:00", "2104-02-29 10:00 +00:00"]
    );
}

#[test]
fn a_monthly_series_on_february_29th_continues_on_the_29th() {
    let series = timed("2024-02-29T10:00", "UTC", "FREQ=MONTHLY;COUNT=13");
    let got = expanded_walls(&series);
    assert_eq!(got[1], "2024-03-29 10:00 +00:00");
    assert_eq!(got[11], "2025-01-29 10:00 +00:00");
    assert_eq!(got[12], "2025-03-29 10:00 +00:00");
}

#[test]
fn the_last_weekday_of_each_month() {
    let series = timed(
        "2026-01-30T17:00",
        BERLIN,
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4",
    );
    assert_eq!(
        expanded_walls(&series),
        [
            "2026-01-30 17:00 +01:00",
            "2026-02-27 17:00 +01:00",
            "2026-03-31 17:00 +02:00",
            "2026-04-30 17:00 +02:00",
        ]
    );
}

// All-day series.

#[test]
fn all_day_occurrences_stay_on_their_dates_across_dst() {
    let series = all_day(
        Date::constant(2026, 3, 23),
        1,
        BERLIN,
        "FREQ=WEEKLY;COUNT=3",
    );
    let got = series.expand(10).expect("valid");
    assert_eq!(
        walls(&series, got.iter().copied()),
        [
            "2026-03-23 00:00 +01:00",
            "2026-03-30 00:00 +02:00",
            "2026-04-06 00:00 +02:00",
        ]
    );
    assert_eq!(
        walls(
            &series,
            got.iter().map(|o| Occurrence {
                start: o.end,
                end: o.end
            })
        ),
        [
            "2026-03-24 00:00 +01:00",
            "2026-03-31 00:00 +02:00",
            "2026-04-07 00:00 +02:00",
        ]
    );
}

#[test]
fn an_all_day_occurrence_spans_its_dates_even_over_the_change_night() {
    // Two days from Saturday 2026-03-28: 47 hours in Berlin that weekend.
    let series = all_day(
        Date::constant(2026, 3, 28),
        2,
        BERLIN,
        "FREQ=WEEKLY;COUNT=2",
    );
    let got = series.expand(10).expect("valid");
    assert_eq!(
        got[0].end.duration_since(got[0].start),
        SignedDuration::from_hours(47)
    );
    assert_eq!(
        got[1].end.duration_since(got[1].start),
        SignedDuration::from_hours(48)
    );
}

#[test]
fn an_all_day_occurrence_on_sao_paulos_gap_day_starts_at_one_oclock() {
    let series = all_day(
        Date::constant(2018, 11, 3),
        1,
        "America/Sao_Paulo",
        "FREQ=DAILY;COUNT=3",
    );
    assert_eq!(
        walls(&series, series.expand(10).expect("valid")),
        [
            "2018-11-03 00:00 -03:00",
            "2018-11-04 01:00 -02:00",
            "2018-11-05 00:00 -02:00",
        ]
    );
}

#[test]
fn an_all_day_series_until_a_date_includes_that_date() {
    let zone_name = BERLIN;
    let until = crate::parse_until("2026-03-26", &zone(zone_name)).expect("valid");
    let series = Series::new(
        Timing::AllDay {
            start: Date::constant(2026, 3, 23),
            end: Date::constant(2026, 3, 24),
        },
        zone(zone_name),
        Some(
            rule("FREQ=DAILY", zone_name)
                .with_end(End::Until(until))
                .expect("valid"),
        ),
        vec![],
    )
    .expect("valid");
    assert_eq!(series.expand(10).map(|o| o.len()), Ok(4));
}

// Ends.

#[test]
fn until_is_inclusive_to_the_microsecond() {
    let series = |until: &str| {
        let rule = rule("FREQ=DAILY;INTERVAL=3", "UTC")
            .with_end(End::Until(at(until)))
            .expect("valid");
        let start = at("2026-01-01T09:00:00Z");
        Series::new(
            Timing::At { start, end: start },
            zone("UTC"),
            Some(rule),
            vec![],
        )
        .expect("valid")
    };
    assert_eq!(
        series("2026-01-07T09:00:00Z").expand(10).map(|o| o.len()),
        Ok(3)
    );
    assert_eq!(
        series("2026-01-07T08:59:59.999999Z")
            .expand(10)
            .map(|o| o.len()),
        Ok(2)
    );
}

#[test]
fn an_until_just_after_the_start_gives_the_event_alone() {
    let start = at("2026-01-01T09:00:00Z");
    let rule = rule("FREQ=WEEKLY", "UTC")
        .with_end(End::Until(at("2026-01-01T09:00:00.000001Z")))
        .expect("valid");
    let series = Series::new(
        Timing::At { start, end: start },
        zone("UTC"),
        Some(rule),
        vec![],
    )
    .expect("valid");
    assert_eq!(series.expand(10), Ok(vec![series.first()]));
}

#[test]
fn an_until_at_or_before_the_start_is_refused() {
    let start = at("2026-01-01T09:00:00Z");
    for until in ["2026-01-01T09:00:00Z", "2025-12-31T09:00:00Z"] {
        let rule = rule("FREQ=DAILY", "UTC")
            .with_end(End::Until(at(until)))
            .expect("valid");
        assert_eq!(
            Series::new(
                Timing::At { start, end: start },
                zone("UTC"),
                Some(rule),
                vec![]
            )
            .map(|_| ()),
            Err(RecurrenceError::UntilNotAfterStart)
        );
    }
}

#[test]
fn an_all_day_until_at_the_start_of_the_first_day_is_refused() {
    let day = Date::constant(2026, 1, 1);
    let until = crate::start_of_day(day, &zone(BERLIN)).expect("valid");
    let rule = rule("FREQ=DAILY", BERLIN)
        .with_end(End::Until(until))
        .expect("valid");
    assert_eq!(
        Series::new(
            Timing::AllDay {
                start: day,
                end: Date::constant(2026, 1, 2)
            },
            zone(BERLIN),
            Some(rule),
            vec![]
        )
        .map(|_| ()),
        Err(RecurrenceError::UntilNotAfterStart)
    );
}

#[test]
fn an_open_ended_series_validates_as_forever_and_refuses_to_expand() {
    let series = timed("2026-01-01T09:00", "UTC", "FREQ=DAILY");
    assert!(series.is_open_ended());
    assert_eq!(series.validate(10), Ok(Extent::Forever));
    assert_eq!(series.expand(10), Err(RecurrenceError::OpenEnded));
    assert_eq!(series.iter().take(1000).count(), 1000);
}

#[test]
fn a_valid_series_reports_its_last_occurrence_and_count() {
    let series = timed("2026-01-01T09:00", "UTC", "FREQ=WEEKLY;COUNT=3");
    let last = series.iter().last().expect("three occurrences");
    assert_eq!(series.validate(10), Ok(Extent::Ends { last, count: 3 }));
    assert_eq!(last.start, at("2026-01-15T09:00:00Z"));
}

// Exclusions.

#[test]
fn the_first_occurrence_can_be_excluded() {
    let start = local("2026-01-05T09:00", BERLIN);
    let series = timed_except(
        "2026-01-05T09:00",
        BERLIN,
        "FREQ=WEEKLY;COUNT=3",
        vec![start],
    );
    let got = series.expand(10).expect("valid");
    assert_eq!(
        walls(&series, got.iter().copied()),
        ["2026-01-12 09:00 +01:00", "2026-01-19 09:00 +01:00"]
    );
    assert_eq!(
        series.validate(10),
        Ok(Extent::Ends {
            last: got[1],
            count: 2
        })
    );
}

#[test]
fn a_count_is_applied_before_exclusions() {
    let excluded = local("2026-01-12T09:00", BERLIN);
    let series = timed_except(
        "2026-01-05T09:00",
        BERLIN,
        "FREQ=WEEKLY;COUNT=3",
        vec![excluded],
    );
    assert_eq!(
        walls(&series, series.expand(10).expect("valid")),
        ["2026-01-05 09:00 +01:00", "2026-01-19 09:00 +01:00"]
    );
}

#[test]
fn an_exclusion_matching_no_occurrence_is_ignored() {
    let off_by_a_minute = local("2026-01-12T09:01", BERLIN);
    let series = timed_except(
        "2026-01-05T09:00",
        BERLIN,
        "FREQ=WEEKLY;COUNT=3",
        vec![off_by_a_minute, off_by_a_minute],
    );
    assert_eq!(series.exdates(), [off_by_a_minute]);
    assert_eq!(series.expand(10).map(|o| o.len()), Ok(3));
}

#[test]
fn excluding_every_occurrence_is_refused() {
    let exdates = ["2026-01-05T09:00", "2026-01-12T09:00"]
        .map(|start| local(start, BERLIN))
        .to_vec();
    let series = timed_except("2026-01-05T09:00", BERLIN, "FREQ=WEEKLY;COUNT=2", exdates);
    assert_eq!(
        series.validate(10),
        Err(RecurrenceError::EveryOccurrenceExcluded)
    );
    assert_eq!(
        series.expand(10),
        Err(RecurrenceError::EveryOccurrenceExcluded)
    );
    assert_eq!(series.iter().count(), 0);
}

#[test]
fn exclusions_are_kept_sorted_and_removed_from_open_ended_iteration() {
    let exdates = ["2026-01-19T09:00", "2026-01-12T09:00"]
        .map(|start| local(start, BERLIN))
        .to_vec();
    let series = timed_except("2026-01-05T09:00", BERLIN, "FREQ=WEEKLY", exdates);
    assert!(series.exdates().is_sorted());
    assert_eq!(
        first_walls(&series, 2),
        ["2026-01-05 09:00 +01:00", "2026-01-26 09:00 +01:00"]
    );
}

// Never occurring.

#[test]
fn a_rule_with_no_date_at_all_never_occurs() {
    for rrule in [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;COUNT=3",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20300101T000000Z",
        "FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=1,2,3,4,5,6,7;BYSETPOS=2",
    ] {
        let series = timed("2026-01-01T09:00", "UTC", rrule);
        assert_eq!(
            series.validate(10),
            Err(RecurrenceError::NeverOccurs),
            "{rrule}"
        );
        assert_eq!(
            series.expand(10),
            Err(RecurrenceError::NeverOccurs),
            "{rrule}"
        );
        assert_eq!(series.iter().count(), 1, "{rrule}: the event alone");
    }
}

#[test]
fn leap_days_every_other_year_from_an_odd_year_never_occur() {
    let odd = timed(
        "2027-01-10T09:00",
        "UTC",
        "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
    );
    assert_eq!(odd.validate(10), Err(RecurrenceError::NeverOccurs));
    let even = timed(
        "2026-01-10T09:00",
        "UTC",
        "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
    );
    assert_eq!(even.validate(10), Ok(Extent::Forever));
}

#[test]
fn an_until_that_leaves_the_event_alone_is_not_never_occurring() {
    let series = timed(
        "2026-01-01T09:00",
        "UTC",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20270101T000000Z",
    );
    assert_eq!(
        series.validate(10),
        Ok(Extent::Ends {
            last: series.first(),
            count: 1
        })
    );
}

// Limits and the end of the calendar.

#[test]
fn the_occurrence_limit_allows_exactly_the_maximum() {
    let counted = |n: u32| timed("2026-01-01T09:00", "UTC", &format!("FREQ=DAILY;COUNT={n}"));
    assert_eq!(counted(10).expand(10).map(|s| s.len()), Ok(10));
    assert_eq!(
        counted(11).expand(10),
        Err(RecurrenceError::TooManyOccurrences {
            max: 10,
            by_count: true
        })
    );
    // Daily from Jan 1: Jan 10 is the 10th occurrence, Jan 11 the 11th.
    let until = |day: u8| {
        timed(
            "2026-01-01T09:00",
            "UTC",
            &format!("FREQ=DAILY;UNTIL=202601{day:02}T090000Z"),
        )
    };
    assert_eq!(until(10).expand(10).map(|s| s.len()), Ok(10));
    assert_eq!(
        until(11).validate(10),
        Err(RecurrenceError::TooManyOccurrences {
            max: 10,
            by_count: false
        })
    );
}

#[test]
fn a_huge_count_is_refused_without_expanding() {
    let series = timed("2026-01-01T09:00", "UTC", "FREQ=DAILY;COUNT=4294967295");
    assert_eq!(
        series.validate(5000),
        Err(RecurrenceError::TooManyOccurrences {
            max: 5000,
            by_count: true
        })
    );
}

#[test]
fn a_daily_series_until_year_9999_fails_at_the_limit() {
    let series = timed(
        "2026-01-01T09:00",
        "UTC",
        "FREQ=DAILY;UNTIL=99991230T000000Z",
    );
    assert_eq!(
        series.validate(5000),
        Err(RecurrenceError::TooManyOccurrences {
            max: 5000,
            by_count: false
        })
    );
}

#[test]
fn a_leap_day_series_runs_to_year_9999() {
    let series = timed(
        "2028-02-29T09:00",
        "UTC",
        "FREQ=YEARLY;UNTIL=99991230T000000Z",
    );
    let got = series.expand(5000).expect("sparse but valid");
    let leap_years = (2028..=9999)
        .filter(|y| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        .count();
    assert_eq!(got.len(), leap_years);
    assert_eq!(
        got.last().map(|o| o.start),
        Some(at("9996-02-29T09:00:00Z"))
    );
}

#[test]
fn a_weekly_series_until_year_9999_expands_whole_when_the_caller_sets_no_limit() {
    let series = timed(
        "2026-01-01T09:00",
        "UTC",
        "FREQ=WEEKLY;UNTIL=99991230T000000Z",
    );
    let got = series.expand(usize::MAX).expect("valid");
    // Thursdays from 2026-01-01 to 9999-12-23.
    assert_eq!(got.len(), 416_063);
    assert_eq!(
        got.last().map(|o| o.start),
        Some(at("9999-12-23T09:00:00Z"))
    );
}

#[test]
fn a_count_that_would_need_dates_after_year_9999_is_refused() {
    let series = timed("9990-01-01T09:00", "UTC", "FREQ=WEEKLY;COUNT=5000");
    assert_eq!(
        series.validate(5000),
        Err(RecurrenceError::RunsPastYear9999)
    );
    assert_eq!(series.expand(5000), Err(RecurrenceError::RunsPastYear9999));
}

#[test]
fn a_series_iterated_to_the_end_of_year_9999_just_stops() {
    let monthly = timed("9999-06-15T09:00", "UTC", "FREQ=MONTHLY");
    assert_eq!(monthly.iter().count(), 7);
    // jiff's last instant is 9999-12-30T22:00Z (so that any offset can display it).
    let daily = timed("9999-12-29T09:00", "UTC", "FREQ=DAILY");
    assert_eq!(
        first_walls(&daily, 5),
        ["9999-12-29 09:00 +00:00", "9999-12-30 09:00 +00:00"]
    );
    let huge_interval = timed(
        "2026-01-01T09:00",
        "UTC",
        "FREQ=MONTHLY;INTERVAL=4294967295",
    );
    assert_eq!(huge_interval.iter().count(), 1);
    let huge_days = timed("2026-01-01T09:00", "UTC", "FREQ=WEEKLY;INTERVAL=4294967295");
    assert_eq!(huge_days.validate(10), Ok(Extent::Forever));
    assert_eq!(huge_days.iter().count(), 1);
}

#[test]
fn an_occurrence_that_would_end_past_year_9999_ends_the_series() {
    let (start, end) = (at("9999-12-29T20:00:00Z"), at("9999-12-29T23:00:00Z"));
    let series = Series::new(
        Timing::At { start, end },
        zone("UTC"),
        Some(rule("FREQ=DAILY;UNTIL=99991230T210000Z", "UTC")),
        vec![],
    )
    .expect("valid");
    assert_eq!(series.expand(10), Ok(vec![Occurrence { start, end }]));
}

// Seeking.

#[test]
fn iter_from_seeks_far_ahead_cheaply_and_lands_on_the_right_day() {
    let series = timed("2026-03-02T09:00", BERLIN, "FREQ=DAILY");
    let from = local("9000-06-15T09:00", BERLIN);
    let mut seeking = series.iter_from(from);
    let got = walls(&series, seeking.by_ref().take(3));
    assert_eq!(
        got,
        [
            "9000-06-15 09:00 +02:00",
            "9000-06-16 09:00 +02:00",
            "9000-06-17 09:00 +02:00"
        ]
    );
    let mut iterating = series.iter();
    let _ = iterating.by_ref().take(3).count();
    assert!(
        seeking.examined_days() <= iterating.examined_days() + 2,
        "{} days examined",
        seeking.examined_days()
    );
}

#[test]
fn iter_from_year_9000_gives_the_same_instants_as_iterating_there() {
    let series = timed("2026-01-31T09:00", BERLIN, "FREQ=MONTHLY;BYDAY=-1FR,2MO");
    let from = local("9000-03-01T00:00", BERLIN);
    let expected: Vec<Occurrence> = series.iter().filter(|o| o.start >= from).take(6).collect();
    assert_eq!(
        walls(&series, expected.iter().copied()),
        [
            "9000-03-10 09:00 +01:00",
            "9000-03-28 09:00 +01:00",
            "9000-04-14 09:00 +02:00",
            "9000-04-25 09:00 +02:00",
            "9000-05-12 09:00 +02:00",
            "9000-05-30 09:00 +02:00"
        ]
    );
    assert_eq!(series.iter_from(from).take(6).collect::<Vec<_>>(), expected);
}

#[test]
fn iter_from_gives_the_same_instants_as_iterating() {
    for (start, rrule) in [
        ("2026-01-31T09:00", "FREQ=MONTHLY;BYDAY=-1FR,2MO"),
        (
            "2026-03-29T02:30",
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,WE;WKST=TH",
        ),
        ("2024-02-29T23:30", "FREQ=YEARLY;UNTIL=30000101T000000Z"),
        ("2026-01-01T00:00", "FREQ=DAILY;INTERVAL=97;BYMONTH=2,3"),
    ] {
        let series = timed(start, BERLIN, rrule);
        let from = local("2990-10-25T02:30", BERLIN);
        let expected: Vec<Occurrence> =
            series.iter().filter(|o| o.start >= from).take(20).collect();
        let got: Vec<Occurrence> = series.iter_from(from).take(20).collect();
        assert_eq!(got, expected, "{rrule}");
    }
}

#[test]
fn iter_from_includes_an_occurrence_starting_exactly_then_and_the_first_if_due() {
    let series = timed("2026-01-05T09:00", BERLIN, "FREQ=WEEKLY");
    let first = series.first();
    assert_eq!(series.iter_from(first.start).next(), Some(first));
    let before = first
        .start
        .checked_sub(SignedDuration::from_hours(1))
        .expect("in range");
    assert_eq!(series.iter_from(before).next(), Some(first));
    let just_after = first
        .start
        .checked_add(SignedDuration::from_nanos(1))
        .expect("in range");
    assert_eq!(
        series.iter_from(just_after).next().map(|o| o.start),
        Some(local("2026-01-12T09:00", BERLIN))
    );
}

#[test]
fn iter_from_on_a_counted_series_counts_from_the_start() {
    let series = timed("2026-01-05T09:00", BERLIN, "FREQ=WEEKLY;COUNT=5");
    let from = local("2026-01-20T00:00", BERLIN);
    assert_eq!(
        walls(&series, series.iter_from(from)),
        ["2026-01-26 09:00 +01:00", "2026-02-02 09:00 +01:00"]
    );
}

// The event's own times.

#[test]
fn an_end_before_the_start_is_refused_but_an_equal_one_is_not() {
    let (start, end) = (at("2026-01-01T09:00:00Z"), at("2026-01-01T10:00:00Z"));
    assert_eq!(
        Series::new(
            Timing::At {
                start: end,
                end: start
            },
            zone("UTC"),
            None,
            vec![]
        )
        .map(|_| ()),
        Err(RecurrenceError::EndBeforeStart)
    );
    assert!(Series::new(Timing::At { start, end: start }, zone("UTC"), None, vec![]).is_ok());
}

#[test]
fn an_all_day_event_ends_at_least_a_day_after_it_starts() {
    let day = Date::constant(2026, 1, 1);
    assert_eq!(
        Series::new(
            Timing::AllDay {
                start: day,
                end: day
            },
            zone("UTC"),
            None,
            vec![]
        )
        .map(|_| ()),
        Err(RecurrenceError::AllDayEndNotAfterStart)
    );
}

#[test]
fn years_outside_1_to_9999_on_the_events_wall_clock_are_refused() {
    let utc = zone("UTC");
    let tokyo = zone("Asia/Tokyo");
    // jiff's instants all fall in years -9999 to 9999 under any offset, so only the early end
    // of the range can be crossed by a timed event.
    let year_zero = at("0000-12-31T23:00:00Z");
    let year_one = at("0001-01-01T00:00:00Z");
    assert_eq!(
        Series::new(
            Timing::At {
                start: year_zero,
                end: year_one
            },
            utc.clone(),
            None,
            vec![]
        )
        .map(|_| ()),
        Err(RecurrenceError::StartOutOfRange)
    );
    // The same instant is already year 1 in Tokyo.
    assert!(
        Series::new(
            Timing::At {
                start: year_zero,
                end: year_one
            },
            tokyo,
            None,
            vec![]
        )
        .is_ok()
    );
    let all_day = |start, end| {
        Series::new(Timing::AllDay { start, end }, utc.clone(), None, vec![]).map(|_| ())
    };
    assert_eq!(
        all_day(Date::constant(0, 12, 31), Date::constant(1, 1, 1)),
        Err(RecurrenceError::StartOutOfRange)
    );
    assert_eq!(
        all_day(Date::constant(9999, 12, 30), Date::constant(9999, 12, 31)),
        Err(RecurrenceError::EndOutOfRange),
        "9999-12-31 cannot start in UTC within jiff's range"
    );
}

#[test]
fn time_zones_are_looked_up_by_iana_name() {
    assert_eq!(zone(BERLIN).iana_name(), Some(BERLIN));
    let error = time_zone("Mars/Base").expect_err("no such zone");
    assert_eq!(error, RecurrenceError::UnknownTimeZone("Mars/Base".into()));
    assert_eq!(
        error.to_string(),
        "\"Mars/Base\" is not a known IANA time zone."
    );
}

#[test]
fn a_zone_a_client_sends_is_read_in_any_case_and_named_as_the_database_does() {
    for (sent, canonical) in [
        ("Europe/Berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("utc", "UTC"),
        ("US/Eastern", "US/Eastern"),
    ] {
        let (name, zone) = canonical_time_zone(sent).expect("known zone");
        assert_eq!(name, canonical, "{sent}");
        assert_eq!(zone.iana_name(), Some(canonical), "{sent}");
    }
}

#[test]
fn names_for_a_hosts_own_zone_setting_are_not_zones_a_client_can_send() {
    for sent in [
        "localtime",
        "posixrules",
        "Factory",
        "LOCALTIME",
        "/etc/localtime",
    ] {
        assert_eq!(
            canonical_time_zone(sent).map(|(name, _)| name),
            Err(RecurrenceError::UnknownTimeZone(sent.into())),
            "{sent}"
        );
    }
}

#[test]
fn a_rule_built_in_parts_expands_like_its_rrule() {
    let parts = RuleParts {
        interval: 2,
        end: End::Count(3),
        ..RuleParts::new(Frequency::Weekly)
    };
    let start = local("2026-01-05T09:00", BERLIN);
    let series = Series::new(
        Timing::At { start, end: start },
        zone(BERLIN),
        Some(Rule::new(parts).expect("valid")),
        vec![],
    )
    .expect("valid");
    assert_eq!(
        walls(&series, series.iter()),
        [
            "2026-01-05 09:00 +01:00",
            "2026-01-19 09:00 +01:00",
            "2026-02-02 09:00 +01:00"
        ]
    );
}

// Bounded work (the argument is in expand.rs's module comment).

mod bounded_work {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;

    /// RRULE text from parts chosen to include sparse rules (leap days, fifth and 53rd
    /// weekdays, positions far into the set), rules that never occur, and huge intervals.
    fn rule_text() -> impl Strategy<Value = String> {
        (
            select(vec!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
            prop_oneof![
                1u32..=6,
                1u32..=1000,
                Just(400),
                Just(146_097),
                Just(u32::MAX)
            ],
            select(vec![
                "",
                "MO",
                "MO,WE,FR",
                "MO,TU,WE,TH,FR",
                "SA,SU",
                "5MO",
                "-1FR",
                "2TU,-2TH",
                "53TH",
                "-5SU",
                "MO,-1WE",
            ]),
            select(vec!["", "29", "31", "-1", "1,15", "30", "13", "-31"]),
            select(vec!["", "2", "4,6", "1,7", "2,9,11"]),
            select(vec!["", "1", "-1", "366", "-366", "2,-2", "32"]),
            select(vec!["MO", "SU", "TH"]),
        )
            .prop_map(
                |(
                    frequency,
                    interval,
                    by_day,
                    by_month_day,
                    by_month,
                    by_set_position,
                    week_start,
                )| {
                    let mut text =
                        format!("FREQ={frequency};INTERVAL={interval};WKST={week_start}");
                    for (name, value) in [
                        ("BYDAY", by_day),
                        ("BYMONTHDAY", by_month_day),
                        ("BYMONTH", by_month),
                        ("BYSETPOS", by_set_position),
                    ] {
                        if !value.is_empty() {
                            text.push_str(&format!(";{name}={value}"));
                        }
                    }
                    text
                },
            )
    }

    /// Days from `from` to `to` on the calendar.
    fn days(from: Date, to: Date) -> u64 {
        u64::try_from(day_of(to) - day_of(from)).unwrap_or(0)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            max_global_rejects: 100_000,
            ..ProptestConfig::with_cases(256)
        })]

        #[test]
        fn validating_and_iterating_examine_a_bounded_number_of_days(
            text in rule_text(),
            zone_name in select(vec!["UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo"]),
            day in 0i64..73_000,
            minutes in 0i64..1440,
            ending in prop_oneof![
                (1u32..=60).prop_map(Some),
                Just(None),
            ],
            until_days in prop_oneof![Just(None), (1i64..=3650).prop_map(Some)],
        ) {
            let zone = zone(zone_name);
            let Ok(rule) = Rule::parse_rrule(&text, &zone) else {
                // Combinations RFC 5545 forbids (BYMONTHDAY in a weekly rule, ordinals in a
                // daily one, BYSETPOS alone).
                return Err(TestCaseError::reject("not a valid rule"));
            };
            let date = Date::constant(1900, 1, 1)
                .checked_add(jiff::Span::new().days(day))
                .expect("in range");
            let wall = Time::midnight()
                .checked_add(SignedDuration::from_mins(minutes))
                .expect("in a day");
            let start = zone
                .to_ambiguous_timestamp(date.to_datetime(wall))
                .compatible()
                .expect("in range");
            let end = match (ending, until_days) {
                (Some(count), _) => End::Count(count),
                (None, Some(days)) => End::Until(
                    start.checked_add(SignedDuration::from_hours(24 * days)).expect("in range"),
                ),
                (None, None) => End::Never,
            };
            let rule = rule.with_end(end).expect("valid end");
            let series = Series::new(Timing::At { start, end: start }, zone.clone(), Some(rule), vec![])
                .expect("valid series");
            let start_date = zone.to_datetime(start).date();
            let one_step = CYCLE_DAYS + 366;

            let mut work = 0;
            let extent = series.run(usize::MAX, |_| {}, &mut work);
            let reached = match extent {
                Ok(Extent::Ends { last, .. }) => zone.to_datetime(last.start).date(),
                Ok(Extent::Forever) | Err(RecurrenceError::NeverOccurs) => start_date,
                Err(_) => Date::MAX,
            };
            // The never-occurs scan, then the walk to the last date plus one fruitless cycle.
            let bound = one_step + days(start_date, reached) + one_step + 366;
            prop_assert!(work <= bound, "{text}: {work} days examined, bound {bound}");

            let mut iterator = series.iter();
            let fifty: Vec<Occurrence> = iterator.by_ref().take(50).collect();
            let last = fifty.last().expect("the event itself");
            let bound = days(start_date, zone.to_datetime(last.start).date()) + one_step + 366;
            prop_assert!(
                iterator.examined_days() <= bound,
                "{text}: {} days examined, bound {bound}", iterator.examined_days()
            );
        }
    }
}
