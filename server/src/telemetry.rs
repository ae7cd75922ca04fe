//! Structured logs with `tracing`: JSON in production, readable text locally.
//! `RUST_LOG` overrides the default filter.

use crate::config::Config;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,server=info,app=info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    if config.json_logs {
        registry
            .with(fmt::layer().json().with_current_span(true))
            .init();
    } else {
        registry.with(fmt::layer().compact()).init();
    }
}
