//! Server functions of the team: thin adapters over `backend::team::service`.

use domain::team::{Invitation, InvitationPreview, MemberPage};
use domain::{AppError, Role};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{
        client, ctx, require_member, require_permission, session, session_token, set_cookie, state,
    },
    backend::session::customer::{clear_session_cookie, session_cookie},
    backend::session::Realm,
    backend::team::service,
    domain::team::{parse_role, NewInvitation},
    domain::Permission,
};

/// Any member: one page of members matching `search` (name or email), owners
/// first, with the seats used against the plan. `page` is 1-based (0 means 1).
/// Errors: `Unauthorized`.
#[server(endpoint = "team/members", input = server_fn::codec::GetUrl)]
pub async fn list_members(
    #[server(default)] search: String,
    #[server(default)] page: u32,
) -> Result<MemberPage, AppError> {
    let session = require_permission(Permission::ViewTeam)?;
    Ok(service::list_members(&ctx()?, &session, &search, page).await?)
}

/// Owner, admin: invitations not yet accepted or revoked (expired included).
/// Errors: `Forbidden`.
#[server(endpoint = "team/invitations", input = server_fn::codec::GetUrl)]
pub async fn list_invitations() -> Result<Vec<Invitation>, AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    Ok(service::list_invitations(&ctx()?, &session).await?)
}

/// Owner, admin: invites `email` with `role` and emails them a link.
/// Errors: `Validation` (email, role; already a member; already invited),
/// `Conflict` (no free seat), `Forbidden` (an admin inviting an owner), `RateLimited`.
#[server(endpoint = "team/invite")]
pub async fn invite_member(email: String, role: String) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    let input = NewInvitation::parse(&email, &role)?;
    Ok(service::invite(&ctx()?, &session, input).await?)
}

/// Owner, admin: sends a fresh link; the previous one stops working.
/// Errors: `NotFound` (also other organizations' ids), `RateLimited`.
#[server(endpoint = "team/invitations/resend")]
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    Ok(service::resend_invitation(&ctx()?, &session, id).await?)
}

/// Owner, admin: withdraws an invitation; its link says so.
/// Errors: `NotFound` (also other organizations' ids).
#[server(endpoint = "team/invitations/revoke")]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    Ok(service::revoke_invitation(&ctx()?, &session, id).await?)
}

/// Owner, admin: changes a member's role and returns the role saved. Their
/// open sessions get it on their next request.
/// Errors: `Forbidden` (an admin touching an owner), `Conflict` (the last
/// owner), `NotFound`, `Validation`.
#[server(endpoint = "team/members/role")]
pub async fn update_member_role(user_id: Uuid, role: String) -> Result<Role, AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    let role = parse_role(&role)?;
    Ok(service::update_role(&ctx()?, &session, user_id, role).await?)
}

/// Owner, admin: removes a member and ends their sessions here.
/// Errors: `Forbidden`, `Conflict` (the last owner; yourself), `NotFound`.
#[server(endpoint = "team/members/remove")]
pub async fn remove_member(user_id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    Ok(service::remove_member(&ctx()?, &session, user_id).await?)
}

/// Any member: leaves the organization and is signed out of it.
/// Errors: `Conflict` (the last owner).
#[server(endpoint = "team/leave")]
pub async fn leave_organization() -> Result<(), AppError> {
    let session = require_member()?;
    let state = state()?;
    service::leave(&state, &session).await?;
    set_cookie(&clear_session_cookie(&state.settings))?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Owner: makes another member the owner; the caller becomes an admin.
/// Errors: `Forbidden`, `NotFound`, `Conflict` (yourself).
#[server(endpoint = "team/transfer_ownership")]
pub async fn transfer_ownership(user_id: Uuid) -> Result<(), AppError> {
    let session = require_member()?;
    Ok(service::transfer_ownership(&ctx()?, &session, user_id).await?)
}

/// Anyone with the link: what the invitation is, and whether it can still be
/// used. Never consumes it.
/// Errors: `NotFound` (unknown token), `RateLimited`.
#[server(endpoint = "invitations/preview", input = server_fn::codec::GetUrl)]
pub async fn get_invitation(token: String) -> Result<InvitationPreview, AppError> {
    Ok(service::preview_invitation(&ctx()?, session()?.as_ref(), &client()?, &token).await?)
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
    let state = state()?;
    let session = session()?;
    let previous = session_token(Realm::Customer)?;
    let acceptance = service::Acceptance {
        token: &token,
        session: session.as_ref(),
        previous_token: previous.as_deref(),
        name: &name,
        password,
    };
    let cookie_token =
        service::accept_invitation(&state, &state.usage, &client()?, acceptance).await?;
    set_cookie(&session_cookie(&state.settings, &cookie_token))?;
    leptos_axum::redirect("/");
    Ok(())
}
