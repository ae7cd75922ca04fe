use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct MemberRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub joined_on: OffsetDateTime,
}

pub async fn list_members(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        r#"select u.id as user_id, u.name, u.email, m.role, m.created_at as joined_on
           from member m join app_user u on u.id = m.user_id
           where m.organization_id = $1
           order by case m.role when 'owner' then 0 when 'admin' then 1 when 'billing' then 2 else 3 end, u.name, u.id"#,
        organization_id,
    )
    .fetch_all(db)
    .await
}
