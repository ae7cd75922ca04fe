//! All SQL of two-factor authentication.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub struct TotpRow {
    pub email: String,
    pub name: String,
    pub secret: Option<String>,
    pub enabled: bool,
}

pub async fn find_totp(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<TotpRow> {
    sqlx::query_as!(
        TotpRow,
        r#"select email, name, totp_secret as secret, totp_enabled_at is not null as "enabled!"
           from app_user where id = $1"#,
        user_id,
    )
    .fetch_one(db)
    .await
}

/// Stores the secret being enrolled (replacing an unconfirmed one). Refused
/// (`false`) while two-factor is on: turning it off comes first.
pub async fn set_pending_secret(
    conn: &mut PgConnection,
    user_id: Uuid,
    secret: &str,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update app_user set totp_secret = $2, totp_last_step = null, updated_at = now()
           where id = $1 and totp_enabled_at is null"#,
        user_id,
        secret,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Turns two-factor on, with the step of the code that confirmed it.
pub async fn enable(conn: &mut PgConnection, user_id: Uuid, step: i64) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update app_user set totp_enabled_at = now(), totp_last_step = $2, updated_at = now()
           where id = $1 and totp_secret is not null and totp_enabled_at is null"#,
        user_id,
        step,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Accepts the code of `step` once: `false` when that step (or a later one)
/// was already used, which also settles two concurrent attempts.
pub async fn accept_step(conn: &mut PgConnection, user_id: Uuid, step: i64) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update app_user set totp_last_step = $2
           where id = $1 and (totp_last_step is null or totp_last_step < $2)"#,
        user_id,
        step,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn disable(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update app_user set totp_secret = null, totp_enabled_at = null, totp_last_step = null,
                  updated_at = now()
           where id = $1"#,
        user_id,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from recovery_code where user_id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces every recovery code of the user with these.
pub async fn replace_recovery_codes(
    conn: &mut PgConnection,
    user_id: Uuid,
    hashes: &[Vec<u8>],
) -> sqlx::Result<()> {
    sqlx::query!("delete from recovery_code where user_id = $1", user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        r#"insert into recovery_code (user_id, code_hash)
           select $1, unnest($2::bytea[])"#,
        user_id,
        hashes,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Uses one recovery code up: `false` when it is unknown or used already.
pub async fn use_recovery_code(
    conn: &mut PgConnection,
    user_id: Uuid,
    hash: &[u8],
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update recovery_code set used_at = now()
           where user_id = $1 and code_hash = $2 and used_at is null"#,
        user_id,
        hash,
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn count_unused_recovery_codes(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from recovery_code where user_id = $1 and used_at is null"#,
        user_id,
    )
    .fetch_one(db)
    .await
}
