//! `/admin/`: accounts, every event and failed background jobs, for staff only. Anyone else gets
//! a 404, so the page's existence is not advertised.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::session::tokens_match;
use crate::storage::events::{Page, list_all_events};
use crate::storage::generation_failures::list_failures;
use crate::storage::users::{AccountFlag, list_users, set_user_flag};
use crate::web::error::PageError;
use crate::web::form::WebForm;
use crate::web::templates::render;
use crate::web::visitor::{SignedIn, Viewer};

const PAGE_SIZE: i64 = 50;
/// The highest page number read: its offset, and the next page's number, still fit in an i64.
const LAST_PAGE: i64 = i64::MAX / PAGE_SIZE - 1;

#[derive(Debug, Deserialize)]
pub struct AdminQuery {
    #[serde(default)]
    page: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserAction {
    csrf_token: String,
    action: String,
}

#[derive(Debug, Serialize)]
struct UserRow {
    id: Uuid,
    email: String,
    is_active: bool,
    is_staff: bool,
    date_joined: String,
    last_login: Option<String>,
    is_you: bool,
}

#[derive(Debug, Serialize)]
struct EventRow {
    id: Uuid,
    title: String,
    owner_email: String,
    start: String,
    timezone: String,
    status: &'static str,
}

#[derive(Debug, Serialize)]
struct FailureRow {
    event_id: Uuid,
    event_title: String,
    owner_email: String,
    revision: i64,
    attempts: i64,
    error: String,
    permanent: bool,
    failed_at: String,
}

fn staff(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.is_staff {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

fn format_time(timestamp: crate::storage::Timestamp) -> String {
    timestamp
        .as_jiff()
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// `GET /admin/`.
pub async fn admin_page(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<AdminQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    // Who may see the page is settled before anything about the request is: anyone else gets
    // the same 404 whatever they send.
    staff(&viewer)?;
    // A page that is not a number is the first; one beyond the last is empty.
    let page_number = query.map_or(0, |Query(query)| query.page.clamp(0, LAST_PAGE));
    let page = Page {
        limit: PAGE_SIZE + 1,
        offset: page_number * PAGE_SIZE,
    };
    let mut users = list_users(&state.db, page).await?;
    let mut events = list_all_events(&state.db, page).await?;
    let failures = list_failures(
        &state.db,
        Page {
            limit: PAGE_SIZE,
            offset: 0,
        },
    )
    .await?;
    let limit = PAGE_SIZE as usize;
    let more = users.len() > limit || events.len() > limit;
    users.truncate(limit);
    events.truncate(limit);
    let users: Vec<UserRow> = users
        .into_iter()
        .map(|user| UserRow {
            is_you: user.id == viewer.user.id,
            id: user.id,
            email: user.email,
            is_active: user.is_active,
            is_staff: user.is_staff,
            date_joined: format_time(user.date_joined),
            last_login: user.last_login.map(format_time),
        })
        .collect();
    let events: Vec<EventRow> = events
        .into_iter()
        .map(|owned| EventRow {
            status: owned.event.status.as_str(),
            id: owned.event.id,
            title: owned.event.title,
            owner_email: owned.owner_email,
            start: format_time(owned.event.start),
            timezone: owned.event.timezone,
        })
        .collect();
    let failures: Vec<FailureRow> = failures
        .into_iter()
        .map(|failure| FailureRow {
            event_id: failure.event_id,
            event_title: failure.event_title,
            owner_email: failure.owner_email,
            revision: failure.revision,
            attempts: failure.attempts,
            error: failure.error,
            permanent: failure.permanent,
            failed_at: format_time(failure.failed_at),
        })
        .collect();
    render(
        "pages/admin.html",
        json!({
            "viewer": viewer,
            "nav": "admin",
            "users": users,
            "events": events,
            "failures": failures,
            "page": page_number,
            "more": more,
        }),
    )
}

/// `POST /admin/users/{id}/`: activate, deactivate, grant or revoke staff.
pub async fn user_action(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
    WebForm(form): WebForm<UserAction>,
) -> Result<Response, PageError> {
    staff(&viewer)?;
    if !tokens_match(&form.csrf_token, &viewer.csrf_token) {
        return Err(PageError::Forbidden);
    }
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
    if id == viewer.user.id {
        return Err(PageError::BadRequest(
            "You cannot change your own account here: ask another administrator.".to_owned(),
        ));
    }
    let (flag, value) = match form.action.as_str() {
        "activate" => (AccountFlag::Active, true),
        "deactivate" => (AccountFlag::Active, false),
        "grant_staff" => (AccountFlag::Staff, true),
        "revoke_staff" => (AccountFlag::Staff, false),
        other => return Err(PageError::BadRequest(format!("Unknown action {other:?}."))),
    };
    set_user_flag(&state.db, id, flag, value).await?;
    Ok(Redirect::to("/admin/").into_response())
}
