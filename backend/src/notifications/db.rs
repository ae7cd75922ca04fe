use super::email::Email;
use serde_json::{json, Value};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn insert_notification(
    conn: &mut PgConnection,
    idempotency_key: &str,
    organization_id: Option<Uuid>,
    recipient: &str,
    template: &str,
    data: &Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into notification (idempotency_key, organization_id, recipient, template, data)
           values ($1, $2, $3, $4, $5)
           on conflict on constraint notification_idempotency_key_key do nothing"#,
        idempotency_key,
        organization_id,
        recipient,
        template,
        data,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A pending notification, locked by the caller's transaction.
pub struct PendingNotification {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub recipient: String,
    pub template: String,
    pub data: Value,
    pub attempts: i32,
}

impl PendingNotification {
    pub fn email(&self) -> Result<Email, serde_json::Error> {
        serde_json::from_value(json!({ "template": self.template, "data": self.data }))
    }
}

/// Locks one notification if it is still pending and due. `None` when it was
/// already sent (or is being sent by another worker right now).
pub async fn lock_pending(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<PendingNotification>> {
    sqlx::query_as!(
        PendingNotification,
        r#"select id, organization_id, recipient, template, data, attempts from notification
           where id = $1 and status = 'pending' and next_attempt_at <= now()
           for update skip locked"#,
        id,
    )
    .fetch_optional(conn)
    .await
}

/// Locks the most overdue pending notification no one else is sending.
pub async fn lock_next_due(conn: &mut PgConnection) -> sqlx::Result<Option<PendingNotification>> {
    sqlx::query_as!(
        PendingNotification,
        r#"select id, organization_id, recipient, template, data, attempts from notification
           where status = 'pending' and next_attempt_at <= now()
           order by next_attempt_at
           limit 1
           for update skip locked"#,
    )
    .fetch_optional(conn)
    .await
}

/// The member behind an address in an organization, and whether `category`
/// is off for them (their own choice, else the owners' default). `None` for
/// an address that is no member's (an organization's billing email): it gets
/// every email its role sends there, with no unsubscribe link.
pub async fn member_choice(
    conn: &mut PgConnection,
    recipient: &str,
    organization_id: Uuid,
    category: &str,
) -> sqlx::Result<Option<(Uuid, bool)>> {
    sqlx::query!(
        r#"select u.id, not coalesce(p.email, d.email, true) as "off!"
           from app_user u
           join member m on m.user_id = u.id and m.organization_id = $2
           left join notification_preference p
                  on p.user_id = u.id and p.organization_id = $2 and p.category = $3
           left join notification_default d on d.organization_id = $2 and d.category = $3
           where u.email = $1"#,
        recipient,
        organization_id,
        category,
    )
    .fetch_optional(conn)
    .await
    .map(|row| row.map(|r| (r.id, r.off)))
}

/// A member's email and their organization's name (`None` once they left).
pub async fn member_of(
    conn: &mut PgConnection,
    user_id: Uuid,
    organization_id: Uuid,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query!(
        "select u.email, o.name from member m
         join app_user u on u.id = m.user_id join organization o on o.id = m.organization_id
         where m.user_id = $1 and m.organization_id = $2",
        user_id,
        organization_id,
    )
    .fetch_optional(conn)
    .await
    .map(|row| row.map(|r| (r.email, r.name)))
}

/// A secret every instance shares (`server_secret`).
pub async fn secret(conn: &mut PgConnection, name: &str) -> sqlx::Result<Vec<u8>> {
    sqlx::query_scalar!("select value from server_secret where name = $1", name)
        .fetch_one(conn)
        .await
}

/// Not sent: its recipient turned its category off before it went out. Any
/// secret link it carried is dropped as for a sent one.
pub async fn mark_suppressed(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update notification set status = 'suppressed', data = data - 'token', updated_at = now()
           where id = $1"#,
        id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A category as stored: the member's own choice and the organization's
/// default, each absent when never set.
pub struct StoredPreference {
    pub category: String,
    pub own: Option<bool>,
    pub default: Option<bool>,
}

/// Every category either the member or their organization's owners set.
pub async fn preferences(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    organization_id: Uuid,
) -> sqlx::Result<Vec<StoredPreference>> {
    sqlx::query_as!(
        StoredPreference,
        r#"select coalesce(p.category, d.category) as "category!", p.email as "own?", d.email as "default?"
           from (select category, email from notification_preference
                  where user_id = $1 and organization_id = $2) p
           full join (select category, email from notification_default
                       where organization_id = $2) d on d.category = p.category"#,
        user_id,
        organization_id,
    )
    .fetch_all(db)
    .await
}

pub async fn set_default(
    conn: &mut PgConnection,
    organization_id: Uuid,
    category: &str,
    email: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into notification_default (organization_id, category, email)
           values ($1, $2, $3)
           on conflict (organization_id, category)
           do update set email = excluded.email, updated_at = now()"#,
        organization_id,
        category,
        email,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_preference(
    conn: &mut PgConnection,
    user_id: Uuid,
    organization_id: Uuid,
    category: &str,
    email: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into notification_preference (user_id, organization_id, category, email)
           values ($1, $2, $3, $4)
           on conflict (user_id, organization_id, category)
           do update set email = excluded.email, updated_at = now()"#,
        user_id,
        organization_id,
        category,
        email,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_sent(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update notification set status = 'sent', attempts = attempts + 1, sent_at = now(),
                  last_error = null, data = data - 'token', updated_at = now()
           where id = $1"#,
        id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead-lettered when `None`.
pub async fn mark_failed(
    conn: &mut PgConnection,
    id: Uuid,
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update notification
           set attempts = attempts + 1, last_error = $2,
               status = case when $3::timestamptz is null then 'dead' else 'pending' end,
               data = case when $3::timestamptz is null then data - 'token' else data end,
               next_attempt_at = coalesce($3, next_attempt_at),
               relayed_at = null, updated_at = now()
           where id = $1"#,
        id,
        error,
        retry_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks up to `limit` due notifications that are not on the stream (or whose
/// stream entry is older than `stale_before` and may have been lost).
pub async fn lock_due_for_relay(
    conn: &mut PgConnection,
    stale_before: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select id from notification
           where status = 'pending' and next_attempt_at <= now()
             and (relayed_at is null or relayed_at < $1)
           order by next_attempt_at
           limit $2
           for update skip locked"#,
        stale_before,
        limit,
    )
    .fetch_all(conn)
    .await
}

pub async fn mark_relayed(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<()> {
    sqlx::query!(
        "update notification set relayed_at = now() where id = any($1)",
        ids
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NotificationStatus {
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub async fn find_status(
    db: impl PgExecutor<'_>,
    idempotency_key: &str,
) -> sqlx::Result<Option<NotificationStatus>> {
    sqlx::query_as!(
        NotificationStatus,
        "select status, attempts, last_error from notification where idempotency_key = $1",
        idempotency_key,
    )
    .fetch_optional(db)
    .await
}

pub struct Recipients {
    pub organization_name: String,
    pub emails: Vec<String>,
}

/// Who hears about the organization's usage and billing: the billing email
/// and every owner, once each.
pub async fn organization_recipients(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Recipients> {
    sqlx::query_as!(
        Recipients,
        r#"select o.name as organization_name,
                  array(select distinct e from (
                      select o.billing_email as e where o.billing_email is not null
                      union
                      select u.email from member m join app_user u on u.id = m.user_id
                       where m.organization_id = o.id and m.role = 'owner'
                  ) r order by e) as "emails!"
           from organization o where o.id = $1"#,
        organization_id,
    )
    .fetch_one(db)
    .await
}

/// How far behind email delivery is: emails not yet sent (waiting to retry
/// included) and how long the oldest has waited (0 when none).
pub struct OutboxDepth {
    pub pending: i64,
    pub oldest_pending_seconds: f64,
}

pub async fn outbox_depth(db: impl PgExecutor<'_>) -> sqlx::Result<OutboxDepth> {
    sqlx::query_as!(
        OutboxDepth,
        r#"select count(*) as "pending!",
                  coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as "oldest_pending_seconds!"
           from notification where status = 'pending'"#
    )
    .fetch_one(db)
    .await
}
