//! Canned replies.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct CannedRow {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub updated_at: OffsetDateTime,
}

/// Every canned reply, by title.
pub async fn list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CannedRow>> {
    sqlx::query_as!(
        CannedRow,
        "select id, title, body, updated_at from canned_reply order by lower(title), id"
    )
    .fetch_all(db)
    .await
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<CannedRow>> {
    sqlx::query_as!(
        CannedRow,
        "select id, title, body, updated_at from canned_reply where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    title: &str,
    body: &str,
    created_by: Uuid,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into canned_reply (title, body, created_by) values ($1, $2, $3) returning id",
        title,
        body,
        created_by,
    )
    .fetch_one(db)
    .await
}

/// `false` when there is no such reply.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    title: &str,
    body: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update canned_reply set title = $2, body = $3, updated_at = now() where id = $1",
        id,
        title,
        body,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The deleted reply's title, or `None` when there was none.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("delete from canned_reply where id = $1 returning title", id)
        .fetch_optional(db)
        .await
}

/// What a ticket's placeholders stand for.
pub struct TicketValuesRow {
    pub customer_name: Option<String>,
    pub organization: String,
    pub plan: String,
    pub ticket_subject: String,
}

pub async fn ticket_values(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
) -> sqlx::Result<Option<TicketValuesRow>> {
    sqlx::query_as!(
        TicketValuesRow,
        r#"select u.name as "customer_name?", o.name as organization, p.name as plan,
                  t.subject as ticket_subject
           from ticket t
           join organization o on o.id = t.organization_id
           join plan p on p.id = o.plan_id
           left join app_user u on u.id = t.requester_id
           where t.id = $1"#,
        ticket_id
    )
    .fetch_optional(db)
    .await
}
