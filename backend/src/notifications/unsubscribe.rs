//! One-click unsubscribe (RFC 8058). Every email a person may turn off
//! carries a link that turns off that one category, for that one person in
//! that one organization, without signing in: a mail client posts to it
//! (`List-Unsubscribe-Post`), or the person opens it and confirms. The link is
//! an HMAC over what it names, with a key every instance shares, so it cannot
//! be edited into another person's or another category's.

use super::db;
use crate::audit::AuditEntry;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::rate_limit;
use domain::notifications::{NotificationCategory, UnsubscribeView};
use domain::AppError;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use sqlx::PgConnection;
use uuid::Uuid;

/// What a link names, as its query string carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeLink {
    pub user: Uuid,
    pub organization: Uuid,
    pub category: String,
    pub signature: String,
}

impl UnsubscribeLink {
    /// From a page's query parameters; `NotFound` when they cannot be a link.
    pub fn parse(user: &str, organization: &str, category: &str, signature: &str) -> Result<Self> {
        let id = |text: &str| Uuid::parse_str(text).map_err(|_| AppError::NotFound);
        Ok(Self {
            user: id(user)?,
            organization: id(organization)?,
            category: category.to_owned(),
            signature: signature.to_owned(),
        })
    }
}

/// The link's query string for `user` in `organization`: `user=…&organization=…&category=…&signature=…`.
pub async fn query_for(
    conn: &mut PgConnection,
    user: Uuid,
    organization: Uuid,
    category: NotificationCategory,
) -> Result<String> {
    let key = db::secret(conn, "unsubscribe").await?;
    let signature = hex::encode(
        mac(&key, user, organization, category.as_str())
            .finalize()
            .into_bytes(),
    );
    Ok(format!(
        "user={user}&organization={organization}&category={}&signature={signature}",
        category.as_str()
    ))
}

/// What a link would turn off, without changing anything (mail scanners
/// open links before people do). Errors: `NotFound` (tampered, unknown, or
/// no longer a member), `RateLimited`.
pub async fn check(
    ctx: &Ctx,
    client: &ClientMeta,
    link: &UnsubscribeLink,
) -> Result<UnsubscribeView> {
    limit(ctx, client).await?;
    let mut conn = ctx.db.acquire().await?;
    let (category, _, organization_name) = resolve(&mut conn, link).await?;
    let stored = db::preferences(&mut *conn, link.user, link.organization).await?;
    let unsubscribed = !super::preferences::resolve(&stored)
        .iter()
        .any(|p| p.category == category && p.email);
    Ok(UnsubscribeView {
        category,
        organization_name,
        unsubscribed,
    })
}

/// Turns the link's category off (again is fine). Errors as [`check`].
pub async fn unsubscribe(
    ctx: &Ctx,
    client: &ClientMeta,
    link: &UnsubscribeLink,
) -> Result<UnsubscribeView> {
    limit(ctx, client).await?;
    let mut tx = ctx.db.begin().await?;
    let (category, email, organization_name) = resolve(&mut tx, link).await?;
    db::set_preference(
        &mut tx,
        link.user,
        link.organization,
        category.as_str(),
        false,
    )
    .await?;
    AuditEntry::new("user.unsubscribed", client)
        .organization(link.organization)
        .actor(link.user, &email)
        .target("user", link.user)
        .after(json!({ category.as_str(): false }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(UnsubscribeView {
        category,
        organization_name,
        unsubscribed: true,
    })
}

/// A genuine link's category, and its person's email and organization's
/// name while they are still a member.
async fn resolve(
    conn: &mut PgConnection,
    link: &UnsubscribeLink,
) -> Result<(NotificationCategory, String, String)> {
    let category = verify(conn, link).await?;
    let (email, organization_name) = db::member_of(conn, link.user, link.organization)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((category, email, organization_name))
}

/// The category a genuine link names. Security cannot be turned off, so no
/// link for it is ever made or accepted.
async fn verify(conn: &mut PgConnection, link: &UnsubscribeLink) -> Result<NotificationCategory> {
    let category = NotificationCategory::parse(&link.category)
        .filter(|c| c.can_turn_off())
        .ok_or(AppError::NotFound)?;
    let key = db::secret(conn, "unsubscribe").await?;
    let genuine = hex::decode(&link.signature).is_ok_and(|signature| {
        mac(&key, link.user, link.organization, category.as_str())
            .verify_slice(&signature)
            .is_ok()
    });
    if genuine {
        Ok(category)
    } else {
        Err(AppError::NotFound.into())
    }
}

fn mac(key: &[u8], user: Uuid, organization: Uuid, category: &str) -> Hmac<Sha256> {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("unsubscribe\n{user}\n{organization}\n{category}").as_bytes());
    mac
}

/// Counted before the signature is checked: guessing costs attempts.
async fn limit(ctx: &Ctx, client: &ClientMeta) -> Result<()> {
    let rule = ctx.settings.limits.unsubscribe_links_per_ip;
    rate_limit::attempt_per_client(ctx, "unsubscribe_link", client, rule).await
}
