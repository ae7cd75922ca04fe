//! Account settings and security: the organization's name and billing email,
//! the user's own name, login email and password, and their sessions.
//!
//! Data flow: the pages (`page.rs`) call the server functions in `api.rs`;
//! `service.rs` checks the caller's permission, changes Postgres and writes the
//! audit entry (with before/after) in one transaction, then evicts the affected
//! sessions from the Redis cache so names, emails and revocations show at once.
//! A login email change is a two-step workflow: `request_email_change` stores
//! the SHA-256 of a random token and mails the link to the new address through
//! the notifications outbox; only `confirm_email_change` (a POST from the page
//! the link opens) changes the email.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::{ConfirmEmailPage, SecurityPage, SettingsPage};
