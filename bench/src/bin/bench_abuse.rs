//! A flood against the open doors, while a prober times `/health`: 500
//! parallel sign-ups and 50,000 requests with freshly minted (well-formed,
//! unknown) API keys. Reports what the flood was answered, `/health` latency
//! before and during it, and the server's RSS before and at its peak.
//! "Before" is a working server, not a just-started one: it has rendered
//! pages and hashed as many passwords at once as it ever will (its hashing
//! turns), so the peak shows what the flood itself costs. The just-started
//! size is printed too.
//! Run by `scripts/bench-abuse` against a release server (`BENCH_BASE`,
//! `BENCH_SERVER_PID`); `BENCH_SIGN_UPS`, `BENCH_KEYS` scale it.

use anyhow::Context;
use domain::api_keys::{random_body, ApiKeySecret};
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn minted_key() -> String {
    let bytes: Vec<u8> = (0..4)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    random_body(&bytes)
        .and_then(|body| ApiKeySecret::from_body(&body).ok())
        .map(|key| key.expose().to_owned())
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Times `/health` one request after another until `stop`.
async fn probe(client: reqwest::Client, base: String, stop: Arc<AtomicBool>) -> Vec<Duration> {
    let mut latencies = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        if client.get(format!("{base}/health")).send().await.is_ok() {
            latencies.push(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    latencies.sort();
    latencies
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = std::env::var("BENCH_BASE").context("BENCH_BASE must be set")?;
    let pid = std::env::var("BENCH_SERVER_PID").context("BENCH_SERVER_PID must be set")?;
    let sign_ups = env_or("BENCH_SIGN_UPS", 500);
    let keys = env_or("BENCH_KEYS", 50_000);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;

    // The machine-speed floor: /health alone, and its latency when idle.
    let floor_started = Instant::now();
    let mut floor_count = 0u64;
    while floor_started.elapsed() < Duration::from_secs(2) {
        client.get(format!("{base}/health")).send().await?;
        floor_count += 1;
    }
    let floor_rps = floor_count as f64 / floor_started.elapsed().as_secs_f64();
    let started_rss = rss_kib(&pid);
    warm_up(&client, &base).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let idle = probe_for(&client, &base, Duration::from_secs(2)).await;
    let idle_rss = rss_kib(&pid);

    let statuses: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let peak_rss = Arc::new(AtomicU64::new(idle_rss));
    let prober = tokio::spawn(probe(client.clone(), base.clone(), stop.clone()));
    let sampler = {
        let (stop, peak, pid) = (stop.clone(), peak_rss.clone(), pid.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(&pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let count = |statuses: &Arc<Mutex<BTreeMap<String, u64>>>, what: &str, status: String| {
        let mut map = statuses.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(format!("{what} {status}")).or_insert(0) += 1;
    };

    let flood_started = Instant::now();
    let sign_up_flood = stream::iter(0..sign_ups)
        .map(|i| {
            let (client, base, statuses) = (client.clone(), base.clone(), statuses.clone());
            async move {
                let email = format!("flood-{i}-{}@example.com", uuid::Uuid::new_v4().simple());
                let form = [
                    ("organization_name", "Flood Inc"),
                    ("name", "Flood"),
                    ("email", email.as_str()),
                    ("password", "a flood of sign-ups"),
                ];
                let status = match client
                    .post(format!("{base}/api/auth/sign_up"))
                    .form(&form)
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16().to_string(),
                    Err(_) => "error".into(),
                };
                count(&statuses, "sign-up", status);
            }
        })
        .buffer_unordered(sign_ups.max(1))
        .collect::<Vec<()>>();
    let key_flood = stream::iter(0..keys)
        .map(|_| {
            let (client, base, statuses) = (client.clone(), base.clone(), statuses.clone());
            async move {
                let status = match client
                    .get(format!("{base}/api/v1/ping"))
                    .bearer_auth(minted_key())
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16().to_string(),
                    Err(_) => "error".into(),
                };
                count(&statuses, "minted key", status);
            }
        })
        .buffer_unordered(200)
        .collect::<Vec<()>>();
    futures::join!(sign_up_flood, key_flood);
    let flood_took = flood_started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let during = prober.await?;
    sampler.await?;

    let peak = peak_rss.load(Ordering::Relaxed);
    println!("machine-speed floor: /health {floor_rps:.0} req/s (one connection, sequential)");
    println!(
        "/health idle:          p50 {:?}, p99 {:?} ({} samples)",
        percentile(&idle, 0.5),
        percentile(&idle, 0.99),
        idle.len()
    );
    println!(
        "/health during flood:  p50 {:?}, p99 {:?} ({} samples)",
        percentile(&during, 0.5),
        percentile(&during, 0.99),
        during.len()
    );
    println!(
        "flood: {sign_ups} parallel sign-ups + {keys} minted keys in {:.1} s",
        flood_took.as_secs_f64()
    );
    for (what, n) in statuses.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        println!("  {what}: {n}");
    }
    println!(
        "server RSS: just started {} MiB; working (idle) {} MiB, peak in the flood {} MiB ({:+.0}%)",
        started_rss / 1024,
        idle_rss / 1024,
        peak / 1024,
        (peak as f64 / idle_rss.max(1) as f64 - 1.0) * 100.0
    );
    Ok(())
}

/// What a server does in its first minutes: a sign-up, pages, and wrong
/// passwords for as many unknown accounts at once as the server has hashing
/// turns (2 per core), so each turn's argon2 work area exists.
async fn warm_up(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let email = format!("warm-{}@example.com", uuid::Uuid::new_v4().simple());
    let form = [
        ("organization_name", "Warm Inc"),
        ("name", "Warm"),
        ("email", email.as_str()),
        ("password", "a warm-up passphrase"),
    ];
    client
        .post(format!("{base}/api/auth/sign_up"))
        .form(&form)
        .send()
        .await?;
    for page in ["/sign-in", "/sign-up", "/forgot-password", "/"] {
        client.get(format!("{base}{page}")).send().await?;
    }
    let turns = 2 * std::thread::available_parallelism().map_or(2, |n| n.get());
    let sign_ins = (0..turns).map(|i| {
        let email = format!("nobody-{i}@example.com");
        async move {
            client
                .post(format!("{base}/api/auth/sign_in"))
                .form(&[("email", email.as_str()), ("password", "not the password")])
                .send()
                .await
        }
    });
    for answer in futures::future::join_all(sign_ins).await {
        answer?;
    }
    Ok(())
}

async fn probe_for(client: &reqwest::Client, base: &str, window: Duration) -> Vec<Duration> {
    let stop = Arc::new(AtomicBool::new(false));
    let running = tokio::spawn(probe(client.clone(), base.to_owned(), stop.clone()));
    tokio::time::sleep(window).await;
    stop.store(true, Ordering::Relaxed);
    running.await.unwrap_or_default()
}
