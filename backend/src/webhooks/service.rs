//! Endpoints and their delivery log, for owners and admins
//! (`ManageWebhooks`, checked by the caller). Every query is scoped to the
//! session's organization: another organization's endpoint is `NotFound`.

use super::outbound::AddressPolicy;
use super::{db, events, signing, MAX_ENDPOINTS};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::local_time::LocalTime;
use crate::session::AuthSession;
use crate::uow::UnitOfWork;
use domain::webhooks::{
    AttemptView, DeliveryStatus, DeliveryView, EndpointDetail, EndpointView, EventType, NewSecret,
    TEST_EVENT,
};
use domain::{AppError, FieldErrors};
use serde_json::json;
use std::net::IpAddr;
use uuid::Uuid;

/// How many deliveries the endpoint page shows.
const LOG_LENGTH: i64 = 50;

/// What the endpoint form posts, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointForm {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
}

impl EndpointForm {
    /// Errors next to `url`, `description` and `event_types`.
    pub fn parse(
        url: &str,
        description: &str,
        event_types: &[String],
        policy: &AddressPolicy,
    ) -> std::result::Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let url = errors.check("url", parse_url(url.trim(), policy));
        let description = description.trim();
        if description.chars().count() > 200 {
            errors.add("description", "Keep the description to 200 characters.");
        }
        let chosen: Vec<String> = EventType::ALL
            .into_iter()
            .filter(|t| event_types.iter().any(|e| e == t.as_str()))
            .map(|t| t.as_str().to_owned())
            .collect();
        if event_types.iter().any(|e| EventType::parse(e).is_none()) {
            errors.add("event_types", "Choose events from the list.");
        } else if chosen.is_empty() {
            errors.add("event_types", "Choose at least one event to send.");
        }
        errors.into_result()?;
        Ok(Self {
            url: url.unwrap_or_default(),
            description: description.to_owned(),
            event_types: chosen,
        })
    }
}

/// An endpoint URL: `https://`, or `http://` to a loopback address the
/// policy allows (development and tests); never with a password in it, and
/// never to an address written in it that webhooks may not reach.
fn parse_url(input: &str, policy: &AddressPolicy) -> std::result::Result<String, String> {
    if input.is_empty() {
        return Err("Enter the URL that should receive events.".into());
    }
    if input.len() > 2048 {
        return Err("Keep the URL to 2,048 characters.".into());
    }
    let url = url::Url::parse(input)
        .map_err(|_| "Enter a full URL, such as https://example.com/webhooks.".to_owned())?;
    let literal: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(v4.into()),
        Some(url::Host::Ipv6(v6)) => Some(v6.into()),
        Some(url::Host::Domain("localhost")) => Some(IpAddr::from([127, 0, 0, 1])),
        Some(url::Host::Domain(_)) => None,
        None => return Err("Enter a URL with a host name.".into()),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave credentials out of the URL; verify the signature instead.".into());
    }
    if literal.is_some_and(|ip| !policy.allows(ip)) {
        return Err("That address is private; webhooks can only reach public addresses.".into());
    }
    let loopback = literal.is_some_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(url.into()),
        "http" if loopback => Ok(url.into()),
        _ => Err("Use an https:// URL.".into()),
    }
}

pub async fn list(ctx: &Ctx, session: &AuthSession) -> Result<Vec<EndpointView>> {
    let rows = db::endpoints(&ctx.db, session.organization_id, None).await?;
    let local = session.local_time(ctx.now());
    Ok(rows.into_iter().map(|row| view(row, &local)).collect())
}

/// One endpoint and its newest deliveries, each with every attempt.
pub async fn endpoint(
    ctx: &Ctx,
    session: &AuthSession,
    id: Uuid,
    status: Option<DeliveryStatus>,
) -> Result<EndpointDetail> {
    let organization_id = session.organization_id;
    let row = find(&ctx.db, organization_id, id).await?;
    let status = status.map(DeliveryStatus::as_str);
    let rows = db::deliveries(&ctx.db, organization_id, id, status, LOG_LENGTH).await?;
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let mut attempts = db::attempts(&ctx.db, &ids).await?;
    let local = session.local_time(ctx.now());
    let deliveries = rows
        .into_iter()
        .map(|d| {
            let mine = attempts
                .extract_if(.., |a| a.delivery_id == d.id)
                .map(|a| AttemptView {
                    at: local.precise(a.attempted_at),
                    status_code: a.status_code,
                    duration_ms: a.duration_ms,
                    response_body: a.response_body,
                    error: a.error,
                })
                .collect();
            let status = DeliveryStatus::parse(&d.status).unwrap_or(DeliveryStatus::Pending);
            DeliveryView {
                id: d.id,
                message_id: events::message_id(d.event_id),
                event_type: d.event_type,
                status,
                created: local.precise(d.created_at),
                next_attempt: (status == DeliveryStatus::Pending)
                    .then(|| local.moment(d.next_attempt_at)),
                payload: serde_json::to_string_pretty(&d.payload).unwrap_or_default(),
                attempts: mine,
            }
        })
        .collect();
    Ok(EndpointDetail {
        endpoint: view(row, &local),
        deliveries,
    })
}

/// One of the organization's endpoints (`NotFound` for anyone else's).
async fn find(
    db: impl sqlx::PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<db::EndpointRow> {
    let found = db::endpoints(db, organization_id, Some(id)).await?.pop();
    Ok(found.ok_or(AppError::NotFound)?)
}

fn view(row: db::EndpointRow, local: &LocalTime) -> EndpointView {
    EndpointView {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types: row.event_types,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        created: local.moment(row.created_at),
        previous_secret_until: row.previous_secret_until.map(|t| local.precise(t)),
        failing: row.failing,
    }
}

/// Adds an endpoint; its secret is returned this once.
pub async fn create(ctx: &Ctx, session: &AuthSession, form: EndpointForm) -> Result<NewSecret> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    if db::count_endpoints(&mut uow, session.organization_id).await? >= MAX_ENDPOINTS {
        return Err(AppError::Conflict(format!(
            "An organization can have {MAX_ENDPOINTS} endpoints. Remove one you no longer use first."
        ))
        .into());
    }
    let key = signing::new_key();
    let id = db::insert_endpoint(
        &mut uow,
        session.organization_id,
        &form.url,
        &form.description,
        &form.event_types,
        &key,
    )
    .await?;
    session
        .audit("webhook.endpoint_created")
        .target("webhook_endpoint", id)
        .after(json!({ "url": form.url, "event_types": form.event_types }))
        .record(&mut uow)
        .await?;
    uow.commit().await?;
    Ok(NewSecret {
        endpoint_id: id,
        secret: signing::display(&key),
    })
}

/// Changes an endpoint's URL, description, events, and whether it is on.
pub async fn update(
    ctx: &Ctx,
    session: &AuthSession,
    id: Uuid,
    form: EndpointForm,
    enabled: bool,
) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let before = find(&mut *uow, session.organization_id, id).await?;
    let organization_id = session.organization_id;
    let (url, description) = (&form.url, &form.description);
    db::update_endpoint(
        &mut uow,
        organization_id,
        id,
        url,
        description,
        &form.event_types,
        enabled,
    )
    .await?;
    session
        .audit("webhook.endpoint_updated")
        .target("webhook_endpoint", id)
        .before(json!({ "url": before.url, "event_types": before.event_types, "enabled": before.enabled }))
        .after(json!({ "url": form.url, "event_types": form.event_types, "enabled": enabled }))
        .record(&mut uow)
        .await?;
    uow.commit().await
}

/// A new secret, returned this once; the old one also signs for the
/// overlap, so receivers can switch without missing a delivery.
pub async fn rotate_secret(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<NewSecret> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let endpoint = find(&mut *uow, session.organization_id, id).await?;
    let key = signing::new_key();
    let until = ctx.now() + ctx.settings.webhooks.secret_overlap;
    db::rotate_secret(&mut uow, session.organization_id, id, &key, until).await?;
    let target = ("webhook_endpoint", id);
    commit_audited(
        uow,
        session,
        "webhook.secret_rotated",
        target,
        &endpoint.url,
    )
    .await?;
    Ok(NewSecret {
        endpoint_id: id,
        secret: signing::display(&key),
    })
}

/// Removes an endpoint and its delivery log.
pub async fn delete(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let url = db::delete_endpoint(&mut uow, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    session
        .audit("webhook.endpoint_deleted")
        .target("webhook_endpoint", id)
        .before(json!({ "url": url }))
        .record(&mut uow)
        .await?;
    uow.commit().await
}

/// Queues a `webhook.test` event for this endpoint alone (on or off).
pub async fn send_test(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let endpoint = find(&mut *uow, session.organization_id, id).await?;
    if !endpoint.enabled {
        return Err(
            AppError::Conflict("Turn the endpoint on to send it a test event.".into()).into(),
        );
    }
    let data = json!({ "message": "A test event from Portal.", "endpoint_id": id });
    let payload = events::body(TEST_EVENT, data);
    db::insert_event(
        &mut uow,
        session.organization_id,
        TEST_EVENT,
        &payload,
        Some(id),
    )
    .await?;
    commit_audited(
        uow,
        session,
        "webhook.test_sent",
        ("webhook_endpoint", id),
        &endpoint.url,
    )
    .await
}

/// Sends one delivery again now, with the same `webhook-id`.
pub async fn resend(ctx: &Ctx, session: &AuthSession, delivery_id: Uuid) -> Result<()> {
    let mut uow = UnitOfWork::begin(ctx).await?;
    let url = db::resend(&mut uow, session.organization_id, delivery_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = ("webhook_delivery", delivery_id);
    commit_audited(uow, session, "webhook.delivery_resent", target, &url).await
}

/// Records `action` on `target`, naming the endpoint by its URL (as the
/// audit page's sentence does), then commits.
async fn commit_audited(
    mut uow: UnitOfWork<'_>,
    session: &AuthSession,
    action: &str,
    (kind, id): (&str, Uuid),
    url: &str,
) -> Result<()> {
    session
        .audit(action)
        .target(kind, id)
        .after(json!({ "url": url }))
        .record(&mut uow)
        .await?;
    uow.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> std::result::Result<String, String> {
        parse_url(url, &AddressPolicy::parse("127.0.0.0/8").unwrap())
    }

    #[test]
    fn urls_must_be_https_public_and_without_credentials() {
        assert_eq!(
            parse("https://hooks.example.com/in").unwrap(),
            "https://hooks.example.com/in"
        );
        assert!(
            parse("http://127.0.0.1:8080/hook").is_ok(),
            "loopback allowed here"
        );
        assert!(parse("http://hooks.example.com/in")
            .unwrap_err()
            .contains("https"));
        assert!(parse("https://10.0.0.5/in")
            .unwrap_err()
            .contains("private"));
        assert!(parse("https://[::ffff:169.254.169.254]/")
            .unwrap_err()
            .contains("private"));
        assert!(parse("https://user:pw@example.com/")
            .unwrap_err()
            .contains("credentials"));
        assert!(parse("ftp://example.com/").unwrap_err().contains("https"));
        assert!(parse("not a url").is_err());
        assert!(parse("").is_err());
        let production = AddressPolicy::default();
        assert!(parse_url("http://127.0.0.1/hook", &production).is_err());
    }

    #[test]
    fn the_form_keeps_known_events_in_order_and_needs_one() {
        let policy = AddressPolicy::default();
        let form = EndpointForm::parse(
            "https://example.com/h",
            "  Billing sync ",
            &[
                EventType::InvoicePaid.as_str().into(),
                EventType::InvoiceIssued.as_str().into(),
            ],
            &policy,
        )
        .unwrap();
        let issued_then_paid = [
            EventType::InvoiceIssued.as_str(),
            EventType::InvoicePaid.as_str(),
        ];
        assert_eq!(form.event_types, issued_then_paid);
        assert_eq!(form.description, "Billing sync");
        let none = EndpointForm::parse("https://example.com/h", "", &[], &policy).unwrap_err();
        assert!(none.field("event_types").is_some());
        let unknown = EndpointForm::parse(
            "https://example.com/h",
            "",
            &["not-an-event".into()],
            &policy,
        )
        .unwrap_err();
        assert!(unknown.field("event_types").is_some());
    }
}
