//! The probes behind the circuit breakers (`backend::breaker`): twice a
//! second each dependency is asked a trivial question. Three failures in a
//! row open its breaker (Redis calls on the request path count too); the
//! first answer closes it. Requests never probe: while a breaker is open
//! they take their fallback (Redis) or answer 503 (Postgres) at once.

use backend::breaker::Breaker;
use backend::Ctx;
use fred::prelude::*;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::time::Duration;
use tokio::sync::watch;

pub const PROBE_EVERY: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Runs until `stopped`. Postgres is probed on a connection of its own, so
/// a busy pool (every connection serving requests) is not mistaken for an
/// outage, and a restart that is over before three probes fail (a fast
/// restart takes well under a second) opens nothing.
pub async fn run(ctx: Ctx, postgres: PgConnectOptions, mut stopped: watch::Receiver<bool>) {
    open_on_lost_redis_connections(&ctx);
    let mut probe_connection: Option<PgConnection> = None;
    loop {
        let redis_up = tokio::time::timeout(PROBE_TIMEOUT, ctx.redis.ping::<String>(None))
            .await
            .is_ok_and(|answer| answer.is_ok());
        settle(&ctx.redis_breaker, redis_up, "Redis");
        let postgres_up = tokio::time::timeout(
            PROBE_TIMEOUT,
            probe_postgres(&mut probe_connection, &postgres),
        )
        .await
        .unwrap_or(false);
        if !postgres_up {
            probe_connection = None;
        }
        settle(&ctx.db_breaker, postgres_up, "Postgres");
        tokio::select! {
            _ = tokio::time::sleep(PROBE_EVERY) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// A Redis connection that breaks (Redis killed, network gone) opens the
/// breaker at once, before three requests have each waited for a timeout.
fn open_on_lost_redis_connections(ctx: &Ctx) {
    for client in ctx.redis.clients() {
        let mut errors = client.error_rx();
        let breaker = ctx.redis_breaker.clone();
        tokio::spawn(async move {
            while errors.recv().await.is_ok() {
                if breaker.open() {
                    tracing::warn!("a Redis connection broke; circuit open until Redis answers");
                }
            }
        });
    }
}

async fn probe_postgres(connection: &mut Option<PgConnection>, options: &PgConnectOptions) -> bool {
    if connection.is_none() {
        match options.clone().disable_statement_logging().connect().await {
            Ok(fresh) => *connection = Some(fresh),
            Err(_) => return false,
        }
    }
    match connection {
        Some(connection) => connection.ping().await.is_ok(),
        None => false,
    }
}

fn settle(breaker: &Breaker, up: bool, name: &str) {
    if up {
        if breaker.close() {
            tracing::info!("{name} answers again; circuit closed");
            metrics::counter!("portal_circuit_transitions_total", "dependency" => name.to_owned(), "to" => "closed").increment(1);
        }
    } else {
        let was_open = breaker.is_open();
        breaker.record_failure();
        if !was_open && breaker.is_open() {
            tracing::warn!("{name} is not answering; circuit open until it does");
            metrics::counter!("portal_circuit_transitions_total", "dependency" => name.to_owned(), "to" => "open").increment(1);
        }
    }
    metrics::gauge!("portal_circuit_open", "dependency" => name.to_owned())
        .set(if breaker.is_open() { 1.0 } else { 0.0 });
}
