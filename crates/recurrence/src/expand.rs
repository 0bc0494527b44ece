//! The calendar pattern of a rule (RFC 5545 §3.3.10): which dates each period of a series
//! offers, and the walk over the periods that finds them — on plain day numbers, so that the
//! argument bounding the work below holds past jiff's last year.
//!
//! # Bounded work
//!
//! The Gregorian calendar repeats every 400 years: 146,097 days, which is exactly 20,871 weeks
//! (so weekdays repeat too) and 4,800 months. Whether a period offers a date depends only on the
//! period's place in that cycle (its dates, their weekdays, the lengths of its months and year).
//! Period `k` starts `k * interval` units (days, weeks, months or years) after the start's, so
//! periods `k` and `k + L` sit at the same place in the cycle when `L * interval` is a multiple
//! of the cycle's length in units: `L = units / gcd(interval, units)` with units 146,097 (days),
//! 20,871 (weeks), 4,800 (months) or 400 (years). Any `L` consecutive periods therefore meet
//! every place a period of this series can ever have; if none of them offers a date, no later
//! one will. So the walk stops after `L` empty periods in a row, and one step of it examines at
//! most `L` periods — at most 146,097 days, whatever the frequency and interval — plus the
//! period holding the date it returns (at most 366 days). A walk bounded by the end of year 9999
//! examines at most the days from its first period to then, plus one cycle.

use jiff::civil::{Date, Weekday};

use crate::{Frequency, RuleParts};

/// A civil date as the number of days since 1970-01-01 (proleptic Gregorian calendar).
pub(crate) type Day = i64;

/// Days in the Gregorian cycle of 400 years, the longest any pattern takes to repeat.
pub(crate) const CYCLE_DAYS: u64 = 146_097;

/// The last day jiff (and so this engine) can name: 9999-12-31.
pub(crate) const LAST_DAY: Day = days_from_civil(9999, 12, 31);

/// The day number of a civil date (Howard Hinnant's `days_from_civil`).
const fn days_from_civil(year: i64, month: i64, day: i64) -> Day {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * CYCLE_DAYS as i64 + day_of_era - 719_468
}

/// The civil date of a day number (Howard Hinnant's `civil_from_days`): year, month, day.
fn civil_from_days(day: Day) -> (i64, i64, i64) {
    let shifted = day + 719_468;
    let era = shifted.div_euclid(CYCLE_DAYS as i64);
    let day_of_era = shifted - era * CYCLE_DAYS as i64;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day_of_month = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day_of_month)
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_in_year(year: i64) -> i64 {
    if is_leap_year(year) { 366 } else { 365 }
}

/// Monday 0 … Sunday 6; 1970-01-01 was a Thursday.
fn weekday_index(day: Day) -> i64 {
    (day + 3).rem_euclid(7)
}

pub(crate) fn day_of(date: Date) -> Day {
    days_from_civil(
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    )
}

/// The date of a day number, if jiff can represent it (years -9999 to 9999).
pub(crate) fn date_of(day: Day) -> Option<Date> {
    let (year, month, day) = civil_from_days(day);
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A rule's day selection, compiled against the event's start date.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    frequency: Frequency,
    interval: i64,
    /// Bit `m` set: month `m` allowed; 0: every month.
    months: u16,
    /// Bit `d` set: day `d` of the month allowed.
    month_days_from_start: u32,
    /// Bit `d` set: the `d`-th day from the month's end (-`d`) allowed.
    month_days_from_end: u32,
    /// `(ordinal, weekday index)` of each BYDAY entry.
    weekdays: Vec<(Option<i64>, i64)>,
    /// Yearly ordinals count within the year without BYMONTH, within the month with it.
    ordinals_within_year: bool,
    set_positions: Vec<i64>,
    /// Weekly periods start on the days whose number is congruent to this modulo 7.
    week_shift: i64,
    /// The unit (day, week, month or year number) of the start's period.
    origin: i64,
    /// Periods after which the pattern repeats (see the module's comment).
    cycle: i64,
}

impl Pattern {
    /// The pattern of `parts` (validated) for an event starting on `start`: with neither BYDAY
    /// nor BYMONTHDAY, the start supplies the day (RFC 5545 §3.3.10: "information, not contained
    /// in the rule, necessary to determine the various recurrence instance start time and dates
    /// are derived from the Start Time"), as dateutil and the rrule crate derive it.
    pub(crate) fn new(parts: &RuleParts, start: Date) -> Pattern {
        let start_day = day_of(start);
        let mut months = parts
            .by_month
            .iter()
            .fold(0u16, |mask, month| mask | 1 << month);
        let (mut month_days_from_start, mut month_days_from_end) = (0u32, 0u32);
        for &day in &parts.by_month_day {
            if day > 0 {
                month_days_from_start |= 1 << day;
            } else {
                month_days_from_end |= 1 << day.unsigned_abs();
            }
        }
        let mut weekdays: Vec<(Option<i64>, i64)> = parts
            .by_weekday
            .iter()
            .map(|day| {
                (
                    day.ordinal.map(i64::from),
                    i64::from(day.weekday.to_monday_zero_offset()),
                )
            })
            .collect();
        if parts.by_weekday.is_empty() && parts.by_month_day.is_empty() {
            match parts.frequency {
                Frequency::Daily => {}
                Frequency::Weekly => weekdays.push((None, weekday_index(start_day))),
                Frequency::Monthly => month_days_from_start = 1 << start.day(),
                Frequency::Yearly => {
                    month_days_from_start = 1 << start.day();
                    if months == 0 {
                        months = 1 << start.month();
                    }
                }
            }
        }
        let week_shift = week_shift(parts.week_start);
        let units_in_cycle = units_in_cycle(parts.frequency);
        let interval = i64::from(parts.interval);
        let mut pattern = Pattern {
            frequency: parts.frequency,
            interval,
            months,
            month_days_from_start,
            month_days_from_end,
            weekdays,
            ordinals_within_year: parts.by_month.is_empty(),
            set_positions: parts
                .by_set_position
                .iter()
                .map(|p| i64::from(*p))
                .collect(),
            week_shift,
            origin: 0,
            cycle: units_in_cycle / gcd(interval, units_in_cycle),
        };
        pattern.origin = pattern.unit_of(start_day);
        pattern
    }

    /// The unit (day, week, month or year number) holding `day`.
    fn unit_of(&self, day: Day) -> i64 {
        match self.frequency {
            Frequency::Daily => day,
            Frequency::Weekly => (day - self.week_shift).div_euclid(7),
            Frequency::Monthly => {
                let (year, month, _) = civil_from_days(day);
                year * 12 + month - 1
            }
            Frequency::Yearly => civil_from_days(day).0,
        }
    }

    /// The first and last day of period `k`; `None` past what day numbers can hold.
    fn period(&self, k: i64) -> Option<(Day, Day)> {
        let unit = k.checked_mul(self.interval)?.checked_add(self.origin)?;
        // Keeps the day arithmetic below far from overflow. Never reached by a scan of one
        // cycle: at most 146,097 days (or the equivalent) times an interval below 2^32 is below
        // 2^50 units.
        const LIMIT: i64 = 1 << 52;
        if unit.abs() > LIMIT {
            return None;
        }
        Some(match self.frequency {
            Frequency::Daily => (unit, unit),
            Frequency::Weekly => {
                let first = unit * 7 + self.week_shift;
                (first, first + 6)
            }
            Frequency::Monthly => {
                let (year, month) = (unit.div_euclid(12), unit.rem_euclid(12) + 1);
                let first = days_from_civil(year, month, 1);
                (first, first + days_in_month(year, month) - 1)
            }
            Frequency::Yearly => (days_from_civil(unit, 1, 1), days_from_civil(unit, 12, 31)),
        })
    }

    /// The first period (k ≥ 0) that ends on or after `day`: where a walk seeking `day` starts.
    pub(crate) fn first_period_reaching(&self, day: Day) -> i64 {
        let units = self.unit_of(day) - self.origin;
        if units <= 0 {
            0
        } else {
            // Ceiling division: the period holding `day`, or the next one when the interval
            // skips the unit holding it.
            (units + self.interval - 1) / self.interval
        }
    }

    /// Whether a day at `place` is one of this pattern's candidates.
    fn offers(&self, place: &Place) -> bool {
        if self.months != 0 && self.months & (1 << place.month) == 0 {
            return false;
        }
        let month_days_given = self.month_days_from_start | self.month_days_from_end != 0;
        let from_end_of_month = place.month_length - place.day_of_month + 1;
        if month_days_given
            && self.month_days_from_start & (1 << place.day_of_month) == 0
            && self.month_days_from_end & (1 << from_end_of_month) == 0
        {
            return false;
        }
        if self.weekdays.is_empty() {
            return true;
        }
        // RFC 5545 §3.3.10: an ordinal counts within the month for MONTHLY, and for YEARLY with
        // BYMONTH; within the year otherwise.
        let (index, length) = if self.frequency == Frequency::Yearly && self.ordinals_within_year {
            (place.day_of_year, place.year_length)
        } else {
            (place.day_of_month, place.month_length)
        };
        let from_start = (index - 1) / 7 + 1;
        let from_end = -((length - index) / 7 + 1);
        self.weekdays.iter().any(|&(ordinal, weekday)| {
            weekday == place.weekday
                && ordinal.is_none_or(|ordinal| ordinal == from_start || ordinal == from_end)
        })
    }

    /// Puts the candidate days of the period `first..=last` into `days`, in order, BYSETPOS
    /// applied; returns how many days it examined.
    fn fill(&self, first: Day, last: Day, days: &mut Vec<Day>) -> u64 {
        let mut place = Place::of(first);
        for day in first..=last {
            if self.offers(&place) {
                days.push(day);
            }
            place.advance();
        }
        if !self.set_positions.is_empty() {
            // RFC 5545 §3.3.10: BYSETPOS picks the n-th of the period's set (-1: the last).
            let length = i64::try_from(days.len()).unwrap_or(i64::MAX);
            let mut picked: Vec<Day> = self
                .set_positions
                .iter()
                .filter_map(|&position| {
                    let index = if position > 0 {
                        position - 1
                    } else {
                        length + position
                    };
                    usize::try_from(index)
                        .ok()
                        .and_then(|index| days.get(index).copied())
                })
                .collect();
            picked.sort_unstable();
            picked.dedup();
            *days = picked;
        }
        u64::try_from(last - first + 1).unwrap_or(0)
    }

    /// Whether the pattern offers no date after the start, ever: one cycle of periods after the
    /// start's is empty (see the module's comment). Returns the days it examined too.
    pub(crate) fn never_occurs(&self) -> (bool, u64) {
        let mut walk = Walk::new(1, Day::MIN);
        let none = walk.next_day(self, Day::MAX).is_none();
        (none, walk.examined)
    }
}

/// Where a day sits in its month, week and year: all a pattern looks at.
#[derive(Debug, PartialEq)]
struct Place {
    year: i64,
    month: i64,
    day_of_month: i64,
    month_length: i64,
    /// Monday 0 … Sunday 6.
    weekday: i64,
    day_of_year: i64,
    year_length: i64,
}

impl Place {
    fn of(day: Day) -> Place {
        let (year, month, day_of_month) = civil_from_days(day);
        Place {
            year,
            month,
            day_of_month,
            month_length: days_in_month(year, month),
            weekday: weekday_index(day),
            day_of_year: day - days_from_civil(year, 1, 1) + 1,
            year_length: days_in_year(year),
        }
    }

    /// Moves to the next day: cheaper than [`Place::of`] for every day of a period.
    fn advance(&mut self) {
        self.weekday = (self.weekday + 1) % 7;
        self.day_of_month += 1;
        self.day_of_year += 1;
        if self.day_of_month > self.month_length {
            self.day_of_month = 1;
            self.month += 1;
            if self.month > 12 {
                self.month = 1;
                self.year += 1;
                self.day_of_year = 1;
                self.year_length = days_in_year(self.year);
            }
            self.month_length = days_in_month(self.year, self.month);
        }
    }
}

/// Weeks starting on `week_start` start on the days whose number is congruent to this modulo 7.
fn week_shift(week_start: Weekday) -> i64 {
    // 1970-01-01 (day 0) was a Thursday, weekday index 3.
    (i64::from(week_start.to_monday_zero_offset()) - 3).rem_euclid(7)
}

/// How many of a frequency's units (days, weeks, months, years) make one Gregorian cycle.
fn units_in_cycle(frequency: Frequency) -> i64 {
    match frequency {
        Frequency::Daily => 146_097,
        Frequency::Weekly => 20_871,
        Frequency::Monthly => 4_800,
        Frequency::Yearly => 400,
    }
}

/// A walk over a pattern's periods, returning their candidate days after a given day.
#[derive(Debug)]
pub(crate) struct Walk {
    next_period: i64,
    days: Vec<Day>,
    position: usize,
    /// Consecutive periods without any candidate (counted before `after` filters them).
    empty_periods: i64,
    /// Only days after this one are returned.
    after: Day,
    examined: u64,
    finished: bool,
}

impl Walk {
    pub(crate) fn new(first_period: i64, after: Day) -> Walk {
        Walk {
            next_period: first_period,
            days: Vec::new(),
            position: 0,
            empty_periods: 0,
            after,
            examined: 0,
            finished: false,
        }
    }

    /// A walk that returns nothing (a series without a rule).
    pub(crate) fn finished() -> Walk {
        Walk {
            finished: true,
            ..Walk::new(0, Day::MAX)
        }
    }

    pub(crate) fn examined(&self) -> u64 {
        self.examined
    }

    /// The next candidate day, in order; `None` once a period starts after `last_day` or the
    /// pattern has gone a whole cycle without a candidate.
    pub(crate) fn next_day(&mut self, pattern: &Pattern, last_day: Day) -> Option<Day> {
        loop {
            if let Some(&day) = self.days.get(self.position) {
                self.position += 1;
                return Some(day);
            }
            if self.finished || self.empty_periods >= pattern.cycle {
                self.finished = true;
                return None;
            }
            let Some((first, last)) = pattern
                .period(self.next_period)
                .filter(|(first, _)| *first <= last_day)
            else {
                self.finished = true;
                return None;
            };
            self.next_period += 1;
            self.days.clear();
            self.position = 0;
            self.examined += pattern.fill(first, last, &mut self.days);
            if self.days.is_empty() {
                self.empty_periods += 1;
            } else {
                self.empty_periods = 0;
            }
            let after = self.after;
            self.days.retain(|day| *day > after);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rule;

    fn pattern(text: &str, start: Date) -> Pattern {
        let rule = Rule::parse_rrule(text, &jiff::tz::TimeZone::UTC).expect("valid rule");
        Pattern::new(rule.parts(), start)
    }

    /// The first `n` dates a pattern offers after its start date.
    fn dates(text: &str, start: Date, n: usize) -> Vec<String> {
        let pattern = pattern(text, start);
        let mut walk = Walk::new(0, day_of(start));
        std::iter::from_fn(|| walk.next_day(&pattern, LAST_DAY))
            .take(n)
            .map(|day| date_of(day).expect("in range").to_string())
            .collect()
    }

    #[test]
    fn day_numbers_match_jiffs_calendar_across_its_range() {
        let mut date = Date::constant(-9999, 1, 1);
        let mut day = day_of(date);
        assert_eq!(day_of(Date::constant(1970, 1, 1)), 0);
        while date < Date::MAX {
            assert_eq!(date_of(day), Some(date));
            assert_eq!(
                weekday_index(day),
                i64::from(date.weekday().to_monday_zero_offset())
            );
            date = date
                .checked_add(jiff::Span::new().days(997))
                .unwrap_or(Date::MAX);
            day = day_of(date);
        }
        assert_eq!(date_of(LAST_DAY), Some(Date::MAX));
        assert_eq!(date_of(LAST_DAY + 1), None);
    }

    #[test]
    fn a_place_advanced_day_by_day_is_the_place_of_the_next_day() {
        let start = day_of(Date::constant(1999, 12, 1));
        let mut place = Place::of(start);
        for day in start..start + 3 * 366 {
            assert_eq!(place, Place::of(day), "{day}");
            place.advance();
        }
    }

    #[test]
    fn the_gregorian_cycle_is_a_whole_number_of_weeks_and_months() {
        let start = days_from_civil(2000, 1, 1);
        assert_eq!(days_from_civil(2400, 1, 1) - start, 146_097);
        assert_eq!(146_097 % 7, 0);
        assert_eq!(units_in_cycle(Frequency::Weekly) * 7, 146_097);
        assert_eq!(units_in_cycle(Frequency::Monthly), 400 * 12);
    }

    #[test]
    fn weeks_start_on_the_week_start() {
        for week_start in crate::rule::WEEKDAYS {
            let first = week_shift(week_start);
            assert_eq!(
                weekday_index(first),
                i64::from(week_start.to_monday_zero_offset())
            );
        }
    }

    #[test]
    fn a_pattern_repeats_after_its_cycle_of_periods() {
        let start = Date::constant(2026, 1, 31);
        assert_eq!(pattern("FREQ=DAILY;INTERVAL=7", start).cycle, 20_871);
        assert_eq!(pattern("FREQ=WEEKLY;INTERVAL=3", start).cycle, 6_957);
        assert_eq!(pattern("FREQ=MONTHLY;INTERVAL=18", start).cycle, 800);
        assert_eq!(pattern("FREQ=YEARLY;INTERVAL=4", start).cycle, 100);
        assert_eq!(pattern("FREQ=YEARLY;INTERVAL=400", start).cycle, 1);
        assert_eq!(pattern("FREQ=YEARLY;INTERVAL=3", start).cycle, 400);
    }

    #[test]
    fn a_monthly_pattern_on_the_31st_offers_only_long_months() {
        assert_eq!(
            dates("FREQ=MONTHLY", Date::constant(2026, 1, 31), 3),
            ["2026-03-31", "2026-05-31", "2026-07-31"]
        );
    }

    #[test]
    fn ordinals_count_from_either_end_of_the_month() {
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=-1FR,1MO", Date::constant(2026, 1, 1), 4),
            ["2026-01-05", "2026-01-30", "2026-02-02", "2026-02-27"]
        );
    }

    #[test]
    fn yearly_ordinals_count_within_the_year_without_bymonth() {
        assert_eq!(
            dates("FREQ=YEARLY;BYDAY=20MO,-1SU", Date::constant(2026, 1, 1), 3),
            ["2026-05-18", "2026-12-27", "2027-05-17"]
        );
    }

    #[test]
    fn plain_and_ordinal_weekdays_together_offer_both() {
        // RFC 5545: BYDAY=MO,-1WE is every Monday and the last Wednesday (a union).
        assert_eq!(
            dates("FREQ=MONTHLY;BYDAY=MO,-1WE", Date::constant(2026, 1, 1), 6),
            [
                "2026-01-05",
                "2026-01-12",
                "2026-01-19",
                "2026-01-26",
                "2026-01-28",
                "2026-02-02"
            ]
        );
    }

    #[test]
    fn set_positions_pick_from_the_whole_period_before_the_start_cuts_it() {
        // The last weekday of January 2026 is the 30th; the first (the 1st) is before the
        // start, so the first position is dropped in January, not moved to the 15th.
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1",
                Date::constant(2026, 1, 14),
                3
            ),
            ["2026-01-30", "2026-02-02", "2026-02-27"]
        );
    }

    #[test]
    fn a_set_position_past_the_set_offers_nothing_in_that_period() {
        assert_eq!(
            dates(
                "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5",
                Date::constant(2026, 1, 1),
                2
            ),
            ["2026-03-30", "2026-06-29"]
        );
    }

    #[test]
    fn weekly_periods_follow_the_week_start() {
        // RFC 5545's WKST example: from Tuesday 1997-08-05, every other week on TU and SU.
        let start = Date::constant(1997, 8, 5);
        assert_eq!(
            dates("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=MO", start, 3),
            ["1997-08-10", "1997-08-19", "1997-08-24"]
        );
        assert_eq!(
            dates("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU", start, 3),
            ["1997-08-17", "1997-08-19", "1997-08-31"]
        );
    }

    #[test]
    fn seeking_starts_at_the_period_reaching_the_day() {
        let start = Date::constant(2026, 1, 15);
        let monthly = pattern("FREQ=MONTHLY;INTERVAL=2", start);
        assert_eq!(monthly.first_period_reaching(day_of(start)), 0);
        assert_eq!(
            monthly.first_period_reaching(day_of(Date::constant(2025, 1, 1))),
            0
        );
        // February 2026 is skipped by the interval: March is period 1.
        assert_eq!(
            monthly.first_period_reaching(day_of(Date::constant(2026, 2, 20))),
            1
        );
        assert_eq!(
            monthly.first_period_reaching(day_of(Date::constant(2026, 3, 1))),
            1
        );
        let weekly = pattern("FREQ=WEEKLY", start);
        // Thursday the 15th's week starts on Monday the 12th; Sunday the 18th ends it.
        assert_eq!(
            weekly.first_period_reaching(day_of(Date::constant(2026, 1, 18))),
            0
        );
        assert_eq!(
            weekly.first_period_reaching(day_of(Date::constant(2026, 1, 19))),
            1
        );
    }

    #[test]
    fn an_impossible_pattern_is_found_within_one_cycle() {
        for (text, start) in [
            (
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
                Date::constant(2026, 1, 1),
            ),
            (
                "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
                Date::constant(2026, 1, 1),
            ),
            (
                "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=-30",
                Date::constant(2026, 1, 1),
            ),
        ] {
            let (never, examined) = pattern(text, start).never_occurs();
            assert!(never, "{text}");
            assert!(examined <= CYCLE_DAYS, "{text}: {examined}");
        }
    }

    #[test]
    fn leap_days_every_other_year_from_an_odd_year_never_come() {
        let (never, examined) = pattern(
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
            Date::constant(2027, 1, 1),
        )
        .never_occurs();
        assert!(never);
        // Periods 1 to 200: the odd years 2029 to 2427, none of them a leap year.
        assert_eq!(examined, 200 * 365);
        let (never, _) = pattern(
            "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
            Date::constant(2026, 1, 1),
        )
        .never_occurs();
        assert!(!never);
    }
}
