//! Portal's application: every page, component and server function, shared by
//! the server (feature `ssr`) and the browser (feature `hydrate`).
//!
//! Start with `app.rs` (the route table), then one feature folder, e.g.
//! `auth/`: `api.rs` (server functions) → `service.rs` (workflow) → `db.rs` (SQL).
#![recursion_limit = "512"]

/// Account settings: names, billing and login email, password, sessions.
pub mod account;
/// API keys: create, rotate, revoke, and verify presented keys fast.
pub mod api_keys;
/// The shell, the `App` component, the route table and app-wide context.
pub mod app;
/// The audit page: filter, page through and export the audit log.
pub mod audit;
/// Sign-up, sign-in, sign-out and the current user.
pub mod auth;
/// Plan, subscription, card on file, invoices (with PDFs) and plan changes.
pub mod billing;
/// The organization at a glance.
pub mod dashboard;
/// Validated domain types and the permission matrix (no I/O, both targets).
pub mod domain;
/// `AppError`, the one error type of every server function.
pub mod error;
/// Live updates: server events pushed to open pages (SSE over Redis pub/sub).
pub mod live;
/// Outgoing email through a transactional outbox.
pub mod notifications;
/// Server-only plumbing: state, sessions, audit log, rate limits.
#[cfg(feature = "ssr")]
pub mod server;
/// Support tickets for customers and the staff console that answers them.
pub mod support;
/// Who belongs to the organization.
pub mod team;
/// The design system: forms, cards, layout, theme.
pub mod ui;
/// Usage against plan limits: metering, live gauges, alerts, history, forecast.
pub mod usage;

pub use app::{shell, App};
