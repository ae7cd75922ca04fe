//! Structured logs with `tracing`: JSON in production, readable text locally.
//! `RUST_LOG` overrides the default filter.

use crate::config::Config;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,server=info,app=info,sqlx=warn,tower_http=info"));
    // Each layer filters for itself: the log's filter must not hide the
    // statement events that `metrics::sqlx_timings` turns into histograms.
    let registry = tracing_subscriber::registry().with(crate::metrics::sqlx_timings());
    if config.json_logs {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_filter(filter),
            )
            .init();
    } else {
        registry
            .with(fmt::layer().compact().with_filter(filter))
            .init();
    }
}
