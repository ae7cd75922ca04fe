//! The dashboard: the organization at a glance (account, live usage against
//! limits, billing, recent invoices, team, API keys, tickets), in at most two
//! round trips per view (see `service.rs`).

pub mod db;
pub mod service;
