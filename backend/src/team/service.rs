//! Team workflows. Every change locks the organization's team first
//! (`db::lock_team`), so seat and owner counts cannot race, writes its audit
//! entry in the same transaction, and, after commit, drops the cached sessions
//! of the member it changed so their next request sees the new role. The
//! adapter has already checked `ViewTeam` or `ManageTeam`.

use super::db::{self, NewInvitationRow};
use crate::audit::AuditEntry;
use crate::auth::invited::InvitedAccount;
use crate::auth::service::{revoke_previous, start_session, verify_credentials};
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::local_time::LocalTime;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::rate_limit::{self, Limit};
use crate::session::customer as session;
use crate::session::AuthSession;
use crate::sql::like_pattern;
use crate::tokens::{hash_token, new_token};
use crate::uow::UnitOfWork;
use crate::usage::meter::UsageMeter;
use crate::webhooks::events::emit;
use domain::dates::utc_minutes;
use domain::team::{
    Invitation, InvitationPreview, InvitationStatus, Member, MemberPage, NewInvitation, SeatUsage,
    INVITATION_TTL_DAYS, MEMBERS_PER_PAGE,
};
use domain::webhooks::EventType;
use domain::{AppError, EmailAddress, FieldErrors, Role};
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// One page of members matching `search`, owners first, with seat usage.
pub async fn list_members(
    ctx: &Ctx,
    session: &AuthSession,
    search: &str,
    page: u32,
) -> Result<MemberPage> {
    let state = ctx;
    let org = session.organization_id;
    let pattern = like_pattern(search);
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(MEMBERS_PER_PAGE);
    // Three independent reads on three pooled connections, at once.
    let (rows, total, seats) = futures::try_join!(
        db::list_members(
            &state.db,
            org,
            pattern.as_deref(),
            MEMBERS_PER_PAGE.into(),
            offset,
        ),
        db::count_members(&state.db, org, pattern.as_deref()),
        db::seat_usage(&state.db, org, state.now()),
    )?;
    let local = session.local_time(ctx.now());
    Ok(MemberPage {
        members: rows
            .into_iter()
            .map(|row| Member {
                is_you: row.user_id == session.user_id,
                user_id: row.user_id,
                name: row.name,
                email: row.email,
                role: row.role,
                joined_on: local.date(row.joined_at),
                last_active: row.last_active.map(|at| local.moment(at)),
            })
            .collect(),
        total,
        page,
        per_page: MEMBERS_PER_PAGE,
        seats: seat_usage(seats),
    })
}

fn seat_usage(row: db::SeatRow) -> SeatUsage {
    SeatUsage {
        members: row.members,
        pending_invitations: row.pending_invitations,
        limit: row.seats_limit,
        plan_name: row.plan_name,
    }
}

/// Open invitations (expired ones included, so they can be resent).
pub async fn list_invitations(ctx: &Ctx, session: &AuthSession) -> Result<Vec<Invitation>> {
    let now = ctx.now();
    let local = session.local_time(now);
    let rows = db::list_open_invitations(&ctx.db, session.organization_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| Invitation {
            id: row.id,
            email: row.email,
            role: row.role,
            invited_by: row.invited_by,
            sent_at: local.moment(row.created_at),
            expires_at: local.moment(row.expires_at),
            expired: row.expires_at <= now,
        })
        .collect())
}

/// Invites someone by email with a role. Errors: `Validation` (`email`:
/// already a member or invited), `Conflict` (no free seat), `Forbidden` (an
/// admin granting owner), `RateLimited`.
pub async fn invite(ctx: &Ctx, session: &AuthSession, input: NewInvitation) -> Result<()> {
    guard_owner_grant(session, input.role)?;
    let state = ctx;
    count_invite(state, session.organization_id).await?;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, session.organization_id).await?;
    if db::is_member_email(&mut *tx, session.organization_id, &input.email).await? {
        return Err(field_error(
            "email",
            format!("{} is already a member of this team.", input.email),
        )
        .into());
    }
    let seats = db::seat_usage(&mut *tx, session.organization_id, state.now()).await?;
    if seats.members + seats.pending_invitations >= seats.seats_limit {
        return Err(seats_full(&seats).into());
    }
    let id = send_invitation(&mut tx, state, session, &input.email, input.role).await?;
    session
        .audit("invitation.created")
        .target("invitation", id)
        .after(json!({ "email": input.email.as_str(), "role": input.role.as_str() }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a new token for an open invitation; the old link stops working and
/// says it was replaced.
pub async fn resend_invitation(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    let state = ctx;
    count_invite(state, session.organization_id).await?;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, session.organization_id).await?;
    let old = db::lock_open_invitation(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = EmailAddress::parse(&old.email)
        .map_err(|_| anyhow::anyhow!("stored invitation email {:?} is invalid", old.email))?;
    let role = old.role;
    guard_owner_grant(session, role)?;
    db::revoke_invitation(&mut tx, id, "resent", state.now()).await?;
    let new_id = send_invitation(&mut tx, state, session, &email, role).await?;
    session
        .audit("invitation.resent")
        .target("invitation", id)
        .after(json!({ "email": email.as_str(), "replaced_by": new_id }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws an open invitation; its link stops working.
pub async fn revoke_invitation(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let open = db::lock_open_invitation(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::revoke_invitation(&mut tx, id, "revoked", ctx.now()).await?;
    session
        .audit("invitation.revoked")
        .target("invitation", id)
        .before(json!({ "email": open.email, "role": open.role.as_str() }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts the invitation and queues its email in the caller's transaction.
async fn send_invitation(
    tx: &mut PgConnection,
    ctx: &Ctx,
    session: &AuthSession,
    email: &EmailAddress,
    role: Role,
) -> Result<Uuid> {
    let token = new_token()?;
    let expires_at = ctx.now() + time::Duration::days(INVITATION_TTL_DAYS);
    let row = NewInvitationRow {
        organization_id: session.organization_id,
        email,
        role,
        token_hash: &hash_token(&token),
        invited_by: session.user_id,
        expires_at,
    };
    let id = db::insert_invitation(tx, row).await.on_constraint(
        "invitation_one_open_per_email",
        || {
            field_error(
                "email",
                format!("{email} already has an open invitation. Resend it from the list below."),
            )
        },
    )?;
    let message = Email::Invitation {
        organization_name: session.organization_name.clone(),
        invited_by: session.name.clone(),
        role: role.label().to_owned(),
        token,
        expires_on: utc_minutes(expires_at),
    };
    notify(
        tx,
        &format!("invitation:{id}"),
        Some(session.organization_id),
        email,
        &message,
    )
    .await?;
    Ok(id)
}

/// Counts an invitation email against the organization's hourly allowance:
/// enough for onboarding a whole department, too few to use Portal as a spam relay.
async fn count_invite(ctx: &Ctx, organization_id: Uuid) -> Result<()> {
    let limit = Limit::fixed(
        ctx,
        "invites",
        &organization_id.to_string(),
        ctx.settings.limits.invites_per_org,
    );
    rate_limit::attempt(ctx, &[limit]).await
}

fn seats_full(seats: &db::SeatRow) -> AppError {
    AppError::Conflict(format!(
        "All {limit} seats of your {plan} plan are taken ({members} members, {pending} pending invitations). \
         Upgrade the plan or revoke an invitation to invite someone else.",
        limit = seats.seats_limit,
        plan = seats.plan_name,
        members = seats.members,
        pending = seats.pending_invitations,
    ))
}

/// Changes a member's role; returns the role now held. Errors: `NotFound`,
/// `Forbidden` (owners are changed only by owners), `Conflict` (the last owner).
pub async fn update_role(
    ctx: &Ctx,
    session: &AuthSession,
    user_id: Uuid,
    role: Role,
) -> Result<Role> {
    let org = session.organization_id;
    let mut uow = UnitOfWork::begin(ctx).await?;
    db::lock_team(&mut uow, org).await?;
    let target = db::find_member(&mut *uow, org, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = target.role;
    if current == role {
        return Ok(role);
    }
    guard_owner_change(session, current)?;
    guard_owner_grant(session, role)?;
    if current == Role::Owner {
        guard_not_last_owner(&mut uow, org, &target.name).await?;
    }
    db::update_role(&mut uow, org, user_id, role).await?;
    session
        .audit("member.role_changed")
        .target("member", user_id)
        .before(json!({ "email": target.email, "role": current.as_str() }))
        .after(json!({ "email": target.email, "role": role.as_str() }))
        .record(&mut uow)
        .await?;
    let sessions = session::member_session_hashes(&mut uow, org, user_id).await?;
    evict_after_commit(&mut uow, sessions);
    uow.commit().await?;
    Ok(role)
}

/// Removes another member; their sessions in this organization end.
pub async fn remove_member(ctx: &Ctx, session: &AuthSession, user_id: Uuid) -> Result<()> {
    if user_id == session.user_id {
        return Err(
            AppError::Conflict("To remove yourself, use “Leave organization”.".into()).into(),
        );
    }
    let org = session.organization_id;
    let mut uow = UnitOfWork::begin(ctx).await?;
    db::lock_team(&mut uow, org).await?;
    let target = db::find_member(&mut *uow, org, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = target.role;
    guard_owner_change(session, role)?;
    if role == Role::Owner {
        guard_not_last_owner(&mut uow, org, &target.name).await?;
    }
    db::delete_member(&mut uow, org, user_id).await?;
    let sessions = session::end_member_sessions(&mut uow, org, user_id).await?;
    session
        .audit("member.removed")
        .target("member", user_id)
        .before(json!({ "email": target.email, "name": target.name, "role": role.as_str() }))
        .record(&mut uow)
        .await?;
    let data =
        json!({ "user_id": user_id, "email": target.email, "role": role.as_str(), "left": false });
    emit(&mut uow, org, EventType::MemberRemoved, data).await?;
    evict_after_commit(&mut uow, sessions);
    uow.commit().await
}

/// The signed-in member leaves; their sessions in this organization end
/// (the adapter clears the cookie). Errors: `Conflict` (the only owner).
pub async fn leave(ctx: &Ctx, session: &AuthSession) -> Result<()> {
    let org = session.organization_id;
    let mut uow = UnitOfWork::begin(ctx).await?;
    db::lock_team(&mut uow, org).await?;
    if session.role == Role::Owner && db::count_owners(&mut uow, org).await? <= 1 {
        return Err(AppError::Conflict(
            "You are the only owner. Transfer ownership to someone else before leaving.".into(),
        )
        .into());
    }
    db::delete_member(&mut uow, org, session.user_id).await?;
    let sessions = session::end_member_sessions(&mut uow, org, session.user_id).await?;
    session
        .audit("member.left")
        .target("member", session.user_id)
        .before(json!({ "email": session.email, "role": session.role.as_str() }))
        .record(&mut uow)
        .await?;
    let data = json!({
        "user_id": session.user_id, "email": session.email, "role": session.role.as_str(), "left": true,
    });
    emit(&mut uow, org, EventType::MemberRemoved, data).await?;
    evict_after_commit(&mut uow, sessions);
    uow.commit().await
}

/// Owner only: makes another member an owner and the caller an admin,
/// atomically. Errors: `Forbidden`, `Conflict` (themselves), `NotFound`.
pub async fn transfer_ownership(ctx: &Ctx, session: &AuthSession, user_id: Uuid) -> Result<()> {
    if session.role != Role::Owner {
        return Err(AppError::Forbidden.into());
    }
    if user_id == session.user_id {
        return Err(AppError::Conflict("You already own this organization.".into()).into());
    }
    let org = session.organization_id;
    let mut uow = UnitOfWork::begin(ctx).await?;
    db::lock_team(&mut uow, org).await?;
    let target = db::find_member(&mut *uow, org, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let previous = target.role;
    db::update_role(&mut uow, org, user_id, Role::Owner).await?;
    db::update_role(&mut uow, org, session.user_id, Role::Admin).await?;
    session
        .audit("organization.ownership_transferred")
        .target("member", user_id)
        .before(json!({ "owner": session.email, "new_owner_role": previous.as_str() }))
        .after(json!({ "owner": target.email, "previous_owner_role": "admin" }))
        .record(&mut uow)
        .await?;
    let mut sessions = session::member_session_hashes(&mut uow, org, user_id).await?;
    sessions.extend(session::member_session_hashes(&mut uow, org, session.user_id).await?);
    evict_after_commit(&mut uow, sessions);
    uow.commit().await
}

/// Cached sessions carry the role: drop them once the change is committed.
fn evict_after_commit(uow: &mut UnitOfWork<'_>, token_hashes: Vec<Vec<u8>>) {
    uow.after_commit(move |ctx| async move { session::evict_cached(&ctx, &token_hashes).await });
}

/// Admins manage the team, but owners are only changed by owners.
fn guard_owner_change(session: &AuthSession, target_role: Role) -> Result<()> {
    if target_role == Role::Owner && session.role != Role::Owner {
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

/// Only an owner can make someone an owner (by invitation or role change).
fn guard_owner_grant(session: &AuthSession, role: Role) -> Result<()> {
    if role == Role::Owner && session.role != Role::Owner {
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

async fn guard_not_last_owner(
    tx: &mut PgConnection,
    organization_id: Uuid,
    name: &str,
) -> Result<()> {
    if db::count_owners(tx, organization_id).await? <= 1 {
        return Err(AppError::Conflict(format!(
            "{name} is the only owner. Make someone else an owner first, so the organization always has one."
        ))
        .into());
    }
    Ok(())
}

fn field_error(field: &str, message: String) -> FieldErrors {
    FieldErrors::single(field, message)
}

// ------------------------------------------------------------ accepting

/// What the accept page shows. Reading never consumes the token: mail
/// scanners open links before people do.
/// `session` is the visitor's, if they are signed in.
pub async fn preview_invitation(
    ctx: &Ctx,
    session: Option<&AuthSession>,
    client: &ClientMeta,
    token: &str,
) -> Result<InvitationPreview> {
    limit_links(ctx, client).await?;
    let row = db::find_invitation_by_token(&ctx.db, &hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.now();
    let status = status_of(&row, now);
    let local = LocalTime::for_reader(
        session.and_then(|s| s.time_zone.as_deref()),
        client.time_zone.as_deref(),
        now,
    );
    Ok(InvitationPreview {
        organization_name: row.organization_name,
        invited_by: row.invited_by,
        role: row.role,
        email: row.email,
        status,
        expires_at: local.moment(row.expires_at),
        account_exists: row.account_exists,
        signed_in_as: session.map(|s| s.email.clone()),
    })
}

fn status_of(row: &db::InvitationByTokenRow, now: OffsetDateTime) -> InvitationStatus {
    match (row.accepted_at, row.revoked_reason.as_deref()) {
        (Some(_), _) => InvitationStatus::Accepted,
        (None, Some("resent")) => InvitationStatus::Replaced,
        (None, Some(_)) => InvitationStatus::Revoked,
        (None, None) if row.expires_at <= now => InvitationStatus::Expired,
        (None, None) => InvitationStatus::Pending,
    }
}

/// Opening and accepting a link need no sign-in: limited per address, before
/// the token is looked up.
async fn limit_links(ctx: &Ctx, client: &ClientMeta) -> Result<()> {
    let rule = ctx.settings.limits.invitation_links_per_ip;
    rate_limit::attempt_per_client(ctx, "invitation_link", client, rule).await
}

/// Who accepts: the signed-in invitee, an existing account proving its
/// password, or a new account created for the invited email.
enum Acceptor {
    SignedIn(Uuid),
    Existing(Uuid),
    New(InvitedAccount),
}

/// Who accepts the invitation of `token`, and how.
pub struct Acceptance<'a> {
    pub token: &'a str,
    /// The visitor's session, if they are signed in (it must be the invitee's).
    pub session: Option<&'a AuthSession>,
    /// The cookie token the browser brought, revoked once the new session starts.
    pub previous_token: Option<&'a str>,
    /// For a new account: its name and password; for an existing one, its password.
    pub name: &'a str,
    pub password: String,
}

/// Joins the invitation's organization and starts a session there; returns
/// the session's cookie token. Errors: `NotFound`, `Conflict` (expired,
/// used, no seat, signed in as someone else), `Validation`, `InvalidCredentials`.
pub async fn accept_invitation(
    ctx: &Ctx,
    meter: &UsageMeter,
    client: &ClientMeta,
    acceptance: Acceptance<'_>,
) -> Result<String> {
    limit_links(ctx, client).await?;
    let state = ctx;
    let meta = client;
    let row = db::find_invitation_by_token(&state.db, &hash_token(acceptance.token))
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(problem) = status_of(&row, state.now()).problem() {
        return Err(AppError::Conflict(problem.into()).into());
    }
    let email = EmailAddress::parse(&row.email)
        .map_err(|_| anyhow::anyhow!("stored invitation email {:?} is invalid", row.email))?;
    let acceptor = identify_acceptor(
        state,
        acceptance.session,
        &email,
        acceptance.name,
        acceptance.password,
        meta,
    )
    .await?;

    let mut tx = state.db.begin().await?;
    let user_id = match acceptor {
        Acceptor::SignedIn(id) | Acceptor::Existing(id) => id,
        Acceptor::New(account) => account.create(&mut tx, &email).await?,
    };
    db::lock_team(&mut tx, row.organization_id).await?;
    let seats = db::seat_usage(&mut *tx, row.organization_id, state.now()).await?;
    // This invitation held a seat; a plan downgrade since may have taken it away.
    if seats.members >= seats.seats_limit {
        return Err(AppError::Conflict(format!(
            "{} has no free seat on its {} plan right now. Ask the person who invited you to free a seat or upgrade.",
            seats.organization_name, seats.plan_name
        ))
        .into());
    }
    if !db::claim_invitation(&mut tx, row.id, user_id, state.now()).await? {
        // Someone else accepted, revoked or resent it while we checked.
        return Err(AppError::Conflict(
            InvitationStatus::Accepted
                .problem()
                .unwrap_or_default()
                .into(),
        )
        .into());
    }
    let role = row.role;
    if !db::insert_member_if_absent(&mut tx, row.organization_id, user_id, role).await? {
        return Err(AppError::Conflict(format!(
            "You are already a member of {}.",
            row.organization_name
        ))
        .into());
    }
    // The invitation went to this address: accepting it proves the address
    // (an account that signed up and never verified is verified now).
    crate::auth::db::mark_email_verified(&mut tx, user_id, email.as_str()).await?;
    AuditEntry::new("invitation.accepted", meta)
        .organization(row.organization_id)
        .actor(user_id, email.as_str())
        .target("invitation", row.id)
        .after(json!({ "email": email.as_str(), "role": role.as_str() }))
        .record(&mut tx)
        .await?;
    let data = json!({ "user_id": user_id, "email": email.as_str(), "role": role.as_str() });
    emit(&mut tx, row.organization_id, EventType::MemberAdded, data).await?;
    let token = start_session(
        &mut tx,
        state,
        meta,
        user_id,
        &email,
        Some(row.organization_id),
    )
    .await?;
    tx.commit().await?;
    // The request came without a session of this organization, so the write
    // middleware cannot tell whose dashboard and seat count just changed.
    crate::dashboard::service::invalidate(state, row.organization_id).await;
    meter.mark_changed(row.organization_id);
    revoke_previous(state, acceptance.previous_token).await?;
    Ok(token)
}

async fn identify_acceptor(
    state: &Ctx,
    session: Option<&AuthSession>,
    email: &EmailAddress,
    name: &str,
    password: String,
    meta: &ClientMeta,
) -> Result<Acceptor> {
    if let Some(current) = session {
        if current.email != email.as_str() {
            return Err(AppError::Conflict(format!(
                "This invitation is for {email}, but you are signed in as {}. Sign out, then open the link again.",
                current.email
            ))
            .into());
        }
        return Ok(Acceptor::SignedIn(current.user_id));
    }
    if crate::auth::db::find_user_for_sign_in(&state.db, email)
        .await?
        .is_some()
    {
        let account = verify_credentials(state, email, password, meta).await?;
        return Ok(Acceptor::Existing(account.user_id));
    }
    Ok(Acceptor::New(
        InvitedAccount::from_form(name, password).await?,
    ))
}
