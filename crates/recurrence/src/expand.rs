//! Expansion of a series into occurrences, on wall-clock time in the event's zone
//! (RFC 5545 §3.3.10), with DST gaps and folds resolved as RFC 5545 §3.3.5 prescribes.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::{End, Frequency, RecurrenceError, Rule};

/// Candidates examined before giving up. Daily and weekly rules never skip a candidate, so the
/// occurrence limit bounds them; monthly rules skip only months lacking the start's day, and the
/// sparsest (a Feb 29 start, every 12 months) skips 3 of 4 — about 20,000 candidates across all
/// of jiff's years -9999..=9999. So only a caller's huge occurrence limit can reach this bound.
const MAX_CANDIDATES: i64 = 200_000;

/// One occurrence of an event: its start, and its start plus the event's duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Looks up an IANA zone name ("UTC", "Europe/Berlin").
pub fn time_zone(name: &str) -> Result<TimeZone, RecurrenceError> {
    TimeZone::get(name).map_err(|_| RecurrenceError::UnknownTimeZone(name.to_owned()))
}

/// The occurrences of an event: the event itself without a rule, the whole series with one. The
/// first occurrence is the event; each has the event's duration. A series refuses to grow past
/// `max_occurrences` rather than being cut short; one reaching the end of year 9999 just ends.
pub fn expand(
    start: Timestamp,
    end: Timestamp,
    zone: &TimeZone,
    rule: Option<&Rule>,
    max_occurrences: usize,
) -> Result<Vec<Occurrence>, RecurrenceError> {
    if end < start {
        return Err(RecurrenceError::EndBeforeStart);
    }
    let Some(rule) = rule else {
        return Ok(vec![Occurrence { start, end }]);
    };
    rule.check()?;
    let (limit, by_count) = match rule.end {
        End::Until(until) if until <= start => return Err(RecurrenceError::UntilNotAfterStart),
        End::Until(_) => (usize::MAX, false),
        End::Count(count) => (usize::try_from(count).unwrap_or(usize::MAX), true),
    };
    let too_many = RecurrenceError::TooManyOccurrences {
        max: max_occurrences,
        by_count,
    };
    // A count says up front how long the series is; no need to expand it to refuse it.
    if by_count && limit > max_occurrences {
        return Err(too_many);
    }

    let duration = end.duration_since(start);
    let first = zone.to_datetime(start);
    let mut occurrences = Vec::new();
    for k in 0..MAX_CANDIDATES {
        // The event itself, even when its start is the later of two equal wall-clock times in a
        // fold, which re-resolving its wall-clock time would not give back.
        let occurrence_start = if k == 0 {
            start
        } else {
            // Cannot overflow: below 2^32 * 2^18.
            let local = match candidate(first, rule.frequency, i64::from(rule.interval) * k) {
                Candidate::At(local) => local,
                Candidate::Skipped => continue,
                Candidate::BeyondRange => return Ok(occurrences),
            };
            // A time in a gap moves forward by the gap; a time in a fold takes the earlier
            // offset (RFC 5545 §3.3.5) — jiff's "compatible" disambiguation.
            match zone.to_ambiguous_timestamp(local).compatible() {
                Ok(instant) => instant,
                Err(_) => return Ok(occurrences),
            }
        };
        if let End::Until(until) = rule.end
            && occurrence_start > until
        {
            return Ok(occurrences);
        }
        if occurrences.len() == max_occurrences {
            return Err(too_many);
        }
        let Ok(occurrence_end) = occurrence_start.checked_add(duration) else {
            return Ok(occurrences);
        };
        occurrences.push(Occurrence {
            start: occurrence_start,
            end: occurrence_end,
        });
        if occurrences.len() == limit {
            return Ok(occurrences);
        }
    }
    Err(RecurrenceError::IterationLimit)
}

enum Candidate {
    At(DateTime),
    /// The month lacks the start's day: RFC 5545 §3.3.10 ignores such invalid dates.
    Skipped,
    /// Past the year 9999, or too far to compute.
    BeyondRange,
}

/// The `step`-th period after `first`, always computed from the first occurrence so that a
/// series on the 31st returns to the 31st after a short month.
fn candidate(first: DateTime, frequency: Frequency, step: i64) -> Candidate {
    let date = first.date();
    let moved = match frequency {
        Frequency::Daily => add_days(date, step),
        Frequency::Weekly => step.checked_mul(7).and_then(|days| add_days(date, days)),
        Frequency::Monthly => {
            let months = i64::from(date.year()) * 12 + i64::from(date.month() - 1) + step;
            let (Ok(year), Ok(month)) = (
                i16::try_from(months.div_euclid(12)),
                i8::try_from(months.rem_euclid(12) + 1),
            ) else {
                return Candidate::BeyondRange;
            };
            if year > 9999 {
                return Candidate::BeyondRange;
            }
            match Date::new(year, month, date.day()) {
                Ok(date) => Some(date),
                Err(_) => return Candidate::Skipped,
            }
        }
    };
    match moved {
        Some(date) => Candidate::At(date.to_datetime(first.time())),
        None => Candidate::BeyondRange,
    }
}

fn add_days(date: Date, days: i64) -> Option<Date> {
    date.checked_add(Span::new().try_days(days).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    const NEW_YORK: &str = "America/New_York";

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn zone(name: &str) -> TimeZone {
        time_zone(name).expect("known zone")
    }

    fn rule(frequency: Frequency, interval: u32, count: Option<u32>, until: Option<&str>) -> Rule {
        Rule::new(frequency, interval, count, until.map(at)).expect("valid rule")
    }

    /// The local wall-clock time `local` ("1997-09-02T09:00") in `zone_name`, as an instant.
    fn local_instant(local: &str, zone_name: &str) -> Timestamp {
        let local = local.parse::<DateTime>().expect("valid civil datetime");
        zone(zone_name)
            .to_ambiguous_timestamp(local)
            .compatible()
            .expect("in range")
    }

    /// The series of a one-hour event starting at `local` in `zone_name`, as the wall-clock
    /// starts with their offsets ("1997-09-02 09:00 -04:00") so DST shows.
    fn series(local: &str, zone_name: &str, rule: Rule) -> Vec<String> {
        let start = local_instant(local, zone_name);
        let end = start
            .checked_add(SignedDuration::from_hours(1))
            .expect("in range");
        let zone = zone(zone_name);
        expand(start, end, &zone, Some(&rule), 5000)
            .expect("valid series")
            .iter()
            .map(|occurrence| {
                occurrence
                    .start
                    .to_zoned_datetime(zone.clone())
                    .strftime("%Y-%m-%d %H:%M %:z")
                    .to_string()
            })
            .collect()
    }

    fn count(frequency: Frequency, interval: u32, count: u32) -> Rule {
        rule(frequency, interval, Some(count), None)
    }

    #[test]
    fn without_a_rule_the_event_is_its_only_occurrence() {
        let (start, end) = (at("2026-05-01T10:00:00Z"), at("2026-05-01T11:00:00Z"));
        assert_eq!(
            expand(start, end, &zone("UTC"), None, 5000),
            Ok(vec![Occurrence { start, end }])
        );
    }

    #[test]
    fn rfc5545_daily_for_10_occurrences() {
        let got = series("1997-09-02T09:00", NEW_YORK, count(Frequency::Daily, 1, 10));
        let expected: Vec<String> = (2..=11)
            .map(|day| format!("1997-09-{day:02} 09:00 -04:00"))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn rfc5545_daily_until_december_24_keeps_nine_oclock_across_the_fall_change() {
        // RRULE:FREQ=DAILY;UNTIL=19971224T000000Z
        let got = series(
            "1997-09-02T09:00",
            NEW_YORK,
            rule(Frequency::Daily, 1, None, Some("1997-12-24T00:00:00Z")),
        );
        assert_eq!(got.len(), 113);
        assert_eq!(got[53], "1997-10-25 09:00 -04:00");
        assert_eq!(got[54], "1997-10-26 09:00 -05:00");
        assert_eq!(got[112], "1997-12-23 09:00 -05:00");
    }

    #[test]
    fn rfc5545_every_other_day() {
        let got = series("1997-09-02T09:00", NEW_YORK, count(Frequency::Daily, 2, 5));
        let expected: Vec<String> = [2, 4, 6, 8, 10]
            .iter()
            .map(|day| format!("1997-09-{day:02} 09:00 -04:00"))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn rfc5545_every_10_days_5_occurrences() {
        let got = series("1997-09-02T09:00", NEW_YORK, count(Frequency::Daily, 10, 5));
        assert_eq!(
            got,
            [
                "1997-09-02 09:00 -04:00",
                "1997-09-12 09:00 -04:00",
                "1997-09-22 09:00 -04:00",
                "1997-10-02 09:00 -04:00",
                "1997-10-12 09:00 -04:00",
            ]
        );
    }

    #[test]
    fn rfc5545_weekly_for_10_occurrences() {
        let got = series(
            "1997-09-02T09:00",
            NEW_YORK,
            count(Frequency::Weekly, 1, 10),
        );
        assert_eq!(
            got,
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
        // RRULE:FREQ=WEEKLY;UNTIL=19971224T000000Z: Sep 2 to Dec 23, 17 Tuesdays.
        let got = series(
            "1997-09-02T09:00",
            NEW_YORK,
            rule(Frequency::Weekly, 1, None, Some("1997-12-24T00:00:00Z")),
        );
        assert_eq!(got.len(), 17);
        assert_eq!(got[16], "1997-12-23 09:00 -05:00");
    }

    #[test]
    fn rfc5545_every_other_week() {
        let got = series("1997-09-02T09:00", NEW_YORK, count(Frequency::Weekly, 2, 6));
        assert_eq!(
            got,
            [
                "1997-09-02 09:00 -04:00",
                "1997-09-16 09:00 -04:00",
                "1997-09-30 09:00 -04:00",
                "1997-10-14 09:00 -04:00",
                "1997-10-28 09:00 -05:00",
                "1997-11-11 09:00 -05:00",
            ]
        );
    }

    #[test]
    fn rfc5545_monthly_on_the_2nd_for_10_occurrences() {
        // The RFC's BYMONTHDAY=2,15 example, on the start's day only. DST began on 5 April in
        // 1998, so 2 April is still standard time.
        let got = series(
            "1997-09-02T09:00",
            NEW_YORK,
            count(Frequency::Monthly, 1, 10),
        );
        assert_eq!(
            got,
            [
                "1997-09-02 09:00 -04:00",
                "1997-10-02 09:00 -04:00",
                "1997-11-02 09:00 -05:00",
                "1997-12-02 09:00 -05:00",
                "1998-01-02 09:00 -05:00",
                "1998-02-02 09:00 -05:00",
                "1998-03-02 09:00 -05:00",
                "1998-04-02 09:00 -05:00",
                "1998-05-02 09:00 -04:00",
                "1998-06-02 09:00 -04:00",
            ]
        );
    }

    #[test]
    fn rfc5545_every_18_months_10_occurrences() {
        // The RFC's BYMONTHDAY=10,11,...,15 example, on the start's day only. From 2007 DST
        // starts in the second week of March, so 10 March 2008 is daylight time.
        let got = series(
            "1997-09-10T09:00",
            NEW_YORK,
            count(Frequency::Monthly, 18, 10),
        );
        assert_eq!(
            got,
            [
                "1997-09-10 09:00 -04:00",
                "1999-03-10 09:00 -05:00",
                "2000-09-10 09:00 -04:00",
                "2002-03-10 09:00 -05:00",
                "2003-09-10 09:00 -04:00",
                "2005-03-10 09:00 -05:00",
                "2006-09-10 09:00 -04:00",
                "2008-03-10 09:00 -04:00",
                "2009-09-10 09:00 -04:00",
                "2011-03-10 09:00 -05:00",
            ]
        );
    }

    #[test]
    fn a_weekly_berlin_meeting_stays_at_nine_across_both_dst_changes() {
        let spring = series(
            "2026-03-23T09:00",
            "Europe/Berlin",
            count(Frequency::Weekly, 1, 2),
        );
        assert_eq!(
            spring,
            ["2026-03-23 09:00 +01:00", "2026-03-30 09:00 +02:00"]
        );
        let autumn = series(
            "2026-10-19T09:00",
            "Europe/Berlin",
            count(Frequency::Weekly, 1, 2),
        );
        assert_eq!(
            autumn,
            ["2026-10-19 09:00 +02:00", "2026-10-26 09:00 +01:00"]
        );
    }

    #[test]
    fn a_weekly_new_york_meeting_stays_at_nine_across_the_spring_change() {
        let got = series("2026-03-02T09:00", NEW_YORK, count(Frequency::Weekly, 1, 3));
        assert_eq!(
            got,
            [
                "2026-03-02 09:00 -05:00",
                "2026-03-09 09:00 -04:00",
                "2026-03-16 09:00 -04:00",
            ]
        );
    }

    #[test]
    fn sydney_leaves_daylight_time_in_april_and_enters_it_in_october() {
        let april = series(
            "2026-03-30T09:00",
            "Australia/Sydney",
            count(Frequency::Weekly, 1, 2),
        );
        assert_eq!(
            april,
            ["2026-03-30 09:00 +11:00", "2026-04-06 09:00 +10:00"]
        );
        let october = series(
            "2026-09-28T09:00",
            "Australia/Sydney",
            count(Frequency::Weekly, 1, 2),
        );
        assert_eq!(
            october,
            ["2026-09-28 09:00 +10:00", "2026-10-05 09:00 +11:00"]
        );
    }

    #[test]
    fn auckland_changes_in_april_and_september() {
        let april = series(
            "2026-03-30T09:00",
            "Pacific/Auckland",
            count(Frequency::Weekly, 1, 2),
        );
        assert_eq!(
            april,
            ["2026-03-30 09:00 +13:00", "2026-04-06 09:00 +12:00"]
        );
        let september = series(
            "2026-09-21T09:00",
            "Pacific/Auckland",
            count(Frequency::Weekly, 1, 2),
        );
        assert_eq!(
            september,
            ["2026-09-21 09:00 +12:00", "2026-09-28 09:00 +13:00"]
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        // 02:30 does not exist in Berlin on 2026-03-29: that week's meeting is at 03:30 CEST,
        // and the next week's is back at 02:30.
        let got = series(
            "2026-03-22T02:30",
            "Europe/Berlin",
            count(Frequency::Weekly, 1, 3),
        );
        assert_eq!(
            got,
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
        let got = series(
            "2018-11-03T00:30",
            "America/Sao_Paulo",
            count(Frequency::Daily, 1, 3),
        );
        assert_eq!(
            got,
            [
                "2018-11-03 00:30 -03:00",
                "2018-11-04 01:30 -02:00",
                "2018-11-05 00:30 -02:00",
            ]
        );
    }

    #[test]
    fn a_time_in_the_autumn_fold_takes_the_earlier_offset() {
        // 02:30 happens twice in Berlin on 2026-10-25; the first, still CEST, is used.
        let got = series(
            "2026-10-24T02:30",
            "Europe/Berlin",
            count(Frequency::Daily, 1, 3),
        );
        assert_eq!(
            got,
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
        let got = series(
            "2019-02-15T23:30",
            "America/Sao_Paulo",
            count(Frequency::Daily, 1, 3),
        );
        assert_eq!(
            got,
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
        let got = expand(
            start,
            start,
            &zone("Europe/Berlin"),
            Some(&count(Frequency::Daily, 1, 2)),
            5000,
        )
        .expect("valid series");
        let starts: Vec<Timestamp> = got.iter().map(|o| o.start).collect();
        assert_eq!(starts, [start, at("2026-10-26T01:30:00Z")]);
    }

    #[test]
    fn a_monthly_series_on_the_31st_skips_short_months() {
        let got = series("2026-01-31T10:00", "UTC", count(Frequency::Monthly, 1, 4));
        assert_eq!(
            got,
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
        let got = series(
            "2026-01-31T10:00",
            "UTC",
            rule(Frequency::Monthly, 1, None, Some("2026-12-31T10:00:00Z")),
        );
        let months: Vec<&str> = got.iter().map(|start| &start[5..7]).collect();
        assert_eq!(months, ["01", "03", "05", "07", "08", "10", "12"]);
    }

    #[test]
    fn a_monthly_series_on_the_30th_skips_only_february() {
        let got = series("2026-01-30T10:00", "UTC", count(Frequency::Monthly, 1, 3));
        assert_eq!(
            got,
            [
                "2026-01-30 10:00 +00:00",
                "2026-03-30 10:00 +00:00",
                "2026-04-30 10:00 +00:00",
            ]
        );
    }

    #[test]
    fn a_monthly_series_on_the_29th_skips_february_except_in_leap_years() {
        let common = series("2026-01-29T10:00", "UTC", count(Frequency::Monthly, 1, 3));
        assert_eq!(
            common,
            [
                "2026-01-29 10:00 +00:00",
                "2026-03-29 10:00 +00:00",
                "2026-04-29 10:00 +00:00",
            ]
        );
        let leap = series("2028-01-29T10:00", "UTC", count(Frequency::Monthly, 1, 3));
        assert_eq!(
            leap,
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
        let got = series("2026-01-31T10:00", "UTC", count(Frequency::Monthly, 2, 5));
        assert_eq!(
            got,
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
    fn a_series_on_february_29th_every_12_months_lands_only_in_leap_years() {
        let got = series("2024-02-29T10:00", "UTC", count(Frequency::Monthly, 12, 3));
        assert_eq!(
            got,
            [
                "2024-02-29 10:00 +00:00",
                "2028-02-29 10:00 +00:00",
                "2032-02-29 10:00 +00:00",
            ]
        );
        // 2100 is not a leap year.
        let century = series("2096-02-29T10:00", "UTC", count(Frequency::Monthly, 12, 2));
        assert_eq!(
            century,
            ["2096-02-29 10:00 +00:00", "2104-02-29 10:00 +00:00"]
        );
    }

    #[test]
    fn a_monthly_series_on_february_29th_continues_on_the_29th() {
        let got = series("2024-02-29T10:00", "UTC", count(Frequency::Monthly, 1, 13));
        assert_eq!(got[1], "2024-03-29 10:00 +00:00");
        assert_eq!(got[11], "2025-01-29 10:00 +00:00");
        assert_eq!(got[12], "2025-03-29 10:00 +00:00");
    }

    #[test]
    fn a_daily_series_includes_february_29th_in_a_leap_year() {
        let got = series("2028-02-28T10:00", "UTC", count(Frequency::Daily, 1, 3));
        assert_eq!(
            got,
            [
                "2028-02-28 10:00 +00:00",
                "2028-02-29 10:00 +00:00",
                "2028-03-01 10:00 +00:00",
            ]
        );
    }

    #[test]
    fn until_is_inclusive_to_the_microsecond() {
        let on = rule(Frequency::Daily, 3, None, Some("2026-01-07T09:00:00Z"));
        assert_eq!(series("2026-01-01T09:00", "UTC", on).len(), 3);
        let just_before = rule(
            Frequency::Daily,
            3,
            None,
            Some("2026-01-07T08:59:59.999999Z"),
        );
        assert_eq!(series("2026-01-01T09:00", "UTC", just_before).len(), 2);
    }

    #[test]
    fn an_until_just_after_the_start_gives_the_event_alone() {
        let got = series(
            "2026-01-01T09:00",
            "UTC",
            rule(
                Frequency::Weekly,
                1,
                None,
                Some("2026-01-01T09:00:00.000001Z"),
            ),
        );
        assert_eq!(got, ["2026-01-01 09:00 +00:00"]);
    }

    #[test]
    fn every_occurrence_has_the_events_duration_even_across_dst() {
        let (start, end) = (at("2026-03-27T08:00:00Z"), at("2026-03-27T09:30:00Z"));
        let got = expand(
            start,
            end,
            &zone("Europe/Berlin"),
            Some(&count(Frequency::Daily, 1, 4)),
            10,
        )
        .expect("valid series");
        assert_eq!(got.len(), 4);
        assert!(
            got.iter()
                .all(|o| o.end.duration_since(o.start) == SignedDuration::from_mins(90))
        );
    }

    #[test]
    fn a_zero_length_event_repeats_as_zero_length_occurrences() {
        let start = at("2026-01-01T09:00:00Z");
        let got = expand(
            start,
            start,
            &zone("UTC"),
            Some(&count(Frequency::Weekly, 1, 3)),
            10,
        )
        .expect("valid series");
        assert!(got.iter().all(|o| o.start == o.end));
    }

    #[test]
    fn the_occurrence_limit_allows_exactly_the_maximum() {
        let (start, end) = (at("2026-01-01T09:00:00Z"), at("2026-01-01T10:00:00Z"));
        let utc = zone("UTC");
        let by_count = |n| expand(start, end, &utc, Some(&count(Frequency::Daily, 1, n)), 10);
        assert_eq!(by_count(10).map(|s| s.len()), Ok(10));
        assert_eq!(
            by_count(11),
            Err(RecurrenceError::TooManyOccurrences {
                max: 10,
                by_count: true
            })
        );
        // Daily from Jan 1: Jan 10 is the 10th occurrence, Jan 11 the 11th.
        let by_until = |until| {
            let rule = rule(Frequency::Daily, 1, None, Some(until));
            expand(start, end, &utc, Some(&rule), 10)
        };
        assert_eq!(by_until("2026-01-10T09:00:00Z").map(|s| s.len()), Ok(10));
        assert_eq!(
            by_until("2026-01-11T09:00:00Z"),
            Err(RecurrenceError::TooManyOccurrences {
                max: 10,
                by_count: false
            })
        );
    }

    #[test]
    fn a_huge_count_is_refused_without_expanding() {
        let start = at("2026-01-01T09:00:00Z");
        assert_eq!(
            expand(
                start,
                start,
                &zone("UTC"),
                Some(&count(Frequency::Daily, 1, u32::MAX)),
                5000
            ),
            Err(RecurrenceError::TooManyOccurrences {
                max: 5000,
                by_count: true
            })
        );
    }

    #[test]
    fn a_daily_series_until_year_9999_fails_at_the_limit() {
        let start = at("2026-01-01T09:00:00Z");
        let daily = rule(Frequency::Daily, 1, None, Some("9999-12-30T00:00:00Z"));
        assert_eq!(
            expand(start, start, &zone("UTC"), Some(&daily), 5000),
            Err(RecurrenceError::TooManyOccurrences {
                max: 5000,
                by_count: false
            })
        );
    }

    #[test]
    fn a_leap_day_series_every_12_months_runs_to_year_9999() {
        let start = at("2028-02-29T09:00:00Z");
        let leap_days = rule(Frequency::Monthly, 12, None, Some("9999-12-30T00:00:00Z"));
        let got =
            expand(start, start, &zone("UTC"), Some(&leap_days), 5000).expect("sparse but valid");
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
    fn the_iteration_cap_stops_a_series_the_caller_did_not_limit() {
        let start = at("2026-01-01T09:00:00Z");
        let weekly = rule(Frequency::Weekly, 1, None, Some("9999-12-30T00:00:00Z"));
        assert_eq!(
            expand(start, start, &zone("UTC"), Some(&weekly), usize::MAX),
            Err(RecurrenceError::IterationLimit)
        );
    }

    #[test]
    fn a_series_ends_at_the_end_of_year_9999() {
        let monthly = series("9999-06-15T09:00", "UTC", count(Frequency::Monthly, 1, 10));
        assert_eq!(monthly.len(), 7);
        // jiff's last instant is 9999-12-30T22:00Z (so that any offset can display it).
        let daily = series("9999-12-29T09:00", "UTC", count(Frequency::Daily, 1, 5));
        assert_eq!(
            daily,
            ["9999-12-29 09:00 +00:00", "9999-12-30 09:00 +00:00"]
        );
        let huge_interval = series(
            "2026-01-01T09:00",
            "UTC",
            count(Frequency::Monthly, u32::MAX, 3),
        );
        assert_eq!(huge_interval.len(), 1);
        let huge_days = series(
            "2026-01-01T09:00",
            "UTC",
            count(Frequency::Weekly, u32::MAX, 3),
        );
        assert_eq!(huge_days.len(), 1);
    }

    #[test]
    fn an_occurrence_that_would_end_past_year_9999_ends_the_series() {
        let (start, end) = (at("9999-12-29T20:00:00Z"), at("9999-12-29T23:00:00Z"));
        let got = expand(
            start,
            end,
            &zone("UTC"),
            Some(&count(Frequency::Daily, 1, 3)),
            10,
        )
        .expect("valid series");
        assert_eq!(got, [Occurrence { start, end }]);
    }

    #[test]
    fn an_end_before_the_start_is_refused_but_an_equal_one_is_not() {
        let (start, end) = (at("2026-01-01T09:00:00Z"), at("2026-01-01T10:00:00Z"));
        let utc = zone("UTC");
        let error = expand(end, start, &utc, None, 10).expect_err("end before start");
        assert_eq!(error, RecurrenceError::EndBeforeStart);
        assert_eq!(error.field(), "end_date");
        assert!(expand(start, start, &utc, None, 10).is_ok());
    }

    #[test]
    fn an_until_at_or_before_the_start_is_refused() {
        let start = at("2026-01-01T09:00:00Z");
        for until in ["2026-01-01T09:00:00Z", "2025-12-31T09:00:00Z"] {
            let error = expand(
                start,
                start,
                &zone("UTC"),
                Some(&rule(Frequency::Daily, 1, None, Some(until))),
                10,
            )
            .expect_err("until not after start");
            assert_eq!(error, RecurrenceError::UntilNotAfterStart);
            assert_eq!(error.field(), "end_date");
        }
    }

    #[test]
    fn a_rule_built_from_its_fields_is_still_validated() {
        let start = at("2026-01-01T09:00:00Z");
        let no_interval = Rule {
            frequency: Frequency::Daily,
            interval: 0,
            end: End::Count(3),
        };
        let no_count = Rule {
            frequency: Frequency::Daily,
            interval: 1,
            end: End::Count(0),
        };
        let utc = zone("UTC");
        assert_eq!(
            expand(start, start, &utc, Some(&no_interval), 10),
            Err(RecurrenceError::IntervalTooSmall)
        );
        assert_eq!(
            expand(start, start, &utc, Some(&no_count), 10),
            Err(RecurrenceError::CountTooSmall)
        );
    }

    #[test]
    fn time_zones_are_looked_up_by_iana_name() {
        assert_eq!(zone("Europe/Berlin").iana_name(), Some("Europe/Berlin"));
        assert_eq!(zone("UTC").iana_name(), Some("UTC"));
        let error = time_zone("Mars/Base").expect_err("no such zone");
        assert_eq!(error, RecurrenceError::UnknownTimeZone("Mars/Base".into()));
        assert_eq!(error.field(), "timezone");
        assert_eq!(
            error.to_string(),
            "\"Mars/Base\" is not a known IANA time zone."
        );
    }
}
