use super::model::DashboardSummary;
use crate::error::AppError;
use leptos::prelude::*;

/// Any member: the signed-in organization's summary. Errors: `Unauthorized`.
#[server(endpoint = "dashboard/summary", input = server_fn::codec::GetUrl)]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    use crate::domain::Permission;
    let session = crate::server::require_permission(Permission::ViewDashboard)?;
    let state = crate::server::state()?;
    let row = super::db::find_summary(&state.db, session.organization_id).await?;
    Ok(DashboardSummary {
        organization_name: row.organization_name,
        plan_name: row.plan_name,
        plan_price_cents: row.price_cents,
        currency: row.currency,
        member_count: row.member_count.unwrap_or(0),
        seats_limit: row.seats_limit,
        api_calls_limit: row.api_calls_limit,
        storage_mb_limit: row.storage_mb_limit,
        your_role: session.role,
    })
}
