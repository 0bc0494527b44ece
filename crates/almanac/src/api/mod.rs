//! The REST API under `/api/v1` (the seed's contract), its OpenAPI document at `/api/openapi.json`
//! and the interactive documentation at `/api/docs`, served from the binary.

mod events;
mod health;
pub(crate) mod occurrences;
mod recurrences;
mod root;
mod schema;
mod time;
mod users;

use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Almanac API", description = "Events, recurring series and their occurrences. \
        Errors use DRF's shapes: `{\"field\": [\"message\"]}` for validation, `{\"detail\": \"…\"}` otherwise."),
    modifiers(&BearerAuth),
    tags(
        (name = "users", description = "Accounts and JWT authentication"),
        (name = "events", description = "Events, one-off or recurring"),
        (name = "recurrences", description = "Recurrence rules of events"),
        (name = "occurrences", description = "Materialized occurrences, for calendars"),
        (name = "operations", description = "The API's root and health probes"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The error responses every operation can give, documented once: 401 wherever a token is required,
/// and 413/415 wherever a JSON body is read; and the PATCH bodies that may be left out.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    utoipa::openapi::Content::new(Some(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    ))),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            // A PATCH without a body changes nothing and answers 200, as DRF answers it.
            if let Some(utoipa::openapi::RefOr::T(body)) = item
                .patch
                .as_mut()
                .and_then(|patch| patch.request_body.as_mut())
            {
                body.required = Some(utoipa::openapi::Required::False);
            }
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                if operation.security.is_some() {
                    responses.entry("401".to_owned()).or_insert_with(|| {
                        error("Missing, invalid or expired access token").into()
                    });
                }
                if operation.request_body.is_some() {
                    responses
                        .entry("413".to_owned())
                        .or_insert_with(|| error("The body is larger than 1 MiB").into());
                    responses
                        .entry("415".to_owned())
                        .or_insert_with(|| error("The body is not JSON").into());
                }
            }
        }
    }
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes_with_document().1
}

/// The routes, and their document completed with the responses they share (which exist only
/// once every route is in).
fn routes_with_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = routes().split_for_parts();
    CommonResponses.modify(&mut openapi);
    (router, openapi)
}

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            users::router()
                .merge(events::router())
                .merge(recurrences::router())
                .merge(occurrences::router()),
        )
        .merge(root::router())
        .merge(health::router())
}

/// The API's routes, its OpenAPI document and the interactive documentation.
pub fn router() -> Router<AppState> {
    let (router, openapi) = routes_with_document();
    router.merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
}
