//! The support team, managed in the console: every staff member sees who is
//! on it; staff admins invite people by email (a link to `/staff/join`),
//! withdraw invitations, grant or remove admin, and deactivate those who
//! leave. Deactivating ends their console sessions at once, returns their
//! open tickets to the queue and stops their alerts; their name stays on
//! the tickets and ratings they handled. An admin cannot change their own
//! standing, so the team always keeps an admin.

pub mod db;

use crate::audit::AuditEntry;
use crate::auth::invited::InvitedAccount;
use crate::auth::service::verify_credentials;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::local_time::LocalTime;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::rate_limit;
use crate::session::{staff as staff_session, StaffSession};
use crate::tokens::{hash_token, new_token};
use domain::dates::format_date;
use domain::staff::{
    NewStaffInvitation, StaffAccount, StaffDirectory, StaffInvitationPreview,
    StaffInvitationStatus, StaffInvite,
};
use domain::{AppError, EmailAddress, FieldErrors};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// How long an invitation link works.
pub const INVITATION_LIFETIME: Duration = Duration::days(7);

/// The team and its open invitations, for any staff member.
pub async fn directory(ctx: &Ctx, staff: &StaffSession) -> Result<StaffDirectory> {
    let (members, invitations) = futures::try_join!(
        db::list_members(&ctx.db),
        db::list_open_invitations(&ctx.db),
    )?;
    let now = ctx.now();
    let local = staff.local_time(now);
    Ok(StaffDirectory {
        members: members.into_iter().map(|m| account(m, &local)).collect(),
        invitations: invitations
            .into_iter()
            .map(|i| StaffInvite {
                id: i.id,
                email: i.email,
                is_admin: i.is_admin,
                invited_by: i.invited_by,
                expires_at: local.moment(i.expires_at),
                expired: i.expires_at <= now,
            })
            .collect(),
        viewer_is_admin: staff.is_admin,
        viewer_id: staff.user_id,
    })
}

fn account(row: db::MemberRow, local: &LocalTime) -> StaffAccount {
    StaffAccount {
        user_id: row.user_id,
        name: row.name,
        email: row.email,
        is_admin: row.is_admin,
        two_factor: row.two_factor,
        deactivated: row.deactivated_at.is_some(),
        last_active: row.last_active.map(|at| local.moment(at)),
        assigned_open: row.assigned_open,
    }
}

fn require_admin(staff: &StaffSession) -> Result<()> {
    if staff.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// Emails an invitation to join the support team; a newer one to the same
/// address replaces the older. Errors: `Forbidden` (not an admin),
/// `Validation` (`email` is staff already).
pub async fn invite(ctx: &Ctx, staff: &StaffSession, input: &NewStaffInvitation) -> Result<()> {
    require_admin(staff)?;
    let email = input.email.as_str();
    if let Some((_, deactivated)) = db::find_by_email(&ctx.db, email).await? {
        let message = if deactivated {
            format!("{email} was deactivated. Reactivate them in the list below instead.")
        } else {
            format!("{email} is already on the support team.")
        };
        return Err(AppError::Validation(FieldErrors::single("email", message)).into());
    }
    let token = new_token()?;
    let expires_at = ctx.now() + INVITATION_LIFETIME;
    let mut tx = ctx.db.begin().await?;
    db::revoke_open_to(&mut tx, email).await?;
    let id = db::insert_invitation(
        &mut tx,
        email,
        input.is_admin,
        &hash_token(&token),
        staff.user_id,
        expires_at,
    )
    .await
    .on_constraint("staff_invitation_open_email_key", || {
        AppError::Conflict(format!("{email} was just invited by someone else."))
    })?;
    let message = Email::StaffInvitation {
        invited_by: staff.name.clone(),
        admin: input.is_admin,
        token,
        expires_on: format_date(expires_at.date()),
    };
    notify(
        &mut tx,
        &format!("staff_invitation:{id}"),
        None,
        &input.email,
        &message,
    )
    .await?;
    staff
        .audit("staff.invited")
        .target("staff_invitation", id)
        .after(json!({ "email": email, "admin": input.is_admin }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws an open invitation; its link says so. Errors: `Forbidden`, `NotFound`.
pub async fn revoke_invitation(ctx: &Ctx, staff: &StaffSession, id: Uuid) -> Result<()> {
    require_admin(staff)?;
    let mut tx = ctx.db.begin().await?;
    let email = db::revoke_invitation(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    staff
        .audit("staff_invitation.revoked")
        .target("staff_invitation", id)
        .before(json!({ "email": email }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What an admin may change about a staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Deactivate,
    Reactivate,
    GrantAdmin,
    RemoveAdmin,
}

impl Change {
    fn action(self) -> &'static str {
        match self {
            Change::Deactivate => "staff.deactivated",
            Change::Reactivate => "staff.reactivated",
            Change::GrantAdmin => "staff.admin_granted",
            Change::RemoveAdmin => "staff.admin_removed",
        }
    }
}

/// Applies `change` to the staff member `user_id`. Deactivating ends their
/// sessions and returns their open tickets to the queue in the same
/// transaction. Errors: `Forbidden` (not an admin, or no longer one),
/// `NotFound`, `Conflict` (their own standing, or already so).
pub async fn change(ctx: &Ctx, staff: &StaffSession, user_id: Uuid, change: Change) -> Result<()> {
    require_admin(staff)?;
    if user_id == staff.user_id {
        return Err(AppError::Conflict(
            "You cannot change your own access. Ask another staff admin.".into(),
        )
        .into());
    }
    let mut tx = ctx.db.begin().await?;
    let (still_admin, target) = db::lock_for_change(&mut tx, staff.user_id, user_id).await?;
    if !still_admin {
        return Err(AppError::Forbidden.into());
    }
    let target = target.ok_or(AppError::NotFound)?;
    let active = target.deactivated_at.is_none();
    let unchanged = match change {
        Change::Deactivate => !active,
        Change::Reactivate => active,
        Change::GrantAdmin => target.is_admin,
        Change::RemoveAdmin => !target.is_admin,
    };
    if unchanged {
        return Err(AppError::Conflict(format!(
            "{} already has this access. Reload the page to see the team as it is now.",
            target.email
        ))
        .into());
    }
    let mut after = json!({ "email": target.email });
    match change {
        Change::Deactivate => {
            db::set_deactivated(&mut tx, user_id, Some(ctx.now())).await?;
            staff_session::end_all_sessions(&mut tx, user_id).await?;
            after["tickets_returned_to_queue"] =
                db::unassign_open_tickets(&mut tx, user_id).await?.into();
        }
        Change::Reactivate => db::set_deactivated(&mut tx, user_id, None).await?,
        Change::GrantAdmin => db::set_admin(&mut tx, user_id, true).await?,
        Change::RemoveAdmin => db::set_admin(&mut tx, user_id, false).await?,
    }
    staff
        .audit(change.action())
        .target("staff", user_id)
        .after(after)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------ accepting

/// What the acceptance page shows. Reading never consumes the token (mail
/// scanners open links before people do); it counts against the client's
/// limit, since the page is open to anyone holding a link.
/// Errors: `NotFound`, `RateLimited`.
pub async fn preview_invitation(
    ctx: &Ctx,
    client: &ClientMeta,
    token: &str,
) -> Result<StaffInvitationPreview> {
    limit_links(ctx, client).await?;
    let row = find(ctx, token).await?;
    let now = ctx.now();
    let local = LocalTime::for_reader(None, client.time_zone.as_deref(), now);
    Ok(StaffInvitationPreview {
        status: status_of(&row, now),
        email: row.email,
        invited_by: row.invited_by,
        is_admin: row.is_admin,
        expires_at: local.moment(row.expires_at),
        account_exists: row.account_exists,
    })
}

/// Joins the support team: an existing account proves its password, or a
/// new one is created with `name` and `password`. No session starts: the
/// console's sign-in follows, where staff set up two-factor first.
/// Errors: `NotFound`, `RateLimited`, `Conflict` (not pending, already
/// staff), `Validation`, `InvalidCredentials`.
pub async fn accept_invitation(
    ctx: &Ctx,
    client: &ClientMeta,
    token: &str,
    name: &str,
    password: String,
) -> Result<()> {
    limit_links(ctx, client).await?;
    let row = find(ctx, token).await?;
    if let Some(problem) = status_of(&row, ctx.now()).problem() {
        return Err(AppError::Conflict(problem.into()).into());
    }
    let email = EmailAddress::parse(&row.email)
        .map_err(|_| anyhow::anyhow!("stored staff invitation email {:?} is invalid", row.email))?;
    let joiner = if row.account_exists {
        Joiner::Existing(
            verify_credentials(ctx, &email, password, client)
                .await?
                .user_id,
        )
    } else {
        Joiner::New(InvitedAccount::from_form(name, password).await?)
    };
    let mut tx = ctx.db.begin().await?;
    let user_id = match joiner {
        Joiner::Existing(id) => id,
        Joiner::New(account) => account.create(&mut tx, &email).await?,
    };
    if !db::claim_invitation(&mut tx, row.id, user_id, ctx.now()).await? {
        let problem = StaffInvitationStatus::Accepted
            .problem()
            .unwrap_or_default();
        return Err(AppError::Conflict(problem.into()).into());
    }
    if !db::insert_staff(&mut tx, user_id, row.is_admin).await? {
        return Err(AppError::Conflict(
            "You are already on the support team. Sign in to the console.".into(),
        )
        .into());
    }
    // The invitation went to this address: accepting it proves the address.
    crate::auth::db::mark_email_verified(&mut tx, user_id, email.as_str()).await?;
    AuditEntry::new("staff_invitation.accepted", client)
        .actor(user_id, email.as_str())
        .target("staff_invitation", row.id)
        .after(json!({ "email": email.as_str(), "admin": row.is_admin }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn find(ctx: &Ctx, token: &str) -> Result<db::InvitationByTokenRow> {
    Ok(db::find_invitation_by_token(&ctx.db, &hash_token(token))
        .await?
        .ok_or(AppError::NotFound)?)
}

fn status_of(row: &db::InvitationByTokenRow, now: OffsetDateTime) -> StaffInvitationStatus {
    match (row.accepted_at, row.revoked_at) {
        (Some(_), _) => StaffInvitationStatus::Accepted,
        (None, Some(_)) => StaffInvitationStatus::Revoked,
        (None, None) if row.expires_at <= now => StaffInvitationStatus::Expired,
        (None, None) => StaffInvitationStatus::Pending,
    }
}

/// Who accepts: an existing account that proved its password, or a new
/// one for the invited address.
enum Joiner {
    Existing(Uuid),
    New(InvitedAccount),
}

async fn limit_links(ctx: &Ctx, client: &ClientMeta) -> Result<()> {
    let rule = ctx.settings.limits.staff_invitation_links_per_ip;
    rate_limit::attempt_per_client(ctx, "staff_invitation_link", client, rule).await
}
