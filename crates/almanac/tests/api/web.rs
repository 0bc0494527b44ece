//! The web UI's server side: sign-in forms and the session cookie, CSRF on forms and on API calls
//! made with the cookie, pages only for their owners, staff-only admin, static files.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{PASSWORD, TestApp, TestResponse};

/// A browser's cookie jar, reduced to what these tests need.
#[derive(Default)]
struct Browser {
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn remember(&mut self, response: &TestResponse) {
        for set in response.headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().expect("ascii cookie");
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(existing, _)| existing != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(existing, _)| existing == name)
            .map(|(_, value)| value.as_str())
    }

    async fn get(&mut self, app: &TestApp, path: &str) -> TestResponse {
        let request = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        let response = app.send(request).await;
        self.remember(&response);
        response
    }

    async fn post_form(
        &mut self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let body: String = fields
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        self.post_encoded_form(app, path, body).await
    }

    /// A form body sent exactly as written, percent-escapes and all.
    async fn post_encoded_form(&mut self, app: &TestApp, path: &str, body: String) -> TestResponse {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let response = app.send(request).await;
        self.remember(&response);
        response
    }

    async fn api(
        &mut self,
        app: &TestApp,
        method: Method,
        path: &str,
        csrf: Option<&str>,
        body: &serde_json::Value,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        app.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    /// Signs in through the form, as a person would: returns the page's CSRF token.
    async fn sign_in(&mut self, app: &TestApp, email: &str) -> String {
        let form = self.get(app, "/login/").await;
        let token = hidden_value(&form, "csrf_token");
        let signed_in = self
            .post_form(
                app,
                "/login/",
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("csrf_token", &token),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(
            signed_in.status,
            StatusCode::SEE_OTHER,
            "{:?}",
            signed_in.body
        );
        assert_eq!(signed_in.header("location"), Some("/"));
        let home = self.get(app, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        meta_csrf(&home)
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn html(response: &TestResponse) -> &str {
    response.body.as_str().expect("an HTML page")
}

fn hidden_value(page: &TestResponse, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let html = html(page);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

fn meta_csrf(page: &TestResponse) -> String {
    let marker = "<meta name=\"csrf-token\" content=\"";
    let html = html(page);
    let start = html.find(marker).expect("csrf meta tag") + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

fn event() -> serde_json::Value {
    json!({"title": "Standup", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T09:15:00Z"})
}

on_both_backends! {
    async fn signing_in_through_the_form_opens_a_cookie_session_the_api_accepts(backend) {
        let app = TestApp::spawn(backend).await;
        app.signed_up("ada@example.com").await;
        let mut browser = Browser::default();
        let login = browser.get(&app, "/login/").await;
        let csrf_cookie = login.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("csrf cookie");
        assert!(csrf_cookie.starts_with("almanac_csrf=") && csrf_cookie.contains("HttpOnly"), "{csrf_cookie}");

        browser.sign_in(&app, "ada@example.com").await;
        let session = browser.cookie("almanac_session").expect("session cookie").to_owned();
        assert_eq!(session.len(), 64);
        let me = browser.get(&app, "/api/v1/users/me/").await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["email"], "ada@example.com");
    }

    async fn an_api_change_made_with_the_cookie_needs_the_csrf_token(backend) {
        let app = TestApp::spawn(backend).await;
        app.signed_up("ada@example.com").await;
        let mut browser = Browser::default();
        let csrf = browser.sign_in(&app, "ada@example.com").await;

        let forged = browser.api(&app, Method::POST, "/api/v1/events/", None, &event()).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(forged.body, json!({"detail": "CSRF Failed: CSRF token missing or incorrect."}));
        let wrong = browser.api(&app, Method::POST, "/api/v1/events/", Some("0".repeat(64).as_str()), &event()).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert_eq!(browser.get(&app, "/api/v1/events/").await.body, json!([]), "nothing was created");

        let created = browser.api(&app, Method::POST, "/api/v1/events/", Some(&csrf), &event()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }

    async fn a_sign_in_form_without_its_token_is_refused(backend) {
        let app = TestApp::spawn(backend).await;
        app.signed_up("ada@example.com").await;
        let mut browser = Browser::default();
        browser.get(&app, "/login/").await;
        let forged = browser
            .post_form(&app, "/login/", &[("email", "ada@example.com"), ("password", PASSWORD), ("csrf_token", "guess")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(html(&forged).contains("Please try again"));
        assert!(browser.cookie("almanac_session").is_none());
    }

    async fn wrong_credentials_show_the_form_again_with_the_message(backend) {
        let app = TestApp::spawn(backend).await;
        let mut browser = Browser::default();
        let form = browser.get(&app, "/login/").await;
        let token = hidden_value(&form, "csrf_token");
        let failed = browser
            .post_form(&app, "/login/", &[("email", "nobody@example.com"), ("password", "wrong password"), ("csrf_token", &token)])
            .await;
        assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
        assert!(html(&failed).contains("No active account found with the given email and password."));
        assert!(html(&failed).contains("value=\"nobody@example.com\""), "the email is kept");
        assert!(!html(&failed).contains("wrong password"), "the password is never echoed");
    }

    async fn registering_through_the_form_signs_in_and_reports_field_errors(backend) {
        let app = TestApp::spawn(backend).await;
        let mut browser = Browser::default();
        let form = browser.get(&app, "/register/").await;
        let token = hidden_value(&form, "csrf_token");
        let refused = browser
            .post_form(&app, "/register/", &[("email", "ada@example.com"), ("password", "password"), ("csrf_token", &token)])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(html(&refused).contains("This password is too common."), "{}", html(&refused));

        let created = browser
            .post_form(&app, "/register/", &[("email", "ada@example.com"), ("password", PASSWORD), ("csrf_token", &token)])
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        assert_eq!(browser.get(&app, "/api/v1/users/me/").await.body["email"], "ada@example.com");
    }

    async fn a_form_whose_text_is_not_utf8_creates_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let mut browser = Browser::default();
        let form = browser.get(&app, "/register/").await;
        let token = hidden_value(&form, "csrf_token");
        let body = format!("email=%FF%FE%40example.com&password={}&csrf_token={token}", encode(PASSWORD));
        let refused = browser.post_encoded_form(&app, "/register/", body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(html(&refused).contains("not valid UTF-8"), "{}", html(&refused));
        let login = app.login("\u{FFFD}\u{FFFD}@example.com", PASSWORD).await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED, "no account was made of replacement characters");
    }

    async fn signing_out_ends_the_session_on_the_server(backend) {
        let app = TestApp::spawn(backend).await;
        app.signed_up("ada@example.com").await;
        let mut browser = Browser::default();
        let csrf = browser.sign_in(&app, "ada@example.com").await;
        let stolen = browser.cookie("almanac_session").expect("session").to_owned();

        let out = browser.post_form(&app, "/logout/", &[("csrf_token", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(browser.cookie("almanac_session").is_none(), "the browser forgets the cookie");
        let mut thief = Browser { cookies: vec![("almanac_session".into(), stolen)] };
        assert_eq!(thief.get(&app, "/api/v1/users/me/").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(thief.get(&app, "/").await.status, StatusCode::SEE_OTHER);
    }

    async fn pages_need_a_session_and_show_only_the_owners_events(backend) {
        let app = TestApp::spawn(backend).await;
        let (ada_token, _) = app.signed_up("ada@example.com").await;
        app.signed_up("grace@example.com").await;
        let created = app.call(Method::POST, "/api/v1/events/", Some(&event()), &ada_token).await;
        let path = format!("/events/{}/", created.string("id"));

        let mut anonymous = Browser::default();
        let redirected = anonymous.get(&app, &path).await;
        assert_eq!(redirected.status, StatusCode::SEE_OTHER);
        assert_eq!(redirected.header("location"), Some(format!("/login/?next={path}").as_str()));

        let mut ada = Browser::default();
        ada.sign_in(&app, "ada@example.com").await;
        for page in [path.clone(), format!("{path}edit/"), "/events/calendar/".into(), "/events/new/".into()] {
            assert_eq!(ada.get(&app, &page).await.status, StatusCode::OK, "{page}");
        }
        let mut grace = Browser::default();
        grace.sign_in(&app, "grace@example.com").await;
        let hidden = grace.get(&app, &path).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        assert!(html(&hidden).contains("Page not found"));
        assert_eq!(grace.get(&app, &format!("{path}edit/")).await.status, StatusCode::NOT_FOUND);
    }

    async fn the_admin_pages_are_a_404_except_for_staff(backend) {
        let app = TestApp::spawn(backend).await;
        app.signed_up("member@example.com").await;
        let mut member = Browser::default();
        let member_csrf = member.sign_in(&app, "member@example.com").await;
        assert_eq!(member.get(&app, "/admin/").await.status, StatusCode::NOT_FOUND);
        assert_eq!(member.get(&app, "/admin/?page=abc").await.status, StatusCode::NOT_FOUND, "whatever the query");

        almanac::accounts::register(&app.state.db, "boss@example.com", PASSWORD, true).await.expect("staff account");
        let mut boss = Browser::default();
        let boss_csrf = boss.sign_in(&app, "boss@example.com").await;
        let admin = boss.get(&app, "/admin/").await;
        assert_eq!(admin.status, StatusCode::OK);
        assert!(html(&admin).contains("member@example.com"));
        for page in ["abc", "9223372036854775807", "-5"] {
            assert_eq!(boss.get(&app, &format!("/admin/?page={page}")).await.status, StatusCode::OK, "page={page}");
        }

        let user = almanac::storage::users::find_user_by_email_key(&app.state.db, "member@example.com").await.expect("query").expect("user");
        let action = format!("/admin/users/{}/", user.id);
        let refused = member.post_form(&app, &action, &[("csrf_token", &member_csrf), ("action", "grant_staff")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "a member cannot make themselves staff");
        let forged = boss.post_form(&app, &action, &[("csrf_token", "x"), ("action", "deactivate")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let done = boss.post_form(&app, &action, &[("csrf_token", &boss_csrf), ("action", "deactivate")]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(member.get(&app, "/api/v1/users/me/").await.status, StatusCode::UNAUTHORIZED, "a deactivated member's session ends");
    }
}

/// Signs in through the form with `next` sent along; returns the answer.
async fn sign_in_with_next(
    app: &TestApp,
    browser: &mut Browser,
    form: TestResponse,
    next: &str,
) -> TestResponse {
    let token = hidden_value(&form, "csrf_token");
    browser
        .post_form(
            app,
            "/login/",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("csrf_token", &token),
                ("next", next),
            ],
        )
        .await
}

#[tokio::test]
async fn sign_in_only_returns_to_pages_of_this_site() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    app.signed_up("ada@example.com").await;
    let mut browser = Browser::default();
    let form = browser.get(&app, "/login/?next=//evil.example/").await;
    assert!(
        !html(&form).contains("evil.example"),
        "the form does not carry the foreign target"
    );
    let signed_in = sign_in_with_next(&app, &mut browser, form, "https://evil.example/").await;
    assert_eq!(signed_in.header("location"), Some("/"));

    // What a browser would make of it decides, not how it looks: a tab it drops, a line break
    // that no header may hold.
    for next in ["/\t/evil.example/", "/\n"] {
        let mut browser = Browser::default();
        let form = browser.get(&app, "/login/").await;
        let signed_in = sign_in_with_next(&app, &mut browser, form, next).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(signed_in.header("location"), Some("/"), "{next:?}");
    }
}

#[tokio::test]
async fn static_files_are_cached_for_good_by_version_and_revalidated_otherwise() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let page = app.get("/login/", None).await;
    let html = html(&page);
    let start = html
        .find("/static/app.css?v=")
        .expect("versioned stylesheet");
    let url = html[start..].split('"').next().expect("url").to_owned();

    let versioned = app.get(&url, None).await;
    assert_eq!(versioned.status, StatusCode::OK);
    assert_eq!(versioned.header("content-type"), Some("text/css"));
    assert_eq!(
        versioned.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    let plain = app
        .get("/static/vendor/fullcalendar/index.global.min.js", None)
        .await;
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    assert_eq!(plain.header("content-type"), Some("text/javascript"));
    let etag = plain.header("etag").expect("etag").to_owned();
    let request = Request::builder()
        .uri("/static/vendor/fullcalendar/index.global.min.js")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(request).await.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.get("/static/nothing.js", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_pages_are_html_and_unknown_api_paths_json() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let page = app.get("/no/such/page/", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(html(&page).contains("Page not found"));
    let api = app.get("/api/v1/nothing/", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.body, json!({"detail": "Not found."}));
    let without_slash = app.get("/login", None).await;
    assert_eq!(without_slash.status, StatusCode::OK);
    assert!(
        page.header("content-security-policy")
            .is_some_and(|policy| policy.contains("script-src 'self';"))
    );
}
