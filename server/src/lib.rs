//! Portal's server: configuration, the axum router around the Leptos app,
//! HTTP endpoints that are not server functions, and background workers.

pub mod config;
pub mod demo;
pub mod dev;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod startup;
pub mod telemetry;
pub mod workers;
