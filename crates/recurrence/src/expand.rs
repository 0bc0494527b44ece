//! Expansion of a series into occurrences, on wall-clock time in the event's zone
//! (RFC 5545 §3.3.10), with DST gaps and folds resolved as RFC 5545 §3.3.5 prescribes.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::{End, Frequency, RecurrenceError, Rule};

/// Candidates examined before giving up. Rules skip candidates only in months lacking the start's
/// day; the sparsest (a Feb 29 start, every 12 months) skips 3 of 4 until year 9999 — about 8,000
/// candidates — so this bound is never reached by a rule the other limits allow.
const MAX_CANDIDATES: u64 = 200_000;

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
/// first occurrence is the event; each has the event's duration.
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
    let duration = end.duration_since(start);
    let Some(rule) = rule else {
        return Ok(vec![Occurrence { start, end }]);
    };
    if let End::Until(until) = rule.end
        && until <= start
    {
        return Err(RecurrenceError::UntilNotAfterStart);
    }
    let (limit, by_count) = match rule.end {
        End::Count(count) => (usize::try_from(count).unwrap_or(usize::MAX), true),
        End::Until(_) => (usize::MAX, false),
    };
    if limit > max_occurrences && by_count {
        return Err(RecurrenceError::TooManyOccurrences {
            max: max_occurrences,
            by_count,
        });
    }

    let first = zone.to_datetime(start);
    let mut occurrences = Vec::new();
    for k in 0..MAX_CANDIDATES {
        if occurrences.len() == limit {
            return Ok(occurrences);
        }
        let Some(step) = i64::from(rule.interval).checked_mul(i64::try_from(k).unwrap_or(i64::MAX))
        else {
            return Ok(occurrences);
        };
        let local = match candidate(first, rule.frequency, step) {
            Candidate::At(local) => local,
            Candidate::Skipped => continue,
            Candidate::BeyondRange => return Ok(occurrences),
        };
        // A time in a gap moves forward by the gap; a time in a fold takes the earlier offset.
        let Ok(occurrence_start) = zone.to_ambiguous_timestamp(local).compatible() else {
            return Ok(occurrences);
        };
        if let End::Until(until) = rule.end
            && occurrence_start > until
        {
            return Ok(occurrences);
        }
        if occurrences.len() == max_occurrences {
            return Err(RecurrenceError::TooManyOccurrences {
                max: max_occurrences,
                by_count,
            });
        }
        let occurrence_end = occurrence_start
            .checked_add(duration)
            .unwrap_or(Timestamp::MAX);
        occurrences.push(Occurrence {
            start: occurrence_start,
            end: occurrence_end,
        });
    }
    Err(RecurrenceError::IterationLimit)
}

enum Candidate {
    At(DateTime),
    /// The month lacks the start's day (RFC 5545: such recurrences are ignored).
    Skipped,
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

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn zone(name: &str) -> TimeZone {
        time_zone(name).expect("known zone")
    }

    fn starts(start: &str, minutes: i64, zone_name: &str, rule: Rule) -> Vec<String> {
        let start = at(start);
        let end = start
            .checked_add(jiff::SignedDuration::from_mins(minutes))
            .expect("in range");
        expand(start, end, &zone(zone_name), Some(&rule), 5000)
            .expect("valid series")
            .iter()
            .map(|occurrence| occurrence.start.to_string())
            .collect()
    }

    fn rule(frequency: Frequency, interval: u32, count: Option<u32>, until: Option<&str>) -> Rule {
        Rule::new(frequency, interval, count, until.map(at)).expect("valid rule")
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
    fn rfc5545_daily_for_ten_occurrences() {
        // DTSTART;TZID=America/New_York:19970902T090000, RRULE:FREQ=DAILY;COUNT=10
        let got = starts(
            "1997-09-02T13:00:00Z",
            60,
            "America/New_York",
            rule(Frequency::Daily, 1, Some(10), None),
        );
        assert_eq!(got.len(), 10);
        assert_eq!(got[0], "1997-09-02T13:00:00Z");
        assert_eq!(got[9], "1997-09-11T13:00:00Z");
    }

    #[test]
    fn rfc5545_every_ten_days_five_occurrences() {
        let got = starts(
            "1997-09-02T13:00:00Z",
            60,
            "America/New_York",
            rule(Frequency::Daily, 10, Some(5), None),
        );
        assert_eq!(
            got,
            [
                "1997-09-02T13:00:00Z",
                "1997-09-12T13:00:00Z",
                "1997-09-22T13:00:00Z",
                "1997-10-02T13:00:00Z",
                "1997-10-12T13:00:00Z"
            ]
        );
    }

    #[test]
    fn rfc5545_daily_until_keeps_local_time_across_the_fall_change() {
        // FREQ=DAILY;UNTIL=19971224T000000Z: 9:00 EDT until Oct 25, then 9:00 EST.
        let got = starts(
            "1997-09-02T13:00:00Z",
            60,
            "America/New_York",
            rule(Frequency::Daily, 1, None, Some("1997-12-24T00:00:00Z")),
        );
        assert_eq!(got.len(), 113);
        assert_eq!(got[53], "1997-10-25T13:00:00Z");
        assert_eq!(got[54], "1997-10-26T14:00:00Z");
        assert_eq!(got.last().map(String::as_str), Some("1997-12-23T14:00:00Z"));
    }

    #[test]
    fn rfc5545_every_other_week_and_every_18_months() {
        let weekly = starts(
            "1997-09-02T13:00:00Z",
            60,
            "America/New_York",
            rule(Frequency::Weekly, 2, Some(3), None),
        );
        assert_eq!(
            weekly,
            [
                "1997-09-02T13:00:00Z",
                "1997-09-16T13:00:00Z",
                "1997-09-30T13:00:00Z"
            ]
        );
        let monthly = starts(
            "1997-09-10T13:00:00Z",
            60,
            "America/New_York",
            rule(Frequency::Monthly, 18, Some(3), None),
        );
        assert_eq!(
            monthly,
            [
                "1997-09-10T13:00:00Z",
                "1999-03-10T14:00:00Z",
                "2000-09-10T13:00:00Z"
            ]
        );
    }

    #[test]
    fn a_weekly_berlin_meeting_stays_at_nine_across_both_dst_changes() {
        let spring = starts(
            "2026-03-23T08:00:00Z",
            30,
            "Europe/Berlin",
            rule(Frequency::Weekly, 1, Some(2), None),
        );
        assert_eq!(spring, ["2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"]);
        let autumn = starts(
            "2026-10-19T07:00:00Z",
            30,
            "Europe/Berlin",
            rule(Frequency::Weekly, 1, Some(2), None),
        );
        assert_eq!(autumn, ["2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z"]);
    }

    #[test]
    fn southern_hemisphere_changes_go_the_other_way() {
        // Sydney leaves daylight time on 2026-04-05 and enters it on 2026-10-04.
        let april = starts(
            "2026-03-30T22:00:00Z",
            60,
            "Australia/Sydney",
            rule(Frequency::Weekly, 1, Some(2), None),
        );
        assert_eq!(april, ["2026-03-30T22:00:00Z", "2026-04-06T23:00:00Z"]);
        let october = starts(
            "2026-09-28T23:00:00Z",
            60,
            "Australia/Sydney",
            rule(Frequency::Weekly, 1, Some(2), None),
        );
        assert_eq!(october, ["2026-09-28T23:00:00Z", "2026-10-05T22:00:00Z"]);
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        // 02:30 Berlin does not exist on 2026-03-29: it becomes 03:30 CEST (01:30Z).
        let got = starts(
            "2026-03-28T01:30:00Z",
            30,
            "Europe/Berlin",
            rule(Frequency::Daily, 1, Some(3), None),
        );
        assert_eq!(
            got,
            [
                "2026-03-28T01:30:00Z",
                "2026-03-29T01:30:00Z",
                "2026-03-30T00:30:00Z"
            ]
        );
    }

    #[test]
    fn a_time_in_the_autumn_fold_takes_the_earlier_offset() {
        // 02:30 Berlin happens twice on 2026-10-25; the first (CEST, 00:30Z) is used.
        let got = starts(
            "2026-10-24T00:30:00Z",
            30,
            "Europe/Berlin",
            rule(Frequency::Daily, 1, Some(2), None),
        );
        assert_eq!(got, ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z"]);
    }

    #[test]
    fn a_monthly_series_on_the_31st_skips_short_months() {
        let got = starts(
            "2026-01-31T10:00:00Z",
            60,
            "UTC",
            rule(Frequency::Monthly, 1, Some(4), None),
        );
        assert_eq!(
            got,
            [
                "2026-01-31T10:00:00Z",
                "2026-03-31T10:00:00Z",
                "2026-05-31T10:00:00Z",
                "2026-07-31T10:00:00Z"
            ]
        );
    }

    #[test]
    fn a_series_on_february_29th_lands_only_in_leap_years() {
        let got = starts(
            "2024-02-29T10:00:00Z",
            60,
            "UTC",
            rule(Frequency::Monthly, 12, Some(3), None),
        );
        assert_eq!(
            got,
            [
                "2024-02-29T10:00:00Z",
                "2028-02-29T10:00:00Z",
                "2032-02-29T10:00:00Z"
            ]
        );
    }

    #[test]
    fn until_is_inclusive_to_the_microsecond() {
        let on = starts(
            "2026-01-01T09:00:00Z",
            60,
            "UTC",
            rule(Frequency::Daily, 1, None, Some("2026-01-03T09:00:00Z")),
        );
        assert_eq!(on.len(), 3);
        let before = starts(
            "2026-01-01T09:00:00Z",
            60,
            "UTC",
            rule(
                Frequency::Daily,
                1,
                None,
                Some("2026-01-03T08:59:59.999999Z"),
            ),
        );
        assert_eq!(before.len(), 2);
    }

    #[test]
    fn every_occurrence_has_the_events_duration() {
        let (start, end) = (at("2026-03-27T08:00:00Z"), at("2026-03-27T09:30:00Z"));
        let series = expand(
            start,
            end,
            &zone("Europe/Berlin"),
            Some(&rule(Frequency::Daily, 1, Some(4), None)),
            10,
        )
        .expect("valid");
        assert!(
            series
                .iter()
                .all(|o| o.end.duration_since(o.start) == jiff::SignedDuration::from_mins(90))
        );
    }

    #[test]
    fn the_occurrence_limit_allows_exactly_the_maximum() {
        let (start, end) = (at("2026-01-01T09:00:00Z"), at("2026-01-01T10:00:00Z"));
        let utc = zone("UTC");
        assert_eq!(
            expand(
                start,
                end,
                &utc,
                Some(&rule(Frequency::Daily, 1, Some(10), None)),
                10
            )
            .map(|s| s.len()),
            Ok(10)
        );
        assert_eq!(
            expand(
                start,
                end,
                &utc,
                Some(&rule(Frequency::Daily, 1, Some(11), None)),
                10
            ),
            Err(RecurrenceError::TooManyOccurrences {
                max: 10,
                by_count: true
            })
        );
        assert_eq!(
            expand(
                start,
                end,
                &utc,
                Some(&rule(
                    Frequency::Daily,
                    1,
                    None,
                    Some("2026-01-11T09:00:00Z")
                )),
                10
            ),
            Err(RecurrenceError::TooManyOccurrences {
                max: 10,
                by_count: false
            })
        );
    }

    #[test]
    fn a_far_until_fails_fast_or_ends_at_year_9999() {
        let (start, end) = (at("2026-01-01T09:00:00Z"), at("2026-01-01T10:00:00Z"));
        let utc = zone("UTC");
        let daily = rule(Frequency::Daily, 1, None, Some("9999-12-30T00:00:00Z"));
        assert_eq!(
            expand(start, end, &utc, Some(&daily), 5000),
            Err(RecurrenceError::TooManyOccurrences {
                max: 5000,
                by_count: false
            })
        );
        let leap_days = rule(Frequency::Monthly, 12, None, Some("9999-12-30T00:00:00Z"));
        let leap_start = at("2028-02-29T09:00:00Z");
        let series =
            expand(leap_start, leap_start, &utc, Some(&leap_days), 5000).expect("sparse but valid");
        assert_eq!(
            series.len(),
            (2028..=9996)
                .step_by(4)
                .filter(|y| y % 100 != 0 || y % 400 == 0)
                .count()
        );
    }

    #[test]
    fn invalid_series_are_refused_with_their_reason() {
        let (start, end) = (at("2026-01-01T09:00:00Z"), at("2026-01-01T10:00:00Z"));
        let utc = zone("UTC");
        assert_eq!(
            expand(end, start, &utc, None, 10),
            Err(RecurrenceError::EndBeforeStart)
        );
        let until_at_start = rule(Frequency::Daily, 1, None, Some("2026-01-01T09:00:00Z"));
        assert_eq!(
            expand(start, end, &utc, Some(&until_at_start), 10),
            Err(RecurrenceError::UntilNotAfterStart)
        );
        assert_eq!(
            time_zone("Mars/Olympus_Mons"),
            Err(RecurrenceError::UnknownTimeZone("Mars/Olympus_Mons".into()))
        );
    }
}
