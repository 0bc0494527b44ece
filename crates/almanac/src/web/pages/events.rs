//! The event pages: list, form, detail and calendar. The server checks who may see what and
//! renders the frame; the page's script loads and changes the data through `/api/v1`.

use axum::extract::{Path, State};
use axum::response::Html;
use serde_json::json;
use uuid::Uuid;

use crate::app::AppState;
use crate::storage::events::{Event, find_event};
use crate::web::error::PageError;
use crate::web::templates::render;
use crate::web::visitor::{SignedIn, Viewer};

/// `GET /`: the signed-in user's events.
pub async fn list_page(SignedIn(viewer): SignedIn) -> Result<Html<String>, PageError> {
    render(
        "pages/events.html",
        json!({"viewer": viewer, "nav": "events"}),
    )
}

/// `GET /events/new/`.
pub async fn new_page(SignedIn(viewer): SignedIn) -> Result<Html<String>, PageError> {
    render(
        "pages/event_form.html",
        json!({"viewer": viewer, "nav": "new", "event_id": null, "title": "New event"}),
    )
}

/// `GET /events/{id}/edit/`.
pub async fn edit_page(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let event = owned_event(&state, &viewer, &id).await?;
    render(
        "pages/event_form.html",
        json!({"viewer": viewer, "nav": "events", "event_id": event.id, "title": format!("Edit “{}”", event.title)}),
    )
}

/// `GET /events/{id}/`.
pub async fn detail_page(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let event = owned_event(&state, &viewer, &id).await?;
    render(
        "pages/event_detail.html",
        json!({"viewer": viewer, "nav": "events", "event_id": event.id, "title": event.title}),
    )
}

/// `GET /events/calendar/`.
pub async fn calendar_page(SignedIn(viewer): SignedIn) -> Result<Html<String>, PageError> {
    render(
        "pages/calendar.html",
        json!({"viewer": viewer, "nav": "calendar"}),
    )
}

/// The viewer's event with this id; anyone else's, or none, is a 404 (never a 403).
async fn owned_event(state: &AppState, viewer: &Viewer, id: &str) -> Result<Event, PageError> {
    let id = Uuid::parse_str(id).map_err(|_| PageError::NotFound)?;
    find_event(&state.db, viewer.user.id, id)
        .await?
        .ok_or(PageError::NotFound)
}
