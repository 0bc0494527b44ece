//! RRULE text round trips: any valid rule printed and read back is the same rule, whole, or as
//! its pattern with the end given apart (as the service stores them).

mod common;

use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;
use recurrence::{End, Rule, RuleParts, parse_until, time_zone};

const ZONES: [&str; 4] = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];

fn end() -> impl Strategy<Value = End> {
    // Whole seconds from 1901 to 2100: RRULE's UNTIL has no fractions.
    prop_oneof![
        (1u32..=u32::MAX).prop_map(End::Count),
        (-2_177_452_800i64..4_102_444_800)
            .prop_map(|second| End::Until(Timestamp::from_second(second).expect("in range"))),
        Just(End::Never),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_rule_round_trips_through_its_rrule_text(
        zone_index in 0..ZONES.len(),
        pattern in common::pattern(false),
        end in end(),
    ) {
        let zone = time_zone(ZONES[zone_index]).expect("known zone");
        let rule = Rule::new(RuleParts { end, ..pattern }).expect("valid rule");
        let text = rule.to_rrule(&zone, false);
        prop_assert_eq!(Rule::parse_rrule(&text, &zone), Ok(rule.clone()), "{}", text);
        prop_assert_eq!(
            Rule::parse_rrule(&rule.pattern(), &zone).and_then(|pattern| pattern.with_end(end)),
            Ok(rule)
        );
    }

    #[test]
    fn an_all_day_rule_round_trips_with_its_until_date(
        zone_index in 0..ZONES.len(),
        pattern in common::pattern(false),
        days in 0i64..73_000,
    ) {
        let zone = time_zone(ZONES[zone_index]).expect("known zone");
        let date = Date::constant(1900, 1, 1)
            .checked_add(jiff::Span::new().days(days))
            .expect("in range");
        let until = parse_until(&date.to_string(), &zone).expect("a date");
        let rule = Rule::new(RuleParts { end: End::Until(until), ..pattern }).expect("valid rule");
        let text = rule.to_rrule(&zone, true);
        prop_assert!(text.ends_with(&format!(";UNTIL={}", date.strftime("%Y%m%d"))), "{}", text);
        prop_assert_eq!(Rule::parse_rrule(&text, &zone), Ok(rule), "{}", text);
    }
}
