//! The dashboard: the organization at a glance, with live gauges.
//! `api.rs` calls `backend::dashboard::service`.

pub mod api;
pub mod page;

pub use page::DashboardPage;
