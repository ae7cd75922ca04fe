//! The dashboard: the organization at a glance (account, live usage against
//! limits, billing, recent invoices, team, API keys), in at most two round
//! trips per view (see `service.rs`).

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::DashboardPage;
