//! Server function of the usage page: a thin adapter over `backend::usage::service`.

use domain::usage::UsageOverview;
use domain::AppError;
use leptos::prelude::*;

/// Any member: this period's usage against the plan, `days` (30 or 90) of
/// daily history, the forecast and the alert history. Errors: `Unauthorized`.
#[server(endpoint = "usage/overview", input = server_fn::codec::GetUrl)]
pub async fn get_usage_overview(days: u32) -> Result<UsageOverview, AppError> {
    use crate::request::{require_permission, state};
    let session = require_permission(domain::Permission::ViewUsage)?;
    let state = state()?;
    Ok(backend::usage::service::overview(
        &state,
        session.organization_id,
        days,
        &session.local_time(state.now()),
    )
    .await?)
}
