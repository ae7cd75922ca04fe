//! Server functions of billing: thin adapters over `backend::billing::service`.

use domain::billing::{
    BillingOverview, CreditNoteSummary, InvoicePage, PaymentMethod, PlanChangePreview,
};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::request::{ctx, require_permission},
    backend::billing::service,
    domain::Permission,
};

/// Every member: plan, subscription, card on file, billing email and details.
/// Errors: `Unauthorized`.
#[server(endpoint = "billing/overview", input = server_fn::codec::GetUrl)]
pub async fn get_billing_overview() -> Result<BillingOverview, AppError> {
    let session = require_permission(Permission::ViewBilling)?;
    Ok(service::overview(&ctx()?, &session).await?)
}

/// Every member: one page (1-based) of the invoice history, newest first,
/// narrowed by number (or part of one), status and year when given.
/// Errors: `Validation` (`number`, `status`, `year`), `Unauthorized`.
#[server(endpoint = "billing/invoices", input = server_fn::codec::GetUrl)]
pub async fn list_invoices(
    page: u32,
    number: Option<String>,
    status: Option<String>,
    year: Option<String>,
) -> Result<InvoicePage, AppError> {
    let session = require_permission(Permission::ViewBilling)?;
    let filter = domain::billing::InvoiceFilter::parse(
        number.as_deref().unwrap_or_default(),
        status.as_deref().unwrap_or_default(),
        year.as_deref().unwrap_or_default(),
    )
    .map_err(AppError::Validation)?;
    Ok(service::invoices(&ctx()?, &session, &filter, page).await?)
}

/// Every member: the organization's credit notes, newest first.
/// Errors: `Unauthorized`.
#[server(endpoint = "billing/credit_notes", input = server_fn::codec::GetUrl)]
pub async fn list_credit_notes() -> Result<Vec<CreditNoteSummary>, AppError> {
    let session = require_permission(Permission::ViewBilling)?;
    Ok(backend::billing::credit_notes::list(&ctx()?, &session).await?)
}

/// Owner, billing: the address and tax ID printed on invoices.
/// Errors: `Validation` (per field), `Forbidden`.
#[server(endpoint = "billing/update_details")]
pub async fn update_billing_details(
    company_name: String,
    address_line1: String,
    address_line2: String,
    city: String,
    postal_code: String,
    country: String,
    tax_id: String,
) -> Result<(), AppError> {
    use domain::billing::{BillingDetails, BillingDetailsUpdate};
    let session = require_permission(Permission::ManageBilling)?;
    let update = BillingDetailsUpdate::parse(BillingDetails {
        company_name,
        address_line1,
        address_line2,
        city,
        postal_code,
        country,
        tax_id,
    })
    .map_err(AppError::Validation)?;
    Ok(service::update_details(&ctx()?, &session, update).await?)
}

/// Owner, billing: replaces the card on file with the one the browser
/// tokenized at the payment processor (`card_token`, `tok_…`). The number and
/// CVC never come here; only brand, last four digits and expiry are kept.
/// Errors: `Validation` (`card_number`: a declined, expired, used or
/// malformed token), `Forbidden`.
#[server(endpoint = "billing/update_payment_method")]
pub async fn update_payment_method(card_token: String) -> Result<PaymentMethod, AppError> {
    use domain::card::CardToken;
    use domain::FieldErrors;
    let session = require_permission(Permission::ManageBilling)?;
    let token = CardToken::parse(&card_token)
        .map_err(|e| AppError::Validation(FieldErrors::single("card_number", e.to_string())))?;
    Ok(service::update_payment_method(&ctx()?, &session, &token).await?)
}

/// Owner, billing: pays an open or overdue invoice with the card on file.
/// `key` is the invoice's `pay_key` from the listing; sending it again
/// charges nothing more.
/// Errors: `Conflict` (declined, with the reason; no card; voided),
/// `NotFound` (not this organization's), `BadRequest` (a malformed key),
/// `Forbidden`.
#[server(endpoint = "billing/pay_invoice")]
pub async fn pay_invoice(id: uuid::Uuid, key: String) -> Result<(), AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    let well_formed = (16..=100).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(AppError::BadRequest);
    }
    Ok(service::pay_invoice(&ctx()?, &session, id, &key).await?)
}

/// Owner, billing: what moving to `plan` would cost now, when it takes effect,
/// and which limits stand in the way. Changes nothing.
/// Errors: `Validation` (`plan`), `Forbidden`.
#[server(endpoint = "billing/preview_plan_change", input = server_fn::codec::GetUrl)]
pub async fn preview_plan_change(plan: String) -> Result<PlanChangePreview, AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    Ok(service::preview_plan_change(&ctx()?, &session, &plan).await?)
}

/// Owner, billing: upgrades now (charging the prorated difference), schedules
/// a downgrade for the period end, or drops a scheduled change.
/// Errors: `Conflict` (limits exceeded, no card, card declined), `Validation`, `Forbidden`.
#[server(endpoint = "billing/change_plan")]
pub async fn change_plan(plan: String) -> Result<PlanChangePreview, AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    Ok(service::change_plan(&ctx()?, &session, &plan).await?)
}

/// Owner, billing: ends the subscription when the current period ends.
/// Errors: `Conflict` (already canceled, on Free), `Forbidden`.
#[server(endpoint = "billing/cancel")]
pub async fn cancel_subscription() -> Result<(), AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    Ok(service::cancel_subscription(&ctx()?, &session).await?)
}

/// Owner, billing: keeps a canceled subscription going.
/// Errors: `Conflict` (not canceled), `Forbidden`.
#[server(endpoint = "billing/resume")]
pub async fn resume_subscription() -> Result<(), AppError> {
    let session = require_permission(Permission::ManageBilling)?;
    Ok(service::resume_subscription(&ctx()?, &session).await?)
}
