//! The dashboard and usage benchmark (run it with `scripts/bench-dashboard`,
//! which seeds 2,000 organizations, starts a release server and runs wrk for
//! the closed-loop throughput). This program measures what wrk cannot:
//!
//! * round trips per dashboard view, for the data function and for the
//!   server-rendered page: Postgres transactions and Redis commands per
//!   request (counter deltas, minus what the idle server does meanwhile);
//! * latency at a fixed 500 requests/s (open loop: requests go out on schedule
//!   whatever the responses do, so a stall is not hidden by sending less);
//! * event ingestion (batches of 1,000 through `POST /api/v1/usage/events`);
//! * event → gauge latency: an event is posted and the time until the live
//!   stream of that organization carries the new total is measured.
//!
//! `bench_dashboard round-trips` runs only the first part (before anything
//! warmed the caches), `bench_dashboard fixed-rate` only the latency at a fixed
//! rate (to repeat it against a running server); without an argument it runs
//! all but the first.
//!
//! Env: BENCH_BASE (server URL), BENCH_TOKENS (file: one session token per
//! line, each of a different organization), BENCH_ORGS (file: the matching
//! organization ids), BENCH_OPERATOR_TOKEN, DATABASE_URL, REDIS_URL,
//! BENCH_SECONDS (default 10).

use anyhow::Context;
use fred::prelude::*;
use futures::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Bench {
    base: String,
    tokens: Vec<String>,
    orgs: Vec<String>,
    operator: String,
    http: reqwest::Client,
    db: sqlx::PgPool,
    redis: fred::clients::Client,
    seconds: u64,
    sql_counter: SqlCounter,
}

/// How SQL is counted: see `Bench::counters`.
#[derive(Clone, Copy, PartialEq)]
enum SqlCounter {
    Statements,
    Transactions,
}

impl SqlCounter {
    async fn detect(db: &sqlx::PgPool) -> Self {
        let loaded = sqlx::query("create extension if not exists pg_stat_statements")
            .execute(db)
            .await
            .is_ok()
            && sqlx::query("select 1 from pg_stat_statements limit 1")
                .execute(db)
                .await
                .is_ok();
        if loaded {
            Self::Statements
        } else {
            Self::Transactions
        }
    }

    /// What reading the counter itself adds to it.
    fn own_reads(self) -> i64 {
        match self {
            Self::Statements => 0,
            Self::Transactions => 1,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = |name: &str| std::env::var(name).with_context(|| format!("{name} must be set"));
    let lines = |path: String| -> anyhow::Result<Vec<String>> {
        Ok(std::fs::read_to_string(path)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    };
    let redis = fred::clients::Client::new(
        fred::types::config::Config::from_url(&env("REDIS_URL")?)?,
        None,
        None,
        None,
    );
    redis.init().await?;
    let db = sqlx::PgPool::connect(&env("DATABASE_URL")?).await?;
    let bench = Bench {
        base: env("BENCH_BASE")?,
        tokens: lines(env("BENCH_TOKENS")?)?,
        orgs: lines(env("BENCH_ORGS")?)?,
        operator: env("BENCH_OPERATOR_TOKEN")?,
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?,
        sql_counter: SqlCounter::detect(&db).await,
        db,
        redis,
        seconds: std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10),
    };
    anyhow::ensure!(
        bench.tokens.len() == bench.orgs.len() && !bench.tokens.is_empty(),
        "BENCH_TOKENS and BENCH_ORGS must list the same organizations"
    );

    if std::env::args().nth(1).as_deref() == Some("round-trips") {
        println!("\n== round trips per dashboard view (server function, JSON; and the server-rendered page)");
        return bench.round_trips().await;
    }
    println!("\n== latency at a fixed 500 requests/s, tenant rotating per request");
    for (label, path) in [
        // What the machine and this client add to any request.
        ("floor: GET /health", "/health"),
        ("dashboard data (JSON)", "/api/dashboard/summary"),
        ("dashboard page (full SSR)", "/"),
    ] {
        let report = bench.fixed_rate(path, 500).await?;
        println!("{label:<28} {report}");
    }
    if std::env::args().nth(1).as_deref() == Some("fixed-rate") {
        return Ok(());
    }
    println!("\n== event ingestion (batches of 1,000, 4 senders)");
    bench.ingestion().await?;
    println!("\n== event → gauge (POST an event, until the live stream carries the new total)");
    bench.event_to_gauge().await?;
    Ok(())
}

fn cookie(token: &str) -> String {
    format!("portal_session={token}")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

impl Bench {
    /// The SQL statements the database has run so far, and the Redis commands.
    ///
    /// Statements come from pg_stat_statements, which counts each as it ends
    /// (`scripts/services` preloads it). Without it, transactions from
    /// pg_stat_database stand in, approximately: a backend reports those at
    /// most once a second and an idle one keeps them until its next use, so a
    /// pass's count can land in the next pass.
    async fn counters(&self) -> anyhow::Result<(i64, i64)> {
        let sql = match self.sql_counter {
            SqlCounter::Statements => {
                "select coalesce(sum(calls), 0)::bigint from pg_stat_statements \
                 where dbid = (select oid from pg_database where datname = current_database()) \
                   and query not like '%pg\\_stat\\_%'"
            }
            SqlCounter::Transactions => {
                "select (xact_commit + xact_rollback)::bigint from pg_stat_database \
                 where datname = current_database()"
            }
        };
        let statements: i64 = sqlx::query_scalar(sql).fetch_one(&self.db).await?;
        let info: String = self.redis.info(Some(fred::types::InfoKind::Stats)).await?;
        let commands = info
            .lines()
            .find_map(|l| l.strip_prefix("total_commands_processed:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        Ok((statements, commands))
    }

    /// `GET path` as the session `token`; an error unless it answers 2xx.
    async fn get_ok(&self, path: &str, token: &str) -> anyhow::Result<reqwest::Response> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie(token))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        Ok(response)
    }

    /// SQL statements and Redis commands per view, first views (cache empty)
    /// and repeat views (cached), minus the idle server's own traffic.
    async fn round_trips(&self) -> anyhow::Result<()> {
        if self.sql_counter == SqlCounter::Transactions {
            println!(
                "(pg_stat_statements is not loaded: SQL is counted as transactions from pg_stat_database, \
                 which backends report late, so these SQL numbers are approximate)"
            );
        }
        let own = self.sql_counter.own_reads();
        let idle_window = Duration::from_secs(2);
        let (x0, r0) = self.counters().await?;
        tokio::time::sleep(idle_window).await;
        let (x1, r1) = self.counters().await?;
        // Reading Redis's counter is itself one command.
        let (idle_x, idle_r) = ((x1 - x0 - own) as f64, (r1 - r0 - 1) as f64);
        let idle_rate = |elapsed: Duration| {
            let f = elapsed.as_secs_f64() / idle_window.as_secs_f64();
            (idle_x * f, idle_r * f)
        };
        // Each view gets its own organizations, so its first pass finds their cache empty.
        let sample = (self.tokens.len() / 2).min(500);
        for (view, path, tokens) in [
            ("data", "/api/dashboard/summary", &self.tokens[..sample]),
            ("page", "/", &self.tokens[sample..2 * sample]),
        ] {
            for pass in [
                "first view per organization (cache empty)",
                "repeat view (cached)",
            ] {
                let (xa, ra) = self.counters().await?;
                let started = Instant::now();
                for token in tokens {
                    self.get_ok(path, token).await?.bytes().await?;
                }
                let (xb, rb) = self.counters().await?;
                let (noise_x, noise_r) = idle_rate(started.elapsed());
                let per = |delta: i64, own: i64, noise: f64| {
                    ((delta - own) as f64 - noise).max(0.0) / sample as f64
                };
                println!(
                    "{view}, {pass:<44} SQL statements {:.2}  Redis commands {:.2}  per request (session + view)",
                    per(xb - xa, own, noise_x),
                    per(rb - ra, 1, noise_r)
                );
            }
        }
        println!(
            "(a request also resolves its session: one Redis GET when cached; the view itself is one \
             pipelined Redis call on a hit, plus one SQL statement and a background cache write on a miss)"
        );
        Ok(())
    }

    /// Open-loop load at `rate` requests/s for BENCH_SECONDS.
    async fn fixed_rate(&self, path: &str, rate: u64) -> anyhow::Result<String> {
        let total = rate * self.seconds;
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let started = Instant::now() + Duration::from_millis(100);
        let errors = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::with_capacity(total as usize);
        let mut latest = Duration::ZERO;
        for i in 0..total {
            let due = started + interval * i as u32;
            tokio::time::sleep_until(due.into()).await;
            // Timed from the actual send: tokio's timer wakes up to 1 ms after
            // `due`, which is the generator's lag, not the server's. The loop
            // never waits for responses, so a slow server cannot slow it down;
            // the report prints the generator's worst lag to show it kept up.
            let sent = Instant::now();
            latest = latest.max(sent - due);
            let request = self.http.get(format!("{}{path}", self.base)).header(
                "cookie",
                cookie(&self.tokens[i as usize % self.tokens.len()]),
            );
            let errors = errors.clone();
            tasks.push(tokio::spawn(async move {
                match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                sent.elapsed()
            }));
        }
        let mut latencies = Vec::with_capacity(tasks.len());
        for task in tasks {
            latencies.push(task.await?);
        }
        latencies.sort_unstable();
        let achieved = total as f64 / started.elapsed().as_secs_f64();
        Ok(format!(
            "p50 {:>9}  p95 {:>9}  p99 {:>9}  max {:>9}  ({total} requests, {achieved:.0}/s achieved, {} errors, sender lag max {})",
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 95.0)),
            ms(percentile(&latencies, 99.0)),
            ms(percentile(&latencies, 100.0)),
            errors.load(Ordering::Relaxed),
            ms(latest)
        ))
    }

    async fn ingestion(&self) -> anyhow::Result<()> {
        let senders = 4;
        let deadline = Instant::now() + Duration::from_secs(self.seconds);
        let accepted = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for sender in 0..senders {
            let (http, base, operator, orgs, accepted) = (
                self.http.clone(),
                self.base.clone(),
                self.operator.clone(),
                self.orgs.clone(),
                accepted.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut batch_no = 0u64;
                while Instant::now() < deadline {
                    let now = time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    let events: Vec<serde_json::Value> = (0..1000)
                        .map(|i| {
                            serde_json::json!({
                                "event_id": format!("bench-{}-{sender}-{batch_no}-{i}", std::process::id()),
                                "organization_id": orgs[(i * 7 + batch_no as usize) % orgs.len()],
                                "metric": "api_calls",
                                "quantity": 1,
                                "timestamp": now,
                            })
                        })
                        .collect();
                    batch_no += 1;
                    let response = http
                        .post(format!("{base}/api/v1/usage/events"))
                        .bearer_auth(&operator)
                        .json(&serde_json::json!({ "events": events }))
                        .send()
                        .await;
                    if let Ok(r) = response {
                        if r.status() == reqwest::StatusCode::ACCEPTED {
                            accepted.fetch_add(1000, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        let events = accepted.load(Ordering::Relaxed);
        println!(
            "{events} events acknowledged (committed to Postgres) in {:.1} s: {:.0} events/s",
            started.elapsed().as_secs_f64(),
            events as f64 / started.elapsed().as_secs_f64()
        );
        Ok(())
    }

    async fn event_to_gauge(&self) -> anyhow::Result<()> {
        tokio::time::sleep(Duration::from_secs(2)).await; // let ingestion's refreshes settle
        let (token, org) = (&self.tokens[0], &self.orgs[0]);
        let response = self.get_ok("/live", token).await?;
        let mut stream = response.bytes_stream();
        let mut buffer = String::new();
        let mut latencies = Vec::new();
        for i in 0..50 {
            let quantity = 1_000_000 + i; // a total no other event produces
            let posted = Instant::now();
            let reply = self
                .http
                .post(format!("{}/api/v1/usage/events", self.base))
                .bearer_auth(&self.operator)
                .json(&serde_json::json!({ "events": [{
                    "event_id": format!("gauge-{}-{i}", std::process::id()),
                    "organization_id": org,
                    "metric": "storage_mb",
                    "quantity": quantity,
                    "timestamp": time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)?,
                }]}))
                .send()
                .await?;
            anyhow::ensure!(
                reply.status() == reqwest::StatusCode::ACCEPTED,
                "event: {}",
                reply.status()
            );
            let needle = format!("\"storage_mb\":{quantity}");
            let seen = tokio::time::timeout(Duration::from_secs(5), async {
                loop {
                    if let Some(at) = buffer.find(&needle) {
                        buffer.drain(..at + needle.len());
                        return true;
                    }
                    match stream.next().await {
                        Some(Ok(chunk)) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
                        _ => return false,
                    }
                }
            })
            .await;
            if matches!(seen, Ok(true)) {
                latencies.push(posted.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        latencies.sort_unstable();
        println!(
            "{} of 50 events reached the gauge: p50 {}  p95 {}  max {}",
            latencies.len(),
            ms(percentile(&latencies, 50.0)),
            ms(percentile(&latencies, 95.0)),
            ms(percentile(&latencies, 100.0))
        );
        Ok(())
    }
}
