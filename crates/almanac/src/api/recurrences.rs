//! `/api/v1/recurrences/`: the rules of the user's recurring events, addressable on their own.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::events::{RecurrenceBody, RecurrenceFields, RecurrenceRequest, parse_id};
use crate::app::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{CurrentUser, ValidJson};
use crate::http::pagination::{PageQuery, json_page, list_answer};
use crate::storage::events as event_storage;
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_recurrences))
        .routes(routes!(get_recurrence, put_recurrence, delete_recurrence))
}

/// List the rules of the user's recurring events.
#[utoipa::path(get, path = "/recurrences/", tag = "recurrences", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, description = "The rules; `Link: <…>; rel=\"next\"` when there are more", body = [RecurrenceBody]),
        (status = 400, description = "Bad limit or offset", body = FieldErrors),
        (status = 401, body = ErrorBody)))]
async fn list_recurrences(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<PageQuery>,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, ApiError> {
    let page = query.page()?;
    let series = event_storage::list_recurring_events(&state.db, user.id, page).await?;
    let mut listed = json_page(series.rows.iter().filter_map(RecurrenceBody::of))
        .map_err(|error| ApiError::Internal(error.into()))?;
    listed.cut_short |= series.cut_short;
    Ok(list_answer(&uri, page, listed))
}

/// Retrieve a rule.
#[utoipa::path(get, path = "/recurrences/{recurrence_id}/", tag = "recurrences", security(("bearer" = [])),
    params(("recurrence_id" = Uuid, Path)),
    responses((status = 200, body = RecurrenceBody), (status = 404, body = ErrorBody)))]
async fn get_recurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<RecurrenceBody>, ApiError> {
    let event = event_storage::find_event_by_recurrence(&state.db, user.id, parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    RecurrenceBody::of(&event)
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Replace a rule; the series' occurrences are regenerated.
#[utoipa::path(put, path = "/recurrences/{recurrence_id}/", tag = "recurrences", security(("bearer" = [])),
    params(("recurrence_id" = Uuid, Path)), request_body = RecurrenceRequest,
    responses((status = 200, body = RecurrenceBody), (status = 400, body = FieldErrors), (status = 404, body = ErrorBody)))]
async fn put_recurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ValidJson(RecurrenceFields(recurrence)): ValidJson<RecurrenceFields>,
) -> Result<Json<RecurrenceBody>, ApiError> {
    let updated = state
        .events
        .replace_recurrence(user.id, parse_id(&id)?, recurrence)
        .await?;
    RecurrenceBody::of(&updated.event)
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Delete a rule: the event becomes a one-off.
#[utoipa::path(delete, path = "/recurrences/{recurrence_id}/", tag = "recurrences", security(("bearer" = [])),
    params(("recurrence_id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_recurrence(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .events
        .delete_recurrence(user.id, parse_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
