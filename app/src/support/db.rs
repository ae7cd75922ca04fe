//! All SQL of support. Customer-side queries always name the organization
//! (from the session) and never read internal notes: `internal = false` is in
//! the SQL, not in a filter after it. Staff-side queries are the `*_any_*` and
//! `staff_*` functions; only `service` functions that passed `require_staff`
//! call them.

use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

// ------------------------------------------------------------ tickets

pub struct NewTicketRow<'a> {
    pub organization_id: Uuid,
    pub requester_id: Uuid,
    pub subject: &'a str,
    pub category: &'a str,
    pub priority: &'a str,
}

pub async fn insert_ticket(conn: &mut PgConnection, row: NewTicketRow<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into ticket (organization_id, requester_id, subject, category, priority)
           values ($1, $2, $3, $4, $5) returning id"#,
        row.organization_id,
        row.requester_id,
        row.subject,
        row.category,
        row.priority,
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
    pub status: String,
    pub priority: String,
    pub category: String,
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
        r#"select id, subject, status, priority, category, last_activity_at
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
        r#"select id, subject, status, priority, category, last_activity_at
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
    pub status: String,
    pub priority: String,
    pub category: String,
    pub requester_id: Option<Uuid>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub last_activity_at: OffsetDateTime,
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
        r#"select t.id, t.organization_id, t.subject, t.status, t.priority, t.category, t.requester_id,
                  u.name as "requester_name?", u.email as "requester_email?", t.assignee_id,
                  t.created_at, t.last_activity_at
           from ticket t left join app_user u on u.id = t.requester_id
           where t.id = $1 and t.organization_id = $2"#,
        id,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

/// Staff only: any organization's ticket.
pub async fn find_any_ticket(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Option<TicketDetailRow>> {
    sqlx::query_as!(
        TicketDetailRow,
        r#"select t.id, t.organization_id, t.subject, t.status, t.priority, t.category, t.requester_id,
                  u.name as "requester_name?", u.email as "requester_email?", t.assignee_id,
                  t.created_at, t.last_activity_at
           from ticket t left join app_user u on u.id = t.requester_id
           where t.id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}

pub struct LockedTicketRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub subject: String,
    pub status: String,
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
        r#"select id, organization_id, subject, status, requester_id, assignee_id from ticket
           where id = $1 and organization_id = $2 for update"#,
        id,
        organization_id,
    )
    .fetch_optional(conn)
    .await
}

/// Staff only: locks any organization's ticket.
pub async fn lock_any_ticket(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<LockedTicketRow>> {
    sqlx::query_as!(
        LockedTicketRow,
        r#"select id, organization_id, subject, status, requester_id, assignee_id from ticket
           where id = $1 for update"#,
        id,
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
    pub author_kind: String,
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
        r#"select m.id, u.name as "author_name?", m.author_kind, m.internal, m.body, m.created_at
           from ticket_message m left join app_user u on u.id = m.author_id
           where m.ticket_id = $1 and not m.internal
           order by m.created_at, m.id"#,
        ticket_id,
    )
    .fetch_all(db)
    .await
}

/// Staff only: the whole thread, internal notes included.
pub async fn list_all_messages(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as!(
        MessageRow,
        r#"select m.id, u.name as "author_name?", m.author_kind, m.internal, m.body, m.created_at
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
    pub status: String,
    pub priority: String,
    pub category: String,
    pub assignee_name: Option<String>,
    pub last_activity_at: OffsetDateTime,
}

/// Filters of the console, as SQL parameters. `assignee`: `None` anyone,
/// `Some(None)` unassigned, `Some(Some(id))` that staff member.
pub struct StaffFilterParams<'a> {
    pub status: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub category: Option<&'a str>,
    pub assignee: Option<Option<Uuid>>,
    pub pattern: Option<&'a str>,
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
        r#"select t.id, o.name as organization_name, t.subject, t.status, t.priority, t.category,
                  u.name as "assignee_name?", t.last_activity_at
           from ticket t
           join organization o on o.id = t.organization_id
           left join app_user u on u.id = t.assignee_id
           where ($1::text is null or t.status = $1)
             and ($2::text is null or t.priority = $2)
             and ($3::text is null or t.category = $3)
             and (not $4 or t.assignee_id is not distinct from $5)
             and ($6::text is null or t.subject ilike $6 or o.name ilike $6)
           order by t.last_activity_at desc, t.id
           limit $7 offset $8"#,
        filter.status,
        filter.priority,
        filter.category,
        filter_assignee,
        assignee,
        filter.pattern,
        limit,
        offset,
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
             and ($6::text is null or t.subject ilike $6 or o.name ilike $6)"#,
        filter.status,
        filter.priority,
        filter.category,
        filter_assignee,
        assignee,
        filter.pattern,
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
           where s.user_id = $1"#,
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
    pub number: String,
    pub status: String,
    pub issued_on: Date,
    pub total_cents: i64,
    pub currency: String,
}

pub async fn last_invoice(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Option<LastInvoiceRow>> {
    sqlx::query_as!(
        LastInvoiceRow,
        r#"select number, status, issued_on, total_cents, currency from invoice
           where organization_id = $1
           order by issued_on desc, number desc
           limit 1"#,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

// ------------------------------------------------------------ staff sessions

pub struct StaffSessionRow {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub last_seen_at: OffsetDateTime,
}

/// A live staff session: not revoked, not past its absolute or idle timeout,
/// and its user still staff.
pub async fn find_staff_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    idle_since: OffsetDateTime,
) -> sqlx::Result<Option<StaffSessionRow>> {
    sqlx::query_as!(
        StaffSessionRow,
        r#"select ss.id as session_id, u.id as user_id, u.name, u.email, ss.last_seen_at
           from staff_session ss
           join staff s on s.user_id = ss.user_id
           join app_user u on u.id = s.user_id
           where ss.token_hash = $1 and ss.revoked_at is null
             and ss.expires_at > now() and ss.last_seen_at > $2"#,
        token_hash,
        idle_since,
    )
    .fetch_optional(db)
    .await
}

pub async fn insert_staff_session(
    conn: &mut PgConnection,
    token_hash: &[u8],
    user_id: Uuid,
    ip: Option<&str>,
    user_agent: Option<&str>,
    expires_at: OffsetDateTime,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into staff_session (token_hash, user_id, ip, user_agent, expires_at)
           values ($1, $2, $3, $4, $5) returning id"#,
        token_hash,
        user_id,
        ip,
        user_agent,
        expires_at,
    )
    .fetch_one(conn)
    .await
}

pub async fn touch_staff_session(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update staff_session set last_seen_at = now(), updated_at = now() where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn revoke_staff_session(db: impl PgExecutor<'_>, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query!(
        "update staff_session set revoked_at = now(), updated_at = now() where token_hash = $1 and revoked_at is null",
        token_hash,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn is_staff(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from staff where user_id = $1) as "exists!""#,
        user_id,
    )
    .fetch_one(db)
    .await
}
