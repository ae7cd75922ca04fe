//! Load test for webhook delivery (run it with `scripts/bench-webhooks`):
//! 10,000 events fanned out to 3 endpoints on loopback, one of which fails
//! half the time, while Redis is restarted twice; two workers deliver them.
//! Prints deliveries counted by (endpoint, webhook-id), lost, duplicates,
//! attempts and throughput. Lost must be 0.
//!
//! Webhook delivery keeps its queue in Postgres and never talks to Redis;
//! the restarts are here to show that, as the issue asks of every worker.
//!
//! Needs DATABASE_URL (a Postgres it may create a scratch database on) and
//! `redis-server` on PATH.

use anyhow::{bail, Context};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use backend::settings::WebhookSettings;
use bench::{free_port, scratch_database, start_redis, Scratch};
use domain::webhooks::EventType;
use server::startup::{connect_postgres, MIGRATOR};
use server::workers::webhooks::WebhookWorker;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use uuid::Uuid;

const TOTAL: usize = 10_000;
const ENDPOINTS: usize = 3;
const BATCH: usize = 100;
const WORKERS: usize = 2;

/// What the receivers saw: requests per (endpoint, webhook-id), and how
/// many were refused on purpose.
#[derive(Clone, Default)]
struct Seen {
    accepted: Arc<Mutex<HashMap<(usize, String), usize>>>,
    requests: Arc<AtomicU64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::var("BENCH_TOTAL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(TOTAL);
    let admin_url = std::env::var("DATABASE_URL").context("DATABASE_URL must be set")?;
    let db_url = scratch_database(&admin_url, Scratch::Webhooks).await?;
    let db = connect_postgres(&db_url).await?;
    MIGRATOR.run(&db).await?;
    println!("machine floor: {:.0} signatures/s", signing_floor());

    let seen = Seen::default();
    let base = receiver(seen.clone()).await?;
    let organization: Uuid =
        sqlx::query_scalar("insert into organization (name) values ('Bench') returning id")
            .fetch_one(&db)
            .await?;
    for n in 0..ENDPOINTS {
        let mut tx = db.begin().await?;
        backend::webhooks::db::insert_endpoint(
            &mut tx,
            organization,
            &format!("{base}/hook/{n}"),
            "bench",
            &[EventType::InvoicePaid.as_str().to_owned()],
            &backend::webhooks::signing::new_key(),
        )
        .await?;
        tx.commit().await?;
    }

    let redis_port = free_port()?;
    let mut redis_server = start_redis(redis_port).await?;
    let mut settings = WebhookSettings {
        allowed_networks: vec!["127.0.0.0/8".parse()?],
        ..WebhookSettings::default()
    };
    // Retries come quickly here, and 30 of them: with the real 11, one
    // delivery in 4,096 to an endpoint failing half the time would give up
    // (recorded as failed, resendable), about 2 of these 10,000.
    settings.retry_schedule = vec![Duration::from_millis(100); 30];
    let (stop, stopped) = watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let worker = WebhookWorker::new(db.clone(), settings.clone())?;
            Ok(tokio::spawn(worker.run(stopped.clone())))
        })
        .collect::<anyhow::Result<_>>()?;

    println!(
        "emitting {total} events to {ENDPOINTS} endpoints (endpoint 0 fails half the time) \
         with {WORKERS} workers; Redis is restarted at 1/3 and 2/3"
    );
    let started = Instant::now();
    let mut restarts = 0;
    for batch_start in (0..total).step_by(BATCH) {
        let mut tx = db.begin().await?;
        for n in batch_start..(batch_start + BATCH).min(total) {
            let data = serde_json::json!({ "n": n });
            backend::webhooks::events::emit(&mut tx, organization, EventType::InvoicePaid, data)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        tx.commit().await?;
        if restarts < 2 && batch_start >= (restarts + 1) * total / 3 {
            restarts += 1;
            println!("  restarting Redis ({restarts}/2) after {batch_start} events");
            let _ = redis_server.kill();
            let _ = redis_server.wait();
            tokio::time::sleep(Duration::from_millis(500)).await;
            redis_server = start_redis(redis_port).await?;
        }
    }
    let emitted_in = started.elapsed();

    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let pending: i64 =
            sqlx::query_scalar("select count(*) from webhook_delivery where status = 'pending'")
                .fetch_one(&db)
                .await?;
        if pending == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    let _ = redis_server.kill();
    let _ = redis_server.wait();

    let (delivered, duplicates) = {
        let accepted = seen
            .accepted
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        let duplicates: usize = accepted.values().map(|n| n - 1).sum();
        (accepted.len(), duplicates)
    };
    let expected = total * ENDPOINTS;
    let lost = expected.saturating_sub(delivered);
    let attempts: i64 = sqlx::query_scalar("select count(*) from webhook_attempt")
        .fetch_one(&db)
        .await?;
    let failed: i64 =
        sqlx::query_scalar("select count(*) from webhook_delivery where status = 'failed'")
            .fetch_one(&db)
            .await?;
    println!(
        "emitted {total} events in {:.1}s; all {expected} deliveries settled in {:.1}s ({:.0} deliveries/s)",
        emitted_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        expected as f64 / elapsed.as_secs_f64()
    );
    println!(
        "delivered at least once {delivered}, lost {lost}, duplicates {duplicates}, \
         gave up {failed}; {attempts} attempts, {} requests received",
        seen.requests.load(Ordering::Relaxed)
    );
    if lost > 0 {
        bail!("deliveries were lost");
    }
    Ok(())
}

/// Three endpoints on one loopback listener: `/hook/0` refuses every other
/// request with 500.
async fn receiver(seen: Seen) -> anyhow::Result<String> {
    let app = axum::Router::new()
        .route("/hook/{n}", axum::routing::post(receive))
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

async fn receive(State(seen): State<Seen>, Path(n): Path<usize>, headers: HeaderMap) -> StatusCode {
    let count = seen.requests.fetch_add(1, Ordering::Relaxed);
    if n == 0 && count % 2 == 0 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Ok(mut accepted) = seen.accepted.lock() {
        *accepted.entry((n, id)).or_default() += 1;
    }
    StatusCode::OK
}

/// Signatures per second on this machine: how fast it is, so that numbers
/// from different machines can be compared.
fn signing_floor() -> f64 {
    let key = backend::webhooks::signing::new_key();
    let body = r#"{"type":"invoice.paid","timestamp":"2026-12-07T00:00:00Z","data":{"n":1}}"#;
    let started = Instant::now();
    let rounds = 100_000;
    for n in 0..rounds {
        std::hint::black_box(backend::webhooks::signing::signature_header(
            &[&key],
            "msg_bench",
            n,
            body,
        ));
    }
    rounds as f64 / started.elapsed().as_secs_f64()
}
