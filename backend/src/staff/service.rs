//! The support console's workflows. Every function takes the caller's
//! `StaffSession`, which only the staff realm of the session store issues;
//! staff work is audited company-side, naming the customer's organization in
//! `after`. A staff reply sets the ticket to "pending" and emails the
//! requester through the outbox; notes stay internal.

use super::db::{self, StaffFilterParams};
use crate::audit::AuditEntry;
use crate::auth::service::{open, verify_credentials, Area, SignInOutcome};
use crate::billing::credit_notes;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::session::{staff as staff_session, StaffSession};
use crate::sql::like_pattern;
use crate::support::attachments::{self, StoredFile};
use crate::support::db::{self as tickets, LockedTicketRow};
use crate::support::service::{announce, file_names, summary, with_file_names};
use crate::uow::UnitOfWork;
use crate::webhooks::events::emit;
use domain::billing::CreditNoteDraft;
use domain::dates::format_date;
use domain::format_money;
use domain::support::{
    AssigneeFilter, AuthorKind, CustomerContext, InvoiceLine, QueueSort, ResponseDue, StaffMember,
    StaffMessage, StaffTicketFilter, StaffTicketPage, StaffTicketSummary, StaffTicketView,
    TicketStatus, UsageLine, TICKETS_PER_PAGE,
};
use domain::webhooks::EventType;
use domain::{AppError, EmailAddress, FieldErrors, Money};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Recent tickets shown beside a ticket in the console.
const CONTEXT_RECENT_TICKETS: i64 = 5;
/// Invoices the ticket page lists (the credit note form chooses among them).
const CONTEXT_RECENT_INVOICES: i64 = 12;

/// The first step of a staff sign-in: the password. Staff must use
/// two-factor, so it always leads to a challenge — the code, or setting
/// two-factor up first. A correct password of an account that is not staff
/// gets the same answer as a wrong one.
pub async fn sign_in(
    ctx: &Ctx,
    client: &ClientMeta,
    email: &str,
    password: String,
) -> Result<SignInOutcome> {
    let email = EmailAddress::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let account = verify_credentials(ctx, &email, password, client).await?;
    if !db::is_staff(&ctx.db, account.user_id).await? {
        return Err(AppError::InvalidCredentials.into());
    }
    let mut tx = ctx.db.begin().await?;
    let outcome = open(&mut tx, ctx, client, &account, &email, Area::Staff).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Ends the staff session of `token` (a no-op without one).
pub async fn sign_out(ctx: &Ctx, staff: Option<&StaffSession>, token: Option<&str>) -> Result<()> {
    if let Some(staff) = staff {
        let mut tx = ctx.db.begin().await?;
        staff
            .audit("staff.signed_out")
            .target("staff_session", staff.session_id)
            .record(&mut tx)
            .await?;
        tx.commit().await?;
    }
    if let Some(token) = token {
        staff_session::revoke(ctx, token).await?;
    }
    Ok(())
}

/// One page of every organization's tickets, filtered.
pub async fn list_tickets(
    ctx: &Ctx,
    staff: &StaffSession,
    filter: StaffTicketFilter,
    page: u32,
) -> Result<StaffTicketPage> {
    let pattern = like_pattern(&filter.search);
    let params = StaffFilterParams {
        status: filter.status.map(TicketStatus::as_str),
        priority: filter.priority.map(|p| p.as_str()),
        category: filter.category.map(|c| c.as_str()),
        assignee: match filter.assignee {
            AssigneeFilter::Anyone => None,
            AssigneeFilter::Unassigned => Some(None),
            AssigneeFilter::Me => Some(Some(staff.user_id)),
        },
        pattern: pattern.as_deref(),
        overdue: filter.overdue,
        by_due: filter.sort == QueueSort::Due,
        now: ctx.now(),
    };
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(TICKETS_PER_PAGE);
    let (rows, total) = futures::try_join!(
        db::list_any_tickets(&ctx.db, &params, TICKETS_PER_PAGE.into(), offset),
        db::count_any_tickets(&ctx.db, &params),
    )?;
    let local = staff.local_time(params.now);
    Ok(StaffTicketPage {
        tickets: rows
            .into_iter()
            .map(|row| StaffTicketSummary {
                status: row.status,
                priority: row.priority,
                category: row.category,
                id: row.id,
                organization_name: row.organization_name,
                subject: row.subject,
                assignee_name: row.assignee_name,
                last_activity_at: local.moment(row.last_activity_at),
                response_due: row
                    .due_at
                    .map(|due| ResponseDue::from_seconds_left((due - params.now).whole_seconds())),
            })
            .collect(),
        total,
        page,
        per_page: TICKETS_PER_PAGE,
    })
}

/// A ticket with its whole thread (internal notes included), the staff list
/// for assignment, and the customer's context.
///
/// Every read is in the customer's audit log: they can see when staff
/// looked at their ticket, and so can a reviewer of staff access.
pub async fn get_ticket(ctx: &Ctx, staff: &StaffSession, id: Uuid) -> Result<StaffTicketView> {
    let local = staff.local_time(ctx.now());
    let ticket = db::find_any_ticket(&ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = ticket.organization_id;
    let mut tx = ctx.db.begin().await?;
    staff
        .audit("ticket.viewed_by_staff")
        .organization(org)
        .target("ticket", id)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let (messages, mut files, context, invoices, recent, staff, rating) = futures::try_join!(
        db::list_all_messages(&ctx.db, id),
        attachments::by_message(&ctx.db, id, true),
        db::organization_context(&ctx.db, org),
        db::recent_invoices(&ctx.db, org, CONTEXT_RECENT_INVOICES),
        tickets::recent_tickets(&ctx.db, org, Some(id), CONTEXT_RECENT_TICKETS),
        db::list_staff(&ctx.db),
        crate::support::satisfaction::rating_of(&ctx.db, id),
    )?;
    let usage = customer_usage(ctx, org).await;
    let due_at = ticket
        .response_due_at
        .filter(|_| ticket.status == TicketStatus::Open);
    let first_response = !messages
        .iter()
        .any(|m| m.author_kind == AuthorKind::Staff && !m.internal);
    Ok(StaffTicketView {
        id: ticket.id,
        subject: ticket.subject,
        status: ticket.status,
        priority: ticket.priority,
        category: ticket.category,
        requester_name: ticket.requester_name,
        requester_email: ticket.requester_email,
        assignee_id: ticket.assignee_id,
        created_at: local.moment(ticket.created_at),
        response_due: due_at
            .map(|due| ResponseDue::from_seconds_left((due - ctx.now()).whole_seconds())),
        first_response,
        rating,
        messages: messages
            .into_iter()
            .map(|m| StaffMessage {
                id: m.id,
                author_kind: m.author_kind,
                author_name: m.author_name.unwrap_or_else(|| "Former user".into()),
                internal: m.internal,
                body: m.body,
                created_at: local.moment(m.created_at),
                attachments: files.remove(&m.id).unwrap_or_default(),
            })
            .collect(),
        customer: CustomerContext {
            organization_id: org,
            organization_name: context.organization_name,
            plan_name: context.plan_name,
            member_count: context.member_count,
            seats_limit: context.seats_limit,
            usage,
            invoices: invoices
                .into_iter()
                .map(|i| InvoiceLine {
                    id: i.id,
                    number: i.number,
                    status: i.status.as_str().to_owned(),
                    issued_on: format_date(i.issued_on),
                    total: format_money(i.total_cents, &i.currency),
                    creditable: format_money(i.creditable_cents, &i.currency),
                    currency: i.currency,
                })
                .collect(),
            recent_tickets: recent.into_iter().map(|t| summary(t, &local)).collect(),
        },
        staff: staff
            .into_iter()
            .map(|s| StaffMember {
                user_id: s.user_id,
                name: s.name,
                email: s.email,
            })
            .collect(),
    })
}

/// Usage per metric against the plan, from the usage feature. It is context,
/// not the ticket: if it cannot be read, the ticket still shows, without it.
async fn customer_usage(ctx: &Ctx, organization_id: Uuid) -> Vec<UsageLine> {
    match crate::usage::service::current_usage(ctx, organization_id).await {
        Ok(metrics) => metrics
            .into_iter()
            .map(|m| UsageLine {
                label: m.metric.label().to_owned(),
                detail: format!(
                    "{} of {}",
                    m.metric.format(m.used),
                    m.metric.format(m.limit)
                ),
                percent: m.percent(),
            })
            .collect(),
        Err(error) => {
            tracing::warn!(?error, organization = %organization_id, "usage unavailable for the support console");
            Vec::new()
        }
    }
}

/// A staff reply, with the files already stored for it (`body` may be empty
/// when there are files): the ticket waits on the customer, who gets an email.
pub async fn reply(
    ctx: &Ctx,
    staff: &StaffSession,
    id: Uuid,
    body: &str,
    files: &[StoredFile],
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = db::lock_any_ticket(&mut uow, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = ticket.status;
    let message_id =
        tickets::insert_message(&mut uow, id, staff.user_id, "staff", false, body).await?;
    attachments::record(&mut uow, id, message_id, ticket.organization_id, files).await?;
    tickets::update_status(&mut uow, id, TicketStatus::Pending.as_str(), true).await?;
    tickets::answered_by_staff(&mut uow, id).await?;
    email_requester(
        &mut uow,
        &ticket,
        staff,
        message_id,
        &with_file_names(body, files),
    )
    .await?;
    audit(staff, "ticket.staff_replied", &ticket)
        .before(json!({ "status": before.as_str() }))
        .after(with_organization(
            json!({
                "status": TicketStatus::Pending.as_str(),
                "message_id": message_id,
                "files": file_names(files),
            }),
            &ticket,
        ))
        .record(&mut uow)
        .await?;
    let data = json!({
        "ticket_id": id, "subject": ticket.subject, "message_id": message_id, "by": "support",
        "body": body, "files": file_names(files), "status": TicketStatus::Pending.as_str(),
    });
    emit(
        &mut uow,
        ticket.organization_id,
        EventType::TicketReplied,
        data,
    )
    .await?;
    announce(&mut uow, ticket.organization_id, id);
    uow.commit().await
}

/// Emails the reply to the requester, if they are still a member of the
/// ticket's organization (a person who left must not keep receiving it).
async fn email_requester(
    tx: &mut PgConnection,
    ticket: &LockedTicketRow,
    staff: &StaffSession,
    message_id: Uuid,
    body: &str,
) -> Result<()> {
    let Some(requester) = ticket.requester_id else {
        return Ok(());
    };
    let Some(member) =
        crate::team::db::find_member(&mut *tx, ticket.organization_id, requester).await?
    else {
        return Ok(());
    };
    let Ok(email) = EmailAddress::parse(&member.email) else {
        tracing::warn!(user = %requester, "requester's stored email does not parse; no email sent");
        return Ok(());
    };
    let message = Email::TicketReply {
        name: member.name,
        staff_name: staff.name.clone(),
        subject: ticket.subject.clone(),
        ticket_id: ticket.id.to_string(),
        reply: body.to_owned(),
    };
    notify(
        tx,
        &format!("ticket_reply:{message_id}"),
        Some(ticket.organization_id),
        &email,
        &message,
    )
    .await
}

/// An internal note: staff only; no status change, no activity bump, no
/// email, no live event, so nothing on the customer's side moves.
pub async fn add_note(ctx: &Ctx, staff: &StaffSession, id: Uuid, body: &str) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let ticket = db::lock_any_ticket(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let message_id =
        tickets::insert_message(&mut tx, id, staff.user_id, "staff", true, body).await?;
    audit(staff, "ticket.note_added", &ticket)
        .after(with_organization(
            json!({ "message_id": message_id }),
            &ticket,
        ))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a ticket's status; the same status changes nothing.
/// Credits part or all of one of the ticket's organization's invoices (the
/// organization comes from the ticket, never the form), with an internal
/// note on the ticket saying so. Returns the credit note's number.
/// Errors: `NotFound` (ticket, or an invoice not of that organization),
/// `Validation` (`amount`, `currency`), `Conflict` (a voided invoice).
pub async fn issue_credit_note(
    ctx: &Ctx,
    staff: &StaffSession,
    ticket_id: Uuid,
    draft: &CreditNoteDraft,
) -> Result<String> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = db::lock_any_ticket(&mut uow, ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = ctx.now().date();
    let issued = credit_notes::issue(&mut uow, ticket.organization_id, draft, today).await?;
    let amount = Money::new(draft.amount_minor, draft.currency);
    let note = format!(
        "Credit note {} issued: {} ({}).",
        issued.number, amount, draft.reason
    );
    tickets::insert_message(&mut uow, ticket_id, staff.user_id, "staff", true, &note).await?;
    audit(staff, "credit_note.issued", &ticket)
        .after(with_organization(
            json!({ "number": issued.number, "invoice_id": draft.invoice_id,
                    "total": amount.display_ascii(), "reason": draft.reason }),
            &ticket,
        ))
        .record(&mut uow)
        .await?;
    announce(&mut uow, ticket.organization_id, ticket_id);
    uow.commit().await?;
    Ok(issued.number)
}

pub async fn set_status(
    ctx: &Ctx,
    staff: &StaffSession,
    id: Uuid,
    status: TicketStatus,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let ticket = db::lock_any_ticket(&mut uow, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = ticket.status;
    if before == status {
        return Ok(());
    }
    tickets::update_status(&mut uow, id, status.as_str(), true).await?;
    if status == TicketStatus::Resolved {
        crate::support::satisfaction::ask(ctx, &mut uow, &ticket).await?;
    }
    audit(staff, "ticket.status_changed", &ticket)
        .before(json!({ "status": before.as_str() }))
        .after(with_organization(
            json!({ "status": status.as_str() }),
            &ticket,
        ))
        .record(&mut uow)
        .await?;
    let data = crate::support::service::status_data(id, &ticket.subject, before, status);
    emit(
        &mut uow,
        ticket.organization_id,
        EventType::TicketStatusChanged,
        data,
    )
    .await?;
    announce(&mut uow, ticket.organization_id, id);
    uow.commit().await
}

/// Who a ticket is assigned to: `None` unassigns. Internal: the customer's
/// side shows no assignee and gets no event.
pub async fn assign(
    ctx: &Ctx,
    staff: &StaffSession,
    id: Uuid,
    assignee: Option<Uuid>,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    if let Some(assignee) = assignee {
        if db::find_staff(&mut *tx, assignee).await?.is_none() {
            return Err(
                FieldErrors::single("assignee", "Choose a member of the support staff.").into(),
            );
        }
    }
    let ticket = db::lock_any_ticket(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if ticket.assignee_id == assignee {
        return Ok(());
    }
    tickets::update_assignee(&mut tx, id, assignee).await?;
    audit(staff, "ticket.assigned", &ticket)
        .before(json!({ "assignee_id": ticket.assignee_id }))
        .after(with_organization(
            json!({ "assignee_id": assignee }),
            &ticket,
        ))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff actions go to the company's side of the audit log (no organization).
fn audit<'a>(staff: &'a StaffSession, action: &'a str, ticket: &LockedTicketRow) -> AuditEntry<'a> {
    staff.audit(action).target("ticket", ticket.id)
}

/// `after` naming the customer's organization, so the company-side entry
/// says whose ticket it was.
fn with_organization(mut after: serde_json::Value, ticket: &LockedTicketRow) -> serde_json::Value {
    after["organization_id"] = json!(ticket.organization_id);
    after
}
