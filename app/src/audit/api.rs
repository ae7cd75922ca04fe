//! Server functions of the audit page: a thin adapter over `backend::audit::service`.

use domain::audit::{AuditFilterInput, AuditLogPage, AuditPerson};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::request::{ctx, require_permission},
    backend::audit::service,
    domain::Permission,
};

/// Owner, admin: one page of the organization's audit log, newest first,
/// matching the filter; `before` is the previous page's `next_before`.
/// Without a filter: the newest entries.
/// Errors: `Forbidden`, `Validation` (`from`, `to`).
#[server(endpoint = "audit/entries", input = server_fn::codec::GetUrl)]
pub async fn list_audit_entries(
    #[server(default)] filter: AuditFilterInput,
) -> Result<AuditLogPage, AppError> {
    // Authorize before looking at the input, so a member learns nothing.
    let session = require_permission(Permission::ViewAuditLog)?;
    Ok(service::list(&ctx()?, &session, filter.parse()?).await?)
}

/// Owner, admin: the organization's members, whom the log can be filtered by.
/// Errors: `Forbidden`.
#[server(endpoint = "audit/people", input = server_fn::codec::GetUrl)]
pub async fn list_audit_people() -> Result<Vec<AuditPerson>, AppError> {
    let session = require_permission(Permission::ViewAuditLog)?;
    Ok(service::people(&ctx()?, &session).await?)
}
