use super::model::Member;
use crate::error::AppError;
use leptos::prelude::*;

/// Any member: the members of the signed-in organization, owners first.
/// Errors: `Unauthorized`.
#[server(endpoint = "team/members", input = server_fn::codec::GetUrl)]
pub async fn list_members() -> Result<Vec<Member>, AppError> {
    use crate::domain::Permission;
    let session = crate::server::require_permission(Permission::ViewTeam)?;
    let state = crate::server::state()?;
    let rows = super::db::list_members(&state.db, session.organization_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Member {
                user_id: row.user_id,
                name: row.name,
                email: row.email,
                role: row.role.parse().ok()?,
                joined_on: row.joined_on.date().to_string(),
            })
        })
        .collect())
}
