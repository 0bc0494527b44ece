//! Sign-in, registration and sign-out: plain HTML forms that work without scripts. Signing in
//! opens a server-side session held in an HttpOnly cookie; signing out ends it on the server.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::{self, AccountError, NewSession};
use crate::app::AppState;
use crate::http::extract::ClientAddress;
use crate::http::session::{
    self, CSRF_COOKIE, SESSION_COOKIE, private_cookie, removal_cookie, tokens_match,
};
use crate::validation::FieldErrors;
use crate::web::error::PageError;
use crate::web::form::WebForm;
use crate::web::templates::render;
use crate::web::visitor::{MaybeSignedIn, SignedIn, safe_next};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CredentialsForm {
    email: String,
    password: String,
    csrf_token: String,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf_token: String,
}

/// Which of the two credential forms.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    SignIn,
    Register,
}

impl Purpose {
    fn template(self) -> &'static str {
        match self {
            Purpose::SignIn => "pages/login.html",
            Purpose::Register => "pages/register.html",
        }
    }
}

/// `GET /login/`.
pub async fn login_page(
    State(state): State<AppState>,
    MaybeSignedIn(viewer): MaybeSignedIn,
    Query(query): Query<NextQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    credentials_page(
        &state,
        viewer.is_some(),
        Purpose::SignIn,
        query.next,
        &headers,
    )
}

/// `GET /register/`.
pub async fn register_page(
    State(state): State<AppState>,
    MaybeSignedIn(viewer): MaybeSignedIn,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    credentials_page(&state, viewer.is_some(), Purpose::Register, None, &headers)
}

fn credentials_page(
    state: &AppState,
    signed_in: bool,
    purpose: Purpose,
    next: Option<String>,
    headers: &HeaderMap,
) -> Result<Response, PageError> {
    let next = safe_next(next.as_deref());
    if signed_in {
        return Ok(Redirect::to(&next).into_response());
    }
    let (jar, csrf_token) = form_token(state, headers);
    let page = render(
        purpose.template(),
        json!({"csrf_token": csrf_token, "next": next, "email": "", "errors": {}}),
    )?;
    Ok((jar, page).into_response())
}

/// `POST /login/`: opens a session and goes where the visitor was headed.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    WebForm(form): WebForm<CredentialsForm>,
) -> Result<Response, PageError> {
    check_form_token(&headers, &form.csrf_token)?;
    let next = safe_next(form.next.as_deref());
    match state
        .accounts
        .sign_in(&form.email, &form.password, client)
        .await
    {
        Ok(session) => Ok(signed_in(&state, &headers, session, &next)),
        Err(AccountError::InvalidCredentials) => form_errors(
            &state,
            &headers,
            Purpose::SignIn,
            &form,
            StatusCode::UNAUTHORIZED,
            FieldErrors::single(
                crate::validation::NON_FIELD_ERRORS,
                "No active account found with the given email and password.",
            ),
        ),
        Err(AccountError::Throttled { retry_after }) => form_errors(
            &state,
            &headers,
            Purpose::SignIn,
            &form,
            StatusCode::TOO_MANY_REQUESTS,
            FieldErrors::single(
                crate::validation::NON_FIELD_ERRORS,
                format!(
                    "Too many failed sign-ins. Try again in {} minute(s).",
                    retry_after.as_secs().div_ceil(60)
                ),
            ),
        ),
        Err(other) => Err(account_failure(other)),
    }
}

/// `POST /register/`: creates the account and signs it in.
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebForm(form): WebForm<CredentialsForm>,
) -> Result<Response, PageError> {
    check_form_token(&headers, &form.csrf_token)?;
    match accounts::register(&state.db, &form.email, &form.password, false).await {
        Ok(user) => {
            let session = state.accounts.start_session(user.id).await?;
            Ok(signed_in(&state, &headers, session, "/"))
        }
        Err(AccountError::Invalid(errors)) => form_errors(
            &state,
            &headers,
            Purpose::Register,
            &form,
            StatusCode::BAD_REQUEST,
            errors,
        ),
        Err(other) => Err(account_failure(other)),
    }
}

/// `POST /logout/`: ends the session on the server and forgets the cookie.
pub async fn logout(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    WebForm(form): WebForm<CsrfForm>,
) -> Result<Response, PageError> {
    if !tokens_match(&form.csrf_token, &viewer.csrf_token) {
        return Err(PageError::Forbidden);
    }
    if let Some(token) = session::session_token(&headers) {
        state.accounts.sign_out(&token).await?;
    }
    let jar = CookieJar::new().add(removal_cookie(SESSION_COOKIE));
    Ok((jar, Redirect::to("/login/")).into_response())
}

fn signed_in(state: &AppState, headers: &HeaderMap, session: NewSession, next: &str) -> Response {
    let secure = session::is_https(headers, state.trusted_proxies);
    let jar = CookieJar::new()
        .add(private_cookie(
            SESSION_COOKIE,
            session.token,
            Some(session.expires_at),
            secure,
        ))
        .add(removal_cookie(CSRF_COOKIE));
    (jar, Redirect::to(next)).into_response()
}

fn form_errors(
    state: &AppState,
    headers: &HeaderMap,
    purpose: Purpose,
    form: &CredentialsForm,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let (jar, csrf_token) = form_token(state, headers);
    let page = render(
        purpose.template(),
        json!({
            "csrf_token": csrf_token,
            "next": safe_next(form.next.as_deref()),
            "email": form.email,
            "errors": errors,
        }),
    )?;
    Ok((status, jar, page).into_response())
}

/// The CSRF token of a signed-out form: the one in the visitor's CSRF cookie, or a new one set
/// in that cookie.
fn form_token(state: &AppState, headers: &HeaderMap) -> (CookieJar, String) {
    if let Some(token) = session::cookie_value(headers, CSRF_COOKIE) {
        return (CookieJar::new(), token);
    }
    let token = hex::encode(rand::random::<[u8; 16]>());
    let secure = session::is_https(headers, state.trusted_proxies);
    let jar = CookieJar::new().add(private_cookie(CSRF_COOKIE, token.clone(), None, secure));
    (jar, token)
}

/// A signed-out form must echo its CSRF cookie, and if the browser says where it was sent from,
/// that must be this site.
fn check_form_token(headers: &HeaderMap, sent: &str) -> Result<(), PageError> {
    let expected = session::cookie_value(headers, CSRF_COOKIE).unwrap_or_default();
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|site| site != "same-origin" && site != "none");
    if cross_site || !tokens_match(sent, &expected) {
        return Err(PageError::Forbidden);
    }
    Ok(())
}

fn account_failure(error: AccountError) -> PageError {
    match error {
        AccountError::Storage(error) => error.into(),
        other => PageError::internal(other),
    }
}
