//! Rules in words ("Every 2 weeks on Monday and Wednesday, 10 times, except 1 date"): every part
//! of the rule appears, so that a person can read the whole rule back from the sentence.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

use crate::rule::WEEKDAYS;
use crate::{End, Frequency, Rule, WeekdayNum};

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The rule of an event starting on `start` (its date on the event's wall clock in `zone`),
/// with `exclusions` exclusion dates.
pub(crate) fn describe(rule: &Rule, start: Date, zone: &TimeZone, exclusions: usize) -> String {
    let parts = rule.parts();
    let mut text = cadence(parts.frequency, parts.interval);
    let weekdays = &parts.by_weekday;
    let month_days = &parts.by_month_day;
    let months = &parts.by_month;
    let positions = &parts.by_set_position;
    let period = match parts.frequency {
        Frequency::Daily => "day",
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
        Frequency::Yearly => "year",
    };
    // In a month or a year, BYSETPOS over plain weekdays alone reads as one phrase: "the last
    // weekday".
    let mut positions_told = false;
    let (days, condition) = if !positions.is_empty()
        && matches!(parts.frequency, Frequency::Monthly | Frequency::Yearly)
        && month_days.is_empty()
        && weekdays.iter().all(|day| day.ordinal.is_none())
        && let Some(noun) = weekday_set_noun(weekdays)
    {
        positions_told = true;
        (
            Some(format!("the {} {noun}", ordinal_list(positions))),
            None,
        )
    } else {
        match parts.frequency {
            Frequency::Daily => selected_days(weekdays, month_days, false),
            Frequency::Weekly => {
                let (days, condition) = selected_days(weekdays, month_days, false);
                (
                    days.or_else(|| Some(weekday_name(start.weekday()).to_owned())),
                    condition,
                )
            }
            Frequency::Monthly => {
                let (days, condition) = selected_days(weekdays, month_days, true);
                (
                    days.or_else(|| Some(format!("day {}", start.day()))),
                    condition,
                )
            }
            Frequency::Yearly => {
                let (days, condition) = yearly_days(weekdays, month_days, months, start);
                (Some(days), condition)
            }
        }
    };
    if let Some(days) = days {
        text.push_str(" on ");
        text.push_str(&days);
    }
    // Yearly rules name their months in the day phrase ("14 March", "of October").
    if parts.frequency != Frequency::Yearly && !months.is_empty() {
        text.push_str(" in ");
        text.push_str(&month_list(months));
    } else if parts.frequency == Frequency::Yearly && positions_told {
        text.push_str(" of ");
        text.push_str(&if months.is_empty() {
            "the year".to_owned()
        } else {
            month_list(months)
        });
    }
    if let Some(condition) = condition {
        text.push_str(" if it is ");
        text.push_str(&condition);
    }
    if !positions.is_empty() && !positions_told {
        text.push_str(&format!(
            ", taking the {} of these in each {period}",
            ordinal_list(positions)
        ));
    }
    // The week start changes a weekly rule's dates only when weeks are skipped or positions
    // are taken within them; elsewhere it means nothing and is left unsaid.
    if parts.frequency == Frequency::Weekly
        && parts.week_start != Weekday::Monday
        && (parts.interval > 1 || !positions.is_empty())
    {
        text.push_str(&format!(
            ", weeks starting on {}",
            weekday_name(parts.week_start)
        ));
    }
    match parts.end {
        End::Count(1) => text.push_str(", once"),
        End::Count(count) => text.push_str(&format!(", {count} times")),
        End::Until(until) => text.push_str(&format!(", until {}", zone.to_datetime(until).date())),
        End::Never => text.push_str(", forever"),
    }
    match exclusions {
        0 => {}
        1 => text.push_str(", except 1 date"),
        n => text.push_str(&format!(", except {n} dates")),
    }
    text
}

fn cadence(frequency: Frequency, interval: u32) -> String {
    match (frequency, interval) {
        (Frequency::Daily, 1) => "Daily".to_owned(),
        (Frequency::Weekly, 1) => "Weekly".to_owned(),
        (Frequency::Monthly, 1) => "Monthly".to_owned(),
        (Frequency::Yearly, 1) => "Yearly".to_owned(),
        (Frequency::Daily, n) => format!("Every {n} days"),
        (Frequency::Weekly, n) => format!("Every {n} weeks"),
        (Frequency::Monthly, n) => format!("Every {n} months"),
        (Frequency::Yearly, n) => format!("Every {n} years"),
    }
}

/// The days BYDAY and BYMONTHDAY select, each `None` without them: "Monday and Wednesday",
/// "every Monday" (`every` in months and years, where a weekday recurs); with both, the month
/// days and the weekdays they must fall on ("day 13", "a Friday").
fn selected_days(
    weekdays: &[WeekdayNum],
    month_days: &[i8],
    every: bool,
) -> (Option<String>, Option<String>) {
    match (weekdays.is_empty(), month_days.is_empty()) {
        (true, true) => (None, None),
        (false, true) => (Some(weekday_phrase(weekdays, every, None)), None),
        (true, false) => (Some(month_day_phrase(month_days)), None),
        (false, false) => (
            Some(month_day_phrase(month_days)),
            Some(weekday_condition(weekdays)),
        ),
    }
}

/// A yearly rule's days with their months ("14 March", "the last Sunday of October"), and the
/// weekdays they must fall on when both BYDAY and BYMONTHDAY are given.
fn yearly_days(
    weekdays: &[WeekdayNum],
    month_days: &[i8],
    months: &[i8],
    start: Date,
) -> (String, Option<String>) {
    let months_named = if months.is_empty() {
        None
    } else {
        Some(month_list(months))
    };
    let single_dates = |day: i64, months: &[i8]| {
        list(
            months
                .iter()
                .map(|month| format!("{day} {}", month_name(*month))),
        )
    };
    let days = match (weekdays.is_empty(), month_days, &months_named) {
        // The start supplies the date: its day, in its month or in BYMONTH's.
        (true, [], _) => {
            let start_month = [start.month()];
            let months = if months.is_empty() {
                &start_month[..]
            } else {
                months
            };
            single_dates(i64::from(start.day()), months)
        }
        (false, [], Some(names)) => {
            if weekdays.iter().any(|day| day.ordinal.is_some()) {
                weekday_phrase(weekdays, true, Some(names))
            } else {
                format!("{} in {names}", weekday_phrase(weekdays, true, None))
            }
        }
        (false, [], None) => weekday_phrase(weekdays, true, Some("the year")),
        (_, [day], Some(_)) if *day > 0 => single_dates(i64::from(*day), months),
        (_, _, Some(names)) => format!("{} of {names}", month_day_phrase(month_days)),
        (_, _, None) => format!("{} of every month", month_day_phrase(month_days)),
    };
    // Ordinals count within the month with BYMONTH, within the year without it.
    let scope = if months.is_empty() {
        "the year"
    } else {
        "the month"
    };
    let condition = (!weekdays.is_empty() && !month_days.is_empty())
        .then(|| weekday_condition_in(weekdays, scope));
    (days, condition)
}

/// "Monday, Wednesday and Friday", "weekdays", "the first and third Monday", "every Monday
/// and the last Friday of October".
fn weekday_phrase(weekdays: &[WeekdayNum], every: bool, of: Option<&str>) -> String {
    let plain: Vec<Weekday> = weekdays
        .iter()
        .filter(|day| day.ordinal.is_none())
        .map(|day| day.weekday)
        .collect();
    let mut items = Vec::new();
    if !plain.is_empty() {
        let names = if is_workweek(&plain) {
            if every { "weekday" } else { "weekdays" }.to_owned()
        } else {
            list(plain.iter().map(|day| weekday_name(*day).to_owned()))
        };
        items.push(if every {
            format!("every {names}")
        } else {
            names
        });
    }
    items.extend(ordinal_groups(weekdays));
    let phrase = list(items.into_iter());
    match of {
        Some(of) if weekdays.iter().any(|day| day.ordinal.is_some()) => format!("{phrase} of {of}"),
        _ => phrase,
    }
}

/// "the first and third Monday", one item per weekday with ordinals.
fn ordinal_groups(weekdays: &[WeekdayNum]) -> Vec<String> {
    WEEKDAYS
        .into_iter()
        .filter_map(|weekday| {
            let ordinals: Vec<i8> = weekdays
                .iter()
                .filter(|day| day.weekday == weekday)
                .filter_map(|day| day.ordinal)
                .collect();
            (!ordinals.is_empty())
                .then(|| format!("the {} {}", ordinal_list(&ordinals), weekday_name(weekday)))
        })
        .collect()
}

/// "a Friday", "a weekday", "a Monday or the last Friday".
fn weekday_condition(weekdays: &[WeekdayNum]) -> String {
    let plain: Vec<Weekday> = weekdays
        .iter()
        .filter(|day| day.ordinal.is_none())
        .map(|day| day.weekday)
        .collect();
    let mut items = Vec::new();
    if is_workweek(&plain) {
        items.push("a weekday".to_owned());
    } else {
        items.extend(plain.iter().map(|day| format!("a {}", weekday_name(*day))));
    }
    items.extend(ordinal_groups(weekdays));
    list_with(items.into_iter(), "or")
}

fn weekday_condition_in(weekdays: &[WeekdayNum], of: &str) -> String {
    let condition = weekday_condition(weekdays);
    if weekdays.iter().any(|day| day.ordinal.is_some()) {
        format!("{condition} of {of}")
    } else {
        condition
    }
}

/// A name for a set of plain weekdays that BYSETPOS can count through: "Monday", "weekday",
/// "weekend day", "day".
fn weekday_set_noun(weekdays: &[WeekdayNum]) -> Option<String> {
    let days: Vec<Weekday> = weekdays.iter().map(|day| day.weekday).collect();
    match days.as_slice() {
        [day] => Some(weekday_name(*day).to_owned()),
        _ if is_workweek(&days) => Some("weekday".to_owned()),
        [Weekday::Saturday, Weekday::Sunday] => Some("weekend day".to_owned()),
        _ if days.len() == 7 => Some("day".to_owned()),
        _ => None,
    }
}

fn is_workweek(days: &[Weekday]) -> bool {
    *days == WEEKDAYS[..5]
}

/// "day 15", "days 1 and 15", "the last day", "day 1 and the second-to-last day".
fn month_day_phrase(month_days: &[i8]) -> String {
    let from_start: Vec<String> = month_days
        .iter()
        .filter(|day| **day > 0)
        .map(i8::to_string)
        .collect();
    let mut items = Vec::new();
    match from_start.len() {
        0 => {}
        1 => items.push(format!("day {}", from_start[0])),
        _ => items.push(format!("days {}", list(from_start.into_iter()))),
    }
    // Canonical order sorts -31 first; the last day reads first.
    items.extend(
        month_days
            .iter()
            .rev()
            .filter(|day| **day < 0)
            .map(|day| format!("the {} day", ordinal_word(i64::from(*day)))),
    );
    list(items.into_iter())
}

fn month_list(months: &[i8]) -> String {
    list(months.iter().map(|month| month_name(*month).to_owned()))
}

fn month_name(month: i8) -> &'static str {
    usize::try_from(month - 1)
        .ok()
        .and_then(|index| MONTH_NAMES.get(index))
        .copied()
        .unwrap_or("?")
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// "first" … "fifth", "6th", "21st"; from the end: "last", "second-to-last", "6th-to-last".
fn ordinal_word(ordinal: i64) -> String {
    let magnitude = ordinal.unsigned_abs();
    let word = match magnitude {
        1 => "first".to_owned(),
        2 => "second".to_owned(),
        3 => "third".to_owned(),
        4 => "fourth".to_owned(),
        5 => "fifth".to_owned(),
        _ => {
            let suffix = match (magnitude % 10, magnitude % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{magnitude}{suffix}")
        }
    };
    match (ordinal < 0, magnitude) {
        (false, _) => word,
        (true, 1) => "last".to_owned(),
        (true, _) => format!("{word}-to-last"),
    }
}

/// "first, third and last": from the start, then from the end (canonical order sorts the
/// negative ones first, -5 before -1).
fn ordinal_list<T: Copy + Into<i64>>(ordinals: &[T]) -> String {
    let ordinals: Vec<i64> = ordinals.iter().map(|ordinal| (*ordinal).into()).collect();
    let from_start = ordinals.iter().filter(|ordinal| **ordinal > 0);
    let from_end = ordinals.iter().rev().filter(|ordinal| **ordinal < 0);
    list(
        from_start
            .chain(from_end)
            .map(|ordinal| ordinal_word(*ordinal)),
    )
}

fn list(items: impl Iterator<Item = String>) -> String {
    list_with(items, "and")
}

/// "a", "a and b", "a, b and c".
fn list_with(items: impl Iterator<Item = String>, conjunction: &str) -> String {
    let items: Vec<String> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use jiff::civil::DateTime;

    use super::*;
    use crate::{Series, Timing};

    fn at(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).expect("known zone")
    }

    /// The description of a one-hour event at `start` (wall clock) in `zone_name`.
    fn described_in(start: &str, zone_name: &str, rrule: &str, exdates: usize) -> String {
        let zone = zone(zone_name);
        let local: DateTime = start.parse().expect("valid civil datetime");
        let start = zone
            .to_ambiguous_timestamp(local)
            .compatible()
            .expect("in range");
        let exdates = (1..=exdates)
            .map(|days| {
                start
                    .checked_add(jiff::SignedDuration::from_hours(24 * 7 * days as i64))
                    .expect("in range")
            })
            .collect();
        let rule = Rule::parse_rrule(rrule, &zone).expect("valid rule");
        Series::new(Timing::At { start, end: start }, zone, Some(rule), exdates)
            .expect("valid series")
            .describe()
            .expect("a rule")
    }

    /// A Monday, the 15th of June 2026.
    fn described(rrule: &str) -> String {
        described_in("2026-06-15T09:00", "UTC", rrule, 0)
    }

    fn described_from(start: &str, rrule: &str) -> String {
        described_in(start, "UTC", rrule, 0)
    }

    #[test]
    fn daily_rules_say_how_many_days_apart() {
        assert_eq!(described("FREQ=DAILY"), "Daily, forever");
        assert_eq!(described("FREQ=DAILY;INTERVAL=3"), "Every 3 days, forever");
    }

    #[test]
    fn weekly_rules_name_their_weekdays() {
        assert_eq!(
            described("FREQ=WEEKLY;COUNT=6"),
            "Weekly on Monday, 6 times"
        );
        assert_eq!(
            described("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,MO"),
            "Every 2 weeks on Monday and Wednesday, forever"
        );
        assert_eq!(
            described("FREQ=WEEKLY;BYDAY=MO,WE,FR"),
            "Weekly on Monday, Wednesday and Friday, forever"
        );
        assert_eq!(
            described("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
            "Weekly on weekdays, forever"
        );
    }

    #[test]
    fn a_weekly_rule_names_its_week_start_only_where_it_changes_the_dates() {
        assert_eq!(
            described("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU;COUNT=4"),
            "Every 2 weeks on Tuesday and Sunday, weeks starting on Sunday, 4 times"
        );
        assert_eq!(
            described("FREQ=WEEKLY;BYDAY=TU,SU;WKST=SU"),
            "Weekly on Tuesday and Sunday, forever"
        );
    }

    #[test]
    fn monthly_rules_name_their_days_of_the_month() {
        assert_eq!(described("FREQ=MONTHLY"), "Monthly on day 15, forever");
        assert_eq!(
            described("FREQ=MONTHLY;BYMONTHDAY=15,1"),
            "Monthly on days 1 and 15, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYMONTHDAY=-1"),
            "Monthly on the last day, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYMONTHDAY=-2"),
            "Monthly on the second-to-last day, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYMONTHDAY=1,-1,-3"),
            "Monthly on day 1, the last day and the third-to-last day, forever"
        );
    }

    #[test]
    fn monthly_rules_name_their_nth_weekdays() {
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=2TU"),
            "Monthly on the second Tuesday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=-1FR"),
            "Monthly on the last Friday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=3MO,1MO"),
            "Monthly on the first and third Monday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=MO,-1WE"),
            "Monthly on every Monday and the last Wednesday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU"),
            "Every 2 months on the first and last Sunday, 10 times"
        );
    }

    #[test]
    fn a_set_position_over_weekdays_reads_as_one_phrase() {
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
            "Monthly on the last weekday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"),
            "Monthly on the first weekday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1,-1"),
            "Monthly on the first and last weekend day, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
            "Yearly on the last weekday of March, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=366"),
            "Yearly on the 366th day of the year, forever"
        );
        assert_eq!(
            described("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
            "Weekly on weekdays, taking the last of these in each week, forever"
        );
    }

    #[test]
    fn other_set_positions_are_spelled_out() {
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=MO,WE,FR;BYSETPOS=2"),
            "Monthly on every Monday, Wednesday and Friday, taking the second of these in each \
             month, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3"),
            "Monthly on every Tuesday, Wednesday and Thursday, taking the third of these in each \
             month, 3 times"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=1,7;BYSETPOS=-1"),
            "Yearly on 15 January and 15 July, taking the last of these in each year, forever"
        );
    }

    #[test]
    fn weekdays_and_month_days_together_read_as_a_condition() {
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"),
            "Monthly on day 13 if it is a Friday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13"),
            "Monthly on days 7, 8, 9, 10, 11, 12 and 13 if it is a Saturday, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8"),
            "Every 4 years on days 2, 3, 4, 5, 6, 7 and 8 of November if it is a Tuesday, forever"
        );
        assert_eq!(
            described("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYMONTHDAY=1"),
            "Daily on day 1 if it is a weekday, forever"
        );
    }

    #[test]
    fn a_month_restriction_comes_before_the_weekday_condition() {
        assert_eq!(
            described("FREQ=DAILY;BYMONTH=5;BYMONTHDAY=14,25;BYDAY=FR,SA"),
            "Daily on days 14 and 25 in May if it is a Friday or a Saturday, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYMONTH=8;BYMONTHDAY=9,25;BYDAY=1SU"),
            "Monthly on days 9 and 25 in August if it is the first Sunday, forever"
        );
    }

    #[test]
    fn yearly_rules_name_their_dates() {
        assert_eq!(
            described_from("2026-03-14T09:00", "FREQ=YEARLY"),
            "Yearly on 14 March, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=14"),
            "Yearly on 14 March, forever"
        );
        assert_eq!(
            described_from("2026-03-14T09:00", "FREQ=YEARLY;INTERVAL=2"),
            "Every 2 years on 14 March, forever"
        );
        assert_eq!(
            described_from("2028-02-29T09:00", "FREQ=YEARLY"),
            "Yearly on 29 February, forever"
        );
        assert_eq!(
            described_from("2026-03-14T09:00", "FREQ=YEARLY;BYMONTH=3,9"),
            "Yearly on 14 March and 14 September, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"),
            "Yearly on the last day of February, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTHDAY=1"),
            "Yearly on day 1 of every month, forever"
        );
    }

    #[test]
    fn yearly_rules_name_their_weekdays_in_the_month_or_the_year() {
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"),
            "Yearly on the last Sunday of October, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYDAY=20MO"),
            "Yearly on the 20th Monday of the year, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=3;BYDAY=TH"),
            "Yearly on every Thursday in March, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=13;BYDAY=FR"),
            "Yearly on 13 March if it is a Friday, forever"
        );
        assert_eq!(
            described("FREQ=YEARLY;BYMONTHDAY=-1;BYDAY=20MO"),
            "Yearly on the last day of every month if it is the 20th Monday of the year, forever"
        );
    }

    #[test]
    fn restrictions_to_months_and_weekdays_follow_the_cadence() {
        assert_eq!(described("FREQ=DAILY;BYMONTH=6"), "Daily in June, forever");
        assert_eq!(
            described("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"),
            "Daily on weekdays, forever"
        );
        assert_eq!(
            described("FREQ=WEEKLY;BYMONTH=3"),
            "Weekly on Monday in March, forever"
        );
        assert_eq!(
            described("FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=1MO"),
            "Monthly on the first Monday in March, June, September and December, forever"
        );
    }

    #[test]
    fn ends_are_said_last_before_exclusions() {
        assert_eq!(described("FREQ=DAILY;COUNT=10"), "Daily, 10 times");
        assert_eq!(described("FREQ=DAILY;COUNT=1"), "Daily, once");
        assert_eq!(
            described("FREQ=DAILY;UNTIL=20261231T220000Z"),
            "Daily, until 2026-12-31"
        );
        assert_eq!(described("FREQ=DAILY"), "Daily, forever");
    }

    #[test]
    fn exclusions_are_counted_as_given() {
        assert_eq!(
            described_in("2026-06-15T09:00", "UTC", "FREQ=WEEKLY;COUNT=10", 1),
            "Weekly on Monday, 10 times, except 1 date"
        );
        assert_eq!(
            described_in("2026-06-15T09:00", "UTC", "FREQ=WEEKLY;COUNT=10", 2),
            "Weekly on Monday, 10 times, except 2 dates"
        );
    }

    #[test]
    fn weekday_day_and_until_are_read_on_the_events_wall_clock() {
        // 23:30 UTC on Sunday 2026-03-01 is already Monday the 2nd in Berlin, and an until at
        // 23:30 UTC on New Year's Eve is New Year's Day there.
        let start = at("2026-03-01T23:30:00Z");
        let describe = |rrule: &str, zone_name: &str| {
            let zone = zone(zone_name);
            let rule = Rule::parse_rrule(rrule, &zone).expect("valid rule");
            Series::new(Timing::At { start, end: start }, zone, Some(rule), vec![])
                .expect("valid")
                .describe()
                .expect("a rule")
        };
        let weekly = "FREQ=WEEKLY;UNTIL=20261231T233000Z";
        assert_eq!(
            describe(weekly, "UTC"),
            "Weekly on Sunday, until 2026-12-31"
        );
        assert_eq!(
            describe(weekly, "Europe/Berlin"),
            "Weekly on Monday, until 2027-01-01"
        );
        assert_eq!(
            describe("FREQ=MONTHLY;UNTIL=20261231T233000Z", "Europe/Berlin"),
            "Monthly on day 2, until 2027-01-01"
        );
    }

    #[test]
    fn an_all_day_series_is_described_from_its_start_date() {
        let zone = zone("Pacific/Auckland");
        let series = Series::new(
            Timing::AllDay {
                start: Date::constant(2026, 1, 31),
                end: Date::constant(2026, 2, 1),
            },
            zone.clone(),
            Some(Rule::parse_rrule("FREQ=MONTHLY;COUNT=10", &zone).expect("valid")),
            vec![],
        )
        .expect("valid");
        assert_eq!(
            series.describe().as_deref(),
            Some("Monthly on day 31, 10 times")
        );
    }

    #[test]
    fn rules_describe_their_cadence_in_words() {
        let monday_the_15th = "2026-06-15T09:00";
        let saturday_the_31st = "2026-01-31T09:00";
        let cases = [
            ("FREQ=DAILY", monday_the_15th, "Daily"),
            ("FREQ=DAILY;INTERVAL=3", monday_the_15th, "Every 3 days"),
            ("FREQ=WEEKLY", monday_the_15th, "Weekly on Monday"),
            (
                "FREQ=WEEKLY;INTERVAL=2",
                monday_the_15th,
                "Every 2 weeks on Monday",
            ),
            ("FREQ=WEEKLY", saturday_the_31st, "Weekly on Saturday"),
            ("FREQ=MONTHLY", saturday_the_31st, "Monthly on day 31"),
            (
                "FREQ=MONTHLY;INTERVAL=6",
                monday_the_15th,
                "Every 6 months on day 15",
            ),
            (
                "FREQ=YEARLY;INTERVAL=10",
                saturday_the_31st,
                "Every 10 years on 31 January",
            ),
        ];
        for (rrule, start, cadence) in cases {
            assert_eq!(
                described_from(start, &format!("{rrule};COUNT=10")),
                format!("{cadence}, 10 times")
            );
        }
    }

    #[test]
    fn large_ordinals_take_english_suffixes() {
        let words: Vec<String> = [6, 11, 12, 13, 21, 22, 23, 53, -1, -2, -6, -22]
            .into_iter()
            .map(ordinal_word)
            .collect();
        assert_eq!(
            words,
            [
                "6th",
                "11th",
                "12th",
                "13th",
                "21st",
                "22nd",
                "23rd",
                "53rd",
                "last",
                "second-to-last",
                "6th-to-last",
                "22nd-to-last"
            ]
        );
    }
}
