//! Support workflows. Customer functions take the organization from the
//! session and answer `NotFound` for any ticket outside it (so ids of other
//! organizations' tickets reveal nothing); staff functions start with
//! `require_staff`. Every change runs in one transaction with its audit entry
//! (and, for a staff reply, its email); live updates go out after commit.

use super::db::{self, NewTicketRow, StaffFilterParams};
use super::model::{
    AssigneeFilter, AuthorKind, CustomerContext, InvoiceLine, Message, NewTicket, StaffMember,
    StaffMessage, StaffTicketFilter, StaffTicketPage, StaffTicketSummary, StaffTicketView,
    TicketPage, TicketStatus, TicketSummary, TicketThread, UsageLine, TICKETS_PER_PAGE,
};
use super::staff::{require_staff, StaffSession};
use crate::dashboard::model::format_money;
use crate::domain::{EmailAddress, Permission};
use crate::error::AppError;
use crate::live::LiveEvent;
use crate::notifications::service::notify;
use crate::notifications::Email;
use crate::server::audit::{self, AuditEntry};
use crate::server::clock::display_minutes;
use crate::server::{client_meta, require_permission, state, AppState, AuthSession};
use crate::team::service::like_pattern;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Recent tickets shown beside a ticket in the console.
const CONTEXT_RECENT_TICKETS: i64 = 5;

// ------------------------------------------------------------ customers

pub async fn list_tickets(
    status: Option<TicketStatus>,
    search: &str,
    page: u32,
) -> Result<TicketPage, AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let state = state()?;
    let org = session.organization_id;
    let pattern = like_pattern(search);
    let status = status.map(TicketStatus::as_str);
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(TICKETS_PER_PAGE);
    let (rows, total) = futures::try_join!(
        db::list_tickets(
            &state.db,
            org,
            status,
            pattern.as_deref(),
            TICKETS_PER_PAGE.into(),
            offset
        ),
        db::count_tickets(&state.db, org, status, pattern.as_deref()),
    )?;
    Ok(TicketPage {
        tickets: rows.into_iter().filter_map(summary).collect(),
        total,
        page,
        per_page: TICKETS_PER_PAGE,
    })
}

/// The organization's most recently active tickets, for the dashboard.
pub async fn recent_tickets(
    state: &AppState,
    organization_id: Uuid,
    limit: i64,
) -> Result<Vec<TicketSummary>, AppError> {
    let rows = db::recent_tickets(&state.db, organization_id, None, limit).await?;
    Ok(rows.into_iter().filter_map(summary).collect())
}

/// A list row as the wire type; a row with an unknown stored value is
/// skipped (and logged) rather than failing the whole list.
pub fn summary(row: db::TicketRow) -> Option<TicketSummary> {
    let parsed = (|| {
        Some(TicketSummary {
            status: row.status.parse().ok()?,
            priority: row.priority.parse().ok()?,
            category: row.category.parse().ok()?,
            id: row.id,
            subject: row.subject.clone(),
            last_activity_at: display_minutes(row.last_activity_at),
        })
    })();
    if parsed.is_none() {
        tracing::error!(ticket = %row.id, "ticket row has an unknown status, priority or category");
    }
    parsed
}

pub async fn get_ticket(id: Uuid) -> Result<TicketThread, AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let state = state()?;
    let ticket = db::find_ticket(&state.db, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let messages = db::list_public_messages(&state.db, ticket.id).await?;
    Ok(TicketThread {
        id: ticket.id,
        subject: ticket.subject,
        status: stored(&ticket.status)?,
        priority: stored(&ticket.priority)?,
        category: stored(&ticket.category)?,
        requester_name: ticket.requester_name,
        created_at: display_minutes(ticket.created_at),
        last_activity_at: display_minutes(ticket.last_activity_at),
        messages: messages
            .into_iter()
            // Belt and braces: the query already excludes internal notes.
            .filter(|m| !m.internal)
            .map(|m| {
                Ok(Message {
                    id: m.id,
                    author_kind: author_kind(&m.author_kind)?,
                    author_name: author_name(m.author_name, &m.author_kind),
                    body: m.body,
                    created_at: display_minutes(m.created_at),
                })
            })
            .collect::<Result<_, AppError>>()?,
    })
}

pub async fn open_ticket(input: NewTicket) -> Result<Uuid, AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let id = db::insert_ticket(
        &mut tx,
        NewTicketRow {
            organization_id: session.organization_id,
            requester_id: session.user_id,
            subject: &input.subject,
            category: input.category.as_str(),
            priority: input.priority.as_str(),
        },
    )
    .await?;
    let message_id =
        db::insert_message(&mut tx, id, session.user_id, "customer", false, &input.body).await?;
    audit_customer(
        &mut tx,
        &session,
        "ticket.opened",
        id,
        None,
        Some(json!({
            "subject": input.subject,
            "category": input.category.as_str(),
            "priority": input.priority.as_str(),
            "message_id": message_id,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A customer's reply. A resolved or pending ticket goes back to open.
pub async fn reply(id: Uuid, body: &str) -> Result<(), AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let ticket = db::lock_ticket(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before: TicketStatus = stored(&ticket.status)?;
    let after = before.after_customer_reply()?;
    let message_id =
        db::insert_message(&mut tx, id, session.user_id, "customer", false, body).await?;
    db::update_status(&mut tx, id, after.as_str(), true).await?;
    audit_customer(
        &mut tx,
        &session,
        "ticket.replied",
        id,
        Some(json!({ "status": before.as_str() })),
        Some(json!({ "status": after.as_str(), "message_id": message_id })),
    )
    .await?;
    tx.commit().await?;
    announce(&state, session.organization_id, id).await;
    Ok(())
}

/// Closes a ticket; closing a closed ticket changes nothing.
pub async fn close(id: Uuid) -> Result<(), AppError> {
    customer_status_change(id, "ticket.closed", |status| {
        (status != TicketStatus::Closed).then_some(TicketStatus::Closed)
    })
    .await
}

/// Reopens a resolved or closed ticket; other tickets are open already.
pub async fn reopen(id: Uuid) -> Result<(), AppError> {
    customer_status_change(id, "ticket.reopened", |status| {
        status.can_reopen().then_some(TicketStatus::Open)
    })
    .await
}

async fn customer_status_change(
    id: Uuid,
    action: &str,
    next: impl FnOnce(TicketStatus) -> Option<TicketStatus>,
) -> Result<(), AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let ticket = db::lock_ticket(&mut tx, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before: TicketStatus = stored(&ticket.status)?;
    let Some(after) = next(before) else {
        return Ok(());
    };
    db::update_status(&mut tx, id, after.as_str(), true).await?;
    audit_customer(
        &mut tx,
        &session,
        action,
        id,
        Some(json!({ "status": before.as_str() })),
        Some(json!({ "status": after.as_str() })),
    )
    .await?;
    tx.commit().await?;
    announce(&state, session.organization_id, id).await;
    Ok(())
}

async fn audit_customer(
    tx: &mut PgConnection,
    session: &AuthSession,
    action: &str,
    ticket_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::record_member_action(
        tx,
        session,
        action,
        ("ticket", ticket_id.to_string()),
        before,
        after,
    )
    .await
}

// ------------------------------------------------------------ staff

pub async fn current_staff() -> Result<Option<StaffMember>, AppError> {
    Ok(super::staff::current_staff().await?.map(|s| s.member()))
}

pub async fn staff_list(filter: StaffTicketFilter, page: u32) -> Result<StaffTicketPage, AppError> {
    let staff = require_staff().await?;
    let state = state()?;
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
    };
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(TICKETS_PER_PAGE);
    let (rows, total) = futures::try_join!(
        db::list_any_tickets(&state.db, &params, TICKETS_PER_PAGE.into(), offset),
        db::count_any_tickets(&state.db, &params),
    )?;
    Ok(StaffTicketPage {
        tickets: rows
            .into_iter()
            .filter_map(|row| {
                Some(StaffTicketSummary {
                    status: row.status.parse().ok()?,
                    priority: row.priority.parse().ok()?,
                    category: row.category.parse().ok()?,
                    id: row.id,
                    organization_name: row.organization_name,
                    subject: row.subject,
                    assignee_name: row.assignee_name,
                    last_activity_at: display_minutes(row.last_activity_at),
                })
            })
            .collect(),
        total,
        page,
        per_page: TICKETS_PER_PAGE,
    })
}

pub async fn staff_ticket(id: Uuid) -> Result<StaffTicketView, AppError> {
    require_staff().await?;
    let state = state()?;
    let ticket = db::find_any_ticket(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = ticket.organization_id;
    let (messages, context, invoice, recent, staff) = futures::try_join!(
        db::list_all_messages(&state.db, id),
        db::organization_context(&state.db, org),
        db::last_invoice(&state.db, org),
        db::recent_tickets(&state.db, org, Some(id), CONTEXT_RECENT_TICKETS),
        db::list_staff(&state.db),
    )?;
    let usage = customer_usage(&state, org).await;
    Ok(StaffTicketView {
        id: ticket.id,
        subject: ticket.subject,
        status: stored(&ticket.status)?,
        priority: stored(&ticket.priority)?,
        category: stored(&ticket.category)?,
        requester_name: ticket.requester_name,
        requester_email: ticket.requester_email,
        assignee_id: ticket.assignee_id,
        created_at: display_minutes(ticket.created_at),
        messages: messages
            .into_iter()
            .map(|m| {
                Ok(StaffMessage {
                    id: m.id,
                    author_kind: author_kind(&m.author_kind)?,
                    author_name: m.author_name.unwrap_or_else(|| "Former user".into()),
                    internal: m.internal,
                    body: m.body,
                    created_at: display_minutes(m.created_at),
                })
            })
            .collect::<Result<_, AppError>>()?,
        customer: CustomerContext {
            organization_id: org,
            organization_name: context.organization_name,
            plan_name: context.plan_name,
            member_count: context.member_count,
            seats_limit: context.seats_limit,
            usage,
            last_invoice: invoice.map(|i| InvoiceLine {
                number: i.number,
                status: i.status,
                issued_on: i.issued_on.to_string(),
                total: format_money(i.total_cents, &i.currency),
            }),
            recent_tickets: recent.into_iter().filter_map(summary).collect(),
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
async fn customer_usage(state: &AppState, organization_id: Uuid) -> Vec<UsageLine> {
    match crate::usage::service::current_usage(state, organization_id).await {
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

/// A staff reply: the ticket waits on the customer, who gets an email.
pub async fn staff_reply(id: Uuid, body: &str) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let ticket = db::lock_any_ticket(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before: TicketStatus = stored(&ticket.status)?;
    let message_id = db::insert_message(&mut tx, id, staff.user_id, "staff", false, body).await?;
    db::update_status(&mut tx, id, TicketStatus::Pending.as_str(), true).await?;
    email_requester(&mut tx, &ticket, &staff, message_id, body).await?;
    audit_staff(
        &mut tx,
        &staff,
        "ticket.staff_replied",
        &ticket,
        Some(json!({ "status": before.as_str() })),
        Some(json!({ "status": TicketStatus::Pending.as_str(), "message_id": message_id })),
    )
    .await?;
    tx.commit().await?;
    announce(&state, ticket.organization_id, id).await;
    Ok(())
}

/// Emails the reply to the requester, if they are still a member of the
/// ticket's organization (a person who left must not keep receiving it).
async fn email_requester(
    tx: &mut PgConnection,
    ticket: &db::LockedTicketRow,
    staff: &StaffSession,
    message_id: Uuid,
    body: &str,
) -> Result<(), AppError> {
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
pub async fn add_note(id: Uuid, body: &str) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let ticket = db::lock_any_ticket(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let message_id = db::insert_message(&mut tx, id, staff.user_id, "staff", true, body).await?;
    audit_staff(
        &mut tx,
        &staff,
        "ticket.note_added",
        &ticket,
        None,
        Some(json!({ "message_id": message_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_status(id: Uuid, status: TicketStatus) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    let ticket = db::lock_any_ticket(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before: TicketStatus = stored(&ticket.status)?;
    if before == status {
        return Ok(());
    }
    db::update_status(&mut tx, id, status.as_str(), true).await?;
    audit_staff(
        &mut tx,
        &staff,
        "ticket.status_changed",
        &ticket,
        Some(json!({ "status": before.as_str() })),
        Some(json!({ "status": status.as_str() })),
    )
    .await?;
    tx.commit().await?;
    announce(&state, ticket.organization_id, id).await;
    Ok(())
}

/// Who a ticket is assigned to: `None` unassigns. Internal: the customer's
/// side shows no assignee and gets no event.
pub async fn assign(id: Uuid, assignee: Option<Uuid>) -> Result<(), AppError> {
    let staff = require_staff().await?;
    let state = state()?;
    let mut tx = state.db.begin().await?;
    if let Some(assignee) = assignee {
        if db::find_staff(&mut *tx, assignee).await?.is_none() {
            return Err(AppError::Validation(crate::error::FieldErrors::single(
                "assignee",
                "Choose a member of the support staff.",
            )));
        }
    }
    let ticket = db::lock_any_ticket(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if ticket.assignee_id == assignee {
        return Ok(());
    }
    db::update_assignee(&mut tx, id, assignee).await?;
    audit_staff(
        &mut tx,
        &staff,
        "ticket.assigned",
        &ticket,
        Some(json!({ "assignee_id": ticket.assignee_id })),
        Some(json!({ "assignee_id": assignee })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff actions go to the company's side of the audit log (no organization),
/// naming the customer's organization in `after`.
async fn audit_staff(
    tx: &mut PgConnection,
    staff: &StaffSession,
    action: &str,
    ticket: &db::LockedTicketRow,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    let mut after = after.unwrap_or_else(|| json!({}));
    after["organization_id"] = json!(ticket.organization_id);
    let entry = AuditEntry {
        target_type: Some("ticket"),
        target_id: Some(ticket.id.to_string()),
        before,
        after: Some(after),
        ..staff.audit_entry(action)
    };
    audit::record(tx, entry, &client_meta()?).await
}

// ------------------------------------------------------------ helpers

/// Tells the organization's open pages that a ticket changed (best effort,
/// after commit, on every instance): an open thread refetches.
async fn announce(state: &AppState, organization_id: Uuid, ticket_id: Uuid) {
    crate::live::publish(
        state,
        organization_id,
        LiveEvent::TicketUpdated { ticket_id },
    )
    .await;
}

fn stored<T: std::str::FromStr>(value: &str) -> Result<T, AppError> {
    value
        .parse()
        .map_err(|_| anyhow::anyhow!("stored ticket value {value:?} is unknown").into())
}

fn author_kind(kind: &str) -> Result<AuthorKind, AppError> {
    match kind {
        "customer" => Ok(AuthorKind::Customer),
        "staff" => Ok(AuthorKind::Staff),
        other => Err(anyhow::anyhow!("stored author kind {other:?} is unknown").into()),
    }
}

/// Customers see staff as "Name (Support)"; a deleted author stays anonymous.
fn author_name(name: Option<String>, kind: &str) -> String {
    match (name, kind) {
        (Some(name), "staff") => format!("{name} (Support)"),
        (Some(name), _) => name,
        (None, "staff") => "Support".into(),
        (None, _) => "Former member".into(),
    }
}
