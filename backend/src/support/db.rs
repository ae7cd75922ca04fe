//! All SQL of support. Customer-side queries always name the organization
//! (from the session) and never read internal notes: `internal = false` is in
//! the SQL, not in a filter after it. The console's own queries (any
//! organization's tickets) are in the staff feature's `db.rs`; the writes both share
//! (messages, status, assignee) are here.

use domain::support::{AuthorKind, TicketCategory, TicketPriority, TicketStatus};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

// ------------------------------------------------------------ tickets

pub struct NewTicketRow<'a> {
    pub organization_id: Uuid,
    pub requester_id: Uuid,
    pub subject: &'a str,
    pub category: &'a str,
    pub priority: &'a str,
    /// When staff should answer (`support::due`).
    pub response_due_at: OffsetDateTime,
}

pub async fn insert_ticket(conn: &mut PgConnection, row: NewTicketRow<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into ticket (organization_id, requester_id, subject, category, priority, response_due_at)
           values ($1, $2, $3, $4, $5, $6) returning id"#,
        row.organization_id,
        row.requester_id,
        row.subject,
        row.category,
        row.priority,
        row.response_due_at,
    )
    .fetch_one(conn)
    .await
}

/// `author_kind` is `customer` or `staff`; only staff write internal notes
/// (a named check constraint backs that up).
pub async fn insert_message(
    conn: &mut PgConnection,
    ticket_id: Uuid,
    author_id: Uuid,
    author_kind: &str,
    internal: bool,
    body: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into ticket_message (ticket_id, author_id, author_kind, internal, body)
           values ($1, $2, $3, $4, $5) returning id"#,
        ticket_id,
        author_id,
        author_kind,
        internal,
        body,
    )
    .fetch_one(conn)
    .await
}

pub struct TicketRow {
    pub id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    pub last_activity_at: OffsetDateTime,
}

/// One page of an organization's tickets, newest activity first. `pattern`
/// is an escaped ILIKE pattern on the subject.
pub async fn list_tickets(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    status: Option<&str>,
    pattern: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as!(
        TicketRow,
        r#"select id, subject, status as "status: TicketStatus", priority as "priority: TicketPriority",
                  category as "category: TicketCategory", last_activity_at
           from ticket
           where organization_id = $1
             and ($2::text is null or status = $2)
             and ($3::text is null or subject ilike $3)
           order by last_activity_at desc, id
           limit $4 offset $5"#,
        organization_id,
        status,
        pattern,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

pub async fn count_tickets(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    status: Option<&str>,
    pattern: Option<&str>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from ticket
           where organization_id = $1
             and ($2::text is null or status = $2)
             and ($3::text is null or subject ilike $3)"#,
        organization_id,
        status,
        pattern,
    )
    .fetch_one(db)
    .await
}

/// The organization's most recently active tickets (for the dashboard and
/// the staff console's customer context), optionally without one of them.
pub async fn recent_tickets(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    except: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<TicketRow>> {
    sqlx::query_as!(
        TicketRow,
        r#"select id, subject, status as "status: TicketStatus", priority as "priority: TicketPriority",
                  category as "category: TicketCategory", last_activity_at
           from ticket
           where organization_id = $1 and ($2::uuid is null or id <> $2)
           order by last_activity_at desc, id
           limit $3"#,
        organization_id,
        except,
        limit,
    )
    .fetch_all(db)
    .await
}

pub struct TicketDetailRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    pub requester_id: Option<Uuid>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub last_activity_at: OffsetDateTime,
    /// When staff should answer, if it waits on them (`await_staff`).
    pub response_due_at: Option<OffsetDateTime>,
}

/// One ticket of one organization; `None` for any other organization's id,
/// so a customer cannot tell "not yours" from "does not exist".
pub async fn find_ticket(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<TicketDetailRow>> {
    sqlx::query_as!(
        TicketDetailRow,
        r#"select t.id, t.organization_id, t.subject, t.status as "status: TicketStatus",
                  t.priority as "priority: TicketPriority", t.category as "category: TicketCategory", t.requester_id,
                  u.name as "requester_name?", u.email as "requester_email?", t.assignee_id,
                  t.created_at, t.last_activity_at, t.response_due_at
           from ticket t left join app_user u on u.id = t.requester_id
           where t.id = $1 and t.organization_id = $2"#,
        id,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

pub struct LockedTicketRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub requester_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
}

/// Locks one ticket of one organization for a change; `None` for others'.
pub async fn lock_ticket(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<LockedTicketRow>> {
    sqlx::query_as!(
        LockedTicketRow,
        r#"select id, organization_id, subject, status as "status: TicketStatus",
                  priority as "priority: TicketPriority", requester_id, assignee_id from ticket
           where id = $1 and organization_id = $2 for update"#,
        id,
        organization_id,
    )
    .fetch_optional(conn)
    .await
}

/// Sets the status; `customer_visible` moves `last_activity_at` too.
pub async fn update_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    customer_visible: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update ticket
           set status = $2,
               last_activity_at = case when $3 then now() else last_activity_at end,
               updated_at = now()
           where id = $1"#,
        id,
        status,
        customer_visible,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_assignee(
    conn: &mut PgConnection,
    id: Uuid,
    assignee_id: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update ticket set assignee_id = $2, updated_at = now() where id = $1",
        id,
        assignee_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

// ------------------------------------------------------------ messages

pub struct MessageRow {
    pub id: Uuid,
    pub author_name: Option<String>,
    pub author_kind: AuthorKind,
    pub internal: bool,
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// The thread as customers see it: internal notes are never selected.
pub async fn list_public_messages(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as!(
        MessageRow,
        r#"select m.id, u.name as "author_name?", m.author_kind as "author_kind: AuthorKind", m.internal, m.body, m.created_at
           from ticket_message m left join app_user u on u.id = m.author_id
           where m.ticket_id = $1 and not m.internal
           order by m.created_at, m.id"#,
        ticket_id,
    )
    .fetch_all(db)
    .await
}

/// A customer wrote: the ticket waits on staff from now, with a response
/// due at `due_at`, unless it already did (then its due time stands).
pub async fn await_staff(
    conn: &mut PgConnection,
    id: Uuid,
    due_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update ticket set response_due_at = coalesce(response_due_at, $2) where id = $1",
        id,
        due_at,
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Staff answered the customer: nothing is due until they write again.
pub async fn answered_by_staff(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!("update ticket set response_due_at = null where id = $1", id)
        .execute(conn)
        .await
        .map(drop)
}

// ------------------------------------------------------------ staff alerts

pub struct StaffRecipient {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

/// Who hears of a customer's message on a ticket: its assignee, or every
/// staff member while it has none (an assignee is always staff: the column
/// references `staff`).
pub async fn staff_to_alert(
    conn: &mut PgConnection,
    ticket_id: Uuid,
) -> sqlx::Result<Vec<StaffRecipient>> {
    sqlx::query_as!(
        StaffRecipient,
        r#"select u.id as user_id, u.name, u.email
           from staff s join app_user u on u.id = s.user_id
           where s.deactivated_at is null
             and s.user_id = coalesce((select assignee_id from ticket where id = $1), s.user_id)
           order by u.id"#,
        ticket_id,
    )
    .fetch_all(conn)
    .await
}
