//! `/api/v1/event-occurrences/`: the materialized occurrences, filtered by time range and event.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use recurrence::TimeError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::events::{DateOrDateTime, parse_id};
use super::time::When;
use crate::app::AppState;
use crate::cache::Weigh;
use crate::events::OccurrenceInput;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{CurrentUser, Fields, FromFields, IfMatch, ValidJson, etag, etag_value};
use crate::http::pagination::{JsonPage, PageQuery, json_page, link_headers};
use crate::storage::Timestamp;
use crate::storage::events::{Listed, Page};
use crate::storage::occurrences::{Occurrence, OccurrenceFilter};
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_occurrences))
        .routes(routes!(get_occurrence, patch_occurrence, cancel_occurrence))
        .routes(routes!(restore_occurrence))
}

/// Whether an occurrence takes place (RFC 5545 STATUS).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the values in the OpenAPI schema")]
pub enum OccurrenceStatus {
    Confirmed,
    Cancelled,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceBody {
    pub id: Uuid,
    pub event: Uuid,
    /// The event's title (as in the seed API).
    pub event_name: String,
    /// The occurrence's own title if it has one (see `is_exception`), else the event's.
    pub title: String,
    /// The occurrence's own description if it has one, else the event's.
    pub description: String,
    /// An instant; for an all-day event, its first date.
    #[schema(value_type = DateOrDateTime)]
    pub start: When,
    /// An instant; for an all-day event, the date after its last (exclusive).
    #[schema(value_type = DateOrDateTime)]
    pub end: When,
    /// Where the rule placed this occurrence: with `event`, its stable identity.
    #[schema(value_type = DateOrDateTime)]
    pub original_start: When,
    /// Whether it spans whole days, the same dates in every time zone.
    pub all_day: bool,
    /// The rule that produced it; `null` for a one-off event.
    pub recurrence: Option<Uuid>,
    /// Whether it has fields of its own (a title, description or time), which a change of the
    /// series leaves alone.
    pub is_exception: bool,
    /// `cancelled` ones are listed only with `include_cancelled=true`.
    #[schema(value_type = OccurrenceStatus)]
    pub status: &'static str,
    /// Its event's version, as its `ETag` header gives it: send it back in `If-Match`.
    #[schema(example = "\"7\"")]
    pub etag: String,
}

impl From<Occurrence> for OccurrenceBody {
    fn from(occurrence: Occurrence) -> Self {
        let zone = When::zone_of(occurrence.all_day, &occurrence.timezone);
        let when = |instant| When::of(instant, occurrence.all_day, &zone);
        OccurrenceBody {
            id: occurrence.id,
            event: occurrence.event_id,
            event_name: occurrence.event_title,
            title: occurrence.title,
            description: occurrence.description,
            start: when(occurrence.start_at),
            end: when(occurrence.end_at),
            original_start: when(occurrence.original_start),
            all_day: occurrence.all_day,
            recurrence: occurrence.recurrence_id,
            is_exception: occurrence.is_exception,
            etag: etag_value(occurrence.version),
            status: if occurrence.cancelled {
                "cancelled"
            } else {
                "confirmed"
            },
        }
    }
}

/// Range filters. A date alone is midnight UTC; as `end_date` it includes that whole day.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RangeQuery {
    /// Occurrences that end after this moment.
    #[param(value_type = Option<DateOrDateTime>, nullable = false, example = "2026-03-01T00:00:00Z")]
    pub start_date: Option<String>,
    /// Occurrences that start before this moment.
    #[param(value_type = Option<DateOrDateTime>, nullable = false, example = "2026-04-01T00:00:00Z")]
    pub end_date: Option<String>,
    /// Only this event's occurrences.
    #[param(value_type = Option<Uuid>, nullable = false)]
    pub event: Option<String>,
    /// List cancelled occurrences too (`status: "cancelled"`). Default `false`.
    #[param(value_type = Option<bool>, nullable = false)]
    pub include_cancelled: Option<String>,
}

impl RangeQuery {
    fn filter(&self) -> Result<OccurrenceFilter, ApiError> {
        let mut errors = FieldErrors::new();
        let mut bound = |field: &str, text: Option<&str>, is_end: bool| {
            let refusal = match parse_bound(text?, is_end) {
                Ok(bound) => return Some(bound),
                Err(TimeError::Malformed) => "Enter a valid date or date-time (RFC 3339).",
                Err(TimeError::YearOutOfRange) => "Years must be between 1 and 9999.",
            };
            errors.add(field, refusal);
            None
        };
        let from = bound("start_date", self.start_date.as_deref(), false);
        let to = bound("end_date", self.end_date.as_deref(), true);
        let event_id = self
            .event
            .as_deref()
            .and_then(|text| match Uuid::parse_str(text.trim()) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("event", "Must be a valid UUID.");
                    None
                }
            });
        if let (Some(from), Some(to)) = (from, to)
            && to <= from
        {
            errors.add("end_date", "Must be after start_date.");
        }
        let include_cancelled = match self.include_cancelled.as_deref().map(str::trim) {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(_) => {
                errors.add("include_cancelled", "Must be a valid boolean.");
                false
            }
        };
        errors.into_result().map_err(ApiError::Validation)?;
        Ok(OccurrenceFilter {
            from,
            to,
            event_id,
            include_cancelled,
        })
    }
}

/// RFC 3339, a naive date-time (UTC), or a date. A `+` of an offset that arrived as a space
/// (an unencoded query string) is put back. An end on the last date there is reaches the end of
/// time.
fn parse_bound(text: &str, is_end: bool) -> Result<Timestamp, TimeError> {
    let text = text.trim().replace(' ', "+");
    let utc = recurrence::TimeZone::UTC;
    if text.contains(['T', 't']) {
        return recurrence::parse_instant(&text, &utc).map(Timestamp::from);
    }
    let date = recurrence::parse_date(&text)?;
    let date = match is_end {
        false => date,
        true => match date.tomorrow() {
            Ok(next) => next,
            Err(_) => return Ok(Timestamp::MAX),
        },
    };
    match recurrence::start_of_day(date, &utc) {
        Ok(start) => Ok(Timestamp::from(start)),
        Err(_) if is_end => Ok(Timestamp::MAX),
        Err(error) => Err(error),
    }
}

/// List the user's occurrences, by start time; with a range, those that overlap it.
#[utoipa::path(get, path = "/event-occurrences/", tag = "occurrences", security(("bearer" = [])),
    params(RangeQuery, PageQuery),
    responses(
        (status = 200, description = "Occurrences; `Link: <…>; rel=\"next\"` when there are more", body = [OccurrenceBody]),
        (status = 400, description = "Bad range, event or page", body = FieldErrors),
        (status = 401, body = ErrorBody),
    ))]
async fn list_occurrences(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(range): Query<RangeQuery>,
    Query(query): Query<PageQuery>,
    OriginalUri(uri): OriginalUri,
) -> Result<(HeaderMap, [(HeaderName, &'static str); 1], Bytes), ApiError> {
    let filter = range.filter()?;
    let page = query.page()?;
    let key = WindowKey {
        owner: user.id,
        filter,
        page,
    };
    let window = state
        .windows
        .get_or_load(user.id, key, async {
            let found = state.events.list_occurrences(user.id, filter, page).await?;
            Window::serialize(found)
        })
        .await?;
    let Window(window) = window;
    Ok((
        link_headers(&uri, page, window.rows, window.cut_short),
        [(header::CONTENT_TYPE, "application/json")],
        window.json,
    ))
}

/// What identifies a page of a user's occurrences.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WindowKey {
    owner: Uuid,
    filter: OccurrenceFilter,
    page: Page,
}

/// A page of occurrences as sent: the calendar asks for the same month again and again, so the
/// answer is kept serialized (see `AppState::windows`).
#[derive(Debug, Clone)]
pub struct Window(JsonPage);

impl Window {
    fn serialize(found: Listed<Occurrence>) -> Result<Window, ApiError> {
        let mut page = json_page(found.rows.into_iter().map(OccurrenceBody::from))
            .map_err(|error| ApiError::Internal(error.into()))?;
        page.cut_short |= found.cut_short;
        Ok(Window(page))
    }
}

impl Weigh for Window {
    fn weigh(&self) -> u64 {
        self.0.json.len() as u64
    }
}

/// An occurrence answer with its ETag (its event's version).
type OccurrenceAnswer = ([(HeaderName, HeaderValue); 1], Json<OccurrenceBody>);

fn answer(occurrence: Occurrence) -> OccurrenceAnswer {
    ([etag(occurrence.version)], Json(occurrence.into()))
}

/// Retrieve an occurrence, cancelled or not.
#[utoipa::path(get, path = "/event-occurrences/{occurrence_id}/", tag = "occurrences", security(("bearer" = [])),
    params(("occurrence_id" = Uuid, Path)),
    responses(
        (status = 200, body = OccurrenceBody, headers(("ETag" = String, description = "Its event's version, for `If-Match`"))),
        (status = 404, body = ErrorBody)))]
async fn get_occurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<OccurrenceAnswer, ApiError> {
    let occurrence = state
        .events
        .find_occurrence(user.id, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(answer(occurrence))
}

// The schema of the body that `OccurrencePatch` reads field by field.
/// Fields one occurrence takes of its own; `null` gives a field back to the series (`null` as
/// `start` or `end` gives back its time). Times as for events: RFC 3339, a local time read in
/// the event's zone, dates for an all-day event (the end exclusive).
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documents the request body in the OpenAPI schema")]
pub struct OccurrencePatchRequest {
    #[schema(schema_with = super::schema::title_or_null)]
    title: Option<String>,
    #[schema(schema_with = super::schema::description_or_null)]
    description: Option<String>,
    /// A new start; sent alone, the occurrence keeps its length.
    #[schema(value_type = Option<DateOrDateTime>)]
    start: Option<String>,
    #[schema(value_type = Option<DateOrDateTime>)]
    end: Option<String>,
}

/// An occurrence PATCH body as read.
#[derive(Debug)]
pub struct OccurrencePatch(OccurrenceInput);

impl FromFields for OccurrencePatch {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        let mut text = |name: &str, blank_allowed: bool| {
            fields
                .nullable_string(name, blank_allowed)
                .map(|value| value.map(str::to_owned))
        };
        OccurrencePatch(OccurrenceInput {
            title: text("title", false),
            description: text("description", true),
            start: text("start", false),
            end: text("end", false),
        })
    }
}

/// Change one occurrence of a series ("this event"): it becomes an exception, keeping its id
/// and `original_start`; the fields it does not set keep following the series.
#[utoipa::path(patch, path = "/event-occurrences/{occurrence_id}/", tag = "occurrences", security(("bearer" = [])),
    params(("occurrence_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if its event is still at this ETag")),
    request_body = OccurrencePatchRequest,
    responses(
        (status = 200, body = OccurrenceBody, headers(("ETag" = String, description = "Its event's new version"))),
        (status = 400, description = "Invalid fields, or the event does not repeat", body = FieldErrors),
        (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn patch_occurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    IfMatch(precondition): IfMatch,
    ValidJson(OccurrencePatch(input)): ValidJson<OccurrencePatch>,
) -> Result<OccurrenceAnswer, ApiError> {
    let occurrence = state
        .events
        .edit_occurrence(user.id, parse_id(&id)?, input, precondition)
        .await?;
    Ok(answer(occurrence))
}

/// Cancel one occurrence of a series: its original start joins the rule's `exdates`. It stays
/// readable by id, with `status: "cancelled"`, and can be restored.
#[utoipa::path(delete, path = "/event-occurrences/{occurrence_id}/", tag = "occurrences", security(("bearer" = [])),
    params(("occurrence_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if its event is still at this ETag")),
    responses(
        (status = 204, description = "Cancelled", headers(("ETag" = String, description = "Its event's new version"))),
        (status = 400, description = "The event does not repeat, or this is its only occurrence left", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn cancel_occurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    IfMatch(precondition): IfMatch,
) -> Result<(StatusCode, [(HeaderName, HeaderValue); 1]), ApiError> {
    let occurrence = state
        .events
        .set_occurrence_cancelled(user.id, parse_id(&id)?, true, precondition)
        .await?;
    Ok((StatusCode::NO_CONTENT, [etag(occurrence.version)]))
}

/// Restore a cancelled occurrence (its original start leaves the rule's `exdates`).
#[utoipa::path(post, path = "/event-occurrences/{occurrence_id}/restore/", tag = "occurrences", security(("bearer" = [])),
    params(("occurrence_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Only if its event is still at this ETag")),
    responses(
        (status = 200, body = OccurrenceBody, headers(("ETag" = String, description = "Its event's new version"))),
        (status = 404, body = ErrorBody),
        (status = 412, description = "The event changed since the ETag in `If-Match`", body = ErrorBody)))]
async fn restore_occurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    IfMatch(precondition): IfMatch,
) -> Result<OccurrenceAnswer, ApiError> {
    let occurrence = state
        .events
        .set_occurrence_cancelled(user.id, parse_id(&id)?, false, precondition)
        .await?;
    Ok(answer(occurrence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_bounds_accept_rfc3339_naive_times_and_dates() {
        let bound = |text, is_end| parse_bound(text, is_end).map(|t| t.to_string());
        let utc = |text: &str| Ok(text.to_owned());
        assert_eq!(
            bound("2026-03-01T00:00:00+01:00", false),
            utc("2026-02-28T23:00:00Z")
        );
        assert_eq!(
            bound("2026-03-01T00:00:00 01:00", false),
            utc("2026-02-28T23:00:00Z")
        );
        assert_eq!(
            bound("2026-03-01T08:30", false),
            utc("2026-03-01T08:30:00Z")
        );
        assert_eq!(bound("2026-03-01", false), utc("2026-03-01T00:00:00Z"));
        assert_eq!(bound("2026-03-31", true), utc("2026-04-01T00:00:00Z"));
        assert_eq!(parse_bound("March", false), Err(TimeError::Malformed));
        assert_eq!(bound("9999-12-31", true), Ok(Timestamp::MAX.to_string()));
    }
}
