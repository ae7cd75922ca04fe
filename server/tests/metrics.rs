//! `/metrics` on its own listener, series that move with the traffic, and
//! W3C trace context on every answer. The recorder is global to the process
//! and tests run side by side, so counters are compared before and after and
//! must have grown by at least this test's own requests.

use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;

/// Serves the app's metrics router on a port of its own, as
/// `PORTAL_METRICS_ADDR` does.
async fn metrics_address(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/metrics", listener.local_addr().unwrap());
    let router = server::metrics::router(app.state.clone());
    tokio::spawn(async move {
        server::http::serve::serve(
            listener,
            router,
            server::http::serve::ConnectionLimits::default(),
            std::future::pending(),
        )
        .await;
    });
    address
}

async fn scrape(address: &str) -> String {
    let response = browser().get(address).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    response.text().await.unwrap()
}

/// The value of the series `name` whose labels include every one of `labels`
/// (0 when it has not been recorded yet).
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|line| {
            labels
                .iter()
                .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_and_server_functions_move_their_series(db: PgPool) {
    let app = spawn_app(db).await;
    let metrics = metrics_address(&app).await;
    let client = browser();
    let health = [("route", "/health"), ("status", "2xx")];
    let refused_sign_in = [("name", "auth/sign_in"), ("outcome", "refused")];
    let before = scrape(&metrics).await;

    for _ in 0..3 {
        client.get(app.url("/health")).send().await.unwrap();
    }
    let wrong = app
        .sign_in(&client, "nobody@example.com", "wrong password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ticket = uuid::Uuid::new_v4().to_string();
    let page = client
        .get(app.url(&format!("/support/{ticket}")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        page.status().is_redirection(),
        "signed out: to the sign-in page"
    );

    let after = scrape(&metrics).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(grew("portal_http_requests_total", &health) >= 3.0);
    assert!(
        grew(
            "portal_http_request_duration_seconds_count",
            &[("route", "/health")]
        ) >= 3.0,
        "every request is timed"
    );
    assert!(grew("portal_server_fn_calls_total", &refused_sign_in) >= 1.0);
    assert!(
        grew(
            "portal_http_requests_total",
            &[("route", "/support/{id}"), ("status", "3xx")]
        ) >= 1.0,
        "pages are counted by their route template, never the raw path"
    );
    assert!(!after.contains(&ticket));
    assert!(after.contains("# TYPE portal_http_request_duration_seconds histogram"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_outbox_depth_and_pool_are_read_at_scrape_time(db: PgPool) {
    let app = spawn_app(db).await;
    let metrics = metrics_address(&app).await;
    let client = browser();
    // Tests run no email sender: the verification email stays in the outbox.
    let response = app.try_sign_up(&client, &Org::new("Gauges")).await;
    assert_eq!(response.status(), StatusCode::OK);

    let text = scrape(&metrics).await;
    assert!(value(&text, "portal_outbox_pending", &[]) >= 1.0);
    assert!(value(&text, "portal_db_pool_max_connections", &[]) >= 1.0);
    assert!(text.contains("portal_db_pool_connections{state=\"idle\"}"));
    assert!(text.contains("portal_live_streams"));
}

#[sqlx::test(migrations = "../migrations")]
async fn statements_connection_waits_and_gauge_lag_are_timed(db: PgPool) {
    let app = spawn_app(db).await;
    let metrics = metrics_address(&app).await;
    let before = scrape(&metrics).await;

    let response = app.try_sign_up(&browser(), &Org::new("Timings")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let organization: uuid::Uuid = sqlx::query_scalar("select id from organization")
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.state.usage.mark_changed(organization);
    server::workers::usage::round(&app.state).await;

    let after = scrape(&metrics).await;
    let grew = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert!(
        grew("portal_db_query_seconds_count", &[("statement", "insert")]) >= 1.0,
        "the sign-up's inserts are timed"
    );
    assert!(grew("portal_db_acquire_seconds_count", &[]) >= 1.0);
    assert!(
        grew("portal_usage_gauge_lag_seconds_count", &[]) >= 1.0,
        "a published change records how long its gauge was behind"
    );
    assert!(!after.contains("insert into"), "no SQL text in a label");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_public_port_does_not_serve_metrics(db: PgPool) {
    let app = spawn_app(db).await;
    let response = browser().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!response
        .text()
        .await
        .unwrap()
        .contains("portal_http_requests_total"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_callers_trace_is_continued_and_every_answer_names_one(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    let continued = client
        .get(app.url("/health"))
        .header("traceparent", caller)
        .send()
        .await
        .unwrap();
    let answer = continued.headers()["traceparent"].to_str().unwrap();
    let parts: Vec<&str> = answer.split('-').collect();
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
    assert_ne!(parts[2], "00f067aa0ba902b7", "this request's own span");
    assert_eq!(parts[3], "01", "the caller's sampling decision is kept");

    let first = client.get(app.url("/no-such-page")).send().await.unwrap();
    let second = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::NOT_FOUND);
    assert_eq!(trace_id_of(&first).len(), 32);
    assert_ne!(
        trace_id_of(&first),
        trace_id_of(&second),
        "a new trace per request"
    );
}

/// The trace id an answer's `traceparent` names.
fn trace_id_of(response: &reqwest::Response) -> String {
    let header = response.headers()["traceparent"].to_str().unwrap();
    header.split('-').nth(1).unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_fault_of_ours_quotes_the_requests_trace_id(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    app.sign_up(&client, &Org::new("Faulty")).await;
    // A schema the code does not expect: every ticket query fails.
    sqlx::query("alter table ticket rename to ticket_elsewhere")
        .execute(&app.db)
        .await
        .unwrap();

    let call = app.get(&client, "support/tickets").await;
    assert_eq!(call.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let trace = trace_id_of(&call);
    let body = call.text().await.unwrap();
    assert!(body.contains(&trace), "the server function's error: {body}");
    assert!(!body.contains("ticket"), "no backend text: {body}");

    let page = client
        .get(app.url("/support"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let trace = trace_id_of(&page);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("quote reference {trace}.")),
        "the server-rendered page names its own request"
    );
    assert!(!html.contains("ticket_elsewhere"));
}
