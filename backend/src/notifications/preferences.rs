//! Which emails a member gets in their organization: each category on or
//! off (security always on). Owners choose the organization's defaults,
//! which a member follows for every category they have not chosen
//! themselves. The outbox reads these when it builds an email, so a change
//! applies to emails already queued but not yet sent.

use super::db::{self, StoredPreference};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::AuthSession;
use crate::uow::UnitOfWork;
use domain::notifications::{NotificationCategory, NotificationPreference};
use serde_json::{Map, Value};

/// Any member: every category, whether it is on for them here, and the
/// organization's default beside it.
pub async fn list(ctx: &Ctx, session: &AuthSession) -> Result<Vec<NotificationPreference>> {
    let stored = db::preferences(&ctx.db, session.user_id, session.organization_id).await?;
    Ok(resolve(&stored))
}

/// Any member: turns on exactly the categories in `on` (security stays on
/// whatever is asked). Only the categories whose state changes become their
/// own choice; the others keep following the organization's default.
/// Audited with before and after when anything changed.
pub async fn save(ctx: &Ctx, session: &AuthSession, on: &[NotificationCategory]) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before =
        resolve(&db::preferences(&mut *uow, session.user_id, session.organization_id).await?);
    let changed: Vec<&NotificationPreference> = before
        .iter()
        .filter(|p| p.category.can_turn_off() && p.email != on.contains(&p.category))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    for preference in &changed {
        let email = !preference.email;
        let category = preference.category.as_str();
        db::set_preference(
            &mut uow,
            session.user_id,
            session.organization_id,
            category,
            email,
        )
        .await?;
    }
    session
        .audit("user.notifications_changed")
        .target("user", session.user_id)
        .before(as_json(&before, |p| p.email))
        .after(as_json(&before, |p| on.contains(&p.category)))
        .record(&mut uow)
        .await?;
    uow.commit().await
}

/// `SetNotificationDefaults` (owners): turns on exactly the categories in
/// `on` for every member who has not chosen that category themselves.
pub async fn save_defaults(
    ctx: &Ctx,
    session: &AuthSession,
    on: &[NotificationCategory],
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before =
        resolve(&db::preferences(&mut *uow, session.user_id, session.organization_id).await?);
    let changed: Vec<&NotificationPreference> = before
        .iter()
        .filter(|p| p.category.can_turn_off() && p.organization_default != on.contains(&p.category))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    for preference in &changed {
        let email = !preference.organization_default;
        db::set_default(
            &mut uow,
            session.organization_id,
            preference.category.as_str(),
            email,
        )
        .await?;
    }
    session
        .audit("organization.notification_defaults_changed")
        .target("organization", session.organization_id)
        .before(as_json(&before, |p| p.organization_default))
        .after(as_json(&before, |p| on.contains(&p.category)))
        .record(&mut uow)
        .await?;
    uow.commit().await
}

/// Each category as the member gets it: their own choice, else the
/// organization's default, else on.
pub(super) fn resolve(stored: &[StoredPreference]) -> Vec<NotificationPreference> {
    NotificationCategory::ALL
        .into_iter()
        .map(|category| {
            let row = stored.iter().find(|s| s.category == category.as_str());
            let locked = !category.can_turn_off();
            let own = row.and_then(|r| r.own);
            let organization_default = locked || row.and_then(|r| r.default).unwrap_or(true);
            NotificationPreference {
                category,
                email: locked || own.unwrap_or(organization_default),
                organization_default,
                own_choice: !locked && own.is_some(),
            }
        })
        .collect()
}

/// `{"usage_alerts": true, …}` for the audit log's before/after (security,
/// which never changes, left out).
fn as_json(
    preferences: &[NotificationPreference],
    value: impl Fn(&NotificationPreference) -> bool,
) -> Value {
    Value::Object(
        preferences
            .iter()
            .filter(|p| p.category.can_turn_off())
            .map(|p| (p.category.as_str().to_owned(), Value::Bool(value(p))))
            .collect::<Map<_, _>>(),
    )
}
