use super::model::{Invitation, InvitationPreview, MemberPage};
use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// Any member: one page of members matching `search` (name or email), owners
/// first, with the seats used against the plan. `page` is 1-based (0 means 1).
/// Errors: `Unauthorized`.
#[server(endpoint = "team/members", input = server_fn::codec::GetUrl)]
pub async fn list_members(
    #[server(default)] search: String,
    #[server(default)] page: u32,
) -> Result<MemberPage, AppError> {
    super::service::list_members(&search, page).await
}

/// Owner, admin: invitations not yet accepted or revoked (expired included).
/// Errors: `Forbidden`.
#[server(endpoint = "team/invitations", input = server_fn::codec::GetUrl)]
pub async fn list_invitations() -> Result<Vec<Invitation>, AppError> {
    super::service::list_invitations().await
}

/// Owner, admin: invites `email` with `role` and emails them a link.
/// Errors: `Validation` (email, role; already a member; already invited),
/// `Conflict` (no free seat), `Forbidden` (an admin inviting an owner), `RateLimited`.
#[server(endpoint = "team/invite")]
pub async fn invite_member(email: String, role: String) -> Result<(), AppError> {
    let input = super::model::NewInvitation::parse(&email, &role)?;
    super::service::invite(input).await
}

/// Owner, admin: sends a fresh link; the previous one stops working.
/// Errors: `NotFound` (also other organizations' ids), `RateLimited`.
#[server(endpoint = "team/invitations/resend")]
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    super::service::resend_invitation(id).await
}

/// Owner, admin: withdraws an invitation; its link says so.
/// Errors: `NotFound` (also other organizations' ids).
#[server(endpoint = "team/invitations/revoke")]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    super::service::revoke_invitation(id).await
}

/// Owner, admin: changes a member's role and returns the role saved. Their
/// open sessions get it on their next request.
/// Errors: `Forbidden` (an admin touching an owner), `Conflict` (the last
/// owner), `NotFound`, `Validation`.
#[server(endpoint = "team/members/role")]
pub async fn update_member_role(user_id: Uuid, role: String) -> Result<Role, AppError> {
    let role = super::model::parse_role(&role)?;
    super::service::update_role(user_id, role).await
}

/// Owner, admin: removes a member and ends their sessions here.
/// Errors: `Forbidden`, `Conflict` (the last owner; yourself), `NotFound`.
#[server(endpoint = "team/members/remove")]
pub async fn remove_member(user_id: Uuid) -> Result<(), AppError> {
    super::service::remove_member(user_id).await
}

/// Any member: leaves the organization and is signed out of it.
/// Errors: `Conflict` (the last owner).
#[server(endpoint = "team/leave")]
pub async fn leave_organization() -> Result<(), AppError> {
    super::service::leave().await?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Owner: makes another member the owner; the caller becomes an admin.
/// Errors: `Forbidden`, `NotFound`, `Conflict` (yourself).
#[server(endpoint = "team/transfer_ownership")]
pub async fn transfer_ownership(user_id: Uuid) -> Result<(), AppError> {
    super::service::transfer_ownership(user_id).await
}

/// Anyone with the link: what the invitation is, and whether it can still be
/// used. Never consumes it.
/// Errors: `NotFound` (unknown token).
#[server(endpoint = "invitations/preview", input = server_fn::codec::GetUrl)]
pub async fn get_invitation(token: String) -> Result<InvitationPreview, AppError> {
    super::service::preview_invitation(&token).await
}

/// Anyone with the link: joins the organization as the invited email, signed
/// in already, with that account's password, or by creating the account
/// (`name` and `password`), and opens a session there.
/// Errors: `Conflict` (expired, revoked, replaced, used, wrong account, no
/// free seat), `InvalidCredentials`, `Validation`, `NotFound`, `RateLimited`.
#[server(endpoint = "invitations/accept")]
pub async fn accept_invitation(
    token: String,
    #[server(default)] name: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    super::service::accept_invitation(&token, &name, password).await?;
    leptos_axum::redirect("/");
    Ok(())
}
