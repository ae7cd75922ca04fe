//! Webhooks end to end: endpoints made through the server functions, events
//! from real changes, delivered by the worker to a receiver this test runs
//! on loopback, signatures checked with the Standard Webhooks algorithm
//! written out here (not the server's code).

use crate::helpers::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use backend::webhooks::delivery::Outcome;
use backend::webhooks::WebhookSettings;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use server::workers::webhooks::WebhookWorker;
use sha2::Sha256;
use sqlx::PgPool;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// The Standard Webhooks check: one of the space-separated `v1,`
    /// signatures is the base64 HMAC-SHA256 of `id.timestamp.body` under
    /// the secret's key.
    fn signed_by(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }
}

/// How the receiver answers the next request (then 200 once the script runs out).
#[derive(Clone)]
enum Answer {
    Status(u16),
    Slow(Duration),
    RedirectTo(String),
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Receiver {
    /// Listens on loopback; the URL to register.
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    fn then(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.lock().unwrap().extend(answers);
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let next = receiver.script.lock().unwrap().pop_front();
    match next {
        None => (StatusCode::OK, "thanks").into_response(),
        Some(Answer::Status(code)) => {
            (StatusCode::from_u16(code).unwrap(), "receiver says no").into_response()
        }
        Some(Answer::Slow(wait)) => {
            tokio::time::sleep(wait).await;
            StatusCode::OK.into_response()
        }
        Some(Answer::RedirectTo(to)) => {
            (StatusCode::FOUND, [("location", to)], "moved").into_response()
        }
    }
}

/// Retries at once (the schedule's length kept), a short timeout, and
/// loopback allowed, as the app under test has it.
fn settings() -> WebhookSettings {
    let mut settings = WebhookSettings::default();
    settings.retry_schedule = vec![Duration::ZERO; settings.retry_schedule.len()];
    settings.timeout = Duration::from_millis(500);
    settings.allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
    settings
}

fn worker(db: &PgPool, settings: WebhookSettings) -> WebhookWorker {
    WebhookWorker::new(db.clone(), settings).unwrap()
}

/// Delivers until nothing is due; every outcome.
async fn drain(worker: &WebhookWorker) -> Vec<Outcome> {
    let mut all = Vec::new();
    loop {
        let outcomes = worker.process_batch().await.unwrap();
        if outcomes.is_empty() {
            return all;
        }
        all.extend(outcomes);
    }
}

/// A new organization's owner, signed in.
async fn owner(app: &TestApp, label: &str) -> (reqwest::Client, Org) {
    let org = Org::new(label);
    let client = browser();
    app.sign_up(&client, &org).await;
    (client, org)
}

/// Adds an endpoint for `events`; its id and secret.
async fn add_endpoint(
    app: &TestApp,
    client: &reqwest::Client,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let mut form = vec![("url", url), ("description", "Test receiver")];
    form.extend(events.iter().map(|e| ("event_types[]", *e)));
    let created = app.call(client, "webhooks/create", &form).await;
    assert_eq!(
        created.status(),
        reqwest::StatusCode::OK,
        "{:?}",
        created.text().await
    );
    let created = json(created).await;
    (
        created["endpoint_id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn create_and_revoke_key(app: &TestApp, client: &reqwest::Client, name: &str) {
    let key = app
        .call(
            client,
            "api_keys/create",
            &[("name", name), ("scope", "full"), ("expires_in", "never")],
        )
        .await;
    let id = json(ok(key).await).await["key"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app.call(client, "api_keys/revoke", &[("id", &id)]).await).await;
}

async fn endpoint_page(app: &TestApp, client: &reqwest::Client, id: &str, status: &str) -> Value {
    json(
        app.get(
            client,
            &format!("webhooks/endpoint?id={id}&status={status}"),
        )
        .await,
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_subscribed_event_arrives_signed_and_the_log_shows_the_attempt(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "Hooks").await;
    // Nothing subscribes yet: no event is even stored.
    create_and_revoke_key(&app, &client, "Before").await;
    let stored: i64 = sqlx::query_scalar("select count(*) from webhook_event")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, 0);

    let (id, secret) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    assert!(secret.starts_with("whsec_"));
    create_and_revoke_key(&app, &client, "Deploy bot").await;
    let worker = worker(&db, settings());
    assert_eq!(drain(&worker).await, [Outcome::Delivered]);

    let got = receiver.received();
    assert_eq!(got.len(), 1, "one event: key creation is not subscribed");
    let delivery = &got[0];
    assert!(delivery.id.starts_with("msg_"), "{}", delivery.id);
    assert!(delivery.signed_by(&secret), "signature checks out");
    assert!(!delivery.signed_by("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    let body = delivery.json();
    assert_eq!(body["type"], "api_key.revoked");
    assert_eq!(body["data"]["name"], "Deploy bot");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let sent: i64 = delivery.timestamp.parse().unwrap();
    assert!((now - sent).abs() < 60);

    let page = endpoint_page(&app, &client, &id, "").await;
    assert_eq!(page["endpoint"]["url"], url.as_str());
    let logged = &page["deliveries"][0];
    assert_eq!(logged["status"], "delivered");
    assert_eq!(logged["message_id"], delivery.id.as_str());
    assert_eq!(logged["attempts"][0]["status_code"], 200);
    assert_eq!(logged["attempts"][0]["response_body"], "thanks");
    let failed = endpoint_page(&app, &client, &id, "failed").await;
    assert_eq!(
        failed["deliveries"].as_array().unwrap().len(),
        0,
        "filtered"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_retry_with_the_same_id_and_410_turns_the_endpoint_off(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, org) = owner(&app, "Retry").await;
    let (id, _) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    receiver.then([Answer::Status(500), Answer::Status(503)]);
    create_and_revoke_key(&app, &client, "Flaky").await;
    let worker = worker(&db, settings());
    assert_eq!(
        drain(&worker).await,
        [Outcome::WillRetry, Outcome::WillRetry, Outcome::Delivered]
    );
    let ids: Vec<String> = receiver.received().into_iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|i| *i == ids[0]), "same webhook-id: {ids:?}");
    let page = endpoint_page(&app, &client, &id, "").await;
    let codes: Vec<Value> = page["deliveries"][0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, [500, 503, 200]);

    // 410 Gone: no retry, the endpoint is off, the owners are told.
    receiver.then([Answer::Status(410)]);
    create_and_revoke_key(&app, &client, "Gone").await;
    assert_eq!(drain(&worker).await, [Outcome::Failed]);
    let page = endpoint_page(&app, &client, &id, "").await;
    assert_eq!(page["endpoint"]["enabled"], false);
    assert!(page["endpoint"]["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("410"));
    let told: i64 = sqlx::query_scalar(
        "select count(*) from notification where template = 'webhook_endpoint_disabled' and recipient = $1",
    )
    .bind(&org.email)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(told, 1);
    // Off: nothing more is sent; a person turns it back on.
    create_and_revoke_key(&app, &client, "While off").await;
    assert_eq!(drain(&worker).await, []);
    assert_eq!(receiver.received().len(), 4);
}

#[sqlx::test(migrations = "../migrations")]
async fn retries_run_out_and_five_days_of_failure_turn_the_endpoint_off(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "Exhaust").await;
    let (id, _) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    let mut settings = settings();
    settings.retry_schedule = vec![Duration::ZERO; 2];
    receiver.then(vec![Answer::Status(500); 3]);
    create_and_revoke_key(&app, &client, "Never").await;
    let worker = worker(&db, settings.clone());
    assert_eq!(
        drain(&worker).await,
        [Outcome::WillRetry, Outcome::WillRetry, Outcome::Failed]
    );
    let page = endpoint_page(&app, &client, &id, "failed").await;
    assert_eq!(page["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(
        page["endpoint"]["enabled"], true,
        "one failed event is not enough"
    );

    sqlx::query("update webhook_endpoint set failing_since = now() - interval '6 days'")
        .execute(&db)
        .await
        .unwrap();
    receiver.then([Answer::Status(500)]);
    create_and_revoke_key(&app, &client, "Still failing").await;
    drain(&worker).await;
    let page = endpoint_page(&app, &client, &id, "").await;
    assert_eq!(page["endpoint"]["enabled"], false);
    assert!(page["endpoint"]["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("5 days"));
}

#[sqlx::test(migrations = "../migrations")]
async fn timeouts_and_redirects_are_recorded_and_redirects_not_followed(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (elsewhere, elsewhere_url) = Receiver::start().await;
    let (client, _) = owner(&app, "Slow").await;
    let (id, _) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    receiver.then([
        Answer::Slow(Duration::from_secs(2)),
        Answer::RedirectTo(elsewhere_url),
    ]);
    create_and_revoke_key(&app, &client, "Slow").await;
    let worker = worker(&db, settings());
    assert_eq!(
        drain(&worker).await,
        [Outcome::WillRetry, Outcome::WillRetry, Outcome::Delivered]
    );
    assert!(
        elsewhere.received().is_empty(),
        "the redirect was not followed"
    );
    let page = endpoint_page(&app, &client, &id, "").await;
    let attempts = page["deliveries"][0]["attempts"]
        .as_array()
        .unwrap()
        .clone();
    assert!(attempts[0]["error"]
        .as_str()
        .unwrap()
        .contains("No response within"));
    assert_eq!(attempts[0]["status_code"], Value::Null);
    assert_eq!(attempts[1]["status_code"], 302);
    assert!(attempts[1]["error"]
        .as_str()
        .unwrap()
        .contains("Redirects are not followed"));
}

#[sqlx::test(migrations = "../migrations")]
async fn private_addresses_are_refused_when_the_policy_does_not_allow_them(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "Ssrf").await;
    // At the form: an address in the URL is checked at once.
    let refused = app
        .call(
            &client,
            "webhooks/create",
            &[
                ("url", "https://169.254.169.254/latest/meta-data"),
                ("event_types[]", "api_key.revoked"),
            ],
        )
        .await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("private"));
    let named = url.replace("127.0.0.1", "localhost");
    add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    add_endpoint(&app, &client, &named, &["api_key.revoked"]).await;
    create_and_revoke_key(&app, &client, "Inside").await;

    // A production worker: loopback is private, whether written or resolved.
    let mut production = settings();
    production.allowed_networks = vec![];
    production.retry_schedule = vec![];
    assert_eq!(
        drain(&worker(&db, production)).await,
        [Outcome::Failed, Outcome::Failed]
    );
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
    let errors: Vec<String> =
        sqlx::query_scalar("select error from webhook_attempt order by error")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e.contains("private")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with("localhost")),
        "{errors:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_lease_left_by_a_killed_worker_runs_out_and_the_same_id_is_delivered(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "Crash").await;
    add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    create_and_revoke_key(&app, &client, "Crash").await;
    // A worker takes the delivery, then dies before recording anything.
    let taken = backend::webhooks::db::lease_due(&db, 10, 60.0)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let worker = worker(&db, settings());
    assert_eq!(drain(&worker).await, [], "held by the dead worker's lease");
    sqlx::query("update webhook_delivery set locked_until = now() - interval '1 second'")
        .execute(&db)
        .await
        .unwrap();
    // Two live workers race for it: it goes out once.
    let other = worker.clone();
    let (a, b) = tokio::join!(worker.process_batch(), other.process_batch());
    let delivered = a.unwrap().len() + b.unwrap().len();
    assert_eq!(delivered, 1);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].id,
        backend::webhooks::events::message_id(taken[0].event_id)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn deliveries_go_on_while_redis_is_down(db: PgPool) {
    let app = spawn_app_without_redis(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "NoRedis").await;
    let (id, _) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    ok(app.call(&client, "webhooks/test", &[("id", &id)]).await).await;
    create_and_revoke_key(&app, &client, "Offline").await;
    assert_eq!(
        drain(&worker(&db, settings())).await,
        [Outcome::Delivered, Outcome::Delivered]
    );
    let types: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(types.contains(&"webhook.test".to_owned()), "{types:?}");
    assert!(types.contains(&"api_key.revoked".to_owned()), "{types:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "Rotate").await;
    let (id, old) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    let rotated = json(ok(app.call(&client, "webhooks/rotate", &[("id", &id)]).await).await).await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let worker = worker(&db, settings());
    ok(app.call(&client, "webhooks/test", &[("id", &id)]).await).await;
    drain(&worker).await;
    let during = receiver.received().pop().unwrap();
    assert!(
        during.signed_by(&new) && during.signed_by(&old),
        "both during the overlap"
    );
    let page = endpoint_page(&app, &client, &id, "").await;
    assert!(page["endpoint"]["previous_secret_until"].is_object());

    sqlx::query("update webhook_endpoint set previous_secret_until = now() - interval '1 second'")
        .execute(&db)
        .await
        .unwrap();
    ok(app.call(&client, "webhooks/test", &[("id", &id)]).await).await;
    drain(&worker).await;
    let after = receiver.received().pop().unwrap();
    assert!(
        after.signed_by(&new) && !after.signed_by(&old),
        "only the new one after"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn resend_delivers_the_same_event_again_and_edits_apply(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, _) = owner(&app, "Resend").await;
    let (id, _) = add_endpoint(&app, &client, &url, &["api_key.revoked"]).await;
    ok(app.call(&client, "webhooks/test", &[("id", &id)]).await).await;
    let worker = worker(&db, settings());
    drain(&worker).await;
    let page = endpoint_page(&app, &client, &id, "").await;
    let delivery = page["deliveries"][0]["id"].as_str().unwrap().to_owned();
    ok(app
        .call(&client, "webhooks/resend", &[("id", &delivery)])
        .await)
    .await;
    assert_eq!(drain(&worker).await, [Outcome::Delivered]);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id, "a resend is the same message");

    // Turned off by a person: a test event is refused; bad input is named.
    let off = app
        .call(
            &client,
            "webhooks/update",
            &[
                ("id", &id),
                ("url", &url),
                ("event_types[]", "invoice.paid"),
            ],
        )
        .await;
    ok(off).await;
    let refused = app.call(&client, "webhooks/test", &[("id", &id)]).await;
    assert_eq!(refused.status(), reqwest::StatusCode::CONFLICT);
    let bad = app
        .call(
            &client,
            "webhooks/update",
            &[("id", &id), ("url", "ftp://x"), ("enabled", "on")],
        )
        .await;
    assert_eq!(bad.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let errors = bad.text().await.unwrap();
    assert!(
        errors.contains("https") && errors.contains("at least one event"),
        "{errors}"
    );
    let page = endpoint_page(&app, &client, &id, "").await;
    assert_eq!(
        page["endpoint"]["event_types"],
        serde_json::json!(["invoice.paid"])
    );
    assert_eq!(page["endpoint"]["enabled"], false);

    ok(app.call(&client, "webhooks/delete", &[("id", &id)]).await).await;
    let gone = app
        .get(&client, &format!("webhooks/endpoint?id={id}"))
        .await;
    assert_eq!(gone.status(), reqwest::StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn team_ticket_and_invoice_changes_send_their_events(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (receiver, url) = Receiver::start().await;
    let (client, org) = owner(&app, "Events").await;
    let all: Vec<&str> = domain::webhooks::EventType::ALL
        .iter()
        .map(|e| e.as_str())
        .collect();
    add_endpoint(&app, &client, &url, &all).await;

    let member = member_with_role(&app, &org.email, "member").await;
    let member_id = json(app.get(&member, "auth/current_user").await).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app
        .call(&client, "team/members/remove", &[("user_id", &member_id)])
        .await)
    .await;
    let ticket = app
        .call(
            &client,
            "support/open",
            &[
                ("subject", "Webhook ticket"),
                ("category", "billing"),
                ("priority", "normal"),
                ("body", "First"),
            ],
        )
        .await;
    let ticket = json(ok(ticket).await).await.as_str().unwrap().to_owned();
    ok(app
        .call(
            &client,
            "support/reply",
            &[("ticket_id", &ticket), ("body", "More")],
        )
        .await)
    .await;
    ok(app
        .call(&client, "support/close", &[("ticket_id", &ticket)])
        .await)
    .await;
    ok(app.save_card(&client, "4242424242424242").await).await;
    ok(app
        .call(&client, "billing/change_plan", &[("plan", "pro")])
        .await)
    .await;
    drain(&worker(&db, settings())).await;

    let got: Vec<Value> = receiver.received().iter().map(Received::json).collect();
    let types: Vec<&str> = got.iter().map(|b| b["type"].as_str().unwrap()).collect();
    for expected in [
        "member.removed",
        "ticket.replied",
        "ticket.status_changed",
        "invoice.issued",
        "invoice.paid",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    let closed = got
        .iter()
        .find(|b| b["type"] == "ticket.status_changed")
        .unwrap();
    assert_eq!(closed["data"]["status"], "closed");
    assert_eq!(closed["data"]["ticket_id"], ticket.as_str());
    let removed = got.iter().find(|b| b["type"] == "member.removed").unwrap();
    assert_eq!(removed["data"]["user_id"], member_id.as_str());
}
