//! Load test for the notification pipeline (run it with
//! `scripts/bench-notifications`): queues 10,000 emails while Redis is
//! restarted twice, lets two workers deliver them to an SMTP sink, and prints
//! how many were sent, lost and duplicated. Lost and duplicated must be 0.
//!
//! Needs DATABASE_URL (a Postgres it may create a scratch database on) and
//! `redis-server` on PATH: it runs its own Redis so it can restart it.

use anyhow::{bail, Context};
use backend::notifications::Email;
use bench::{free_port, scratch_database, start_redis, Scratch};
use domain::EmailAddress;
use server::dev::smtp_sink::SmtpSink;
use server::mail::Mailer;
use server::startup::{connect_postgres, connect_redis, sink_smtp_config, MIGRATOR};
use server::workers::notifications::{NotificationWorker, WorkerConfig};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::watch;

const TOTAL: usize = 10_000;
const BATCH: usize = 100;
const WORKERS: usize = 2;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::var("BENCH_TOTAL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(TOTAL);
    let admin_url = std::env::var("DATABASE_URL").context("DATABASE_URL must be set")?;
    let db_url = scratch_database(&admin_url, Scratch::Notifications).await?;
    let db = connect_postgres(&db_url).await?;
    MIGRATOR.run(&db).await?;

    let redis_port = free_port()?;
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    let mut redis_server = start_redis(redis_port).await?;
    let sink = SmtpSink::start_with_capacity("127.0.0.1:0", total * 2).await?;

    let (stop, stopped) = watch::channel(false);
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let mut config = WorkerConfig::new("bench", "https://portal.test");
        config.reclaim_after = Duration::from_secs(2);
        config.relay_stale_after = Duration::from_secs(2);
        config.backoff_base = Duration::from_millis(200);
        config.poll_interval = Duration::from_millis(100);
        let mailer = Mailer::new(&sink_smtp_config(&sink))?;
        let worker =
            NotificationWorker::new(db.clone(), connect_redis(&redis_url).await?, mailer, config);
        workers.push(tokio::spawn(worker.run(stopped.clone())));
    }

    println!(
        "queuing {total} notifications with {WORKERS} workers; Redis is restarted at 1/3 and 2/3"
    );
    let started = Instant::now();
    let email = Email::Welcome {
        name: "Load".into(),
        organization_name: "Bench Inc".into(),
    };
    let recipient = EmailAddress::parse("load@example.com").map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut restarts = 0;
    for batch_start in (0..total).step_by(BATCH) {
        let mut tx = db.begin().await?;
        for n in batch_start..(batch_start + BATCH).min(total) {
            backend::notifications::service::notify(
                &mut tx,
                &format!("bench:{n}"),
                None,
                &recipient,
                &email,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        tx.commit().await?;
        if restarts < 2 && batch_start >= (restarts + 1) * total / 3 {
            restarts += 1;
            println!(
                "  restarting Redis ({restarts}/2) after {batch_start} queued, {} sent so far",
                sink.mails().len()
            );
            let _ = redis_server.kill();
            let _ = redis_server.wait();
            tokio::time::sleep(Duration::from_millis(500)).await;
            redis_server = start_redis(redis_port).await?;
        }
    }
    let queued_in = started.elapsed();

    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let pending: i64 =
            sqlx::query_scalar("select count(*) from notification where status = 'pending'")
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

    let mut deliveries: HashMap<String, usize> = HashMap::new();
    for mail in sink.mails() {
        *deliveries.entry(mail.message_id()).or_default() += 1;
    }
    let sent = deliveries.len();
    let duplicated: usize = deliveries.values().map(|n| n - 1).sum();
    let lost = total.saturating_sub(sent);
    let dead: i64 = sqlx::query_scalar("select count(*) from notification where status = 'dead'")
        .fetch_one(&db)
        .await?;
    println!(
        "queued {total} in {:.1}s; all handled in {:.1}s ({:.0}/s)",
        queued_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!("sent {sent}, lost {lost}, duplicated {duplicated}, dead-lettered {dead}");
    if lost > 0 || duplicated > 0 {
        bail!("notifications were lost or duplicated");
    }
    Ok(())
}
