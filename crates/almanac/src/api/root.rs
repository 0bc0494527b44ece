//! `/api/v1/`: where each part of the API is, as Django REST framework's root view lists them,
//! with the OpenAPI document and the interactive documentation.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_root))
}

/// The API's entry points, as paths on this server.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiRoot {
    #[schema(example = "/api/v1/users/register/")]
    register: &'static str,
    #[schema(example = "/api/v1/users/login/")]
    login: &'static str,
    #[schema(example = "/api/v1/users/refresh/")]
    refresh: &'static str,
    #[schema(example = "/api/v1/users/logout/")]
    logout: &'static str,
    #[schema(example = "/api/v1/users/me/")]
    me: &'static str,
    #[schema(example = "/api/v1/events/")]
    events: &'static str,
    #[schema(example = "/api/v1/recurrences/")]
    recurrences: &'static str,
    #[serde(rename = "event-occurrences")]
    #[schema(example = "/api/v1/event-occurrences/")]
    event_occurrences: &'static str,
    /// The OpenAPI 3.1 document of everything here.
    #[schema(example = "/api/openapi.json")]
    openapi: &'static str,
    /// The same document, to read and try out in a browser.
    #[schema(example = "/api/docs/")]
    docs: &'static str,
}

/// Where each part of the API is.
#[utoipa::path(get, path = "/api/v1/", tag = "operations", responses((status = 200, body = ApiRoot)))]
async fn api_root() -> Json<ApiRoot> {
    Json(ApiRoot {
        register: "/api/v1/users/register/",
        login: "/api/v1/users/login/",
        refresh: "/api/v1/users/refresh/",
        logout: "/api/v1/users/logout/",
        me: "/api/v1/users/me/",
        events: "/api/v1/events/",
        recurrences: "/api/v1/recurrences/",
        event_occurrences: "/api/v1/event-occurrences/",
        openapi: "/api/openapi.json",
        docs: "/api/docs/",
    })
}
