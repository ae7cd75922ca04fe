//! Portal's domain: the types and rules shared by the browser and the server.
//!
//! Nothing here does I/O or knows a framework. Newtypes parse user input into
//! values that can only be valid (`EmailAddress::parse`), so the same check
//! gives instant feedback in the browser and is the check that counts on the
//! server. Each feature's wire models (what its server functions return) live
//! in a module named after the feature; `AppError` is the one error that
//! crosses the wire.

/// `AppError` and `FieldErrors`: what a user may read of a failure.
pub mod error;

// ----- shared newtypes and rules
/// `CardNumber` (Luhn), `CardExpiry`, `CardCvc`: card input that never prints.
pub mod card;
/// Chart axes: round ticks and compact labels ("12k").
pub mod chart;
/// Dates as the portal writes them ("Dec 12, 2026").
pub mod dates;
/// `EmailAddress`: trimmed, lower-cased, plausibly deliverable.
pub mod email;
/// `Money`: integer minor units and a `Currency`; never floats. Number and
/// money formatting (`group_thousands`, `format_money`).
pub mod money;
/// `OrganizationName`, `PersonName`, `ApiKeyName`: trimmed, non-empty, bounded.
pub mod names;
/// `Password`: the password policy (length only, as NIST SP 800-63B advises).
pub mod password;
/// Proration, invoice totals, tax, overage and plan-change limit conflicts.
pub mod pricing;
/// Query strings of the links the portal builds.
pub mod query;
/// `Role`, `Permission` and the matrix of who may do what.
pub mod role;

// ----- one module per feature: its wire models and input rules
/// Account settings: profile, email change, sessions.
pub mod account;
/// `ApiKeySecret` (the `sk_live_` format and its checksum), scopes, key lists.
pub mod api_keys;
/// Files on support tickets: limits, accepted kinds, safe names.
pub mod attachments;
/// The audit log page: filters, entries, before/after diffs.
pub mod audit;
/// The signed-in user.
pub mod auth;
/// Plans, subscriptions, invoices, billing details.
pub mod billing;
/// Staff's canned replies and their placeholders.
pub mod canned;
/// The dashboard's summary.
pub mod dashboard;
/// The help center: article categories, search input and results.
pub mod help;
/// Events pushed to open pages.
pub mod live;
/// Which emails a person wants.
pub mod notifications;
/// Satisfaction ratings of resolved tickets (CSAT).
pub mod satisfaction;
/// The support team: staff, admins and staff invitations.
pub mod staff;
/// Support tickets and the staff console.
pub mod support;
/// Members and invitations.
pub mod team;
/// Second-factor codes, enrollment and recovery codes.
pub mod two_factor;
/// Usage metrics, limits, alerts and forecasts.
pub mod usage;
/// Webhook endpoints, events and their delivery log.
pub mod webhooks;

pub use api_keys::{ApiKeyScope, ApiKeySecret};
pub use dates::format_date;
pub use email::EmailAddress;
pub use error::{AppError, FieldErrors};
pub use money::{format_money, group_thousands, Currency, Money};
pub use names::{ApiKeyName, OrganizationName, PersonName};
pub use password::Password;
pub use role::{Permission, Role};
