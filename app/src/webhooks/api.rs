//! Webhook endpoints for owners and admins (`ManageWebhooks`): thin
//! adapters over `backend::webhooks::service`.

use domain::webhooks::{EndpointDetail, EndpointView, NewSecret};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{ctx, require_permission},
    backend::webhooks::service::{self, EndpointForm},
    backend::webhooks::AddressPolicy,
    domain::Permission,
};

/// The organization's endpoints. Errors: `Forbidden`.
#[server(endpoint = "webhooks/list", input = server_fn::codec::GetUrl)]
pub async fn list_endpoints() -> Result<Vec<EndpointView>, AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    Ok(service::list(&ctx()?, &session).await?)
}

/// One endpoint and its newest deliveries, optionally of one `status`
/// (`pending`, `delivered`, `failed`). Errors: `NotFound`, `Forbidden`.
#[server(endpoint = "webhooks/endpoint", input = server_fn::codec::GetUrl)]
pub async fn get_endpoint(
    id: Uuid,
    #[server(default)] status: String,
) -> Result<EndpointDetail, AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    let status = domain::webhooks::DeliveryStatus::parse(&status);
    Ok(service::endpoint(&ctx()?, &session, id, status).await?)
}

/// Adds an endpoint; its signing secret is returned this once.
/// Errors: `Validation` (url, description, event_types), `Conflict` (too
/// many endpoints), `Forbidden`.
#[server(endpoint = "webhooks/create")]
pub async fn create_endpoint(
    url: String,
    #[server(default)] description: String,
    #[server(default)] event_types: Vec<String>,
) -> Result<NewSecret, AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    let ctx = ctx()?;
    let policy = AddressPolicy::of(&ctx.settings.webhooks);
    let form = EndpointForm::parse(&url, &description, &event_types, &policy)?;
    Ok(service::create(&ctx, &session, form).await?)
}

/// Changes an endpoint; `enabled` is a checkbox (absent: off).
/// Errors: `Validation`, `NotFound`, `Forbidden`.
#[server(endpoint = "webhooks/update")]
pub async fn update_endpoint(
    id: Uuid,
    url: String,
    #[server(default)] description: String,
    #[server(default)] event_types: Vec<String>,
    #[server(default)] enabled: Option<String>,
) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    let ctx = ctx()?;
    let policy = AddressPolicy::of(&ctx.settings.webhooks);
    let form = EndpointForm::parse(&url, &description, &event_types, &policy)?;
    Ok(service::update(&ctx, &session, id, form, enabled.is_some()).await?)
}

/// A new signing secret, returned this once; the old one keeps signing for
/// a day. Errors: `NotFound`, `Forbidden`.
#[server(endpoint = "webhooks/rotate")]
pub async fn rotate_endpoint_secret(id: Uuid) -> Result<NewSecret, AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    Ok(service::rotate_secret(&ctx()?, &session, id).await?)
}

/// Removes an endpoint and its delivery log, then goes to the list (its
/// page is gone). Errors: `NotFound`, `Forbidden`.
#[server(endpoint = "webhooks/delete")]
pub async fn delete_endpoint(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    service::delete(&ctx()?, &session, id).await?;
    leptos_axum::redirect("/webhooks");
    Ok(())
}

/// Queues a `webhook.test` event for this endpoint.
/// Errors: `NotFound`, `Conflict` (turned off), `Forbidden`.
#[server(endpoint = "webhooks/test")]
pub async fn send_test_event(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    Ok(service::send_test(&ctx()?, &session, id).await?)
}

/// Sends one delivery again now, with the same `webhook-id`.
/// Errors: `NotFound`, `Forbidden`.
#[server(endpoint = "webhooks/resend")]
pub async fn resend_delivery(id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageWebhooks)?;
    Ok(service::resend(&ctx()?, &session, id).await?)
}
