use super::model::{AuditFilterInput, AuditLogPage};
use crate::error::AppError;
use leptos::prelude::*;

/// Owner, admin: one page of the organization's audit log, newest first,
/// matching the filter; `before` is the previous page's `next_before`.
/// Without a filter: the newest entries.
/// Errors: `Forbidden`, `Validation` (`from`, `to`).
#[server(endpoint = "audit/entries", input = server_fn::codec::GetUrl)]
pub async fn list_audit_entries(
    #[server(default)] filter: AuditFilterInput,
) -> Result<AuditLogPage, AppError> {
    // Authorize before looking at the input, so a member learns nothing.
    crate::server::require_permission(crate::domain::Permission::ViewAuditLog)?;
    super::service::list(filter.parse()?).await
}
