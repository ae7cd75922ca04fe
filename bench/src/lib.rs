//! Load programs for the `scripts/bench-*` reports (see `src/bin/`). They
//! print numbers; nothing here is a test or asserts a timing.

use anyhow::{bail, Context};
use server::startup::connect_postgres;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The scratch databases the benches recreate. Database names cannot be
/// bound as parameters, so each statement is a literal written here.
#[derive(Clone, Copy)]
pub enum Scratch {
    Notifications,
    Webhooks,
}

impl Scratch {
    fn name(self) -> &'static str {
        match self {
            Self::Notifications => "portal_bench_notifications",
            Self::Webhooks => "portal_bench_webhooks",
        }
    }

    /// Drop (if there), then create.
    fn statements(self) -> [&'static str; 2] {
        match self {
            Self::Notifications => [
                "drop database if exists portal_bench_notifications",
                "create database portal_bench_notifications",
            ],
            Self::Webhooks => [
                "drop database if exists portal_bench_webhooks",
                "create database portal_bench_webhooks",
            ],
        }
    }
}

/// `scratch` made afresh beside the database `admin_url` names; its URL.
pub async fn scratch_database(admin_url: &str, scratch: Scratch) -> anyhow::Result<String> {
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(admin_url);
    let admin = connect_postgres(&format!("{base}/postgres")).await?;
    for statement in scratch.statements() {
        sqlx::query(statement).execute(&admin).await?;
    }
    Ok(format!("{base}/{}", scratch.name()))
}

/// A port free right now on loopback.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A Redis of the bench's own on `port` (it may kill and restart it),
/// keeping nothing on disk.
pub async fn start_redis(port: u16) -> anyhow::Result<Child> {
    let child = Command::new("redis-server")
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
        .stdout(Stdio::null())
        .spawn()
        .context("starting redis-server")?;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("redis-server did not start on port {port}")
}
