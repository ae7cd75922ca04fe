//! API keys: customers create, rotate and revoke the keys their code uses to
//! call the SaaS's API, and the SaaS checks a presented key on every call.
//!
//! Data flow: the page (`page.rs`) calls the server functions in `api.rs`;
//! `service.rs` writes Postgres (only a SHA-256 of each key) and the audit log
//! in one transaction, then announces revocations and rotations on Redis
//! pub/sub. `verifier.rs` answers "is this key valid?" from an in-process
//! cache that those announcements evict on every server instance, with a short
//! TTL as the safety net; it also buffers "last used" times and flushes them
//! to Postgres in batches, so a verified call costs no database round trip.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod verifier;

pub use page::ApiKeysPage;
