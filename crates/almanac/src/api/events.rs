//! `/api/v1/events/`: the signed-in user's events, with their optional recurrence rule.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::events::{self, EventInput, RuleInput};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{CurrentUser, Fields, FromFields, ValidJson};
use crate::http::pagination::{PageQuery, link_headers};
use crate::storage::events::Event;
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event, put_event, patch_event, delete_event))
}

/// A recurrence rule: exactly one of `end_date` and `count`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecurrenceBody {
    pub id: Uuid,
    /// The event this rule repeats.
    pub event: Uuid,
    #[schema(example = "weekly")]
    pub frequency: String,
    /// Every `interval` days, weeks or months.
    pub interval: i32,
    /// The last moment an occurrence may start (inclusive).
    pub end_date: Option<DateTime<Utc>>,
    /// How many occurrences, the first included.
    pub count: Option<i32>,
    /// The rule in words, on the event's wall clock.
    #[schema(example = "Every 2 weeks on Monday, 10 times")]
    pub summary: String,
}

impl RecurrenceBody {
    /// The rule of a recurring event; `None` for a one-off.
    pub fn of(event: &Event) -> Option<Self> {
        let recurrence = event.recurrence.as_ref()?;
        Some(RecurrenceBody {
            id: recurrence.id,
            event: recurrence.event_id,
            frequency: recurrence.rule.frequency.clone(),
            interval: recurrence.rule.interval,
            end_date: recurrence.rule.until.map(|until| until.as_datetime()),
            count: recurrence.rule.count,
            summary: events::describe_rule(event).unwrap_or_default(),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub start_date: DateTime<Utc>,
    pub end_date: DateTime<Utc>,
    /// When the series' last occurrence ends (`end_date` for a one-off event).
    pub series_end_date: DateTime<Utc>,
    /// IANA time zone the series repeats in (wall-clock times are kept across DST).
    #[schema(example = "Europe/Berlin")]
    pub timezone: String,
    pub recurrence: Option<RecurrenceBody>,
    /// `pending` until the occurrences of this version of the event are generated, then `ready`;
    /// `failed` if they cannot be (the error is shown to admins).
    #[schema(example = "ready")]
    pub occurrences_status: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Event> for EventBody {
    fn from(event: Event) -> Self {
        EventBody {
            occurrences_status: event.occurrences_status(),
            recurrence: RecurrenceBody::of(&event),
            id: event.id,
            title: event.title,
            description: event.description,
            start_date: event.start.as_datetime(),
            end_date: event.end.as_datetime(),
            series_end_date: event.series_end.as_datetime(),
            timezone: event.timezone,
            created_at: event.created_at.as_datetime(),
            updated_at: event.updated_at.as_datetime(),
        }
    }
}

/// A recurrence rule as clients write it.
#[derive(Debug, ToSchema)]
pub struct RecurrenceRequest {
    /// `daily`, `weekly` or `monthly`.
    #[schema(example = "weekly")]
    pub frequency: String,
    /// Every N days, weeks or months (default 1).
    pub interval: Option<i64>,
    /// Repeat until this moment (inclusive). A date alone means through the end of that day in
    /// the event's time zone.
    pub end_date: Option<String>,
    /// Or: this many occurrences.
    pub count: Option<i64>,
}

impl FromFields for RecurrenceRequest {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        RecurrenceRequest {
            frequency: fields.required_string("frequency").to_owned(),
            interval: fields.optional_integer("interval"),
            end_date: fields
                .optional_string("end_date", false, true)
                .map(str::to_owned),
            count: fields.optional_integer("count"),
        }
    }
}

impl From<RecurrenceRequest> for RuleInput {
    fn from(request: RecurrenceRequest) -> Self {
        RuleInput {
            frequency: request.frequency,
            interval: request.interval,
            end_date: request.end_date,
            count: request.count,
        }
    }
}

/// An event as clients write it. Times are RFC 3339; a time without offset is read in `timezone`.
/// (The schema of the body that [`FullEvent`] and [`PartialEvent`] read field by field.)
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documents the request body in the OpenAPI schema")]
pub struct EventRequest {
    pub title: String,
    pub description: Option<String>,
    #[schema(example = "2026-03-02T09:00:00+01:00")]
    pub start_date: String,
    #[schema(example = "2026-03-02T10:00:00+01:00")]
    pub end_date: String,
    /// IANA time zone (default `UTC`).
    pub timezone: Option<String>,
    /// `null` for a one-off event.
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
            fields.optional_string(name, false, false)
        }
        .map(str::to_owned)
    };
    EventInput {
        title: text(fields, "title"),
        start_date: text(fields, "start_date"),
        end_date: text(fields, "end_date"),
        description: fields
            .optional_string("description", true, true)
            .map(str::to_owned),
        timezone: fields
            .optional_string("timezone", false, false)
            .map(str::to_owned),
        recurrence: fields
            .optional_object::<RecurrenceRequest>("recurrence")
            .map(|rule| rule.map(RuleInput::from)),
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
) -> Result<(HeaderMap, Json<Vec<EventBody>>), ApiError> {
    let page = query.page()?;
    let events = crate::storage::events::list_events(&state.db, user.id, page).await?;
    let headers = link_headers(&uri, page, events.len());
    Ok((
        headers,
        Json(events.into_iter().map(EventBody::from).collect()),
    ))
}

/// Create an event, optionally recurring; its occurrences are generated in the background.
#[utoipa::path(post, path = "/events/", tag = "events", security(("bearer" = [])), request_body = EventRequest,
    responses(
        (status = 201, description = "Created; `occurrences_status` is `pending` until generated", body = EventBody),
        (status = 400, description = "Invalid event or rule", body = FieldErrors),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
async fn create_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(FullEvent(input)): ValidJson<FullEvent>,
) -> Result<(StatusCode, Json<EventBody>), ApiError> {
    let event = events::create_event(&state.db, &state.jobs, state.limits, user.id, input).await?;
    Ok((StatusCode::CREATED, Json(event.into())))
}

/// Retrieve an event.
#[utoipa::path(get, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path)),
    responses((status = 200, body = EventBody), (status = 404, description = "No such event of yours", body = ErrorBody)))]
async fn get_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
) -> Result<Json<EventBody>, ApiError> {
    let event = crate::storage::events::find_event(&state.db, user.id, parse_id(&event_id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(event.into()))
}

/// Replace an event. Title, start and end are required; an absent `recurrence` keeps the rule,
/// `null` removes it.
#[utoipa::path(put, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path)), request_body = EventRequest,
    responses((status = 200, body = EventBody), (status = 400, body = FieldErrors), (status = 404, body = ErrorBody)))]
async fn put_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
    ValidJson(FullEvent(input)): ValidJson<FullEvent>,
) -> Result<Json<EventBody>, ApiError> {
    update(&state, user.id, &event_id, input).await
}

/// Update some fields of an event.
#[utoipa::path(patch, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path)), request_body = EventRequest,
    responses((status = 200, body = EventBody), (status = 400, body = FieldErrors), (status = 404, body = ErrorBody)))]
async fn patch_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
    ValidJson(PartialEvent(input)): ValidJson<PartialEvent>,
) -> Result<Json<EventBody>, ApiError> {
    update(&state, user.id, &event_id, input).await
}

/// PUT and PATCH: they differ only in which fields the body must have.
async fn update(
    state: &AppState,
    owner_id: Uuid,
    event_id: &str,
    input: EventInput,
) -> Result<Json<EventBody>, ApiError> {
    let event = events::update_event(
        &state.db,
        &state.jobs,
        state.limits,
        owner_id,
        parse_id(event_id)?,
        input,
    )
    .await?;
    Ok(Json(event.into()))
}

/// Delete an event with its rule and occurrences.
#[utoipa::path(delete, path = "/events/{event_id}/", tag = "events", security(("bearer" = [])),
    params(("event_id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_event(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(event_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    events::delete_event(&state.db, user.id, parse_id(&event_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
