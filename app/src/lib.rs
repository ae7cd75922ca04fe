//! Portal's user interface: every page, component and server function, shared
//! by the server (feature `ssr`, which renders pages and runs the server
//! functions) and the browser (feature `hydrate`).
//!
//! Start with `app.rs` (the route table), then one feature folder, e.g.
//! `billing/`: `page.rs` (the route) and `components.rs` (its parts), and
//! `api.rs` (server functions: read the session, check the permission, parse,
//! call one `backend` service). Types on the wire come from `domain`; the
//! services and SQL live in the `backend` crate, which the browser never
//! compiles.
#![recursion_limit = "512"]

/// Account settings: names, billing and login email, password, sessions.
pub mod account;
/// API keys: create, rotate, revoke.
pub mod api_keys;
/// The shell, the `App` component and the route table.
pub mod app;
/// The audit page: filter, page through and export the audit log.
pub mod audit;
/// Sign-up, sign-in, sign-out, the current user and `AuthContext`.
pub mod auth;
/// Plan, subscription, card on file, invoices (with PDFs) and plan changes.
pub mod billing;
/// The organization at a glance.
pub mod dashboard;
/// The help center: articles, search, suggestions beside the ticket form.
pub mod help;
/// Live updates pushed to open pages.
pub mod live;
/// What server functions read from the request: state, sessions, cookies.
#[cfg(feature = "ssr")]
pub mod request;
/// The support console for the company's staff.
pub mod staff;
/// Support tickets, as customers use them.
pub mod support;
/// Who belongs to the organization.
pub mod team;
/// Two-factor authentication: setup, recovery codes.
pub mod two_factor;
/// The design system: frame, page header, tables, pager, badges, forms, theme.
pub mod ui;
/// Usage against plan limits: live gauges, history, forecast, alerts.
pub mod usage;
/// Webhook endpoints and their delivery log.
pub mod webhooks;

pub use app::{shell, App};
