//! Canned replies in the console: staff write them once (list, save,
//! delete, each audited company-side) and insert one into a ticket's reply
//! with its placeholders filled from that ticket (`domain::canned`).

pub mod db;

use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::session::StaffSession;
use domain::canned::{fill, CannedReply, CannedReplyInput, PlaceholderValues};
use domain::error::FieldErrors;
use domain::AppError;
use serde_json::json;
use uuid::Uuid;

pub async fn list(ctx: &Ctx, staff: &StaffSession) -> Result<Vec<CannedReply>> {
    let local = staff.local_time(ctx.now());
    Ok(db::list(&ctx.db)
        .await?
        .into_iter()
        .map(|row| wire(row, &local))
        .collect())
}

fn wire(row: db::CannedRow, local: &crate::local_time::LocalTime) -> CannedReply {
    CannedReply {
        id: row.id,
        title: row.title,
        body: row.body,
        updated_on: local.date(row.updated_at),
    }
}

/// Writes a new canned reply (`id` `None`) or replaces one; returns its id.
/// Errors: `Validation` (`title` taken), `NotFound`.
pub async fn save(
    ctx: &Ctx,
    staff: &StaffSession,
    id: Option<Uuid>,
    input: &CannedReplyInput,
) -> Result<Uuid> {
    let title_taken = || {
        AppError::Validation(FieldErrors::single(
            "title",
            "Another canned reply has this title. Choose another.",
        ))
    };
    let mut tx = ctx.db.begin().await?;
    let (id, action) = match id {
        None => {
            let id = db::insert(&mut *tx, &input.title, &input.body, staff.user_id)
                .await
                .on_constraint("canned_reply_title_key", title_taken)?;
            (id, "canned_reply.created")
        }
        Some(id) => {
            let found = db::update(&mut *tx, id, &input.title, &input.body)
                .await
                .on_constraint("canned_reply_title_key", title_taken)?;
            if !found {
                return Err(AppError::NotFound.into());
            }
            (id, "canned_reply.updated")
        }
    };
    staff
        .audit(action)
        .target("canned_reply", id)
        .after(json!({ "title": input.title }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Errors: `NotFound`.
pub async fn delete(ctx: &Ctx, staff: &StaffSession, id: Uuid) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let title = db::delete(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    staff
        .audit("canned_reply.deleted")
        .target("canned_reply", id)
        .before(json!({ "title": title }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The canned reply `canned_id` with its placeholders filled for the ticket
/// `ticket_id`, signed by the staff member inserting it.
/// Errors: `NotFound` (either).
pub async fn filled(
    ctx: &Ctx,
    staff: &StaffSession,
    ticket_id: Uuid,
    canned_id: Uuid,
) -> Result<String> {
    let (canned, ticket) = futures::try_join!(
        db::find(&ctx.db, canned_id),
        db::ticket_values(&ctx.db, ticket_id),
    )?;
    let (Some(canned), Some(ticket)) = (canned, ticket) else {
        return Err(AppError::NotFound.into());
    };
    let values = PlaceholderValues {
        customer_name: ticket.customer_name.unwrap_or_default(),
        organization: ticket.organization,
        plan: ticket.plan,
        ticket_subject: ticket.ticket_subject,
        agent_name: staff.name.clone(),
    };
    Ok(fill(&canned.body, &values))
}
