//! The audit page: owners and admins read, filter, page through and export
//! their organization's audit log. (Entries are written by every feature
//! through `server::audit::record`; the database keeps them append-only.)
//!
//! Data flow: the page keeps its filter in the URL (a GET form, so it works
//! without JavaScript and can be bookmarked) and calls `list_audit_entries`;
//! `service.rs` scopes every query to the session's organization and pages
//! with a keyset on `(created_at, id)`, never an offset. The CSV export is an
//! axum route (`server/src/http/audit_export.rs`) that streams rows from
//! `db::stream_entries` into the response body as they arrive.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::AuditPage;
