//! Server functions of account settings: thin adapters over
//! `backend::account::service` (session → permission → parse → one call).

use domain::account::{AccountSettings, ActiveSession};
use domain::notifications::{NotificationPreference, UnsubscribeView};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{client, ctx, require_member, require_permission, session, set_cookie},
    backend::account::service,
    backend::session::customer::session_cookie,
    domain::{EmailAddress, FieldErrors, OrganizationName, Password, Permission, PersonName},
};

/// Any member: their own name and emails, the organization's name and
/// billing email, and what they may change. Errors: `Unauthorized`.
#[server(endpoint = "account/settings", input = server_fn::codec::GetUrl)]
pub async fn get_account_settings() -> Result<AccountSettings, AppError> {
    let session = require_member()?;
    Ok(service::settings(&ctx()?, &session).await?)
}

/// Owner, admin: renames the organization.
/// Errors: `Validation` (`organization_name`), `Forbidden`.
#[server(endpoint = "account/organization_name")]
pub async fn update_organization_name(organization_name: String) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageOrganization)?;
    let name = OrganizationName::parse(&organization_name)
        .map_err(|e| FieldErrors::single("organization_name", e.to_string()))?;
    Ok(service::rename_organization(&ctx()?, &session, name).await?)
}

/// Owner, billing: sets where invoices and billing notices go; empty clears it
/// (they then go to the owners). Errors: `Validation` (`billing_email`), `Forbidden`.
#[server(endpoint = "account/billing_email")]
pub async fn update_billing_email(billing_email: String) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    let email = domain::account::parse_optional_email("billing_email", &billing_email)?;
    Ok(service::change_billing_email(&ctx()?, &session, email).await?)
}

/// Any member: changes their own display name. Errors: `Validation` (`name`).
#[server(endpoint = "account/name")]
pub async fn update_profile_name(name: String) -> Result<(), AppError> {
    let session = require_member()?;
    let name = PersonName::parse(&name).map_err(|e| FieldErrors::single("name", e.to_string()))?;
    Ok(service::rename_user(&ctx()?, &session, name).await?)
}

/// Any member: the time zone every page shows their times in (an IANA name
/// from the settings page's list). Errors: `Validation` (`time_zone`).
#[server(endpoint = "account/time_zone")]
pub async fn update_time_zone(time_zone: String) -> Result<(), AppError> {
    let session = require_member()?;
    Ok(service::set_time_zone(&ctx()?, &session, &time_zone).await?)
}

/// Any member: every email category and whether it is on for them in this
/// organization. Errors: `Unauthorized`.
#[server(endpoint = "account/notifications", input = server_fn::codec::GetUrl)]
pub async fn get_notification_preferences() -> Result<Vec<NotificationPreference>, AppError> {
    let session = require_member()?;
    Ok(backend::notifications::preferences::list(&ctx()?, &session).await?)
}

/// Any member: turns on exactly the categories posted as `on` (a form's
/// checkboxes: an unchecked one is absent); security emails stay on.
#[server(endpoint = "account/notifications/save")]
pub async fn save_notification_preferences(
    usage_alerts: Option<String>,
    billing: Option<String>,
    tickets: Option<String>,
) -> Result<(), AppError> {
    let session = require_member()?;
    let on = checked_categories(usage_alerts, billing, tickets);
    Ok(backend::notifications::preferences::save(&ctx()?, &session, &on).await?)
}

/// Owners: the emails members get until they choose themselves, posted as
/// the member form is. Errors: `Forbidden`.
#[server(endpoint = "account/notifications/defaults")]
pub async fn save_notification_defaults(
    usage_alerts: Option<String>,
    billing: Option<String>,
    tickets: Option<String>,
) -> Result<(), AppError> {
    let session = require_permission(Permission::SetNotificationDefaults)?;
    let on = checked_categories(usage_alerts, billing, tickets);
    Ok(backend::notifications::preferences::save_defaults(&ctx()?, &session, &on).await?)
}

#[cfg(feature = "ssr")]
fn checked_categories(
    usage_alerts: Option<String>,
    billing: Option<String>,
    tickets: Option<String>,
) -> Vec<domain::notifications::NotificationCategory> {
    use domain::notifications::NotificationCategory as C;
    [
        (C::UsageAlerts, usage_alerts),
        (C::Billing, billing),
        (C::Tickets, tickets),
    ]
    .into_iter()
    .filter_map(|(category, checked)| checked.is_some().then_some(category))
    .collect()
}

/// Anyone holding an email's unsubscribe link: what it turns off, without
/// changing anything (mail scanners open links). Errors: `NotFound`
/// (tampered, or no longer a member), `RateLimited`.
#[server(endpoint = "notifications/unsubscribe/check", input = server_fn::codec::GetUrl)]
pub async fn check_unsubscribe(
    user: String,
    organization: String,
    category: String,
    signature: String,
) -> Result<UnsubscribeView, AppError> {
    use backend::notifications::unsubscribe::{check, UnsubscribeLink};
    let link = UnsubscribeLink::parse(&user, &organization, &category, &signature)?;
    Ok(check(&ctx()?, &client()?, &link).await?)
}

/// Anyone holding an email's unsubscribe link: turns its category off for
/// its person in its organization. Errors: as `check_unsubscribe`.
#[server(endpoint = "notifications/unsubscribe")]
pub async fn unsubscribe(
    user: String,
    organization: String,
    category: String,
    signature: String,
) -> Result<(), AppError> {
    use backend::notifications::unsubscribe::{self as links, UnsubscribeLink};
    let link = UnsubscribeLink::parse(&user, &organization, &category, &signature)?;
    links::unsubscribe(&ctx()?, &client()?, &link).await?;
    Ok(())
}

/// Any member: changes their password and signs out every other session of
/// theirs; this one continues. Errors: `Validation` (`current_password` wrong,
/// `new_password` too short/long), `RateLimited`.
#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let session = require_member()?;
    let new_password = Password::parse(&new_password)
        .map_err(|e| FieldErrors::single("new_password", e.to_string()))?;
    let ctx = ctx()?;
    let token = service::change_password(&ctx, &session, current_password, new_password).await?;
    // This browser continues on a new session: the old token is dead.
    set_cookie(&session_cookie(&ctx.settings, &token))
}

/// Owner: requires (or stops requiring) two-factor of every member. Returns
/// the policy now in force, so the form can show it.
/// Errors: `Forbidden`, `Conflict` (the owner has no two-factor yet).
#[server(endpoint = "account/require_two_factor")]
pub async fn set_require_two_factor(#[server(default)] required: bool) -> Result<bool, AppError> {
    let session = require_permission(Permission::ManageSecurityPolicy)?;
    service::set_require_two_factor(&ctx()?, &session, required).await?;
    Ok(required)
}

/// Any member: asks to move their login to `new_email`. Nothing changes until
/// the link mailed to the new address is opened and confirmed; the old address
/// is told. Errors: `Validation` (`new_email` invalid, unchanged or taken;
/// `password` wrong), `RateLimited`.
#[server(endpoint = "account/email_change")]
pub async fn request_email_change(new_email: String, password: String) -> Result<(), AppError> {
    let session = require_member()?;
    let new_email = EmailAddress::parse(&new_email)
        .map_err(|e| FieldErrors::single("new_email", e.to_string()))?;
    Ok(service::request_email_change(&ctx()?, &session, new_email, password).await?)
}

/// Anyone holding the link: the new email a pending change would set, without
/// using the link up (mail scanners open links too).
/// Errors: `NotFound` (unknown, used, superseded or expired link).
#[server(endpoint = "account/email_change/check", input = server_fn::codec::GetUrl)]
pub async fn check_email_change(token: String) -> Result<String, AppError> {
    Ok(service::check_email_change(&ctx()?, &token).await?)
}

/// Anyone holding the link: makes the new email the login email, once.
/// Errors: `NotFound` (unknown, used, superseded or expired link), `Conflict`
/// (the email now belongs to another account).
#[server(endpoint = "account/email_change/confirm")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    let session = session()?;
    service::confirm_email_change(&ctx()?, &client()?, session.as_ref(), &token).await?;
    leptos_axum::redirect("/account/confirm-email?done=1");
    Ok(())
}

/// Any member: their live sessions, this browser's marked.
/// Errors: `Unauthorized`.
#[server(endpoint = "account/sessions", input = server_fn::codec::GetUrl)]
pub async fn list_sessions() -> Result<Vec<ActiveSession>, AppError> {
    let session = require_member()?;
    Ok(service::list_sessions(&ctx()?, &session).await?)
}

/// Any member: ends one of their other sessions; its next request is refused.
/// Errors: `NotFound` (not theirs, or already ended), `Conflict` (this
/// browser's own session: use Sign out).
#[server(endpoint = "account/sessions/revoke")]
pub async fn revoke_session(id: Uuid) -> Result<(), AppError> {
    let session = require_member()?;
    Ok(service::revoke_session(&ctx()?, &session, id).await?)
}

/// Any member: ends every session of theirs except this browser's.
/// Errors: `Unauthorized`.
#[server(endpoint = "account/sessions/revoke_others")]
pub async fn revoke_other_sessions() -> Result<(), AppError> {
    let session = require_member()?;
    Ok(service::revoke_other_sessions(&ctx()?, &session).await?)
}
