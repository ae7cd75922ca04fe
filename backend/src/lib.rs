//! Portal's backend: everything behind the server functions — sessions,
//! services, SQL, the outbox, the API key verifier, metering, PDFs.
//!
//! No Leptos and no framework context: a service takes what it needs as
//! arguments (`&Ctx`, the caller's `&AuthSession` or `&StaffSession`, parsed
//! domain types), so a server function, an HTTP handler, a worker and a test
//! all call it the same way.
//!
//! Layers, each importing only those below it:
//! 1. plumbing — `ctx`, `clock`, `calendar`, `settings`, `error`, `tokens`,
//!    `client`, `password`, `rate_limit`, `session`, `sql`, `uow`, `live`;
//! 2. shared services features write through — `audit` (the log),
//!    `notifications` (the email outbox);
//! 3. features, one folder each: `service.rs` (workflows, transactions,
//!    authorization the adapter did not already do) over `db.rs` (all SQL,
//!    compile-checked against `.sqlx/`);
//! 4. `state` — `AppState`, the composition the server holds.

// ----- plumbing
pub mod breaker;
pub mod calendar;
pub mod client;
pub mod clock;
pub mod ctx;
pub mod error;
pub mod lifecycle;
pub mod live;
pub mod local_time;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod settings;
pub mod sql;
pub mod tokens;
pub mod uow;

// ----- written to by every feature
/// The audit log: the entry builder every mutation records, and the audit page.
pub mod audit;
/// Outgoing email through a transactional outbox.
pub mod notifications;

// ----- features
/// Account settings: names, billing and login email, password, sessions.
pub mod account;
/// API keys: create, rotate, revoke, and verify presented keys fast.
pub mod api_keys;
/// Sign-up, sign-in, sign-out.
pub mod auth;
/// Plan, subscription, card on file, invoices (with PDFs) and plan changes.
pub mod billing;
/// The organization at a glance.
pub mod dashboard;
/// The help center: articles, search, suggestions and "was this helpful?".
pub mod help;
/// The support console: staff sign-in, every organization's tickets.
pub mod staff;
/// Support tickets, as customers see them.
pub mod support;
/// Who belongs to the organization: members, roles, invitations.
pub mod team;
/// Two-factor authentication: TOTP and recovery codes.
pub mod two_factor;
/// Usage against plan limits: metering, live totals, alerts, history.
pub mod usage;
/// Webhook endpoints, signed deliveries with retries, and their log.
pub mod webhooks;

// ----- composition
pub mod state;

pub use client::{ClientMeta, TraceId};
pub use ctx::Ctx;
pub use error::{Error, Result};
pub use session::{AuthSession, StaffSession};
pub use settings::Settings;
pub use state::AppState;
