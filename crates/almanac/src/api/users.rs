//! `/api/v1/users/`: registration, JWT login, refresh, logout and the current user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::time::{serialize_instant, serialize_optional_instant};
use crate::accounts::{self, TokenPair};
use crate::app::AppState;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ClientAddress, CurrentUser, Fields, FromFields, ValidJson};
use crate::storage::Timestamp;
use crate::storage::users::User;
use crate::validation::FieldErrors;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, ToSchema)]
pub struct Credentials {
    #[schema(schema_with = super::schema::email)]
    pub email: String,
    #[schema(schema_with = super::schema::password)]
    pub password: String,
}

impl FromFields for Credentials {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        Credentials {
            email: fields.required_string("email").to_owned(),
            password: fields.required_string("password").to_owned(),
        }
    }
}

#[derive(Debug, ToSchema)]
pub struct RefreshRequest {
    /// A refresh token from login or from a previous refresh.
    #[schema(schema_with = super::schema::non_blank)]
    pub refresh: String,
}

impl FromFields for RefreshRequest {
    fn from_fields(fields: &mut Fields<'_>) -> Self {
        RefreshRequest {
            refresh: fields.required_string("refresh").to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Tokens {
    /// Send as `Authorization: Bearer <access>`; lives 90 minutes by default.
    pub access: String,
    /// Trade for a new pair at `users/refresh/`; single use, lives 7 days by default.
    pub refresh: String,
}

impl From<TokenPair> for Tokens {
    fn from(pair: TokenPair) -> Self {
        Tokens {
            access: pair.access,
            refresh: pair.refresh,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredUser {
    pub id: Uuid,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserProfile {
    pub id: Uuid,
    pub email: String,
    pub is_staff: bool,
    #[serde(serialize_with = "serialize_instant")]
    #[schema(value_type = String, format = DateTime)]
    pub date_joined: Timestamp,
    #[serde(serialize_with = "serialize_optional_instant")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login: Option<Timestamp>,
}

impl From<User> for UserProfile {
    fn from(user: User) -> Self {
        UserProfile {
            id: user.id,
            email: user.email,
            is_staff: user.is_staff,
            date_joined: user.date_joined,
            last_login: user.last_login,
        }
    }
}

/// Register a new user.
#[utoipa::path(post, path = "/users/register/", tag = "users", request_body = Credentials,
    responses(
        (status = 201, description = "Account created", body = RegisteredUser),
        (status = 400, description = "Invalid email, taken email or weak password", body = FieldErrors),
    ))]
async fn register(
    State(state): State<AppState>,
    ValidJson(credentials): ValidJson<Credentials>,
) -> Result<(StatusCode, Json<RegisteredUser>), ApiError> {
    let user =
        accounts::register(&state.db, &credentials.email, &credentials.password, false).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredUser {
            id: user.id,
            email: user.email,
        }),
    ))
}

/// Obtain an access and a refresh token.
#[utoipa::path(post, path = "/users/login/", tag = "users", request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = Tokens),
        (status = 400, description = "Missing fields", body = FieldErrors),
        (status = 401, description = "Wrong credentials or inactive account", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see Retry-After", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ValidJson(credentials): ValidJson<Credentials>,
) -> Result<Json<Tokens>, ApiError> {
    let pair = state
        .accounts
        .login(&credentials.email, &credentials.password, client)
        .await?;
    Ok(Json(pair.into()))
}

/// Trade a refresh token for a new pair; the old refresh token is blacklisted.
#[utoipa::path(post, path = "/users/refresh/", tag = "users", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = Tokens),
        (status = 400, description = "Missing field", body = FieldErrors),
        (status = 401, description = "Invalid, expired or blacklisted token", body = ErrorBody),
    ))]
async fn refresh(
    State(state): State<AppState>,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> Result<Json<Tokens>, ApiError> {
    Ok(Json(state.accounts.refresh(&body.refresh).await?.into()))
}

/// Blacklist a refresh token (log out).
#[utoipa::path(post, path = "/users/logout/", tag = "users", request_body = RefreshRequest,
    responses(
        (status = 200, description = "Logged out; the token will never work again", body = Object),
        (status = 400, description = "Missing field", body = FieldErrors),
        (status = 401, description = "Invalid, expired or already blacklisted token", body = ErrorBody),
    ))]
async fn logout(
    State(state): State<AppState>,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    state.accounts.logout(&body.refresh).await?;
    Ok(Json(serde_json::json!({})))
}

/// The authenticated user.
#[utoipa::path(get, path = "/users/me/", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The current user", body = UserProfile),
        (status = 401, description = "Missing, invalid or expired access token", body = ErrorBody),
    ))]
async fn me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {
    Json(user.into())
}
