//! The audit page: filter, page through and export the organization's log.
//! `api.rs` calls `backend::audit::service`; the CSV export is an HTTP route
//! of the server (`server/src/http/audit_export.rs`).

pub mod api;
pub mod page;

pub use page::AuditPage;
