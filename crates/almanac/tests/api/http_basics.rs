//! Behaviour every endpoint shares: error bodies, content types, limits, probes, CORS, OpenAPI.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestApp;

fn raw_post(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header("content-type", content_type)
        .body(body.into())
        .expect("request")
}

on_both_backends! {
    async fn the_api_root_lists_where_each_part_is_and_every_link_answers(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for root in ["/api/v1/", "/api/v1"] {
            let listed = app.get(root, None).await;
            assert_eq!(listed.status, StatusCode::OK, "{root}");
            assert_eq!(listed.body["events"], "/api/v1/events/");
            assert_eq!(listed.body["openapi"], "/api/openapi.json");
        }
        let listed = app.get("/api/v1/", None).await;
        for part in ["me", "events", "recurrences", "event-occurrences", "openapi", "docs"] {
            let path = listed.body[part].as_str().unwrap_or_else(|| panic!("{part} is listed"));
            let answer = app.get(path, Some(&access)).await;
            assert_eq!(answer.status, StatusCode::OK, "{part}: {path}");
        }
    }

    async fn malformed_json_is_a_400_with_a_parse_error(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.send(raw_post("/api/v1/users/login/", "application/json", "{\"email\": ")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert!(response.string("detail").starts_with("JSON parse error - "), "{}", response.body);
    }

    async fn a_json_array_body_is_a_non_field_error(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.send(raw_post("/api/v1/users/register/", "application/json", "[]")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.body, json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}));
    }

    async fn a_body_that_is_not_json_is_a_415(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.send(raw_post("/api/v1/users/login/", "application/x-www-form-urlencoded", "email=a")).await;
        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(response.body, json!({"detail": "Unsupported media type \"application/x-www-form-urlencoded\" in request."}));
    }

    async fn a_body_over_one_mebibyte_is_a_413_with_json(backend) {
        let app = TestApp::spawn(backend).await;
        let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(1024 * 1024 + 1));
        let response = app.send(raw_post("/api/v1/users/register/", "application/json", huge)).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(response.string("detail").contains("too large"));
    }

    async fn a_form_over_one_mebibyte_is_a_413_page(backend) {
        let app = TestApp::spawn(backend).await;
        for path in ["/login/", "/register/"] {
            let huge = format!("email={}&password=x", "a".repeat(10 * 1024 * 1024));
            let response = app.send(raw_post(path, "application/x-www-form-urlencoded", huge)).await;
            assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
            let page = response.body.as_str().expect("an HTML page");
            assert!(page.contains("larger than Almanac accepts"), "{path}: {page}");
        }
    }

    async fn errors_from_axums_own_extractors_are_json_too(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        for path in ["/api/v1/events/?limit=1&limit=2", "/api/v1/events/%FF/"] {
            let answer = app.get(path, Some(&access)).await;
            assert!(answer.status.is_client_error(), "{path}: {}", answer.status);
            assert_eq!(answer.header("content-type"), Some("application/json"), "{path}");
            assert!(answer.body["detail"].as_str().is_some_and(|detail| !detail.is_empty()), "{path}: {}", answer.body);
        }
    }

    async fn control_characters_are_refused_in_every_text_field(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = |field: &str| {
            let mut body = json!({"title": "Standup", "description": "", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T10:00:00Z"});
            body[field] = json!("bad\u{0}text");
            body
        };
        for field in ["title", "description"] {
            let refused = app.call(Method::POST, "/api/v1/events/", Some(&event(field)), &access).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{field}: {}", refused.body);
            assert!(refused.body[field].is_array(), "{}", refused.body);
        }
        let with_bell = app.call(Method::POST, "/api/v1/events/", Some(&json!({"title": "a\u{7}b", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T10:00:00Z"})), &access).await;
        assert_eq!(with_bell.status, StatusCode::BAD_REQUEST);
        let lines = app.call(Method::POST, "/api/v1/events/", Some(&json!({"title": "a", "description": "line\n\tindented", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T10:00:00Z"})), &access).await;
        assert_eq!(lines.status, StatusCode::CREATED, "tabs and line breaks are text: {}", lines.body);

        let register = app.register("nul\u{0}@example.com", crate::support::PASSWORD).await;
        assert_eq!(register.status, StatusCode::BAD_REQUEST, "{}", register.body);
        let login = app.login("ada\u{0}@example.com", crate::support::PASSWORD).await;
        assert_eq!(login.status, StatusCode::BAD_REQUEST, "{}", login.body);
    }

    async fn texts_have_bounded_lengths(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let long = |n: usize| "é".repeat(n);
        let event = |title: String, description: String| json!({"title": title, "description": description, "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T10:00:00Z"});
        let fits = app.call(Method::POST, "/api/v1/events/", Some(&event(long(255), long(16_384))), &access).await;
        assert_eq!(fits.status, StatusCode::CREATED, "limits count characters, not bytes");
        let refused = app.call(Method::POST, "/api/v1/events/", Some(&event(long(256), long(16_385))), &access).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.body["title"], json!(["Ensure this field has no more than 255 characters."]));
        assert_eq!(refused.body["description"], json!(["Ensure this field has no more than 16384 characters."]));
    }

    async fn a_refusal_never_quotes_back_more_than_a_short_fields_limit(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let huge = "Z".repeat(100_000);
        let event = |extra: Value| {
            let mut body = json!({"title": "Standup", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T10:00:00Z"});
            body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
            body
        };
        for (sent, field) in [
            (json!({"timezone": huge}), "timezone"),
            (json!({"recurrence": {"frequency": huge}}), "recurrence"),
            (json!({"recurrence": {"frequency": "weekly", "by_weekday": [huge]}}), "recurrence"),
            (json!({"recurrence": {"frequency": "weekly", "week_start": huge}}), "recurrence"),
            (json!({"recurrence": {"frequency": "daily", "exdates": [huge]}}), "recurrence"),
            (json!({"recurrence": {"rrule": format!("FREQ=DAILY;BYDAY={huge}")}}), "recurrence"),
        ] {
            let refused = app.call(Method::POST, "/api/v1/events/", Some(&event(sent)), &access).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{field}");
            assert!(refused.body[field].is_array() || refused.body[field].is_object(), "{field}: {}", refused.body);
            assert!(refused.body.to_string().len() < 1_000, "{field}: the answer quotes {} bytes back", refused.body.to_string().len());
        }
    }

    async fn null_is_refused_where_a_field_cannot_be_empty_of_a_value(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        let event = app.create_event(&access, &json!({"title": "Standup", "description": "Notes", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T10:00:00Z"})).await;
        let path = format!("/api/v1/events/{}/", event["id"].as_str().expect("id"));
        let patched = app.call(Method::PATCH, &path, Some(&json!({"description": null})), &access).await;
        assert_eq!(patched.status, StatusCode::BAD_REQUEST, "{}", patched.body);
        assert_eq!(patched.body["description"], json!(["This field may not be null."]));
        assert_eq!(app.get(&path, Some(&access)).await.body["description"], "Notes", "nothing changed");
        let cleared = app.call(Method::PATCH, &path, Some(&json!({"description": ""})), &access).await;
        assert_eq!(cleared.body["description"], "", "an empty string clears it");
    }

    async fn metrics_are_served_only_with_their_token(backend) {
        let closed = TestApp::spawn(backend).await;
        assert_eq!(closed.get("/metrics", None).await.status, StatusCode::NOT_FOUND, "off without a token");

        let app = TestApp::spawn_with(backend, &["--metrics-token", "scrape-me"]).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        app.create_event(&access, &json!({"title": "Standup", "start_date": "2026-03-02T09:00:00Z", "end_date": "2026-03-02T09:15:00Z", "recurrence": {"frequency": "daily", "count": 3}})).await;
        app.run_pending_jobs().await;
        for _ in 0..2 {
            app.get("/api/v1/event-occurrences/?start_date=2026-03-01&end_date=2026-03-31", Some(&access)).await;
        }
        assert_eq!(app.get("/metrics", None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get("/metrics", Some("guess")).await.status, StatusCode::UNAUTHORIZED);
        let scraped = app.get("/metrics", Some("scrape-me")).await;
        assert_eq!(scraped.status, StatusCode::OK);
        assert_eq!(scraped.header("content-type"), Some("text/plain; version=0.0.4"));
        let text = scraped.body.as_str().expect("the text format");
        for expected in [
            "almanac_http_requests_total{method=\"POST\",route=\"/api/v1/events/\",status=\"201\"}",
            "almanac_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/event-occurrences/\",le=\"0.005\"}",
            "almanac_cache_requests_total{cache=\"windows\",result=\"hit\"}",
            "almanac_generation_duration_seconds_count",
            "almanac_db_connections{state=\"idle\"}",
            "almanac_jobs_waiting",
        ] {
            assert!(text.contains(expected), "{expected} in:\n{text}");
        }
        assert!(!text.contains(&access), "no credentials in the metrics");
    }

    async fn a_wrong_method_is_a_405_with_json(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.request(Method::DELETE, "/api/v1/users/login/", None, None).await;
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.body, json!({"detail": "Method \"DELETE\" not allowed."}));
    }

    async fn an_unknown_path_is_a_404_with_json(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/api/v1/nothing-here/", None).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        assert_eq!(response.body, json!({"detail": "Not found."}));
    }

    async fn api_paths_work_without_the_trailing_slash(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.post("/api/v1/users/register", &json!({"email": "ada@example.com", "password": crate::support::PASSWORD})).await;
        assert_eq!(response.status, StatusCode::CREATED);
    }

    async fn every_response_carries_a_request_id(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/healthz", None).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.body, json!({"status": "ok"}));
        assert!(uuid::Uuid::parse_str(response.header("x-request-id").expect("request id")).is_ok());
    }

    async fn readiness_reports_the_database(backend) {
        let app = TestApp::spawn(backend).await;
        assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
        app.state.db.close().await;
        let down = app.get("/readyz", None).await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.body, json!({"detail": "Service unavailable: database."}));
    }

    async fn a_server_error_is_a_generic_500_quoting_the_request_id(backend) {
        let app = TestApp::spawn(backend).await;
        let (access, _) = app.signed_up("ada@example.com").await;
        app.state.db.close().await;
        let response = app.get("/api/v1/users/me/", Some(&access)).await;
        assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.body["detail"], "A server error occurred.");
        assert_eq!(response.body["request_id"].as_str(), response.header("x-request-id"));
        assert!(!response.body.to_string().to_lowercase().contains("pool"), "no internals leak: {}", response.body);
    }

    async fn cors_allows_only_listed_origins(backend) {
        let app = TestApp::spawn_with(backend, &["--cors-origins", "https://calendar.example.com"]).await;
        let preflight = |origin: &str| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/v1/users/login/")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .body(Body::empty())
                .expect("request")
        };
        let allowed = app.send(preflight("https://calendar.example.com")).await;
        assert_eq!(allowed.header("access-control-allow-origin"), Some("https://calendar.example.com"));
        let refused = app.send(preflight("https://evil.example.net")).await;
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }

    async fn without_an_allow_list_no_origin_is_allowed(backend) {
        let app = TestApp::spawn(backend).await;
        let request = Request::get("/healthz").header("origin", "https://calendar.example.com").body(Body::empty()).expect("request");
        assert_eq!(app.send(request).await.header("access-control-allow-origin"), None);
    }

    async fn the_openapi_document_describes_every_user_endpoint(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/api/openapi.json", None).await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(response.string("openapi").starts_with("3.1"));
        for path in ["register", "login", "refresh", "logout", "me"] {
            assert!(response.body["paths"][format!("/api/v1/users/{path}/")].is_object(), "missing {path}");
        }
        assert_eq!(response.body["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    }

    async fn the_openapi_document_describes_every_endpoint_and_its_errors(backend) {
        let app = TestApp::spawn(backend).await;
        let paths = app.get("/api/openapi.json", None).await.body["paths"].clone();
        let operations = [
            ("/api/v1/events/", "get"), ("/api/v1/events/", "post"),
            ("/api/v1/events/{event_id}/", "get"), ("/api/v1/events/{event_id}/", "put"),
            ("/api/v1/events/{event_id}/", "patch"), ("/api/v1/events/{event_id}/", "delete"),
            ("/api/v1/recurrences/", "get"), ("/api/v1/recurrences/{recurrence_id}/", "get"),
            ("/api/v1/recurrences/{recurrence_id}/", "put"), ("/api/v1/recurrences/{recurrence_id}/", "delete"),
            ("/api/v1/event-occurrences/", "get"), ("/api/v1/event-occurrences/{occurrence_id}/", "get"),
        ];
        for (path, method) in operations {
            let responses = &paths[path][method]["responses"];
            assert!(responses["401"].is_object(), "{method} {path} documents 401: {responses}");
            if method == "post" || method == "put" || method == "patch" {
                for status in ["400", "413", "415"] {
                    assert!(responses[status].is_object(), "{method} {path} documents {status}");
                }
            }
        }
        assert_eq!(paths["/api/v1/events/{event_id}/"]["patch"]["requestBody"]["required"], false, "an empty PATCH changes nothing");
        assert_eq!(paths["/api/v1/event-occurrences/{occurrence_id}/"]["patch"]["requestBody"]["required"], false);
        assert_eq!(paths["/api/v1/events/"]["post"]["requestBody"]["required"], true);
        assert!(paths["/api/v1/users/login/"]["post"]["responses"]["401"].is_object());
        assert!(paths["/api/v1/users/register/"]["post"]["responses"]["401"].is_null(), "no token needed to register");
    }

    async fn the_interactive_docs_are_served_locally(backend) {
        let app = TestApp::spawn(backend).await;
        let page = app.get("/api/docs/", None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.body.as_str().expect("html page");
        assert!(html.contains("swagger-ui"));
        assert!(!html.contains("https://"), "no asset is loaded from another host");
        let initializer = app.get("/api/docs/swagger-initializer.js", None).await;
        assert!(initializer.body.as_str().expect("script").contains("/api/openapi.json"));
    }
}

/// The `almanac_db_connections` gauge counts every connection, on SQLite the writer's too, and
/// that of the reads run on the serving thread once one has run.
#[tokio::test]
async fn the_connection_gauge_counts_the_sqlite_writer_too() {
    use almanac::storage::events::{Page, list_events};
    use almanac::storage::{DatabaseTarget, Db, PoolSettings};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = DatabaseTarget::Sqlite(dir.path().join("almanac.sqlite3"));
    let settings = PoolSettings {
        max_connections: 1,
        ..PoolSettings::default()
    };
    let db = Db::connect(&target, &settings).await.expect("connected");
    let connections = db.pool_use();
    assert_eq!(
        connections.idle + connections.in_use,
        2,
        "one reader and the writer: {connections:?}"
    );
    db.migrate().await.expect("migrated");
    let page = Page {
        limit: 10,
        offset: 0,
    };
    let events = list_events(&db, uuid::Uuid::now_v7(), page)
        .await
        .expect("an empty list");
    assert!(events.rows.is_empty());
    let connections = db.pool_use();
    assert_eq!(
        connections.idle + connections.in_use,
        3,
        "and the list's own reader: {connections:?}"
    );
}
