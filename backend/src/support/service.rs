//! Support workflows as customers use them. The organization comes from the
//! session, and any ticket outside it answers `NotFound` (so ids of other
//! organizations' tickets reveal nothing). Every change runs in one
//! transaction with its audit entry; live updates go out after commit. The
//! adapter has already checked `Permission::UseSupport`.

use super::attachments::{self, StoredFile};
use super::db::{self, NewTicketRow};
use super::due;
use super::satisfaction;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::local_time::LocalTime;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::session::AuthSession;
use crate::sql::like_pattern;
use crate::uow::UnitOfWork;
use crate::webhooks::events::emit;
use domain::live::LiveEvent;
use domain::support::{
    AuthorKind, Message, NewTicket, TicketPage, TicketStatus, TicketSummary, TicketThread,
    TICKETS_PER_PAGE,
};
use domain::webhooks::EventType;
use domain::{AppError, EmailAddress};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// One page of the organization's tickets, newest activity first.
pub async fn list_tickets(
    ctx: &Ctx,
    session: &AuthSession,
    status: Option<TicketStatus>,
    search: &str,
    page: u32,
) -> Result<TicketPage> {
    let org = session.organization_id;
    let pattern = like_pattern(search);
    let status = status.map(TicketStatus::as_str);
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(TICKETS_PER_PAGE);
    let (rows, total) = futures::try_join!(
        db::list_tickets(
            &ctx.db,
            org,
            status,
            pattern.as_deref(),
            TICKETS_PER_PAGE.into(),
            offset
        ),
        db::count_tickets(&ctx.db, org, status, pattern.as_deref()),
    )?;
    Ok(TicketPage {
        tickets: rows
            .into_iter()
            .map(|row| summary(row, &session.local_time(ctx.now())))
            .collect(),
        total,
        page,
        per_page: TICKETS_PER_PAGE,
    })
}

/// A list row as the wire type.
pub fn summary(row: db::TicketRow, local: &LocalTime) -> TicketSummary {
    TicketSummary {
        status: row.status,
        priority: row.priority,
        category: row.category,
        id: row.id,
        subject: row.subject,
        last_activity_at: local.moment(row.last_activity_at),
    }
}

/// One ticket and its public thread (internal notes are never selected).
pub async fn get_ticket(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<TicketThread> {
    let ticket = db::find_ticket(&ctx.db, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (messages, mut files, satisfaction) = futures::try_join!(
        db::list_public_messages(&ctx.db, ticket.id),
        attachments::by_message(&ctx.db, ticket.id, false),
        satisfaction::for_thread(
            &ctx.db,
            ticket.id,
            ticket.status,
            ticket.requester_id,
            session.user_id
        ),
    )?;
    let local = session.local_time(ctx.now());
    Ok(TicketThread {
        id: ticket.id,
        subject: ticket.subject,
        status: ticket.status,
        priority: ticket.priority,
        category: ticket.category,
        requester_name: ticket.requester_name,
        created_at: local.moment(ticket.created_at),
        last_activity_at: local.moment(ticket.last_activity_at),
        messages: messages
            .into_iter()
            // Belt and braces: the query already excludes internal notes.
            .filter(|m| !m.internal)
            .map(|m| Message {
                id: m.id,
                author_name: author_name(m.author_name, m.author_kind),
                author_kind: m.author_kind,
                body: m.body,
                created_at: local.moment(m.created_at),
                attachments: files.remove(&m.id).unwrap_or_default(),
            })
            .collect(),
        satisfaction,
    })
}

/// Opens a ticket with its first message and the files already stored for
/// it (none from the server function); returns its id.
pub async fn open_ticket(
    ctx: &Ctx,
    session: &AuthSession,
    input: NewTicket,
    files: &[StoredFile],
) -> Result<Uuid> {
    let mut tx = ctx.db.begin().await?;
    let id = db::insert_ticket(
        &mut tx,
        NewTicketRow {
            organization_id: session.organization_id,
            requester_id: session.user_id,
            subject: &input.subject,
            category: input.category.as_str(),
            priority: input.priority.as_str(),
            response_due_at: due::response_due(ctx, input.priority),
        },
    )
    .await?;
    let message_id =
        db::insert_message(&mut tx, id, session.user_id, "customer", false, &input.body).await?;
    attachments::record(&mut tx, id, message_id, session.organization_id, files).await?;
    let alert = CustomerMessage {
        ticket_id: id,
        subject: &input.subject,
        message_id,
        new_ticket: true,
        body: &input.body,
        files,
    };
    alert_staff(&mut tx, session, alert).await?;
    session
        .audit("ticket.opened")
        .target("ticket", id)
        .after(json!({
            "subject": input.subject,
            "category": input.category.as_str(),
            "priority": input.priority.as_str(),
            "message_id": message_id,
            "files": file_names(files),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A customer's reply, with the files already stored for it (`body` may be
/// empty when there are files). A resolved or pending ticket goes back to open.
pub async fn reply(
    ctx: &Ctx,
    session: &AuthSession,
    id: Uuid,
    body: &str,
    files: &[StoredFile],
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = db::lock_ticket(&mut uow, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = ticket.status;
    let after = before.after_customer_reply()?;
    let message_id =
        db::insert_message(&mut uow, id, session.user_id, "customer", false, body).await?;
    attachments::record(&mut uow, id, message_id, session.organization_id, files).await?;
    db::update_status(&mut uow, id, after.as_str(), true).await?;
    db::await_staff(&mut uow, id, due::response_due(ctx, ticket.priority)).await?;
    let alert = CustomerMessage {
        ticket_id: id,
        subject: &ticket.subject,
        message_id,
        new_ticket: false,
        body,
        files,
    };
    alert_staff(&mut uow, session, alert).await?;
    session
        .audit("ticket.replied")
        .target("ticket", id)
        .before(json!({ "status": before.as_str() }))
        .after(json!({
            "status": after.as_str(),
            "message_id": message_id,
            "files": file_names(files),
        }))
        .record(&mut uow)
        .await?;
    let data = json!({
        "ticket_id": id, "subject": ticket.subject, "message_id": message_id, "by": "customer",
        "body": body, "files": file_names(files), "status": after.as_str(),
    });
    emit(
        &mut uow,
        session.organization_id,
        EventType::TicketReplied,
        data,
    )
    .await?;
    announce(&mut uow, session.organization_id, id);
    uow.commit().await
}

/// A customer's message staff should hear of.
struct CustomerMessage<'a> {
    ticket_id: Uuid,
    subject: &'a str,
    message_id: Uuid,
    new_ticket: bool,
    body: &'a str,
    files: &'a [StoredFile],
}

/// Emails the ticket's assignee (or every staff member while it has none)
/// through the outbox, in the message's transaction.
async fn alert_staff(
    conn: &mut PgConnection,
    session: &AuthSession,
    message: CustomerMessage<'_>,
) -> Result<()> {
    let text = with_file_names(message.body, message.files);
    for staff in db::staff_to_alert(&mut *conn, message.ticket_id).await? {
        let Ok(address) = EmailAddress::parse(&staff.email) else {
            tracing::warn!(user = %staff.user_id, "a staff member's email does not parse; no alert sent");
            continue;
        };
        let email = Email::StaffAlert {
            staff_name: staff.name,
            organization_name: session.organization_name.clone(),
            author_name: session.name.clone(),
            subject: message.subject.to_owned(),
            ticket_id: message.ticket_id.to_string(),
            new_ticket: message.new_ticket,
            message: text.clone(),
        };
        let key = format!("staff_alert:{}:{}", message.message_id, staff.user_id);
        // Company-side mail: not listed with the organization's emails.
        notify(&mut *conn, &key, None, &address, &email).await?;
    }
    Ok(())
}

/// A message as an email quotes it: its text, then the files' names (the
/// files themselves stay behind the sign-in).
pub fn with_file_names(body: &str, files: &[StoredFile]) -> String {
    if files.is_empty() {
        return body.to_owned();
    }
    let line = format!("Attached in the portal: {}.", file_names(files).join(", "));
    if body.is_empty() {
        line
    } else {
        format!("{body}\n\n{line}")
    }
}

/// Closes a ticket; closing a closed ticket changes nothing.
pub async fn close(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    status_change(ctx, session, id, "ticket.closed", |status| {
        (status != TicketStatus::Closed).then_some(TicketStatus::Closed)
    })
    .await
}

/// Reopens a resolved or closed ticket; other tickets are open already.
pub async fn reopen(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    status_change(ctx, session, id, "ticket.reopened", |status| {
        status.can_reopen().then_some(TicketStatus::Open)
    })
    .await
}

async fn status_change(
    ctx: &Ctx,
    session: &AuthSession,
    id: Uuid,
    action: &str,
    next: impl FnOnce(TicketStatus) -> Option<TicketStatus>,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = db::lock_ticket(&mut uow, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = ticket.status;
    let Some(after) = next(before) else {
        return Ok(());
    };
    db::update_status(&mut uow, id, after.as_str(), true).await?;
    if after == TicketStatus::Open {
        // Reopened: it waits on staff again, even without a message.
        db::await_staff(&mut uow, id, due::response_due(ctx, ticket.priority)).await?;
    }
    session
        .audit(action)
        .target("ticket", id)
        .before(json!({ "status": before.as_str() }))
        .after(json!({ "status": after.as_str() }))
        .record(&mut uow)
        .await?;
    let data = status_data(id, &ticket.subject, before, after);
    emit(
        &mut uow,
        session.organization_id,
        EventType::TicketStatusChanged,
        data,
    )
    .await?;
    announce(&mut uow, session.organization_id, id);
    uow.commit().await
}

/// A ticket's status change as webhooks describe it.
pub(crate) fn status_data(
    id: Uuid,
    subject: &str,
    before: TicketStatus,
    after: TicketStatus,
) -> serde_json::Value {
    json!({
        "ticket_id": id, "subject": subject,
        "previous_status": before.as_str(), "status": after.as_str(),
    })
}

/// After commit, tells the organization's open pages that a ticket changed
/// (best effort, on every instance): an open thread refetches.
pub fn announce(uow: &mut UnitOfWork<'_>, organization_id: Uuid, ticket_id: Uuid) {
    uow.after_commit(move |ctx| async move {
        ctx.publish(organization_id, LiveEvent::TicketUpdated { ticket_id })
            .await;
    });
}

/// The names of attached files, for the audit log.
pub fn file_names(files: &[StoredFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

/// Customers see staff as "Name (Support)"; a deleted author stays anonymous.
fn author_name(name: Option<String>, kind: AuthorKind) -> String {
    match (name, kind) {
        (Some(name), AuthorKind::Staff) => format!("{name} (Support)"),
        (Some(name), AuthorKind::Customer) => name,
        (None, AuthorKind::Staff) => "Support".into(),
        (None, AuthorKind::Customer) => "Former member".into(),
    }
}
