use super::model::UsageOverview;
use crate::error::AppError;
use leptos::prelude::*;

/// Any member: this period's usage against the plan, `days` (30 or 90) of
/// daily history, the forecast and the alert history. Errors: `Unauthorized`.
#[server(endpoint = "usage/overview", input = server_fn::codec::GetUrl)]
pub async fn get_usage_overview(days: u32) -> Result<UsageOverview, AppError> {
    use crate::domain::Permission;
    let session = crate::server::require_permission(Permission::ViewUsage)?;
    let state = crate::server::state()?;
    super::service::overview(&state, session.organization_id, days).await
}
