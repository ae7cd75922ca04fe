//! The usage page: gauges against plan limits, history, forecast, alerts.
//! `api.rs` calls `backend::usage::service`.

pub mod api;
mod chart;
pub mod page;

pub use page::UsagePage;
