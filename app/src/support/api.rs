//! Server functions of support as customers use it (`support/…`, any member
//! of the session's organization): thin adapters over
//! `backend::support::service`. The staff console's are in the `staff` feature.

use domain::satisfaction::RatingLinkView;
use domain::support::{TicketPage, TicketThread};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{client, ctx, require_permission},
    backend::support::{satisfaction, service},
    domain::satisfaction::RatingInput,
    domain::support::{parse_filter, parse_reply, NewTicket},
    domain::Permission,
};

/// Any member: one page of the organization's tickets, newest activity
/// first, filtered by `status` (empty: any) and a subject search.
/// Errors: `Unauthorized`, `Validation` (unknown status).
#[server(endpoint = "support/tickets", input = server_fn::codec::GetUrl)]
pub async fn list_tickets(
    #[server(default)] status: String,
    #[server(default)] search: String,
    #[server(default)] page: u32,
) -> Result<TicketPage, AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let status = parse_filter(&status, "status")?;
    Ok(service::list_tickets(&ctx()?, &session, status, &search, page).await?)
}

/// Any member: a ticket of the organization with its thread (never internal
/// notes). Errors: `NotFound` (also for other organizations' tickets).
#[server(endpoint = "support/ticket", input = server_fn::codec::GetUrl)]
pub async fn get_ticket(id: Uuid) -> Result<TicketThread, AppError> {
    let session = require_permission(Permission::UseSupport)?;
    Ok(service::get_ticket(&ctx()?, &session, id).await?)
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
    let session = require_permission(Permission::UseSupport)?;
    let input = NewTicket::parse(&subject, &category, &priority, &body)?;
    let id = service::open_ticket(&ctx()?, &session, input, &[]).await?;
    leptos_axum::redirect(&format!("/support/{id}"));
    Ok(id)
}

/// Any member: replies in a ticket; a resolved ticket reopens.
/// Errors: `NotFound`, `Validation` (body), `Conflict` (closed).
#[server(endpoint = "support/reply")]
pub async fn reply_to_ticket(ticket_id: Uuid, body: String) -> Result<(), AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let body = parse_reply(&body)?;
    Ok(service::reply(&ctx()?, &session, ticket_id, &body, &[]).await?)
}

/// Any member: closes a ticket. Errors: `NotFound`.
#[server(endpoint = "support/close")]
pub async fn close_ticket(ticket_id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::UseSupport)?;
    Ok(service::close(&ctx()?, &session, ticket_id).await?)
}

/// Any member: reopens a resolved or closed ticket. Errors: `NotFound`.
#[server(endpoint = "support/reopen")]
pub async fn reopen_ticket(ticket_id: Uuid) -> Result<(), AppError> {
    let session = require_permission(Permission::UseSupport)?;
    Ok(service::reopen(&ctx()?, &session, ticket_id).await?)
}

/// The requester: rates their resolved or closed ticket, good or bad, with
/// an optional comment; rating again replaces it. Errors: `NotFound`,
/// `Forbidden` (not the requester), `Conflict` (not resolved), `Validation`
/// (`rating`, `comment`).
#[server(endpoint = "support/rate")]
pub async fn rate_ticket(
    ticket_id: Uuid,
    #[server(default)] rating: String,
    #[server(default)] comment: String,
) -> Result<(), AppError> {
    let session = require_permission(Permission::UseSupport)?;
    let input = RatingInput::parse(&rating, &comment)?;
    Ok(satisfaction::rate(&ctx()?, &session, ticket_id, &input).await?)
}

/// Anyone holding a "resolved" email's link: the ticket's subject and any
/// rating given. Errors: `NotFound` (unknown or expired), `RateLimited`.
#[server(endpoint = "support/rating_link", input = server_fn::codec::GetUrl)]
pub async fn get_rating_link(token: String) -> Result<RatingLinkView, AppError> {
    Ok(satisfaction::link(&ctx()?, &client()?, &token).await?)
}

/// Anyone holding a "resolved" email's link: rates that ticket as its
/// requester. Errors: as `get_rating_link`, `Conflict` (reopened since),
/// `Validation` (`rating`, `comment`).
#[server(endpoint = "support/rate_by_link")]
pub async fn rate_by_link(
    token: String,
    #[server(default)] rating: String,
    #[server(default)] comment: String,
) -> Result<(), AppError> {
    let input = RatingInput::parse(&rating, &comment)?;
    Ok(satisfaction::rate_by_link(&ctx()?, &client()?, &token, &input).await?)
}
