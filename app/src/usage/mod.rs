//! Usage against plan limits: metering, live gauges, alerts, history, forecast.
//!
//! Data flow: verified API calls (`api_keys::verifier`) and reported events
//! (`POST /api/v1/usage/events`, `ingest.rs` → `service::record_events`) are
//! committed to Postgres, then mark the organization in the [`meter`]. The
//! usage worker (`server/src/workers/usage.rs`) adds queued reported calls to
//! the hourly rollup (`service::apply_pending_calls`), then calls
//! `service::refresh` a few times a second: totals from the ledger, threshold alerts (emails through the
//! outbox), a copy in Redis, and a live event that moves every open gauge.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod meter;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::UsagePage;
