use domain::{EmailAddress, OrganizationName, PersonName, Role};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub struct SignInRow {
    pub user_id: Uuid,
    pub password_hash: String,
    /// The organization a new session opens in: the oldest membership.
    pub organization_id: Option<Uuid>,
}

pub async fn insert_organization(
    conn: &mut PgConnection,
    name: &OrganizationName,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into organization (name) values ($1) returning id",
        name.as_str()
    )
    .fetch_one(conn)
    .await
}

pub async fn insert_user(
    conn: &mut PgConnection,
    email: &EmailAddress,
    name: &PersonName,
    password_hash: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "insert into app_user (email, name, password_hash) values ($1, $2, $3) returning id",
        email.as_str(),
        name.as_str(),
        password_hash,
    )
    .fetch_one(conn)
    .await
}

pub async fn insert_member(
    conn: &mut PgConnection,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into member (organization_id, user_id, role) values ($1, $2, $3)",
        organization_id,
        user_id,
        role.as_str(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_user_for_sign_in(
    db: impl PgExecutor<'_>,
    email: &EmailAddress,
) -> sqlx::Result<Option<SignInRow>> {
    sqlx::query_as!(
        SignInRow,
        r#"select u.id as user_id, u.password_hash,
                  (select m.organization_id from member m where m.user_id = u.id
                   order by m.created_at, m.organization_id limit 1) as organization_id
           from app_user u where u.email = $1"#,
        email.as_str(),
    )
    .fetch_optional(db)
    .await
}
