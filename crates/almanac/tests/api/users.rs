//! `/api/v1/users/`: the seed's account endpoints, their errors, token rotation and throttling.

use std::time::Duration;

use almanac::accounts::TokenType;
use almanac::storage::{Pool, Timestamp, users};
use argon2::password_hash::PasswordHasher;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{PASSWORD, TestApp};

/// The stored password hash of the only account.
async fn stored_hash(app: &TestApp) -> String {
    let sql = "SELECT password_hash FROM users";
    match app.state.db.pool() {
        Pool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("one account")
}

on_both_backends! {
    async fn a_password_hashed_with_older_parameters_is_hashed_again_at_sign_in(backend) {
        let app = TestApp::spawn(backend).await;
        app.register("ada@example.com", PASSWORD).await;
        // The argon2 crate's default, which Almanac used before: 19 MiB and 2 passes.
        let older = argon2::Argon2::default()
            .hash_password(PASSWORD.as_bytes())
            .expect("hashed")
            .to_string();
        let sql = "UPDATE users SET password_hash = $1";
        match app.state.db.pool() {
            Pool::Sqlite(pool) => sqlx::query(sql).bind(&older).execute(pool).await.map(drop),
            Pool::Postgres(pool) => sqlx::query(sql).bind(&older).execute(pool).await.map(drop),
        }
        .expect("stored");

        assert_eq!(app.login("ada@example.com", "wrong password").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(stored_hash(&app).await, older, "a wrong password changes nothing");
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status, StatusCode::OK);
        let upgraded = stored_hash(&app).await;
        assert!(upgraded.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{upgraded}");
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status, StatusCode::OK);
        assert_eq!(stored_hash(&app).await, upgraded, "hashed again only once");
    }

    async fn registering_returns_the_new_account(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.register("ada@example.com", PASSWORD).await;
        assert_eq!(response.status, StatusCode::CREATED);
        assert_eq!(response.body["email"], "ada@example.com");
        assert!(uuid::Uuid::parse_str(&response.string("id")).is_ok());
    }

    async fn an_email_can_register_only_once_whatever_its_case(backend) {
        let app = TestApp::spawn(backend).await;
        app.register("ada@example.com", PASSWORD).await;
        let response = app.register("ADA@Example.com", PASSWORD).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body, json!({"email": ["user with this email already exists."]}));
    }

    async fn registering_without_fields_names_each_missing_field(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.post("/api/v1/users/register/", &json!({})).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body, json!({"email": ["This field is required."], "password": ["This field is required."]}));
    }

    async fn registering_with_a_bad_email_and_a_weak_password_reports_both(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.register("not-an-email", "12345678").await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body["email"], json!(["Enter a valid email address."]));
        assert_eq!(response.body["password"], json!(["This password is too common.", "This password is entirely numeric."]));
    }

    async fn a_password_like_the_email_is_refused(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.register("grace.hopper@example.com", "gracehopper").await;
        assert_eq!(response.body["password"], json!(["The password is too similar to the email address."]));
    }

    async fn fields_of_the_wrong_type_are_field_errors(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.post("/api/v1/users/register/", &json!({"email": 42, "password": ["x"]})).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body, json!({"email": ["Not a valid string."], "password": ["Not a valid string."]}));
    }

    async fn a_login_returns_tokens_that_open_me(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let me = app.get("/api/v1/users/me/", Some(&access)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["email"], "ada@example.com");
        assert_eq!(me.body["is_staff"], false);
        assert!(me.string("last_login").ends_with('Z'));
    }

    async fn login_matches_the_email_case_insensitively(backend) {
        let app = TestApp::spawn(backend).await;
        app.register("Ada@Example.com", PASSWORD).await;
        assert_eq!(app.login("ada@EXAMPLE.com", PASSWORD).await.status, StatusCode::OK);
    }

    async fn a_wrong_password_and_an_unknown_email_get_the_same_401(backend) {
        let app = TestApp::spawn(backend).await;
        app.register("ada@example.com", PASSWORD).await;
        let wrong_password = app.login("ada@example.com", "not the password").await;
        let unknown_email = app.login("nobody@example.com", PASSWORD).await;
        assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong_password.body["detail"], "No active account found with the given credentials");
        assert_eq!(wrong_password.body, unknown_email.body);
    }

    async fn login_without_a_password_is_a_field_error(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.post("/api/v1/users/login/", &json!({"email": "ada@example.com"})).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body, json!({"password": ["This field is required."]}));
    }

    async fn refreshing_rotates_and_the_used_refresh_token_never_works_again(backend) {
        let app = TestApp::spawn(backend).await;
        let (_, refresh) = app.signed_up("ada@example.com").await;
        let rotated = app.post("/api/v1/users/refresh/", &json!({"refresh": refresh})).await;
        assert_eq!(rotated.status, StatusCode::OK);
        assert_ne!(rotated.string("refresh"), refresh);
        let me = app.get("/api/v1/users/me/", Some(&rotated.string("access"))).await;
        assert_eq!(me.status, StatusCode::OK);

        let replay = app.post("/api/v1/users/refresh/", &json!({"refresh": refresh})).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
        assert_eq!(replay.body, json!({"detail": "Token is blacklisted", "code": "token_not_valid"}));
        let next = app.post("/api/v1/users/refresh/", &json!({"refresh": rotated.string("refresh")})).await;
        assert_eq!(next.status, StatusCode::OK);
    }

    async fn logout_blacklists_the_refresh_token(backend) {
        let app = TestApp::spawn(backend).await;
        let (_, refresh) = app.signed_up("ada@example.com").await;
        let logout = app.post("/api/v1/users/logout/", &json!({"refresh": refresh})).await;
        assert_eq!(logout.status, StatusCode::OK);
        let after = app.post("/api/v1/users/refresh/", &json!({"refresh": refresh})).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert_eq!(after.body["detail"], "Token is blacklisted");
        let again = app.post("/api/v1/users/logout/", &json!({"refresh": refresh})).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    }

    async fn an_access_token_is_not_a_refresh_token_nor_the_reverse(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, refresh) = app.signed_up("ada@example.com").await;
        let refresh_with_access = app.post("/api/v1/users/refresh/", &json!({"refresh": access})).await;
        assert_eq!(refresh_with_access.status, StatusCode::UNAUTHORIZED);
        assert_eq!(refresh_with_access.body, json!({"detail": "Token is invalid or expired", "code": "token_not_valid"}));
        let me_with_refresh = app.get("/api/v1/users/me/", Some(&refresh)).await;
        assert_eq!(me_with_refresh.status, StatusCode::UNAUTHORIZED);
        assert_eq!(me_with_refresh.body["code"], "token_not_valid");
    }

    async fn a_garbage_refresh_token_is_refused(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.post("/api/v1/users/logout/", &json!({"refresh": "not.a.token"})).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body["code"], "token_not_valid");
    }

    async fn me_without_credentials_is_401_with_a_bearer_challenge(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/api/v1/users/me/", None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body, json!({"detail": "Authentication credentials were not provided."}));
        assert_eq!(response.header("www-authenticate"), Some("Bearer realm=\"api\""));
    }

    async fn me_with_a_malformed_authorization_header_is_401(backend) {
        let app = TestApp::spawn(backend).await;
        let request = axum::http::Request::get("/api/v1/users/me/")
            .header("authorization", "Token abc")
            .body(axum::body::Body::empty())
            .expect("request");
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body["code"], "bad_authorization_header");
    }

    async fn an_expired_access_token_is_refused(backend) {
        let app = TestApp::spawn(backend).await;
        app.signed_up("ada@example.com").await;
        let user = users::find_user_by_email_key(&app.state.db, "ada@example.com").await.expect("query").expect("user");
        let two_hours_ago = Timestamp::now() - Duration::from_secs(2 * 3600);
        let expired = app.state.accounts.tokens().sign(TokenType::Access, user.id, two_hours_ago);
        let response = app.get("/api/v1/users/me/", Some(&expired.token)).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body["detail"], "Given token not valid for any token type");
    }

    async fn a_deactivated_user_cannot_log_in_and_its_tokens_stop_working(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, refresh) = app.signed_up("ada@example.com").await;
        let user = users::find_user_by_email_key(&app.state.db, "ada@example.com").await.expect("query").expect("user");
        users::set_user_flag(&app.state.db, user.id, users::AccountFlag::Active, false).await.expect("deactivated");

        assert_eq!(app.login("ada@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        let me = app.get("/api/v1/users/me/", Some(&access)).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
        assert_eq!(me.body, json!({"detail": "User is inactive", "code": "user_inactive"}));
        let refreshed = app.post("/api/v1/users/refresh/", &json!({"refresh": refresh})).await;
        assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
    }

    async fn repeated_failed_logins_to_one_account_are_throttled_with_retry_after(backend) {
        let app = TestApp::spawn_with(backend, &["--login-failures-per-account", "3"]).await;
        app.register("ada@example.com", PASSWORD).await;
        for _ in 0..3 {
            assert_eq!(app.login("ada@example.com", "wrong password").await.status, StatusCode::UNAUTHORIZED);
        }
        let throttled = app.login("ada@example.com", PASSWORD).await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
        let retry_after: u64 = throttled.header("retry-after").expect("Retry-After").parse().expect("seconds");
        assert!((1..=15 * 60).contains(&retry_after));
        assert!(throttled.string("detail").starts_with("Request was throttled."));
        assert_eq!(app.login("grace@example.com", "whatever").await.status, StatusCode::UNAUTHORIZED, "other accounts are unaffected");
    }

    async fn a_successful_login_clears_the_account_failures(backend) {
        let app = TestApp::spawn_with(backend, &["--login-failures-per-account", "3"]).await;
        app.register("ada@example.com", PASSWORD).await;
        for _ in 0..2 {
            app.login("ada@example.com", "wrong password").await;
        }
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status, StatusCode::OK);
        for _ in 0..2 {
            app.login("ada@example.com", "wrong password").await;
        }
        assert_eq!(app.login("ada@example.com", PASSWORD).await.status, StatusCode::OK);
    }

    async fn failed_logins_from_one_address_are_throttled_across_accounts(backend) {
        let app = TestApp::spawn_with(backend, &["--login-failures-per-address", "4", "--trusted-proxies", "1"]).await;
        let login_from = |address: &'static str, email: String| {
            let body = json!({"email": email, "password": "wrong password"}).to_string();
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/users/login/")
                .header("content-type", "application/json")
                .header("x-forwarded-for", address)
                .body(axum::body::Body::from(body))
                .expect("request")
        };
        for n in 0..4 {
            let response = app.send(login_from("203.0.113.7", format!("user{n}@example.com"))).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        }
        let throttled = app.send(login_from("203.0.113.7", "someone@example.com".to_owned())).await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
        let other_address = app.send(login_from("198.51.100.1", "someone@example.com".to_owned())).await;
        assert_eq!(other_address.status, StatusCode::UNAUTHORIZED);
    }
}
