//! Liveness and readiness probes for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;
use crate::http::error::{ApiError, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Status)))]
async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// The process can do useful work: its database and its job queue answer.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Status), (status = 503, description = "A dependency is down", body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    state.db.ping().await.map_err(|error| {
        tracing::warn!(%error, "readiness check: database unreachable");
        ApiError::Unavailable("database")
    })?;
    state.jobs.ping().await.map_err(|error| {
        tracing::warn!(%error, "readiness check: job queue unreachable");
        ApiError::Unavailable("job queue")
    })?;
    Ok(Json(Status { status: "ready" }))
}
