//! All SQL of accounts: users, their first organization, single-use account
//! links (password reset, email verification), sign-in challenges and the
//! clean-up of accounts that were never verified.

use domain::{EmailAddress, OrganizationName, PersonName, Role};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct SignInRow {
    pub user_id: Uuid,
    pub name: String,
    pub password_hash: String,
    pub email_verified: bool,
    pub two_factor_enabled: bool,
    /// The organization a new session opens in: the last one used while the
    /// user is still its member, else the oldest membership, else none.
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

/// A new account. Only self sign-up creates it unverified; an invitation
/// proves the address it went to.
pub async fn insert_user(
    conn: &mut PgConnection,
    email: &EmailAddress,
    name: &PersonName,
    password_hash: &str,
    email_verified: bool,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into app_user (email, name, password_hash, email_verified_at)
           values ($1, $2, $3, case when $4 then now() end) returning id"#,
        email.as_str(),
        name.as_str(),
        password_hash,
        email_verified,
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
        r#"select u.id as user_id, u.name, u.password_hash,
                  u.email_verified_at is not null as "email_verified!",
                  u.totp_enabled_at is not null as "two_factor_enabled!",
                  coalesce(
                      (select m.organization_id from member m
                       where m.user_id = u.id and m.organization_id = u.last_organization_id),
                      (select m.organization_id from member m where m.user_id = u.id
                       order by m.created_at, m.organization_id limit 1)) as organization_id
           from app_user u where u.email = $1"#,
        email.as_str(),
    )
    .fetch_optional(db)
    .await
}

/// The account's sign-in facts by id (after a reset or an emailed link).
pub async fn find_user_for_session(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Option<SignInRow>> {
    sqlx::query_as!(
        SignInRow,
        r#"select u.id as user_id, u.name, u.password_hash,
                  u.email_verified_at is not null as "email_verified!",
                  u.totp_enabled_at is not null as "two_factor_enabled!",
                  coalesce(
                      (select m.organization_id from member m
                       where m.user_id = u.id and m.organization_id = u.last_organization_id),
                      (select m.organization_id from member m where m.user_id = u.id
                       order by m.created_at, m.organization_id limit 1)) as organization_id
           from app_user u where u.id = $1"#,
        user_id,
    )
    .fetch_optional(db)
    .await
}

pub struct UserRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
}

pub async fn find_user_by_email(
    db: impl PgExecutor<'_>,
    email: &EmailAddress,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"select id, name, email, email_verified_at is not null as "email_verified!"
           from app_user where email = $1"#,
        email.as_str(),
    )
    .fetch_optional(db)
    .await
}

pub async fn find_user(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<UserRow> {
    sqlx::query_as!(
        UserRow,
        r#"select id, name, email, email_verified_at is not null as "email_verified!"
           from app_user where id = $1"#,
        user_id,
    )
    .fetch_one(db)
    .await
}

/// The organization the next session opens in.
pub async fn set_last_organization(
    conn: &mut PgConnection,
    user_id: Uuid,
    organization_id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update app_user set last_organization_id = $2, updated_at = now() where id = $1",
        user_id,
        organization_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the address verified, if it is still the account's address.
pub async fn mark_email_verified(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update app_user set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
           where id = $1 and email = $2"#,
        user_id,
        email,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A new address for an account that was never verified (a typo at sign-up).
pub async fn change_unverified_email(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &EmailAddress,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update app_user set email = $2, updated_at = now()
           where id = $1 and email_verified_at is null"#,
        user_id,
        email.as_str(),
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

// ------------------------------------------------------------ account links

/// `password_reset` or `email_verification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    PasswordReset,
    EmailVerification,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::EmailVerification => "email_verification",
        }
    }
}

/// Stores a new link for `user_id` and retires their earlier open ones of the
/// same purpose: only the newest link works.
pub async fn insert_account_token(
    conn: &mut PgConnection,
    purpose: TokenPurpose,
    token_hash: &[u8],
    user_id: Uuid,
    email: &str,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update account_token set used_at = now()
           where user_id = $1 and purpose = $2 and used_at is null"#,
        user_id,
        purpose.as_str(),
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into account_token (purpose, token_hash, user_id, email, expires_at)
           values ($1, $2, $3, $4, $5)"#,
        purpose.as_str(),
        token_hash,
        user_id,
        email,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct AccountTokenRow {
    pub user_id: Uuid,
    pub email: String,
}

/// The link's account, while it is unused and unexpired (reading it uses nothing).
pub async fn find_usable_account_token(
    db: impl PgExecutor<'_>,
    purpose: TokenPurpose,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<AccountTokenRow>> {
    sqlx::query_as!(
        AccountTokenRow,
        r#"select user_id, email from account_token
           where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3"#,
        token_hash,
        purpose.as_str(),
        now,
    )
    .fetch_optional(db)
    .await
}

/// Uses the link up, once: of two concurrent posts, one finds it.
pub async fn consume_account_token(
    conn: &mut PgConnection,
    purpose: TokenPurpose,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<AccountTokenRow>> {
    sqlx::query_as!(
        AccountTokenRow,
        r#"update account_token set used_at = now()
           where token_hash = $1 and purpose = $2 and used_at is null and expires_at > $3
           returning user_id, email"#,
        token_hash,
        purpose.as_str(),
        now,
    )
    .fetch_optional(conn)
    .await
}

// ------------------------------------------------------------ challenges

pub struct ChallengeRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub realm: String,
    pub purpose: String,
    pub attempts: i32,
}

pub async fn insert_challenge(
    conn: &mut PgConnection,
    token_hash: &[u8],
    user_id: Uuid,
    realm: &str,
    purpose: &str,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into sign_in_challenge (token_hash, user_id, realm, purpose, expires_at)
           values ($1, $2, $3, $4, $5)"#,
        token_hash,
        user_id,
        realm,
        purpose,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks a live challenge for one attempt.
pub async fn lock_challenge(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<ChallengeRow>> {
    sqlx::query_as!(
        ChallengeRow,
        r#"select id, user_id, realm, purpose, attempts from sign_in_challenge
           where token_hash = $1 and used_at is null and expires_at > $2
           for update"#,
        token_hash,
        now,
    )
    .fetch_optional(conn)
    .await
}

pub async fn find_challenge(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<ChallengeRow>> {
    sqlx::query_as!(
        ChallengeRow,
        r#"select id, user_id, realm, purpose, attempts from sign_in_challenge
           where token_hash = $1 and used_at is null and expires_at > $2"#,
        token_hash,
        now,
    )
    .fetch_optional(db)
    .await
}

/// Counts a wrong code; committed on its own so a refusal still counts.
pub async fn count_challenge_attempt(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update sign_in_challenge set attempts = attempts + 1 where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn use_challenge(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "update sign_in_challenge set used_at = now() where id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

// ------------------------------------------------------------ housekeeping

/// Removes accounts that were never verified and were created before
/// `before`, with the organizations they alone belonged to. Returns how many.
pub async fn remove_unverified_accounts(
    conn: &mut PgConnection,
    before: OffsetDateTime,
) -> sqlx::Result<u64> {
    let stale: Vec<Uuid> = sqlx::query_scalar!(
        r#"select id from app_user
           where email_verified_at is null and created_at < $1
           for update skip locked"#,
        before,
    )
    .fetch_all(&mut *conn)
    .await?;
    if stale.is_empty() {
        return Ok(0);
    }
    sqlx::query!(
        r#"delete from organization o
           where exists (select 1 from member m where m.organization_id = o.id and m.user_id = any($1))
             and not exists (select 1 from member m where m.organization_id = o.id and m.user_id <> all($1))"#,
        &stale,
    )
    .execute(&mut *conn)
    .await?;
    let deleted = sqlx::query!("delete from app_user where id = any($1)", &stale)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected())
}
