//! Schemas of the OpenAPI document for what a field's Rust type cannot say: text without control
//! characters or blanks, the zone names Almanac knows, numbers that skip 0. Each mirrors a check
//! the server makes (`http::extract::Fields`, `events::input`), so that a client generated from
//! the document refuses what the server refuses.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::events::{
    CHOICE_MAX_LENGTH, DATETIME_MAX_LENGTH, DESCRIPTION_MAX_LENGTH, RRULE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
};

/// The control characters a text refuses: all but tab, line feed and carriage return.
const CONTROL: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";

fn text(max_length: Option<usize>, non_blank: bool) -> ObjectBuilder {
    let pattern = if non_blank {
        // At least one character that is neither a control character nor white space.
        format!(r"^[^{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$")
    } else {
        format!(r"^[^{CONTROL}]*$")
    };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(non_blank.then_some(1))
        .max_length(max_length)
        .pattern(Some(pattern))
}

/// An event's or occurrence's title.
pub fn title() -> Schema {
    text(Some(TITLE_MAX_LENGTH), true).into()
}

/// A description: blank allowed.
pub fn description() -> Schema {
    text(Some(DESCRIPTION_MAX_LENGTH), false).into()
}

fn or_null(schema: Schema) -> Schema {
    OneOfBuilder::new()
        .item(schema)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// An occurrence's own title, or `null` to follow the series'.
pub fn title_or_null() -> Schema {
    or_null(title())
}

/// An occurrence's own description, or `null` to follow the series'.
pub fn description_or_null() -> Schema {
    or_null(description())
}

/// Text that must say something: a password, a token.
pub fn non_blank() -> Schema {
    text(None, true).into()
}

/// A password (sign-in takes any; registering applies the password policy on top).
pub fn password() -> Schema {
    text(None, true)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .examples(["correct horse battery"])
        .into()
}

/// An email address.
pub fn email() -> Schema {
    text(Some(254), true)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .examples(["ada@example.com"])
        .into()
}

/// RRULE text.
pub fn rrule() -> Schema {
    text(Some(RRULE_MAX_LENGTH), true)
        .examples(["FREQ=MONTHLY;BYDAY=-1FR"])
        .into()
}

/// A weekday with an optional signed ordinal (`MO`, `2TU`, `-1FR`; a sign needs a number).
pub fn weekday_spec() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(CHOICE_MAX_LENGTH))
        .pattern(Some(
            "^([+-]?([1-9]|[1-4][0-9]|5[0-3]))?(MO|TU|WE|TH|FR|SA|SU)$",
        ))
        .examples(["2TU"])
        .into()
}

/// A date or date-time of an exclusion list, within its length bound.
pub fn bounded_date_or_date_time() -> Schema {
    let string = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(DATETIME_MAX_LENGTH))
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    OneOfBuilder::new()
        .item(string(KnownFormat::DateTime))
        .item(string(KnownFormat::Date))
        .into()
}

/// A whole number in `-max..=max` other than 0.
fn nonzero(max: i64, description: &str) -> RefOr<Schema> {
    let range = |minimum: i64, maximum: i64| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(minimum))
            .maximum(Some(maximum))
    };
    OneOfBuilder::new()
        .item(range(1, max))
        .item(range(-max, -1))
        .description(Some(description))
        .into()
}

/// A day of the month: 1 to 31, or counted from the end, -1 (the last day) to -31.
#[derive(Debug)]
pub struct MonthDay;

impl PartialSchema for MonthDay {
    fn schema() -> RefOr<Schema> {
        nonzero(
            31,
            "A day of the month: 1 to 31, or counted from the end, -1 (the last day) to -31.",
        )
    }
}

impl ToSchema for MonthDay {}

/// A position in each period's set of occurrences: 1 to 366, or from the end, -1 to -366.
#[derive(Debug)]
pub struct SetPosition;

impl PartialSchema for SetPosition {
    fn schema() -> RefOr<Schema> {
        nonzero(
            366,
            "A position in each period's set of occurrences: 1 to 366, or from the end, -1 to -366.",
        )
    }
}

impl ToSchema for SetPosition {}

/// An IANA time zone name, as the zone database built into Almanac spells it. (The server also
/// reads other letter cases, and stores the name as listed here.)
#[derive(Debug)]
pub struct TimeZoneName;

impl PartialSchema for TimeZoneName {
    fn schema() -> RefOr<Schema> {
        let names: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .filter(|name| recurrence::canonical_time_zone(name).is_ok())
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names))
            .description(Some(
                "An IANA time zone name (the server also reads other letter cases).",
            ))
            .examples(["Europe/Berlin"])
            .into()
    }
}

impl ToSchema for TimeZoneName {}
