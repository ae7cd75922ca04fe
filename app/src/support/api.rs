//! Server functions of support: the customer side (`support/…`, any member
//! of the session's organization) and the staff console (`staff/…`, staff
//! sessions only).

use super::model::{StaffMember, StaffTicketPage, StaffTicketView, TicketPage, TicketThread};
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

// ------------------------------------------------------------ customers

/// Any member: one page of the organization's tickets, newest activity
/// first, filtered by `status` (empty: any) and a subject search.
/// Errors: `Unauthorized`, `Validation` (unknown status).
#[server(endpoint = "support/tickets", input = server_fn::codec::GetUrl)]
pub async fn list_tickets(
    #[server(default)] status: String,
    #[server(default)] search: String,
    #[server(default)] page: u32,
) -> Result<TicketPage, AppError> {
    let status = super::model::parse_filter(&status, "status")?;
    super::service::list_tickets(status, &search, page).await
}

/// Any member: a ticket of the organization with its thread (never internal
/// notes). Errors: `NotFound` (also for other organizations' tickets).
#[server(endpoint = "support/ticket", input = server_fn::codec::GetUrl)]
pub async fn get_ticket(id: Uuid) -> Result<TicketThread, AppError> {
    super::service::get_ticket(id).await
}

/// Any member: opens a ticket with its first message and goes to it.
/// Errors: `Validation` (subject, category, priority, body).
#[server(endpoint = "support/open")]
pub async fn open_ticket(
    subject: String,
    category: String,
    priority: String,
    body: String,
) -> Result<Uuid, AppError> {
    let input = super::model::NewTicket::parse(&subject, &category, &priority, &body)?;
    let id = super::service::open_ticket(input).await?;
    leptos_axum::redirect(&format!("/support/{id}"));
    Ok(id)
}

/// Any member: replies in a ticket; a resolved ticket reopens.
/// Errors: `NotFound`, `Validation` (body), `Conflict` (closed).
#[server(endpoint = "support/reply")]
pub async fn reply_to_ticket(ticket_id: Uuid, body: String) -> Result<(), AppError> {
    let body = super::model::parse_reply(&body)?;
    super::service::reply(ticket_id, &body).await
}

/// Any member: closes a ticket. Errors: `NotFound`.
#[server(endpoint = "support/close")]
pub async fn close_ticket(ticket_id: Uuid) -> Result<(), AppError> {
    super::service::close(ticket_id).await
}

/// Any member: reopens a resolved or closed ticket. Errors: `NotFound`.
#[server(endpoint = "support/reopen")]
pub async fn reopen_ticket(ticket_id: Uuid) -> Result<(), AppError> {
    super::service::reopen(ticket_id).await
}

// ------------------------------------------------------------ staff

/// Anyone: signs a staff member in to the console.
/// Errors: `InvalidCredentials` (also for accounts that are not staff), `RateLimited`.
#[server(endpoint = "staff/sign_in")]
pub async fn staff_sign_in(email: String, password: String) -> Result<(), AppError> {
    super::staff::sign_in(&email, password).await?;
    leptos_axum::redirect("/staff/tickets");
    Ok(())
}

/// Anyone: ends the staff session (a no-op without one).
#[server(endpoint = "staff/sign_out")]
pub async fn staff_sign_out() -> Result<(), AppError> {
    super::staff::sign_out().await?;
    leptos_axum::redirect("/staff/sign-in");
    Ok(())
}

/// Anyone: the signed-in staff member, or `None`.
#[server(endpoint = "staff/me", input = server_fn::codec::GetUrl)]
pub async fn get_current_staff() -> Result<Option<StaffMember>, AppError> {
    super::service::current_staff().await
}

/// Staff: every organization's tickets with the console's filters. `assignee`
/// is empty (anyone), `me` or `unassigned`; `search` matches subject or
/// organization. Errors: `Unauthorized`, `Forbidden` (customer session), `Validation`.
#[server(endpoint = "staff/tickets", input = server_fn::codec::GetUrl)]
pub async fn list_staff_tickets(
    #[server(default)] status: String,
    #[server(default)] priority: String,
    #[server(default)] category: String,
    #[server(default)] assignee: String,
    #[server(default)] search: String,
    #[server(default)] page: u32,
) -> Result<StaffTicketPage, AppError> {
    use super::model::{parse_filter, StaffTicketFilter};
    let filter = StaffTicketFilter {
        status: parse_filter(&status, "status")?,
        priority: parse_filter(&priority, "priority")?,
        category: parse_filter(&category, "category")?,
        assignee: parse_filter(&assignee, "assignee")?.unwrap_or_default(),
        search,
    };
    super::service::staff_list(filter, page).await
}

/// Staff: a ticket with its whole thread (internal notes included) and the
/// customer's context. Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(endpoint = "staff/ticket", input = server_fn::codec::GetUrl)]
pub async fn get_staff_ticket(id: Uuid) -> Result<StaffTicketView, AppError> {
    super::service::staff_ticket(id).await
}

/// Staff: replies to the customer (emailed to the requester); the ticket
/// becomes pending. Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/reply")]
pub async fn staff_reply(ticket_id: Uuid, body: String) -> Result<(), AppError> {
    let body = super::model::parse_reply(&body)?;
    super::service::staff_reply(ticket_id, &body).await
}

/// Staff: adds an internal note, which customers never see.
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/note")]
pub async fn add_internal_note(ticket_id: Uuid, body: String) -> Result<(), AppError> {
    let body = super::model::parse_reply(&body)?;
    super::service::add_note(ticket_id, &body).await
}

/// Staff: sets a ticket's status.
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/status")]
pub async fn set_ticket_status(ticket_id: Uuid, status: String) -> Result<(), AppError> {
    use crate::error::FieldErrors;
    let status = status.parse().map_err(|e: super::model::UnknownChoice| {
        AppError::Validation(FieldErrors::single("status", e.to_string()))
    })?;
    super::service::set_status(ticket_id, status).await
}

/// Staff: assigns a ticket to a staff member (`assignee`: a staff user id,
/// `me`, or empty to unassign).
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/assign")]
pub async fn assign_ticket(
    ticket_id: Uuid,
    #[server(default)] assignee: String,
) -> Result<(), AppError> {
    use crate::error::FieldErrors;
    let assignee = match assignee.trim() {
        "" => None,
        "me" => Some(super::staff::require_staff().await?.user_id),
        id => Some(id.parse::<Uuid>().map_err(|_| {
            AppError::Validation(FieldErrors::single(
                "assignee",
                "Choose a member of the support staff.",
            ))
        })?),
    };
    super::service::assign(ticket_id, assignee).await
}
