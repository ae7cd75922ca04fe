//! Server function of the dashboard: a thin adapter over `backend::dashboard::service`.

use domain::dashboard::DashboardSummary;
use domain::AppError;
use leptos::prelude::*;

/// Any member: the signed-in organization's summary. Errors: `Unauthorized`.
#[server(endpoint = "dashboard/summary", input = server_fn::codec::GetUrl)]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    use crate::request::{ctx, require_permission};
    let session = require_permission(domain::Permission::ViewDashboard)?;
    Ok(backend::dashboard::service::summary(&ctx()?, &session).await?)
}
