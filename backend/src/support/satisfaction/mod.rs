//! Satisfaction (CSAT) as customers give it. When support resolves a ticket
//! its requester is emailed two rating links; the ticket page offers the same
//! form. Only the requester rates, only a resolved or closed ticket, and
//! rating again replaces the rating. The console's numbers are in
//! `staff::satisfaction`.
//!
//! A link opens a page with the answer already chosen, and one press sends
//! it: the link itself never records anything, because mail scanners open
//! every link of a message (the reason RFC 8058's one-click unsubscribe is a
//! POST too).

pub mod db;

use super::db::{self as tickets, LockedTicketRow};
use super::service::announce;
use crate::audit::AuditEntry;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::rate_limit;
use crate::session::AuthSession;
use crate::tokens::{hash_token, new_token};
use crate::uow::UnitOfWork;
use crate::ClientMeta;
use domain::dates::format_date;
use domain::satisfaction::{GivenRating, RatingInput, RatingLinkView, Satisfaction};
use domain::support::TicketStatus;
use domain::{AppError, EmailAddress};
use serde_json::json;
use sqlx::{PgConnection, PgExecutor};
use time::Duration;
use uuid::Uuid;

/// How long the email's rating links work.
const LINK_LIFETIME: Duration = Duration::days(30);

/// The rating section of a thread the viewer reads: `None` until the ticket
/// can be rated.
pub async fn for_thread(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
    status: TicketStatus,
    requester_id: Option<Uuid>,
    viewer: Uuid,
) -> sqlx::Result<Option<Satisfaction>> {
    if !status.can_be_rated() {
        return Ok(None);
    }
    let given = rating_of(db, ticket_id).await?;
    Ok(Some(Satisfaction {
        can_rate: requester_id == Some(viewer),
        given,
    }))
}

/// A ticket's rating, if it has one (the console shows it too).
pub async fn rating_of(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
) -> sqlx::Result<Option<GivenRating>> {
    Ok(db::find(db, ticket_id).await?.map(given))
}

fn given(row: db::RatingRow) -> GivenRating {
    GivenRating {
        rating: row.rating,
        comment: row.comment,
        rated_on: format_date(row.rated_at.date()),
    }
}

/// The requester rates their ticket from its page.
/// Errors: `NotFound` (not this organization's), `Forbidden` (not the
/// requester), `Conflict` (not resolved or closed).
pub async fn rate(
    ctx: &Ctx,
    session: &AuthSession,
    ticket_id: Uuid,
    input: &RatingInput,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = tickets::lock_ticket(&mut uow, session.organization_id, ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if ticket.requester_id != Some(session.user_id) {
        return Err(AppError::Forbidden.into());
    }
    ratable(ticket.status)?;
    db::save(&mut uow, ticket_id, session.user_id, input, ctx.now()).await?;
    session
        .audit("ticket.rated")
        .target("ticket", ticket_id)
        .after(rated(input, "ticket page"))
        .record(&mut uow)
        .await?;
    announce(&mut uow, ticket.organization_id, ticket_id);
    uow.commit().await
}

/// What an emailed link opens (counted against the client's rating-link
/// limit: the page is open to anyone holding a link).
/// Errors: `NotFound` (unknown, expired, or no longer the requester's),
/// `RateLimited`.
pub async fn link(ctx: &Ctx, client: &ClientMeta, token: &str) -> Result<RatingLinkView> {
    limit_links(ctx, client).await?;
    let link = live_link(ctx, token).await?;
    Ok(RatingLinkView {
        subject: link.subject,
        given: rating_of(&ctx.db, link.ticket_id).await?,
    })
}

/// Rates through an emailed link, as the requester it was sent to.
/// Errors: as [`link`], and `Conflict` (reopened since).
pub async fn rate_by_link(
    ctx: &Ctx,
    client: &ClientMeta,
    token: &str,
    input: &RatingInput,
) -> Result<()> {
    limit_links(ctx, client).await?;
    let link = live_link(ctx, token).await?;
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = tickets::lock_ticket(&mut uow, link.organization_id, link.ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    ratable(ticket.status)?;
    db::save(&mut uow, link.ticket_id, link.user_id, input, ctx.now()).await?;
    AuditEntry::new("ticket.rated", client)
        .organization(link.organization_id)
        .actor(link.user_id, &link.email)
        .target("ticket", link.ticket_id)
        .after(rated(input, "email link"))
        .record(&mut uow)
        .await?;
    announce(&mut uow, link.organization_id, link.ticket_id);
    uow.commit().await
}

/// Emails the requester, when there is one still in the organization, that
/// their ticket is resolved, with links to rate it. Runs in the resolving
/// transaction (the email goes out through the outbox).
pub async fn ask(ctx: &Ctx, conn: &mut PgConnection, ticket: &LockedTicketRow) -> Result<()> {
    let Some(requester) = ticket.requester_id else {
        return Ok(());
    };
    let Some(member) =
        crate::team::db::find_member(&mut *conn, ticket.organization_id, requester).await?
    else {
        return Ok(());
    };
    let Ok(address) = EmailAddress::parse(&member.email) else {
        tracing::warn!(user = %requester, "requester's stored email does not parse; no rating asked");
        return Ok(());
    };
    let token = new_token()?;
    let hash = hash_token(&token);
    db::insert_link(conn, &hash, ticket.id, requester, ctx.now() + LINK_LIFETIME).await?;
    let email = Email::TicketResolved {
        name: member.name,
        subject: ticket.subject.clone(),
        ticket_id: ticket.id.to_string(),
        token,
    };
    // One email per resolution: the key names this resolution's link.
    let key = format!("ticket_resolved:{}:{}", ticket.id, hex::encode(&hash[..8]));
    notify(conn, &key, Some(ticket.organization_id), &address, &email).await
}

fn ratable(status: TicketStatus) -> Result<()> {
    if status.can_be_rated() {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "This ticket was reopened, so it cannot be rated yet. You can rate it once support resolves it again.".into(),
        )
        .into())
    }
}

async fn live_link(ctx: &Ctx, token: &str) -> Result<db::LinkRow> {
    Ok(db::find_link(&ctx.db, &hash_token(token), ctx.now())
        .await?
        .ok_or(AppError::NotFound)?)
}

async fn limit_links(ctx: &Ctx, client: &ClientMeta) -> Result<()> {
    let rule = ctx.settings.limits.rating_links_per_ip;
    rate_limit::attempt_per_client(ctx, "rating_link", client, rule).await
}

fn rated(input: &RatingInput, from: &str) -> serde_json::Value {
    json!({ "rating": input.rating.as_str(), "comment": input.comment, "from": from })
}
