//! Team workflows. Every change locks the organization's team first
//! (`db::lock_team`), so seat and owner counts cannot race, writes its audit
//! entry in the same transaction, and, after commit, drops the cached sessions
//! of the member it changed so their next request sees the new role.

use super::db::{self, NewInvitationRow};
use super::model::{
    Invitation, InvitationPreview, InvitationStatus, Member, MemberPage, NewInvitation, SeatUsage,
    INVITATION_TTL_DAYS, MEMBERS_PER_PAGE,
};
use crate::auth::service::{replace_session_cookie, start_session, verify_credentials};
use crate::domain::{EmailAddress, Password, Permission, PersonName, Role};
use crate::error::{AppError, FieldErrors};
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::server::audit::{self, AuditEntry};
use crate::server::clock::display_minutes;
use crate::server::context::{current_session, set_cookie};
use crate::server::error::violated_constraint;
use crate::server::password::hash_password;
use crate::server::{
    client_meta, require_member, require_permission, session, state, AppState, AuthSession,
};
use fred::prelude::*;
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// Invitations one organization may send per hour: enough for onboarding a
/// whole department, too few to use Portal as a spam relay.
const INVITES_PER_HOUR: i64 = 50;

pub async fn list_members(search: &str, page: u32) -> Result<MemberPage, AppError> {
    let session = require_permission(Permission::ViewTeam)?;
    let state = state()?;
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
        db::seat_usage(&state.db, org, state.settings.clock.now()),
    )?;
    Ok(MemberPage {
        members: rows
            .into_iter()
            .filter_map(|row| {
                Some(Member {
                    is_you: row.user_id == session.user_id,
                    user_id: row.user_id,
                    name: row.name,
                    email: row.email,
                    role: row.role.parse().ok()?,
                    joined_on: row.joined_at.date().to_string(),
                    last_active: row.last_active.map(display_minutes),
                })
            })
            .collect(),
        total,
        page,
        per_page: MEMBERS_PER_PAGE,
        seats: seat_usage(seats),
    })
}

/// `%term%` for ILIKE with the user's own `%`, `_` and `\` taken literally.
pub(crate) fn like_pattern(search: &str) -> Option<String> {
    let term = search.trim();
    if term.is_empty() {
        return None;
    }
    let escaped: String = term
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Some(format!("%{escaped}%"))
}

fn seat_usage(row: db::SeatRow) -> SeatUsage {
    SeatUsage {
        members: row.members,
        pending_invitations: row.pending_invitations,
        limit: row.seats_limit,
        plan_name: row.plan_name,
    }
}

pub async fn list_invitations() -> Result<Vec<Invitation>, AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    let state = state()?;
    let now = state.settings.clock.now();
    let rows = db::list_open_invitations(&state.db, session.organization_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Invitation {
                id: row.id,
                email: row.email,
                role: row.role.parse().ok()?,
                invited_by: row.invited_by,
                sent_at: display_minutes(row.created_at),
                expires_at: display_minutes(row.expires_at),
                expired: row.expires_at <= now,
            })
        })
        .collect())
}

pub async fn invite(input: NewInvitation) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    guard_owner_grant(&session, input.role)?;
    let state = state()?;
    count_invite(&state, session.organization_id).await?;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, session.organization_id).await?;
    if db::is_member_email(&mut *tx, session.organization_id, &input.email).await? {
        return Err(field_error(
            "email",
            format!("{} is already a member of this team.", input.email),
        ));
    }
    let seats = db::seat_usage(
        &mut *tx,
        session.organization_id,
        state.settings.clock.now(),
    )
    .await?;
    if seats.members + seats.pending_invitations >= seats.seats_limit {
        return Err(seats_full(&seats));
    }
    let id = send_invitation(&mut tx, &state, &session, &input.email, input.role).await?;
    audit_team(
        &mut tx,
        &session,
        "invitation.created",
        "invitation",
        id.to_string(),
        None,
        Some(json!({ "email": input.email.as_str(), "role": input.role.as_str() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a new token for an open invitation; the old link stops working and
/// says it was replaced.
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    let state = state()?;
    count_invite(&state, session.organization_id).await?;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, session.organization_id).await?;
    let old = db::lock_open_invitation(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = EmailAddress::parse(&old.email)
        .map_err(|_| anyhow::anyhow!("stored invitation email {:?} is invalid", old.email))?;
    let role = old
        .role
        .parse::<Role>()
        .map_err(|_| anyhow::anyhow!("stored role {:?} is unknown", old.role))?;
    guard_owner_grant(&session, role)?;
    db::revoke_invitation(&mut tx, id, "resent", state.settings.clock.now()).await?;
    let new_id = send_invitation(&mut tx, &state, &session, &email, role).await?;
    audit_team(
        &mut tx,
        &session,
        "invitation.resent",
        "invitation",
        id.to_string(),
        None,
        Some(json!({ "email": email.as_str(), "replaced_by": new_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let open = db::lock_open_invitation(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::revoke_invitation(&mut tx, id, "revoked", state.settings.clock.now()).await?;
    audit_team(
        &mut tx,
        &session,
        "invitation.revoked",
        "invitation",
        id.to_string(),
        Some(json!({ "email": open.email, "role": open.role })),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts the invitation and queues its email in the caller's transaction.
async fn send_invitation(
    tx: &mut PgConnection,
    state: &AppState,
    session: &AuthSession,
    email: &EmailAddress,
    role: Role,
) -> Result<Uuid, AppError> {
    let token = session::new_token()?;
    let expires_at = state.settings.clock.now() + time::Duration::days(INVITATION_TTL_DAYS);
    let row = NewInvitationRow {
        organization_id: session.organization_id,
        email,
        role,
        token_hash: &session::hash_token(&token),
        invited_by: session.user_id,
        expires_at,
    };
    let id = match db::insert_invitation(tx, row).await {
        Ok(id) => id,
        Err(e) if violated_constraint(&e) == Some("invitation_one_open_per_email") => {
            return Err(field_error(
                "email",
                format!("{email} already has an open invitation. Resend it from the list below."),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let message = Email::Invitation {
        organization_name: session.organization_name.clone(),
        invited_by: session.name.clone(),
        role: role.label().to_owned(),
        token,
        expires_on: display_minutes(expires_at),
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

/// Counts an invitation email against the organization's hourly allowance.
/// Without Redis the allowance is not enforced (and the seat limit still is).
async fn count_invite(state: &AppState, organization_id: Uuid) -> Result<(), AppError> {
    let key = state
        .settings
        .redis_key("ratelimit:invites", &organization_id.to_string());
    let counted: Result<(i64, i64), fred::error::Error> = async {
        let pipeline = state.redis.next().pipeline();
        let _: () = pipeline.incr(&key).await?;
        let _: () = pipeline
            .expire(&key, 3600, Some(fred::types::ExpireOptions::NX))
            .await?;
        let _: () = pipeline.ttl(&key).await?;
        let (count, _, ttl): (i64, i64, i64) = pipeline.all().await?;
        Ok((count, ttl))
    }
    .await;
    match counted {
        Ok((count, ttl)) if count > INVITES_PER_HOUR => Err(AppError::RateLimited {
            retry_after_secs: ttl.max(1) as u64,
        }),
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "invite rate limiter unavailable; allowing");
            Ok(())
        }
    }
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

pub async fn update_role(user_id: Uuid, role: Role) -> Result<Role, AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    let state = state()?;
    let org = session.organization_id;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, org).await?;
    let target = db::find_member(&mut *tx, org, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current: Role = stored_role(&target.role)?;
    if current != role {
        guard_owner_change(&session, current)?;
        guard_owner_grant(&session, role)?;
        if current == Role::Owner {
            guard_not_last_owner(&mut tx, org, &target.name).await?;
        }
        db::update_role(&mut tx, org, user_id, role).await?;
        audit_team(
            &mut tx,
            &session,
            "member.role_changed",
            "member",
            user_id.to_string(),
            Some(json!({ "email": target.email, "role": current.as_str() })),
            Some(json!({ "email": target.email, "role": role.as_str() })),
        )
        .await?;
        let sessions = session::member_session_hashes(&mut tx, org, user_id).await?;
        tx.commit().await?;
        session::evict_cached(&state, &sessions).await;
    }
    Ok(role)
}

pub async fn remove_member(user_id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageTeam)?;
    if user_id == session.user_id {
        return Err(AppError::Conflict(
            "To remove yourself, use “Leave organization”.".into(),
        ));
    }
    let state = state()?;
    let org = session.organization_id;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, org).await?;
    let target = db::find_member(&mut *tx, org, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = stored_role(&target.role)?;
    guard_owner_change(&session, role)?;
    if role == Role::Owner {
        guard_not_last_owner(&mut tx, org, &target.name).await?;
    }
    db::delete_member(&mut tx, org, user_id).await?;
    let sessions = session::end_member_sessions(&mut tx, org, user_id).await?;
    audit_team(
        &mut tx,
        &session,
        "member.removed",
        "member",
        user_id.to_string(),
        Some(json!({ "email": target.email, "name": target.name, "role": role.as_str() })),
        None,
    )
    .await?;
    tx.commit().await?;
    session::evict_cached(&state, &sessions).await;
    Ok(())
}

/// The signed-in member leaves; their sessions in this organization end.
pub async fn leave() -> Result<(), AppError> {
    let session = require_member()?;
    let state = state()?;
    let org = session.organization_id;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, org).await?;
    if session.role == Role::Owner && db::count_owners(&mut tx, org).await? <= 1 {
        return Err(AppError::Conflict(
            "You are the only owner. Transfer ownership to someone else before leaving.".into(),
        ));
    }
    db::delete_member(&mut tx, org, session.user_id).await?;
    let sessions = session::end_member_sessions(&mut tx, org, session.user_id).await?;
    audit_team(
        &mut tx,
        &session,
        "member.left",
        "member",
        session.user_id.to_string(),
        Some(json!({ "email": session.email, "role": session.role.as_str() })),
        None,
    )
    .await?;
    tx.commit().await?;
    session::evict_cached(&state, &sessions).await;
    set_cookie(&session::clear_session_cookie(&state.settings))
}

/// Makes another member an owner and the caller an admin, atomically.
pub async fn transfer_ownership(user_id: Uuid) -> Result<(), AppError> {
    let session = require_member()?;
    if session.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if user_id == session.user_id {
        return Err(AppError::Conflict(
            "You already own this organization.".into(),
        ));
    }
    let state = state()?;
    let org = session.organization_id;
    let mut tx = state.db.begin().await?;
    db::lock_team(&mut tx, org).await?;
    let target = db::find_member(&mut *tx, org, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let previous = stored_role(&target.role)?;
    db::update_role(&mut tx, org, user_id, Role::Owner).await?;
    db::update_role(&mut tx, org, session.user_id, Role::Admin).await?;
    audit_team(
        &mut tx,
        &session,
        "organization.ownership_transferred",
        "member",
        user_id.to_string(),
        Some(json!({ "owner": session.email, "new_owner_role": previous.as_str() })),
        Some(json!({ "owner": target.email, "previous_owner_role": "admin" })),
    )
    .await?;
    let mut sessions = session::member_session_hashes(&mut tx, org, user_id).await?;
    sessions.extend(session::member_session_hashes(&mut tx, org, session.user_id).await?);
    tx.commit().await?;
    session::evict_cached(&state, &sessions).await;
    Ok(())
}

/// Admins manage the team, but owners are only changed by owners.
fn guard_owner_change(session: &AuthSession, target_role: Role) -> Result<(), AppError> {
    if target_role == Role::Owner && session.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Only an owner can make someone an owner (by invitation or role change).
fn guard_owner_grant(session: &AuthSession, role: Role) -> Result<(), AppError> {
    if role == Role::Owner && session.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

async fn guard_not_last_owner(
    tx: &mut PgConnection,
    organization_id: Uuid,
    name: &str,
) -> Result<(), AppError> {
    if db::count_owners(tx, organization_id).await? <= 1 {
        return Err(AppError::Conflict(format!(
            "{name} is the only owner. Make someone else an owner first, so the organization always has one."
        )));
    }
    Ok(())
}

fn stored_role(role: &str) -> Result<Role, AppError> {
    role.parse()
        .map_err(|_| anyhow::anyhow!("stored role {role:?} is unknown").into())
}

fn field_error(field: &str, message: String) -> AppError {
    AppError::Validation(FieldErrors::single(field, message))
}

async fn audit_team(
    tx: &mut PgConnection,
    session: &AuthSession,
    action: &str,
    target_type: &str,
    target_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::record_member_action(tx, session, action, (target_type, target_id), before, after).await
}

// ------------------------------------------------------------ accepting

/// What the accept page shows. Reading never consumes the token: mail
/// scanners open links before people do.
pub async fn preview_invitation(token: &str) -> Result<InvitationPreview, AppError> {
    let state = state()?;
    let row = db::find_invitation_by_token(&state.db, &session::hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let status = status_of(&row, state.settings.clock.now());
    Ok(InvitationPreview {
        organization_name: row.organization_name,
        invited_by: row.invited_by,
        role: stored_role(&row.role)?,
        email: row.email,
        status,
        expires_at: display_minutes(row.expires_at),
        account_exists: row.account_exists,
        signed_in_as: current_session()?.map(|s| s.email),
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

/// Who accepts: the signed-in invitee, an existing account proving its
/// password, or a new account created for the invited email.
enum Acceptor {
    SignedIn(Uuid),
    Existing(Uuid),
    New {
        name: PersonName,
        password_hash: String,
    },
}

pub async fn accept_invitation(token: &str, name: &str, password: String) -> Result<(), AppError> {
    let state = state()?;
    let meta = client_meta()?;
    let row = db::find_invitation_by_token(&state.db, &session::hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(problem) = status_of(&row, state.settings.clock.now()).problem() {
        return Err(AppError::Conflict(problem.into()));
    }
    let email = EmailAddress::parse(&row.email)
        .map_err(|_| anyhow::anyhow!("stored invitation email {:?} is invalid", row.email))?;
    let acceptor = identify_acceptor(&state, &email, name, password, &meta).await?;

    let mut tx = state.db.begin().await?;
    let user_id = match acceptor {
        Acceptor::SignedIn(id) | Acceptor::Existing(id) => id,
        Acceptor::New {
            name,
            password_hash,
        } => create_account(&mut tx, &email, &name, &password_hash).await?,
    };
    db::lock_team(&mut tx, row.organization_id).await?;
    let seats = db::seat_usage(&mut *tx, row.organization_id, state.settings.clock.now()).await?;
    // This invitation held a seat; a plan downgrade since may have taken it away.
    if seats.members >= seats.seats_limit {
        return Err(AppError::Conflict(format!(
            "{} has no free seat on its {} plan right now. Ask the person who invited you to free a seat or upgrade.",
            seats.organization_name, seats.plan_name
        )));
    }
    if !db::claim_invitation(&mut tx, row.id, user_id, state.settings.clock.now()).await? {
        // Someone else accepted, revoked or resent it while we checked.
        return Err(AppError::Conflict(
            InvitationStatus::Accepted
                .problem()
                .unwrap_or_default()
                .into(),
        ));
    }
    let role = stored_role(&row.role)?;
    if !db::insert_member_if_absent(&mut tx, row.organization_id, user_id, role).await? {
        return Err(AppError::Conflict(format!(
            "You are already a member of {}.",
            row.organization_name
        )));
    }
    let actor = AuditEntry {
        organization_id: Some(row.organization_id),
        actor_user_id: Some(user_id),
        actor_email: Some(email.as_str()),
        ..AuditEntry::default()
    };
    audit::record(
        &mut tx,
        AuditEntry {
            action: "invitation.accepted",
            target_type: Some("invitation"),
            target_id: Some(row.id.to_string()),
            after: Some(json!({ "email": email.as_str(), "role": role.as_str() })),
            ..actor.clone()
        },
        &meta,
    )
    .await?;
    let token = start_session(&mut tx, &state, actor, &meta).await?;
    tx.commit().await?;
    // The request came without a session of this organization, so the write
    // middleware cannot tell whose dashboard and seat count just changed.
    crate::dashboard::service::invalidate(&state, row.organization_id).await;
    state.usage.mark_changed(row.organization_id);
    replace_session_cookie(&state, &token).await
}

async fn identify_acceptor(
    state: &AppState,
    email: &EmailAddress,
    name: &str,
    password: String,
    meta: &crate::server::ClientMeta,
) -> Result<Acceptor, AppError> {
    if let Some(current) = current_session()? {
        if current.email != email.as_str() {
            return Err(AppError::Conflict(format!(
                "This invitation is for {email}, but you are signed in as {}. Sign out, then open the link again.",
                current.email
            )));
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
    let mut errors = FieldErrors::new();
    let name = errors.check("name", PersonName::parse(name));
    let password = errors.check("password", Password::parse(&password));
    match (name, password) {
        (Some(name), Some(password)) => Ok(Acceptor::New {
            name,
            password_hash: hash_password(password).await?,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

async fn create_account(
    tx: &mut PgConnection,
    email: &EmailAddress,
    name: &PersonName,
    password_hash: &str,
) -> Result<Uuid, AppError> {
    match crate::auth::db::insert_user(tx, email, name, password_hash).await {
        Ok(id) => Ok(id),
        Err(e) if violated_constraint(&e) == Some("app_user_email_key") => {
            Err(AppError::Conflict(format!(
                "An account for {email} was just created. Sign in with it to accept the invitation."
            )))
        }
        Err(e) => Err(e.into()),
    }
}
