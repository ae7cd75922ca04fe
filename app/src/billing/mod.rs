//! Billing: the organization's plan and subscription, the card on file,
//! billing email and details, invoices (history, PDF) and plan changes.
//!
//! Data flow: the page (`page.rs`) calls the server functions in `api.rs`,
//! which parse input into domain types (`domain::money`, `domain::billing`,
//! `domain::card`, `model.rs`) and call `service.rs`. The service writes
//! Postgres (`db.rs`) and the audit log in one transaction per change; cards go
//! to the payment provider (`provider.rs`, a sandbox today) before anything is
//! stored, so a declined card changes nothing. `organization.plan_id` stays
//! the one effective plan: upgrades set it at once (with a paid proration
//! invoice), downgrades and cancellations are scheduled on the subscription and
//! applied by `service::close_due_periods`, the period-end job the server's
//! worker loop runs, which also issues each period's invoice. PDFs are drawn by
//! `pdf.rs` and served by `server/src/http/invoices.rs`.

pub mod api;
pub mod components;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod provider;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::BillingPage;
