//! Usage metering: the ledger, the events API, live totals, alerts and the
//! live stream's tenant isolation.

use crate::helpers::*;
use futures::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

const OPERATOR: &str = "op-usage-token";

async fn metered_app(db: PgPool) -> TestApp {
    spawn_app_with(db, |s| s.operator_token = Some(OPERATOR.to_owned().into())).await
}

async fn organization_of(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar::<_, Uuid>(
        "select m.organization_id from member m join app_user u on u.id = m.user_id where u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A signed-in owner of a new organization, and the organization's id.
async fn customer(app: &TestApp, label: &str) -> (Client, Uuid) {
    let client = browser();
    let org = Org::new(label);
    app.sign_up(&client, &org).await;
    let id = organization_of(app, &org.email).await;
    (client, id)
}

fn event(org: Uuid, id: &str, metric: &str, quantity: i64) -> Value {
    json!({
        "event_id": id,
        "organization_id": org,
        "metric": metric,
        "quantity": quantity,
        "timestamp": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    })
}

async fn post_events(app: &TestApp, events: Vec<Value>) -> (StatusCode, Value) {
    let response = Client::new()
        .post(app.url("/api/v1/usage/events"))
        .bearer_auth(OPERATOR)
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn ledger_calls(db: &PgPool, org: Uuid) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "select coalesce(sum(calls), 0)::bigint from api_call_usage where organization_id = $1",
    )
    .bind(org)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn overview(app: &TestApp, client: &Client) -> Value {
    let response = app.get(client, "usage/overview?days=30").await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

#[sqlx::test(migrations = "../migrations")]
async fn duplicate_event_ids_are_counted_once(db: PgPool) {
    let app = metered_app(db).await;
    let (client, org) = customer(&app, "Dupes").await;
    let batch = vec![
        event(org, "evt-1", "api_calls", 100),
        event(org, "evt-2", "api_calls", 20),
        event(org, "evt-1", "api_calls", 100), // repeated within the batch
    ];

    let (status, receipt) = post_events(&app, batch.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        (receipt["accepted"].as_i64(), receipt["duplicates"].as_i64()),
        (Some(2), Some(1))
    );
    let (status, receipt) = post_events(&app, batch).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "a resent batch is acknowledged"
    );
    assert_eq!(
        (receipt["accepted"].as_i64(), receipt["duplicates"].as_i64()),
        (Some(0), Some(3))
    );

    server::workers::usage::round(&app.state).await;
    assert_eq!(ledger_calls(&app.db, org).await, 120);
    assert_eq!(overview(&app, &client).await["totals"]["api_calls"], 120);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_with_one_bad_event_records_nothing(db: PgPool) {
    let app = metered_app(db).await;
    let (_client, org) = customer(&app, "Strict").await;
    let mut old = event(org, "evt-old", "api_calls", 1);
    old["timestamp"] = json!("2020-01-01T00:00:00Z");
    let batch = vec![
        event(org, "evt-ok", "api_calls", 5),
        event(org, "evt-neg", "api_calls", -3),
        event(org, "evt-bw", "bandwidth", 1),
        old,
        event(Uuid::new_v4(), "evt-nobody", "api_calls", 1),
    ];

    let (status, body) = post_events(&app, batch).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_events");
    let offending: Vec<(i64, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        offending,
        vec![
            (1, "quantity".into()),
            (2, "metric".into()),
            (3, "timestamp".into())
        ],
        "field errors come first; the unknown organization is checked once the fields are valid"
    );
    let recorded: i64 = sqlx::query_scalar("select count(*) from usage_event")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        recorded, 0,
        "the valid event of a refused batch is not recorded"
    );

    let (status, body) = post_events(
        &app,
        vec![
            event(org, "a", "api_calls", 1),
            event(Uuid::new_v4(), "b", "api_calls", 1),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["index"], 1);
    assert_eq!(body["errors"][0]["field"], "organization_id");
    assert_eq!(ledger_calls(&app.db, org).await, 0);

    let too_many = (0..1001)
        .map(|i| event(org, &i.to_string(), "api_calls", 1))
        .collect();
    let (status, body) = post_events(&app, too_many).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("batch_too_large"))
    );

    let anonymous = Client::new()
        .post(app.url("/api/v1/usage/events"))
        .json(&json!({ "events": [event(org, "x", "api_calls", 1)] }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn storage_is_the_latest_report_not_a_sum(db: PgPool) {
    let app = metered_app(db).await;
    let (client, org) = customer(&app, "Storage").await;
    let now = time::OffsetDateTime::now_utc();
    let at = |minutes_ago: i64| {
        (now - time::Duration::minutes(minutes_ago))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let mut newer = event(org, "s-2", "storage_mb", 1200);
    newer["timestamp"] = json!(at(1));
    let mut older = event(org, "s-1", "storage_mb", 900);
    older["timestamp"] = json!(at(2));
    // Arrives out of order: the later report still wins.
    assert_eq!(post_events(&app, vec![newer]).await.0, StatusCode::ACCEPTED);
    assert_eq!(post_events(&app, vec![older]).await.0, StatusCode::ACCEPTED);
    assert_eq!(overview(&app, &client).await["totals"]["storage_mb"], 1200);
}

#[sqlx::test(migrations = "../migrations")]
async fn crossing_thresholds_emails_once_per_threshold_per_period(db: PgPool) {
    let app = metered_app(db).await;
    let (client, org) = customer(&app, "Alerts").await;
    let emails = |db: PgPool| async move {
        sqlx::query_as::<_, (String, String)>(
            "select recipient, data->>'threshold' from notification where template = 'usage_alert' order by created_at",
        )
        .fetch_all(&db)
        .await
        .unwrap()
    };

    let hook = app
        .call(
            &client,
            "webhooks/create",
            &[
                ("url", "https://hooks.example.com/usage"),
                ("event_types[]", "usage.threshold_crossed"),
            ],
        )
        .await;
    assert_eq!(hook.status(), StatusCode::OK);

    // Free plan: 10,000 calls. 8,000 is exactly 80%.
    post_events(&app, vec![event(org, "a", "api_calls", 8_000)]).await;
    server::workers::usage::round(&app.state).await;
    assert_eq!(emails(app.db.clone()).await.len(), 1);
    assert_eq!(emails(app.db.clone()).await[0].1, "80");

    post_events(&app, vec![event(org, "b", "api_calls", 500)]).await;
    server::workers::usage::round(&app.state).await;
    server::workers::usage::round(&app.state).await;
    assert_eq!(
        emails(app.db.clone()).await.len(),
        1,
        "still 85%: no new email"
    );

    // Straight past 90% to 100%: one email says the limit is reached.
    post_events(&app, vec![event(org, "c", "api_calls", 1_600)]).await;
    server::workers::usage::round(&app.state).await;
    let sent = emails(app.db.clone()).await;
    // The same crossings, as webhook events (one per crossing, not per email).
    let events: Vec<i64> = sqlx::query_scalar(
        "select (payload->'data'->>'threshold_percent')::bigint from webhook_event
         where event_type = 'usage.threshold_crossed' order by created_at",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(events, [80, 100]);
    assert_eq!(
        sent.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        vec!["80", "100"]
    );

    let history = overview(&app, &client).await;
    let thresholds: Vec<i64> = history["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["threshold"].as_i64().unwrap())
        .collect();
    assert_eq!(
        thresholds,
        vec![100, 90, 80],
        "the page lists every crossing"
    );
    assert_eq!(history["forecast"], "Reached");
}

#[sqlx::test(migrations = "../migrations")]
async fn api_calls_through_keys_reach_the_usage_page(db: PgPool) {
    let app = metered_app(db).await;
    let (client, _org) = customer(&app, "Pinger").await;
    let created = json(
        app.call(
            &client,
            "api_keys/create",
            &[("name", "CI"), ("scope", "full"), ("expires_in", "never")],
        )
        .await,
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    for _ in 0..7 {
        let response = Client::new()
            .get(app.url("/api/v1/ping"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    server::workers::usage::round(&app.state).await;
    let usage = overview(&app, &client).await;
    assert_eq!(usage["totals"]["api_calls"], 7);
    assert_eq!(usage["daily"].as_array().unwrap().len(), 30);
    assert_eq!(
        usage["daily"][29]["api_calls"], 7,
        "today is the last day of the chart"
    );
    assert_eq!(usage["totals"]["seats"], 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_live_stream_carries_only_the_sessions_organization(db: PgPool) {
    let app = metered_app(db).await;
    let (alice, org_a) = customer(&app, "Alpha").await;
    let (_bob, org_b) = customer(&app, "Beta").await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(server::workers::usage::run(
        app.state.clone(),
        Duration::from_secs(30),
        stopped,
    ));

    let listening = tokio::spawn({
        let app_url = app.address.clone();
        let alice = alice.clone();
        async move {
            let app = TestAppUrl(app_url);
            app.read(&alice).await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    post_events(&app, vec![event(org_b, "b1", "api_calls", 777)]).await;
    post_events(&app, vec![event(org_a, "a1", "api_calls", 5)]).await;
    let events = listening.await.unwrap();
    let _ = stop.send(true);
    let _ = worker.await;

    let calls: Vec<i64> = events
        .iter()
        .filter(|e| e["kind"] == "usage")
        .map(|e| e["api_calls"].as_i64().unwrap())
        .collect();
    assert!(calls.contains(&5), "A hears its own usage: {events:?}");
    assert!(!calls.contains(&777), "A never hears B's usage: {events:?}");

    let anonymous = Client::new().get(app.url("/live")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// Only the address, so a spawned task can read the stream.
struct TestAppUrl(String);

impl TestAppUrl {
    async fn read(&self, client: &Client) -> Vec<Value> {
        self.read_for(client, Duration::from_millis(2_000)).await
    }

    /// The stream's events until `window` has passed.
    async fn read_for(&self, client: &Client, window: Duration) -> Vec<Value> {
        let response = client.get(format!("{}/live", self.0)).send().await.unwrap();
        let mut stream = response.bytes_stream();
        let mut text = String::new();
        let _ = tokio::time::timeout(window, async {
            while let Some(Ok(chunk)) = stream.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        text.lines()
            .filter_map(|line| line.strip_prefix("data: "))
            .filter_map(|data| serde_json::from_str(data).ok())
            .collect()
    }
}

fn heard_calls(events: &[Value], calls: i64) -> bool {
    events
        .iter()
        .any(|e| e["kind"] == "usage" && e["api_calls"] == calls)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_keeps_hearing_after_a_burst_for_thousands_of_other_organizations(db: PgPool) {
    let app = metered_app(db).await;
    let (client, org) = customer(&app, "Quiet").await;
    let listening = tokio::spawn({
        let url = app.address.clone();
        let client = client.clone();
        async move {
            TestAppUrl(url)
                .read_for(&client, Duration::from_secs(4))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // What one refresh round after a busy minute looks like, ten times over.
    let totals = json!({"kind": "usage", "api_calls": 1, "storage_mb": 0, "seats": 1}).to_string();
    for _ in 0..20 {
        let others = app.state.redis.next().pipeline();
        for _ in 0..1_000 {
            let channel = backend::live::channel(&app.settings, Uuid::new_v4());
            let _: () =
                fred::interfaces::PubsubInterface::publish(&others, channel, totals.as_str())
                    .await
                    .unwrap();
        }
        let _: () = others.all().await.unwrap();
    }
    post_events(&app, vec![event(org, "after-burst", "api_calls", 5)]).await;
    server::workers::usage::round(&app.state).await;

    let events = listening.await.unwrap();
    assert!(
        heard_calls(&events, 5),
        "the page heard its own event after the burst: {events:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_open_through_a_redis_restart_catches_up_from_the_ledger(db: PgPool) {
    let redis = OwnRedis::start(free_port());
    let app = spawn_app_on_redis(db, &redis.url(), |s| {
        s.operator_token = Some(OPERATOR.to_owned().into())
    })
    .await;
    let (client, org) = customer(&app, "Restart").await;
    let listening = tokio::spawn({
        let url = app.address.clone();
        let client = client.clone();
        async move {
            TestAppUrl(url)
                .read_for(&client, Duration::from_secs(8))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let port = redis.kill();
    // Recorded while Redis is down and added to the rollup, but never
    // published by a refresh round: only the resubscription's catch-up can
    // tell the page.
    post_events(&app, vec![event(org, "during-outage", "api_calls", 9)]).await;
    backend::usage::service::apply_pending_calls(&app.db)
        .await
        .unwrap();
    let _restarted = OwnRedis::start(port);

    let events = listening.await.unwrap();
    assert!(
        heard_calls(&events, 9),
        "the page caught up after the restart: {events:?}"
    );
    assert!(
        events.iter().any(|e| e["kind"] == "resync"),
        "and was told it may have missed other events (a ticket reply): {events:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_gauge_on_one_instance_hears_events_recorded_by_another(db: PgPool) {
    let prefix = format!("test:{}", Uuid::new_v4());
    let shared = |s: &mut backend::Settings| {
        s.operator_token = Some(OPERATOR.to_owned().into());
        s.redis_prefix = prefix.clone();
    };
    let first = spawn_app_with(db.clone(), shared).await;
    let second = spawn_app_with(db, shared).await;
    let (client, org) = customer(&first, "Twins").await;

    let listening = tokio::spawn({
        let url = first.address.clone();
        let client = client.clone();
        async move { TestAppUrl(url).read(&client).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    post_events(&second, vec![event(org, "x", "api_calls", 42)]).await;
    server::workers::usage::round(&second.state).await;
    let events = listening.await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "usage" && e["api_calls"] == 42),
        "instance 1's page hears instance 2's event: {events:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_shows_writes_at_once_and_live_totals(db: PgPool) {
    let app = metered_app(db).await;
    let (client, org) = customer(&app, "Cached").await;
    for (number, issued) in [("INV-T-1", "2026-09-01"), ("INV-T-2", "2026-10-01")] {
        sqlx::query(
            "insert into invoice (organization_id, number, kind, status, period_start, period_end, issued_on,
                                  due_on, currency, subtotal_cents, tax_rate_bp, tax_cents, total_cents,
                                  seller, bill_to)
             values ($1, $2, 'period', 'paid', $3::date - interval '1 month', $3::date, $3::date,
                     $3::date + 14, 'USD', 4900, 2000, 980, 5880, '{}', invoice_bill_to($1))",
        )
        .bind(org)
        .bind(number)
        .bind(issued)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let first = json(app.dashboard(&client).await).await;
    assert_eq!(first["totals"]["api_calls"], 0);
    let invoices: Vec<&str> = first["recent_invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(invoices, vec!["INV-T-2", "INV-T-1"], "newest first");
    // Served from the cache now; a write must still show at once.
    json(app.dashboard(&client).await).await;
    let renamed = app
        .call(
            &client,
            "account/organization_name",
            &[("organization_name", "Renamed Inc")],
        )
        .await;
    assert!(renamed.status().is_success(), "{}", renamed.status());
    assert_eq!(
        json(app.dashboard(&client).await).await["organization_name"],
        "Renamed Inc"
    );

    post_events(&app, vec![event(org, "d1", "api_calls", 321)]).await;
    server::workers::usage::round(&app.state).await;
    assert_eq!(
        json(app.dashboard(&client).await).await["totals"]["api_calls"],
        321,
        "live totals overlay the cached summary"
    );
}

/// Server rendering walks a page more than once before it writes it; the
/// dashboard's data must still be read once per view (one pipelined Redis call
/// when cached), and reach the browser's hydration data once.
#[sqlx::test(migrations = "../migrations")]
async fn the_server_rendered_dashboard_loads_its_summary_once(db: PgPool) {
    let app = metered_app(db).await;
    let (client, _) = customer(&app, "Rendered").await;
    let page = client
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains(r#"data-testid="plan-name""#), "{html}");
    assert_eq!(
        html.matches(r#"\"recent_invoices\""#).count(),
        1,
        "the summary is loaded once: {html}"
    );
}

/// A Redis of our own that the test can kill.
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH (scripts/setup installs it)");
        std::thread::sleep(Duration::from_millis(300));
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn kill(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[sqlx::test(migrations = "../migrations")]
async fn killing_redis_mid_ingestion_loses_no_acknowledged_event(db: PgPool) {
    let redis = OwnRedis::start(free_port());
    let app = spawn_app_on_redis(db, &redis.url(), |s| {
        s.operator_token = Some(OPERATOR.to_owned().into())
    })
    .await;
    let (client, org) = customer(&app, "Outage").await;

    let mut acknowledged = 0;
    let mut redis = Some(redis);
    let mut port = 0;
    for batch in 0..30 {
        if batch == 10 {
            port = redis.take().unwrap().kill();
        }
        let events = (0..50)
            .map(|i| event(org, &format!("b{batch}-e{i}"), "api_calls", 3))
            .collect();
        let (status, receipt) = post_events(&app, events).await;
        if status == StatusCode::ACCEPTED {
            acknowledged += 3 * receipt["accepted"].as_i64().unwrap();
        }
        if batch % 5 == 4 {
            server::workers::usage::round(&app.state).await;
        }
    }
    assert_eq!(
        acknowledged,
        30 * 50 * 3,
        "Postgres alone acknowledges events"
    );
    assert_eq!(
        ledger_calls(&app.db, org).await,
        acknowledged,
        "every 202 is in the ledger"
    );

    // Redis comes back empty; the totals are rebuilt from the ledger.
    let restarted = OwnRedis::start(port);
    tokio::time::sleep(Duration::from_millis(1_500)).await; // the pool reconnects
    app.state.usage.mark_changed(org);
    server::workers::usage::round(&app.state).await;
    let copy: Option<String> = fred::interfaces::HashesInterface::hget(
        &app.state.redis,
        format!("{}:usage:{org}", app.settings.redis_prefix),
        "api_calls",
    )
    .await
    .unwrap();
    assert_eq!(
        copy,
        Some(acknowledged.to_string()),
        "Redis holds the ledger's total again"
    );
    assert_eq!(
        json(app.dashboard(&client).await).await["totals"]["api_calls"],
        acknowledged
    );
    drop(restarted);
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_batches_over_the_same_organizations_all_land(db: PgPool) {
    let app = metered_app(db).await;
    let orgs: Vec<Uuid> = sqlx::query_scalar(
        "insert into organization (name) select format('Busy %s', n) from generate_series(1, 60) n returning id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    // Each sender walks the organizations in its own order, as real senders do.
    let senders = (0..6).map(|sender| {
        let mut order = orgs.clone();
        order.rotate_left(sender * 10);
        if sender % 2 == 1 {
            order.reverse();
        }
        let events: Vec<Value> = (0..4)
            .flat_map(|round| {
                order.iter().map(move |org| {
                    event(*org, &format!("s{sender}-r{round}-{org}"), "api_calls", 1)
                })
            })
            .collect();
        let app = &app;
        async move { post_events(app, events).await.0 }
    });
    let statuses = futures::future::join_all(senders).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::ACCEPTED),
        "{statuses:?}"
    );
    // Two workers (instances) add the queued calls to the rollup at once.
    let second = spawn_app_with(app.db.clone(), |_| {}).await;
    futures::join!(
        server::workers::usage::round(&app.state),
        server::workers::usage::round(&second.state)
    );
    let total: i64 = sqlx::query_scalar("select sum(calls)::bigint from api_call_usage")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let live: i64 = sqlx::query_scalar("select sum(api_calls)::bigint from usage_period_total")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (total, live),
        (6 * 4 * 60, 6 * 4 * 60),
        "hourly rollups and period totals agree"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_demos_crossed_thresholds_are_alerts_and_emails_once(db: PgPool) {
    // The demo's history puts Acme's storage past 80% of its plan: its usage
    // page lists the alert, and its billing contacts got the email, once
    // however often the demo starts.
    server::demo::seed(&db).await.unwrap();
    let app = spawn_app(db).await;
    server::demo::record_usage_alerts(&app.state).await.unwrap();
    server::demo::record_usage_alerts(&app.state).await.unwrap();
    let acme = browser();
    ok(app
        .sign_in(&acme, "owner@acme.test", server::demo::DEMO_PASSWORD)
        .await)
    .await;
    let alerts = overview(&app, &acme).await["alerts"].clone();
    let storage: Vec<i64> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["metric"] == "storage_mb")
        .map(|a| a["threshold"].as_i64().unwrap())
        .collect();
    assert_eq!(storage, [80], "{alerts}");
    let sent: Vec<String> = sqlx::query_scalar(
        "select recipient from notification
         where template = 'usage_alert' and data->>'organization_name' = 'Acme Analytics'
         order by recipient",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        sent,
        ["ap@acme.test", "owner@acme.test"],
        "billing email and owner"
    );
}
