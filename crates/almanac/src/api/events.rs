//! `/api/v1/events/`: the signed-in user's events, with their optional recurrence rule.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::schema;
use super::time::{When, serialize_instant};
use crate::app::AppState;
use crate::events::{
    self, EventInput, RecurrenceInput, RuleFieldsInput, RuleInput, Split, SplitInput, Updated,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{
    CurrentUser, Fields, FromFields, IdempotentJson, IfMatch, Text, ValidJson, etag, etag_value,
    integer,
};
use crate::http::pagination::{PageQuery, json_page, list_answer};
use crate::storage::Timestamp;
use crate::storage::events::Event;
use crate::storage::idempotency::Creation;
use crate::validation::{FieldErrors, NON_FIELD_ERRORS};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event, put_event, patch_event, delete_event))
        .routes(routes!(split_event))
}

/// How often a series repeats (RFC 5545 FREQ).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the values in the OpenAPI schema")]
pub enum FrequencyName {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A weekday (RFC 5545), as `week_start`.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code, reason = "documents the values in the OpenAPI schema")]
pub enum WeekdayName {
    MO,
    TU,
    WE,
    TH,
    FR,
    SA,
    SU,
}

/// A weekday, with an ordinal within the month or year for monthly and yearly rules: `MO`,
/// `2TU` (the second Tuesday), `-1FR` (the last Friday).
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    pattern = "^([+-]?([1-9]|[1-4][0-9]|5[0-3]))?(MO|TU|WE|TH|FR|SA|SU)$",
    example = "2TU"
)]
pub struct WeekdaySpec(String);

/// A month, 1 (January) to 12.
#[derive(Debug, Serialize, ToSchema)]
#[schema(minimum = 1, maximum = 12, example = 3)]
pub struct MonthNumber(i8);

/// A date-time (RFC 3339), or a date (`YYYY-MM-DD`) for an all-day event.
#[derive(Debug)]
pub struct DateOrDateTime;

impl utoipa::PartialSchema for DateOrDateTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        let string = |format| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
        };
        OneOfBuilder::new()
            .item(string(KnownFormat::DateTime).examples(["2026-03-02T08:00:00Z"]))
            .item(string(KnownFormat::Date).examples(["2031-03-14"]))
            .description(Some(
                "A date-time (RFC 3339), or a date (`YYYY-MM-DD`) for an all-day event.",
            ))
            .into()
    }
}

impl ToSchema for DateOrDateTime {}

/// A recurrence rule: the RFC 5545 subset Almanac supports, as separate fields and as RRULE text.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecurrenceBody {
    pub id: Uuid,
    /// The event this rule repeats.
    pub event: Uuid,
    #[schema(value_type = FrequencyName)]
    pub frequency: &'static str,
    /// Every `interval` days, weeks, months or years.
    #[schema(minimum = 1)]
    pub interval: u32,
    /// The last moment an occurrence may start (inclusive); a date for an all-day event. `null`
    /// with a `null` count: the series has no end.
    #[schema(value_type = Option<DateOrDateTime>)]
    pub end_date: Option<When>,
    /// How many occurrences, the first included.
    #[schema(minimum = 1)]
    pub count: Option<u32>,
    #[schema(value_type = Vec<WeekdaySpec>)]
    pub by_weekday: Vec<String>,
    #[schema(value_type = Vec<schema::MonthDay>)]
    pub by_month_day: Vec<i8>,
    #[schema(value_type = Vec<MonthNumber>)]
    pub by_month: Vec<i8>,
    #[schema(value_type = Vec<schema::SetPosition>)]
    pub by_set_position: Vec<i16>,
    /// The first day of the week, for weekly rules with an interval over 1.
    #[schema(value_type = WeekdayName)]
    pub week_start: String,
    /// Original starts of the occurrences left out (dates for an all-day event).
    #[schema(value_type = Vec<DateOrDateTime>)]
    pub exdates: Vec<When>,
    /// The same rule as RFC 5545 RRULE text, in canonical form.
    #[schema(example = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10")]
    pub rrule: String,
    /// The rule in words, on the event's wall clock.
    #[schema(example = "Every 2 weeks on Monday and Wednesday, 10 times")]
    pub summary: String,
}

impl RecurrenceBody {
    /// The rule of a recurring event; `None` for a one-off.
    pub fn of(event: &Event) -> Option<Self> {
        let recurrence = event.recurrence.as_ref()?;
        let zone = recurrence::time_zone(&event.timezone).ok()?;
        let parts = recurrence.rule.parts();
        let (end_date, count) = match parts.end {
            recurrence::End::Count(count) => (None, Some(count)),
            recurrence::End::Until(until) => (
                Some(When::of(Timestamp::from(until), event.all_day, &zone)),
                None,
            ),
            recurrence::End::Never => (None, None),
        };
        let week_start = recurrence::WeekdayNum {
            ordinal: None,
            weekday: parts.week_start,
        };
        Some(RecurrenceBody {
            id: recurrence.id,
            event: event.id,
            frequency: parts.frequency.as_str(),
            interval: parts.interval,
            end_date,
            count,
            by_weekday: parts.by_weekday.iter().map(ToString::to_string).collect(),
            by_month_day: parts.by_month_day.clone(),
            by_month: parts.by_month.clone(),
            by_set_position: parts.by_set_position.clone(),
            week_start: week_start.to_string(),
            exdates: recurrence
                .exdates
                .iter()
                .map(|exdate| When::of(*exdate, event.all_day, &zone))
                .collect(),
            rrule: recurrence.rule.to_rrule(&zone, event.all_day),
            summary: events::describe_rule(event).unwrap_or_default(),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    /// An instant; for an all-day event, its first date.
    #[schema(value_type = DateOrDateTime)]
    pub start_date: When,
    /// An instant; for an all-day event, the date after its last (exclusive, as in iCalendar).
    #[schema(value_type = DateOrDateTime)]
    pub end_date: When,
    /// Whether the event spans whole days, the same dates in every time zone.
    pub all_day: bool,
    /// When the series' last occurrence ends (`end_date` for a one-off event); `null` for a
    /// series without end.
    #[schema(value_type = Option<DateOrDateTime>)]
    pub series_end_date: Option<When>,
    /// IANA time zone the series repeats in (wall-clock times are kept across DST).
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    pub recurrence: Option<RecurrenceBody>,
    /// `pending` until the occurrences of this version of the event are generated, then `ready`;
    /// `failed` if they cannot be (the error is shown to admins).
    #[schema(example = "ready")]
    pub occurrences_status: &'static str,
    /// The series a "this and following" change cut this one from.
    pub split_from: Option<Uuid>,
    /// The event's version, as its `ETag` header gives it: send it back in `If-Match`.
    #[schema(example = "\"7\"")]
    pub etag: String,
    /// In the answer to a change of the schedule: how many exceptions and cancellations went
    /// because their occurrence no longer exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_exceptions: Option<usize>,
    #[serde(serialize_with = "serialize_instant")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[serde(serialize_with = "serialize_instant")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<Event> for EventBody {
    fn from(event: Event) -> Self {
        let zone = When::zone_of(event.all_day, &event.timezone);
        let when = |instant| When::of(instant, event.all_day, &zone);
        EventBody {
            occurrences_status: event.status.as_str(),
            recurrence: RecurrenceBody::of(&event),
            id: event.id,
            start_date: when(event.start),
            end_date: when(event.end),
            all_day: event.all_day,
            split_from: event.split_from,
            etag: etag_value(event.version),
            dropped_exceptions: None,
            series_end_date: (event.series_end != Timestamp::MAX).then(|| when(event.series_end)),
            timezone: event.timezone,
            title: event.title,
            description: event.description,
            created_at: event.created_at,
            updated_at: event.updated_at,
        }
    }
}

/// The fields that spell out a rule, which `rrule` replaces.
const RULE_FIELDS: [&str; 9] = [
    "frequency",
    "interval",
    "end_date",
    "count",
    "by_weekday",
    "by_month_day",
    "by_month",
    "by_set_position",
    "week_start",
];

/// A recurrence rule as clients write it: either `rrule`, or `frequency` and the other rule
/// fields (sending `rrule` with any of them, even as `null`, is a 400); `exdates` with either.
/// Absent, `count` and `end_date` mean no end.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documents the request body in the OpenAPI schema")]
pub struct RecurrenceRequest {
    /// Required unless `rrule` is sent.
    #[schema(value_type = Option<FrequencyName>, nullable = false)]
    frequency: Option<String>,
    /// Every N days, weeks, months or years (default 1).
    #[schema(minimum = 1, maximum = 2147483647)]
    interval: Option<i64>,
    /// Repeat until this moment (inclusive). A date alone means through the end of that day in
    /// the event's time zone.
    #[schema(value_type = Option<DateOrDateTime>)]
    end_date: Option<String>,
    /// Or: this many occurrences, the first included.
    #[schema(minimum = 1, maximum = 2147483647)]
    count: Option<i64>,
    /// On these weekdays; ordinals (`2TU`, `-1FR`) only for monthly and yearly rules.
    #[schema(schema_with = weekday_specs)]
    by_weekday: Option<Vec<String>>,
    /// On these days of the month (not for weekly rules).
    #[schema(value_type = Option<Vec<schema::MonthDay>>)]
    by_month_day: Option<Vec<i64>>,
    /// In these months.
    #[schema(value_type = Option<Vec<MonthNumber>>)]
    by_month: Option<Vec<i64>>,
    /// Only these positions of each period's occurrences (needs another `by_` field).
    #[schema(value_type = Option<Vec<schema::SetPosition>>)]
    by_set_position: Option<Vec<i64>>,
    /// The first day of the week (default `MO`).
    #[schema(value_type = Option<WeekdayName>)]
    week_start: Option<String>,
    /// The rule as RFC 5545 RRULE text, instead of the fields above. BYWEEKNO, BYYEARDAY,
    /// BYHOUR, BYMINUTE, BYSECOND and frequencies finer than DAILY are refused.
    #[schema(schema_with = schema::rrule)]
    rrule: Option<String>,
    /// Original starts of occurrences to leave out: RFC 3339 instants (a local time is read in
    /// the event's zone), or dates for an all-day event. Absent: the current ones are kept.
    #[schema(schema_with = exdates)]
    exdates: Option<Vec<String>>,
}

fn weekday_specs() -> utoipa::openapi::Array {
    utoipa::openapi::Array::new(schema::weekday_spec())
}

fn exdates() -> utoipa::openapi::Array {
    utoipa::openapi::Array::new(schema::bounded_date_or_date_time())
}

/// A recurrence request as read from a body.
#[derive(Debug)]
pub struct RecurrenceFields(pub RecurrenceInput);

impl FromFields for RecurrenceFields {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        let exdates = fields.optional_list("exdates", "a string", |item| {
            item.as_str().map(str::to_owned)
        });
        let rule = match fields.optional_string("rrule", Text::NonBlankOrNull) {
            Some(text) => {
                if RULE_FIELDS.iter().any(|name| fields.has(name)) {
                    fields.error::<()>(
                        NON_FIELD_ERRORS,
                        "Send the rule either as rrule or as frequency and the other rule fields, not both.",
                    );
                }
                RuleInput::Text(text.to_owned())
            }
            None => RuleInput::Fields(read_rule_fields(fields)),
        };
        RecurrenceFields(RecurrenceInput { rule, exdates })
    }
}

fn read_rule_fields(fields: &mut Fields<'_>) -> RuleFieldsInput {
    let integers = |fields: &mut Fields<'_>, name: &str| {
        fields
            .optional_list(name, "an integer", integer)
            .unwrap_or_default()
    };
    RuleFieldsInput {
        frequency: fields.required_string("frequency").to_owned(),
        interval: fields.optional_integer("interval"),
        end_date: fields
            .optional_string("end_date", Text::NonBlankOrNull)
            .map(str::to_owned),
        count: fields.optional_integer("count"),
        by_weekday: fields
            .optional_list("by_weekday", "a string", |item| {
                item.as_str().map(str::to_owned)
            })
            .unwrap_or_default(),
        by_month_day: integers(fields, "by_month_day"),
        by_month: integers(fields, "by_month"),
        by_set_position: integers(fields, "by_set_position"),
        week_start: fields
            .optional_string("week_start", Text::NonBlankOrNull)
            .map(str::to_owned),
    }
}

// The schema of the body that `FullEvent` and `PartialEvent` read field by field.
/// An event as clients write it. Times are RFC 3339; a time without offset is read in
/// `timezone`. An all-day event gives dates instead (`2031-03-14`; the end date exclusive).
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documents the request body in the OpenAPI schema")]
pub struct EventRequest {
    #[schema(schema_with = schema::title)]
    pub title: String,
    #[schema(schema_with = schema::description)]
    pub description: Option<String>,
    #[schema(value_type = DateOrDateTime)]
    pub start_date: String,
    #[schema(value_type = DateOrDateTime)]
    pub end_date: String,
    /// Whole days (default `false`). Changing it needs `start_date` and `end_date` too.
    #[schema(nullable = false)]
    pub all_day: Option<bool>,
    /// IANA time zone (default `UTC`).
    #[schema(value_type = Option<schema::TimeZoneName>, nullable = false)]
    pub timezone: Option<String>,
    /// `null` for a one-off event.
    pub recurrence: Option<RecurrenceRequest>,
}

/// A PATCH body: any of an event's fields; those absent keep their values.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documents the request body in the OpenAPI schema")]
pub struct EventPatch {
    #[schema(schema_with = schema::title)]
    pub title: Option<String>,
    #[schema(schema_with = schema::description)]
    pub description: Option<String>,
    #[schema(value_type = Option<DateOrDateTime>, nullable = false)]
    pub start_date: Option<String>,
    #[schema(value_type = Option<DateOrDateTime>, nullable = false)]
    pub end_date: Option<String>,
    /// Changing it needs `start_date` and `end_date` too.
    #[schema(nullable = false)]
    pub all_day: Option<bool>,
    #[schema(value_type = Option<schema::TimeZoneName>, nullable = false)]
    pub timezone: Option<String>,
    /// `null` makes the event a one-off.
    pub recurrence: Option<RecurrenceRequest>,
}

/// A POST or PUT body: title, start and end required.
#[derive(Debug)]
pub struct FullEvent(EventInput);

/// A PATCH body: every field optional.
#[derive(Debug)]
pub struct PartialEvent(EventInput);

fn read_event(fields: &mut Fields<'_>, required: bool) -> EventInput {
    let text = |fields: &mut Fields<'_>, name: &str| {
        if required {
            Some(fields.required_string(name))
        } else {
            fields.optional_string(name, Text::NonBlank)
        }
        .map(str::to_owned)
    };
    EventInput {
        title: text(fields, "title"),
        start_date: text(fields, "start_date"),
        end_date: text(fields, "end_date"),
        description: fields
            .optional_string("description", Text::Any)
            .map(str::to_owned),
        timezone: fields
            .optional_string("timezone", Text::NonBlank)
            .map(str::to_owned),
        all_day: fields.optional_bool("all_day"),
        recurrence: fields
            .optional_object::<RecurrenceFields>("recurrence")
            .map(|recurrence| recurrence.map(|RecurrenceFields(input)| input)),
    }
}

impl FromFields for FullEvent {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        FullEvent(read_event(fields, true))
    }
}

impl FromFields for PartialEvent {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        PartialEvent(read_event(fields, false))
    }
}

/// A path id; anything that is not a UUID cannot name an object, so it is a 404 as in DRF.
pub fn parse_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound)
}

/// List the user's events, ordered by start.
#[utoipa::path(get, path = "/events/", tag = "events", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, description = "The user's events; `Link: <…>; rel=\"next\"` when there are more", body = [EventBody]),
        (status = 400, description = "Bad limit or offset", body = FieldErrors),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
async fn list_events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<PageQuery>,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, ApiError> {
    let page = query.page()?;
    let events = crate::storage::events::list_events(&state.db, user.id, page).await?;
    let mut listed = json_page(events.rows.into_iter().map(EventBody::from))
        .map_err(|error| ApiError::Internal(error.into()))?;
    listed.cut_short |= events.cut_short;
    Ok(list_answer(&uri, page, listed))
}

/// An event answer with its ETag.
type EventAnswer = ([(HeaderName, HeaderValue); 1], Json<EventBody>);

fn answer(event: Event) -> EventAnswer {
    ([etag(event.version)], Json(event.into()))
}

fn updated_answer(updated: Updated) -> EventAnswer {
    let (headers, Json(mut body)) = answer(updated.event);
    body.dropped_exceptions = Some(updated.dropped_exceptions);
    (headers, Json(body))
}

/// Create an event, optionally recurring; its occurrences are generated in the background.
/// With an `Idempotency-Key`, a retry of the same request (the same key and body, within 24 hours)
/// answers with the event the first try created, never a second one.
#[utoipa::path(post, path = "/events/", tag = "events", security(("bearer" = [])), request_body = EventRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A key of the client's choosing (1 to 255 visible ASCII characters) that makes retrying this request safe")),
    responses(
        (status = 201, description = "Created; `occurrences_status` is `pending` until generated. A retry with the same `Idempotency-Key` gets the event the key created, as it is now, with `Idempotent-Replayed: true`", body = EventBody,
            headers(("ETag" = String, description = "The event's version, for `If-Match`"))),
        (status = 400, description = "Invalid event or rule, or Idempotency-Key", body = FieldErrors),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "The event this Idempotency-Key created has been deleted since", body = ErrorBody),
        (status = 422, description = "This Idempotency-Key came with a different request", body = ErrorBody),
    ))]
async fn create_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    IdempotentJson(FullEvent(input), key): IdempotentJson<FullEvent>,
) -> Result<Response, ApiError> {
    let Some(key) = key else {
        let event = state.events.create(user.id, input).await?;
        return Ok((StatusCode::CREATED, answer(event)).into_response());
    };
    match state.events.create_once(user.id, input, key).await? {
        Creation::New(event) => Ok((StatusCode::CREATED, answer(event)).into_response()),
        Creation::Earlier(Some(event)) => Ok((
            StatusCode::CREATED,
            [(
                HeaderName::from_static("idempotent-replayed"),
                HeaderValue::from_static("true"),
            )],
            answer(event),
        )
            .into_response()),
        Creation::Earlier(None) => Err(ApiError::NotFound),
        Creation::KeyReused => Err(ApiError::Unprocessable(
            "This Idempotency-Key was used with a different request: use a new key for a new request.",
        )),
    }
}

/// Retrieve an event.
#[utoipa::path(get, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path)),
    responses(
        (status = 200, body = EventBody, headers(("ETag" = String, description = "The event's version, for `If-Match`"))),
        (status = 404, description = "No such event of yours", body = ErrorBody)))]
async fn get_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
) -> Result<EventAnswer, ApiError> {
    let event = crate::storage::events::find_event(&state.db, user.id, parse_id(&event_id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(answer(event))
}

/// Replace an event. Title, start and end are required; an absent `recurrence` keeps the rule,
/// `null` removes it. Exceptions and cancellations whose occurrence the new schedule no longer
/// has are removed (`dropped_exceptions` counts them).
#[utoipa::path(put, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if the event is still at this ETag")),
    request_body = EventRequest,
    responses(
        (status = 200, body = EventBody, headers(("ETag" = String, description = "The event's new version"))),
        (status = 400, body = FieldErrors), (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn put_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
    IfMatch(precondition): IfMatch,
    ValidJson(FullEvent(input)): ValidJson<FullEvent>,
) -> Result<EventAnswer, ApiError> {
    let updated = state
        .events
        .update(user.id, parse_id(&event_id)?, input, precondition)
        .await?;
    Ok(updated_answer(updated))
}

/// Update some fields of an event; the others keep their values, whatever other clients change
/// meanwhile.
#[utoipa::path(patch, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if the event is still at this ETag")),
    request_body = EventPatch,
    responses(
        (status = 200, body = EventBody, headers(("ETag" = String, description = "The event's new version"))),
        (status = 400, body = FieldErrors), (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn patch_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
    IfMatch(precondition): IfMatch,
    ValidJson(PartialEvent(input)): ValidJson<PartialEvent>,
) -> Result<EventAnswer, ApiError> {
    let updated = state
        .events
        .update(user.id, parse_id(&event_id)?, input, precondition)
        .await?;
    Ok(updated_answer(updated))
}

/// Delete an event with its rule, exceptions and occurrences.
#[utoipa::path(delete, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if the event is still at this ETag")),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn delete_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
    IfMatch(precondition): IfMatch,
) -> Result<StatusCode, ApiError> {
    state
        .events
        .delete(user.id, parse_id(&event_id)?, precondition)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// The schema of the body that `SplitBody` reads field by field.
/// "This and following": the occurrence to cut at, and any event fields and rule that change
/// from there on (absent ones continue the series as it is).
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documents the request body in the OpenAPI schema")]
pub struct SplitRequest {
    /// The original start of the first occurrence to change (a date for an all-day event).
    #[schema(value_type = DateOrDateTime)]
    original_start: String,
    #[schema(schema_with = schema::title)]
    title: Option<String>,
    #[schema(schema_with = schema::description)]
    description: Option<String>,
    #[schema(value_type = Option<DateOrDateTime>, nullable = false)]
    start_date: Option<String>,
    #[schema(value_type = Option<DateOrDateTime>, nullable = false)]
    end_date: Option<String>,
    #[schema(nullable = false)]
    all_day: Option<bool>,
    #[schema(value_type = Option<schema::TimeZoneName>, nullable = false)]
    timezone: Option<String>,
    recurrence: Option<RecurrenceRequest>,
}

/// A split body as read.
#[derive(Debug)]
pub struct SplitBody(SplitInput);

impl FromFields for SplitBody {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        SplitBody(SplitInput {
            original_start: fields.required_string("original_start").to_owned(),
            event: read_event(fields, false),
        })
    }
}

/// The two events of a "this and following" change.
#[derive(Debug, Serialize, ToSchema)]
pub struct SplitResponse {
    /// The series as it is now: ending just before the cut.
    previous: EventBody,
    /// The rest of the series, with the changes (`split_from` names the previous one).
    new: EventBody,
    /// Exceptions and cancellations of the rest that went because their occurrence no longer
    /// exists.
    dropped_exceptions: usize,
}

/// Change a series from one occurrence on ("this and following"): the series ends just before
/// it, and a new event holds the rest — with its exceptions and cancellations — and the changes
/// sent. Cutting at the first occurrence changes the whole series instead (200, the one event).
#[utoipa::path(post, path = "/events/{event_id}/split/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if the event is still at this ETag")),
    request_body = SplitRequest,
    responses(
        (status = 201, description = "Split in two", body = SplitResponse),
        (status = 200, description = "Cut at the first occurrence: the whole series changed", body = EventBody),
        (status = 400, description = "Not an occurrence of the series, not a series, or invalid changes", body = FieldErrors),
        (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn split_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
    IfMatch(precondition): IfMatch,
    ValidJson(SplitBody(input)): ValidJson<SplitBody>,
) -> Result<Response, ApiError> {
    let split = state
        .events
        .split(user.id, parse_id(&event_id)?, input, precondition)
        .await?;
    Ok(match split {
        Split::Whole(updated) => updated_answer(*updated).into_response(),
        Split::Parts {
            previous,
            new,
            dropped_exceptions,
        } => (
            StatusCode::CREATED,
            Json(SplitResponse {
                previous: (*previous).into(),
                new: (*new).into(),
                dropped_exceptions,
            }),
        )
            .into_response(),
    })
}
