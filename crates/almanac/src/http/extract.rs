//! Request extractors: JSON bodies read field by field (so a wrong type is a field error, never a
//! 500), the authenticated user, and the client's address.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, header};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::accounts::AccountError;
use crate::app::AppState;
use crate::events::Precondition;
use crate::storage::idempotency::IdempotencyKey;
use crate::storage::users::User;
use crate::validation::{FieldErrors, NON_FIELD_ERRORS};

use super::error::ApiError;
use super::session;

/// A JSON object body. An empty body counts as `{}`, so missing fields get field errors.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let media_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap_or_default().to_owned());
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(_)
                        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
                    {
                        ApiError::PayloadTooLarge
                    }
                    other => {
                        ApiError::BadRequest(format!("Could not read the request body: {other}."))
                    }
                })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonObject(Map::new()));
        }
        let media_type = media_type.unwrap_or_default();
        if !is_json(&media_type) {
            return Err(ApiError::UnsupportedMediaType(media_type));
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(other) => Err(ApiError::Validation(FieldErrors::single(
                NON_FIELD_ERRORS,
                format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    json_type(&other)
                ),
            ))),
            Err(error) => Err(ApiError::BadRequest(format!("JSON parse error - {error}"))),
        }
    }
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// A request body type read field by field from a JSON object.
pub trait FromFields: Sized {
    /// Reads every field, recording problems in `fields`; the value is discarded if any were.
    fn from_fields(fields: &mut Fields<'_>) -> Self;
}

/// A JSON body parsed into `T`, or a 400 naming every bad field.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<S: Send + Sync, T: FromFields> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let JsonObject(object) = JsonObject::from_request(request, state).await?;
        let mut fields = Fields::new(&object);
        let value = T::from_fields(&mut fields);
        fields.finish()?;
        Ok(ValidJson(value))
    }
}

/// The longest `Idempotency-Key` taken: room for a UUID or a hash, with a prefix.
pub const IDEMPOTENCY_KEY_MAX_LENGTH: usize = 255;

/// A JSON body read as [`ValidJson`], with the request's `Idempotency-Key` (if any) and the
/// digest of what was sent: the same key must come with the same request.
#[derive(Debug)]
pub struct IdempotentJson<T>(pub T, pub Option<IdempotencyKey>);

impl<S: Send + Sync, T: FromFields> FromRequest<S> for IdempotentJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let key = match request.headers().get("idempotency-key") {
            None => None,
            Some(value) => Some(idempotency_key(value)?),
        };
        let JsonObject(object) = JsonObject::from_request(request, state).await?;
        let mut fields = Fields::new(&object);
        let value = T::from_fields(&mut fields);
        fields.finish()?;
        // serde_json's maps keep keys sorted, so the digest ignores their order as sent.
        let key = key.map(|key| IdempotencyKey {
            key,
            fingerprint: Sha256::digest(Value::Object(object).to_string()).to_vec(),
        });
        Ok(IdempotentJson(value, key))
    }
}

fn idempotency_key(value: &HeaderValue) -> Result<String, ApiError> {
    let refused = || {
        ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters."
        ))
    };
    let key = value.to_str().map_err(|_| refused())?.trim();
    let fits = (1..=IDEMPOTENCY_KEY_MAX_LENGTH).contains(&key.len())
        && key
            .bytes()
            .all(|byte| byte.is_ascii_graphic() || byte == b' ');
    if fits {
        Ok(key.to_owned())
    } else {
        Err(refused())
    }
}

const CONTROL_CHARACTERS: &str =
    "Null and other control characters are not allowed (tabs and line breaks are).";

/// Whether `text` holds a character no field takes: NUL (which PostgreSQL cannot store in text)
/// or another control character, tabs and line breaks aside.
pub fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// What an optional string field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// A string with something in it; `null` is refused.
    NonBlank,
    /// A string with something in it, or `null` (read as absent).
    NonBlankOrNull,
    /// Any string, blank included; `null` is refused.
    Any,
}

/// Reads typed fields out of a JSON object, collecting a DRF-style message for each bad one.
#[derive(Debug)]
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    errors: FieldErrors,
}

impl<'a> Fields<'a> {
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Fields {
            object,
            errors: FieldErrors::new(),
        }
    }

    /// A present, non-null, non-blank string. On error it records the message and returns an
    /// empty placeholder, which is never used: [`Fields::finish`] then fails.
    pub fn required_string(&mut self, name: &str) -> &'a str {
        match self.object.get(name) {
            None => self.error(name, "This field is required."),
            Some(Value::Null) => self.error(name, "This field may not be null."),
            Some(Value::String(text)) if text.trim().is_empty() => {
                self.error(name, "This field may not be blank.")
            }
            Some(Value::String(text)) if has_control_characters(text) => {
                self.error(name, CONTROL_CHARACTERS)
            }
            Some(Value::String(text)) => text,
            Some(_) => self.error(name, "Not a valid string."),
        }
    }

    /// A string that may be absent; if present, what `rule` allows.
    pub fn optional_string(&mut self, name: &str, rule: Text) -> Option<&'a str> {
        match self.object.get(name) {
            None => None,
            Some(Value::Null) if rule == Text::NonBlankOrNull => None,
            Some(Value::Null) => self.error(name, "This field may not be null."),
            Some(Value::String(text)) if rule != Text::Any && text.trim().is_empty() => {
                self.error(name, "This field may not be blank.")
            }
            Some(Value::String(text)) if has_control_characters(text) => {
                self.error(name, CONTROL_CHARACTERS)
            }
            Some(Value::String(text)) => Some(text),
            Some(_) => self.error(name, "Not a valid string."),
        }
    }

    /// A string that may be absent or `null` (`Some(None)`: the client clears the field); if a
    /// string, non-blank unless `blank_allowed`.
    pub fn nullable_string(&mut self, name: &str, blank_allowed: bool) -> Option<Option<&'a str>> {
        match self.object.get(name) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(text)) if !blank_allowed && text.trim().is_empty() => {
                self.error(name, "This field may not be blank.")
            }
            Some(Value::String(text)) if has_control_characters(text) => {
                self.error(name, CONTROL_CHARACTERS)
            }
            Some(Value::String(text)) => Some(Some(text)),
            Some(_) => self.error(name, "Not a valid string."),
        }
    }

    /// Whether `name` is in the object, `null` included.
    pub fn has(&self, name: &str) -> bool {
        self.object.contains_key(name)
    }

    /// A boolean that may be absent: `true`/`false`, or those words as strings.
    pub fn optional_bool(&mut self, name: &str) -> Option<bool> {
        match self.object.get(name) {
            None => None,
            Some(Value::Bool(value)) => Some(*value),
            Some(Value::String(text)) if text == "true" => Some(true),
            Some(Value::String(text)) if text == "false" => Some(false),
            Some(Value::Null) => self.error(name, "This field may not be null."),
            Some(_) => self.error(name, "Must be a valid boolean."),
        }
    }

    /// A list that may be absent or `null`, each item read by `item` (which names the item's
    /// type in its error, as "a string").
    pub fn optional_list<T>(
        &mut self,
        name: &str,
        item_kind: &str,
        item: impl Fn(&Value) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = match self.object.get(name) {
            None | Some(Value::Null) => return None,
            Some(Value::Array(items)) => items,
            Some(other) => {
                let message = format!(
                    "Expected a list of items but got type \"{}\".",
                    json_type(other)
                );
                return self.error(name, &message);
            }
        };
        let read: Option<Vec<T>> = items.iter().map(item).collect();
        if read.is_none() {
            self.errors
                .add(name, format!("Each item must be {item_kind}."));
        }
        read
    }

    /// An integer that may be absent or `null`; integral numbers (`2`, `2.0`) and numeric strings
    /// are accepted, as DRF's `IntegerField` does.
    pub fn optional_integer(&mut self, name: &str) -> Option<i64> {
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => match integer(value) {
                Some(number) => Some(number),
                None => self.error(name, "A valid integer is required."),
            },
        }
    }

    /// A nested object read as `T`: `None` when absent, `Some(None)` when `null`. Its errors are
    /// filed under `name`.
    pub fn optional_object<T: FromFields>(&mut self, name: &str) -> Option<Option<T>> {
        match self.object.get(name) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Object(object)) => {
                let mut nested = Fields::new(object);
                let value = T::from_fields(&mut nested);
                if nested.errors.is_empty() {
                    Some(Some(value))
                } else {
                    self.errors.add_nested(name, nested.errors);
                    None
                }
            }
            Some(other) => {
                let message = format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    json_type(other)
                );
                self.errors
                    .add_nested(name, FieldErrors::single(NON_FIELD_ERRORS, message));
                None
            }
        }
    }

    /// Records a problem with `name` (or with the object as a whole, under `non_field_errors`).
    pub fn error<T: Default>(&mut self, name: &str, message: &str) -> T {
        self.errors.add(name, message);
        T::default()
    }

    /// The collected errors, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        self.errors.into_result().map_err(ApiError::Validation)
    }
}

/// An integral JSON number — `2`, or `2.0`, which JSON Schema's `integer` includes — or a numeric
/// string.
pub fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            let float = number.as_f64()?;
            // `i64::MAX as f64` rounds up to 2^63, itself out of range: the bound is exclusive.
            (float.fract() == 0.0 && float >= i64::MIN as f64 && float < i64::MAX as f64)
                .then_some(float as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The signed-in user: from `Authorization: Bearer <access token>` (API clients), or else from
/// the browser's session cookie. A request that changes something with the cookie must carry the
/// session's CSRF token in `X-CSRF-Token`, so that another site cannot make the browser do it.
#[derive(Debug)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(header::AUTHORIZATION) else {
            return session_user(parts, state).await.map(CurrentUser);
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty() && !token.contains(' '))
            .ok_or(ApiError::AuthenticationFailed {
                detail: "Authorization header must contain two space-delimited values",
                code: "bad_authorization_header",
            })?;
        match state.accounts.authenticate(token).await {
            Ok(user) => Ok(CurrentUser(user)),
            Err(AccountError::Token(_)) => Err(ApiError::AuthenticationFailed {
                detail: "Given token not valid for any token type",
                code: "token_not_valid",
            }),
            Err(other) => Err(other.into()),
        }
    }
}

async fn session_user(parts: &Parts, state: &AppState) -> Result<User, ApiError> {
    let token = session::session_token(&parts.headers).ok_or(ApiError::NotAuthenticated)?;
    let session = state
        .accounts
        .session(&token)
        .await?
        .ok_or(ApiError::NotAuthenticated)?;
    if !parts.method.is_safe() {
        let sent = parts
            .headers
            .get(session::CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if !session::tokens_match(sent, &session.csrf_token) {
            return Err(ApiError::CsrfFailed);
        }
    }
    Ok(session.user)
}

/// The client's IP address: the peer, or with trusted proxies the entry of `X-Forwarded-For` that
/// the outermost trusted proxy appended. `None` when it cannot be known (e.g. in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        if state.trusted_proxies == 0 {
            return Ok(ClientAddress(peer));
        }
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let hop = forwarded
            .len()
            .checked_sub(state.trusted_proxies)
            .and_then(|index| forwarded.get(index));
        Ok(ClientAddress(
            hop.and_then(|entry| entry.parse().ok()).or(peer),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_recognized_with_parameters_and_suffixes() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/vnd.api+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
    }

    #[test]
    fn fields_report_each_problem_with_drf_messages() {
        let object = serde_json::json!({"a": 1, "b": null, "c": "  ", "d": "ok"});
        let map = object.as_object().expect("object");
        let mut fields = Fields::new(map);
        for name in ["a", "b", "c", "e"] {
            assert_eq!(fields.required_string(name), "");
        }
        assert_eq!(fields.required_string("d"), "ok");
        let Err(ApiError::Validation(errors)) = fields.finish() else {
            panic!("expected validation errors")
        };
        let body = serde_json::to_value(errors).expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({
                "a": ["Not a valid string."],
                "b": ["This field may not be null."],
                "c": ["This field may not be blank."],
                "e": ["This field is required."],
            })
        );
    }
}

/// The version a write expects its event to be at, from `If-Match` (RFC 9110 §13.1.1): `*`, or
/// a list of the strong ETags this API sends (`"7"`). A weak or foreign tag matches nothing.
#[derive(Debug)]
pub struct IfMatch(pub Option<Precondition>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let mut versions = Vec::new();
        let mut any = false;
        let mut present = false;
        for value in parts.headers.get_all(header::IF_MATCH) {
            present = true;
            let text = value.to_str().map_err(|_| {
                ApiError::BadRequest("The If-Match header is not valid text.".to_owned())
            })?;
            for tag in text.split(',').map(str::trim).filter(|tag| !tag.is_empty()) {
                if tag == "*" {
                    any = true;
                } else if let Some(version) = tag
                    .strip_prefix('"')
                    .and_then(|tag| tag.strip_suffix('"'))
                    .and_then(|tag| tag.parse::<i64>().ok())
                {
                    versions.push(version);
                }
            }
        }
        let precondition = if any {
            Precondition::Any
        } else {
            Precondition::OneOf(versions)
        };
        Ok(IfMatch(present.then_some(precondition)))
    }
}

/// The ETag of an event and of its occurrences: the event's version, quoted (`"7"`).
pub fn etag_value(version: i64) -> String {
    format!("\"{version}\"")
}

/// The `ETag` header of an event or occurrence answer.
pub fn etag(version: i64) -> (HeaderName, HeaderValue) {
    let value = HeaderValue::try_from(etag_value(version));
    // A quoted integer is always a valid header value.
    (
        header::ETAG,
        value.unwrap_or(HeaderValue::from_static("\"0\"")),
    )
}
