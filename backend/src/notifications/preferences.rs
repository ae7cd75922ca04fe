//! Which emails a member gets in their organization: each category on or
//! off (security always on). The outbox reads these when it builds an email,
//! so a change applies to emails already queued but not yet sent.

use super::db;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::AuthSession;
use crate::uow::UnitOfWork;
use domain::notifications::{NotificationCategory, NotificationPreference};
use serde_json::{Map, Value};

/// Any member: every category and whether it is on for them here.
pub async fn list(ctx: &Ctx, session: &AuthSession) -> Result<Vec<NotificationPreference>> {
    let stored = db::preferences(&ctx.db, session.user_id, session.organization_id).await?;
    Ok(resolve(&stored))
}

/// Any member: turns on exactly the categories in `on` (security stays on
/// whatever is asked). Audited with before and after when anything changed.
pub async fn save(ctx: &Ctx, session: &AuthSession, on: &[NotificationCategory]) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before =
        resolve(&db::preferences(&mut *uow, session.user_id, session.organization_id).await?);
    let after: Vec<NotificationPreference> = before
        .iter()
        .map(|p| NotificationPreference {
            category: p.category,
            email: !p.category.can_turn_off() || on.contains(&p.category),
        })
        .collect();
    if before == after {
        return Ok(());
    }
    for preference in after.iter().filter(|p| p.category.can_turn_off()) {
        db::set_preference(
            &mut uow,
            session.user_id,
            session.organization_id,
            preference.category.as_str(),
            preference.email,
        )
        .await?;
    }
    session
        .audit("user.notifications_changed")
        .target("user", session.user_id)
        .before(as_json(&before))
        .after(as_json(&after))
        .record(&mut uow)
        .await?;
    uow.commit().await
}

fn resolve(stored: &[(String, bool)]) -> Vec<NotificationPreference> {
    NotificationCategory::ALL
        .into_iter()
        .map(|category| NotificationPreference {
            category,
            email: !category.can_turn_off()
                || stored
                    .iter()
                    .find(|(name, _)| name == category.as_str())
                    .is_none_or(|(_, email)| *email),
        })
        .collect()
}

/// `{"usage_alerts": true, …}` for the audit log's before/after.
fn as_json(preferences: &[NotificationPreference]) -> Value {
    Value::Object(
        preferences
            .iter()
            .filter(|p| p.category.can_turn_off())
            .map(|p| (p.category.as_str().to_owned(), Value::Bool(p.email)))
            .collect::<Map<_, _>>(),
    )
}
