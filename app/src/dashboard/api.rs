use super::model::DashboardSummary;
use crate::error::AppError;
use leptos::prelude::*;

/// Any member: the signed-in organization's summary. Errors: `Unauthorized`.
#[server(endpoint = "dashboard/summary", input = server_fn::codec::GetUrl)]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    use crate::domain::Permission;
    let session = crate::server::require_permission(Permission::ViewDashboard)?;
    let state = crate::server::state()?;
    super::service::summary(&state, &session).await
}
