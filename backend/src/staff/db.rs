//! All SQL of the support console: any organization's tickets, the whole
//! thread with internal notes, the staff list, and the customer's context.
//! Only staff services (behind a staff session) call these.

use crate::support::db::{LockedTicketRow, MessageRow, TicketDetailRow};
use domain::billing::InvoiceStatus;
use domain::support::{AuthorKind, TicketCategory, TicketPriority, TicketStatus};
use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Staff only: any organization's ticket.
pub async fn find_any_ticket(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Option<TicketDetailRow>> {
    sqlx::query_as!(
        TicketDetailRow,
        r#"select t.id, t.organization_id, t.subject, t.status as "status: TicketStatus",
                  t.priority as "priority: TicketPriority", t.category as "category: TicketCategory", t.requester_id,
                  u.name as "requester_name?", u.email as "requester_email?", t.assignee_id,
                  t.created_at, t.last_activity_at, t.response_due_at
           from ticket t left join app_user u on u.id = t.requester_id
           where t.id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Staff only: locks any organization's ticket.
pub async fn lock_any_ticket(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<LockedTicketRow>> {
    sqlx::query_as!(
        LockedTicketRow,
        r#"select id, organization_id, subject, status as "status: TicketStatus",
                  priority as "priority: TicketPriority", requester_id, assignee_id from ticket
           where id = $1 for update"#,
        id,
    )
    .fetch_optional(conn)
    .await
}

/// Staff only: the whole thread, internal notes included.
pub async fn list_all_messages(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as!(
        MessageRow,
        r#"select m.id, u.name as "author_name?", m.author_kind as "author_kind: AuthorKind", m.internal, m.body, m.created_at
           from ticket_message m left join app_user u on u.id = m.author_id
           where m.ticket_id = $1
           order by m.created_at, m.id"#,
        ticket_id,
    )
    .fetch_all(db)
    .await
}

// ------------------------------------------------------------ staff console

pub struct StaffTicketRow {
    pub id: Uuid,
    pub organization_name: String,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    pub assignee_name: Option<String>,
    pub last_activity_at: OffsetDateTime,
    /// When staff should answer; `None` unless it waits on them.
    pub due_at: Option<OffsetDateTime>,
}

/// Filters of the console, as SQL parameters. `assignee`: `None` anyone,
/// `Some(None)` unassigned, `Some(Some(id))` that staff member.
pub struct StaffFilterParams<'a> {
    pub status: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub category: Option<&'a str>,
    pub assignee: Option<Option<Uuid>>,
    pub pattern: Option<&'a str>,
    /// Only tickets whose response is due before `now`.
    pub overdue: bool,
    /// The response due soonest first, instead of the newest activity.
    pub by_due: bool,
    pub now: OffsetDateTime,
}

pub async fn list_any_tickets(
    db: impl PgExecutor<'_>,
    filter: &StaffFilterParams<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<StaffTicketRow>> {
    let (filter_assignee, assignee) = split_assignee(filter.assignee);
    sqlx::query_as!(
        StaffTicketRow,
        r#"select t.id, o.name as organization_name, t.subject, t.status as "status: TicketStatus",
                  t.priority as "priority: TicketPriority", t.category as "category: TicketCategory",
                  u.name as "assignee_name?", t.last_activity_at, d.due_at
           from ticket t
           join organization o on o.id = t.organization_id
           left join app_user u on u.id = t.assignee_id
           cross join lateral (
               select case when t.status = 'open' then t.response_due_at end as due_at
           ) d
           where ($1::text is null or t.status = $1)
             and ($2::text is null or t.priority = $2)
             and ($3::text is null or t.category = $3)
             and (not $4 or t.assignee_id is not distinct from $5)
             and ($6::text is null or t.subject ilike $6 or o.name ilike $6)
             and (not $9 or d.due_at < $10)
           order by case when $11 then d.due_at end asc nulls last, t.last_activity_at desc, t.id
           limit $7 offset $8"#,
        filter.status,
        filter.priority,
        filter.category,
        filter_assignee,
        assignee,
        filter.pattern,
        limit,
        offset,
        filter.overdue,
        filter.now,
        filter.by_due,
    )
    .fetch_all(db)
    .await
}

pub async fn count_any_tickets(
    db: impl PgExecutor<'_>,
    filter: &StaffFilterParams<'_>,
) -> sqlx::Result<i64> {
    let (filter_assignee, assignee) = split_assignee(filter.assignee);
    sqlx::query_scalar!(
        r#"select count(*) as "count!"
           from ticket t join organization o on o.id = t.organization_id
           where ($1::text is null or t.status = $1)
             and ($2::text is null or t.priority = $2)
             and ($3::text is null or t.category = $3)
             and (not $4 or t.assignee_id is not distinct from $5)
             and ($6::text is null or t.subject ilike $6 or o.name ilike $6)
             and (not $7 or (t.status = 'open' and t.response_due_at < $8))"#,
        filter.status,
        filter.priority,
        filter.category,
        filter_assignee,
        assignee,
        filter.pattern,
        filter.overdue,
        filter.now,
    )
    .fetch_one(db)
    .await
}

fn split_assignee(assignee: Option<Option<Uuid>>) -> (bool, Option<Uuid>) {
    match assignee {
        None => (false, None),
        Some(id) => (true, id),
    }
}

pub struct StaffRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

pub async fn list_staff(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<StaffRow>> {
    sqlx::query_as!(
        StaffRow,
        r#"select u.id as user_id, u.name, u.email
           from staff s join app_user u on u.id = s.user_id
           where s.deactivated_at is null
           order by lower(u.name), u.id"#
    )
    .fetch_all(db)
    .await
}

pub async fn find_staff(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Option<StaffRow>> {
    sqlx::query_as!(
        StaffRow,
        r#"select u.id as user_id, u.name, u.email
           from staff s join app_user u on u.id = s.user_id
           where s.user_id = $1 and s.deactivated_at is null"#,
        user_id,
    )
    .fetch_optional(db)
    .await
}

// ------------------------------------------------------------ customer context

pub struct OrganizationContextRow {
    pub organization_name: String,
    pub plan_name: String,
    pub seats_limit: i64,
    pub member_count: i64,
}

/// The organization, its plan and its team size.
pub async fn organization_context(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<OrganizationContextRow> {
    sqlx::query_as!(
        OrganizationContextRow,
        r#"select o.name as organization_name, p.name as plan_name,
                  p.seats_limit::bigint as "seats_limit!",
                  (select count(*) from member m where m.organization_id = o.id) as "member_count!"
           from organization o join plan p on p.id = o.plan_id
           where o.id = $1"#,
        organization_id,
    )
    .fetch_one(db)
    .await
}

pub struct LastInvoiceRow {
    pub id: Uuid,
    pub number: String,
    pub status: InvoiceStatus,
    pub issued_on: Date,
    pub creditable_cents: i64,
    pub total_cents: i64,
    pub currency: String,
}

/// The organization's newest invoices, newest first, with what is still
/// left to credit on each.
pub async fn recent_invoices(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<LastInvoiceRow>> {
    sqlx::query_as!(
        LastInvoiceRow,
        r#"select i.id, i.number, i.status as "status: InvoiceStatus", i.issued_on,
                  (i.total_cents - coalesce((select sum(c.total_cents) from credit_note c
                                             where c.invoice_id = i.id), 0))::bigint as "creditable_cents!",
                  i.total_cents, i.currency
           from invoice i
           where i.organization_id = $1
           order by i.issued_on desc, i.number desc
           limit $2"#,
        organization_id,
        limit,
    )
    .fetch_all(db)
    .await
}

pub async fn is_staff(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from staff where user_id = $1 and deactivated_at is null) as "exists!""#,
        user_id,
    )
    .fetch_one(db)
    .await
}
