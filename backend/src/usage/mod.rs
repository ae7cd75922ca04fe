//! Usage against plan limits: metered API calls and reported events
//! (`ingest`, `service::record_events`), the per-instance change set the
//! usage worker drains (`meter`), live totals in Redis, threshold alerts,
//! history and forecast for the usage page.

pub mod db;
pub mod ingest;
pub mod meter;
pub mod service;
