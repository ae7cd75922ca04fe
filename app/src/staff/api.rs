//! Server functions of the support console (`staff/…`, staff sessions only):
//! thin adapters over `backend::staff::service`.

use domain::canned::CannedReply;
use domain::satisfaction::SatisfactionReport;
use domain::staff::{StaffDirectory, StaffInvitationPreview};
use domain::support::{StaffMember, StaffTicketPage, StaffTicketView};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// The staff page, where its forms go back to.
pub const MEMBERS_PAGE: &str = "/staff/members";

#[cfg(feature = "ssr")]
use {
    crate::request::{client, ctx, require_staff, session_token, set_cookie, staff, state},
    backend::session::Realm,
    backend::staff::{members, service},
    domain::staff::NewStaffInvitation,
    domain::support::{parse_filter, parse_reply, StaffTicketFilter, UnknownChoice},
    domain::FieldErrors,
};

/// Anyone: the first step of signing a staff member in to the console (the
/// password). Staff must use two-factor: the code, or setting it up, follows.
/// Errors: `InvalidCredentials` (also for accounts that are not staff), `RateLimited`.
#[server(endpoint = "staff/sign_in")]
pub async fn staff_sign_in(email: String, password: String) -> Result<(), AppError> {
    use backend::auth::service::{SignInOutcome, CHALLENGE_LIFETIME};
    use backend::session::{challenge_cookie_name, http_only_cookie};
    let state = state()?;
    let outcome = service::sign_in(&state, &client()?, &email, password).await?;
    let SignInOutcome::Challenge { token, .. } = outcome else {
        tracing::error!("a staff sign-in skipped its second factor");
        return Err(AppError::internal());
    };
    let name = challenge_cookie_name(&state.settings);
    set_cookie(&http_only_cookie(
        name,
        &state.settings,
        &token,
        CHALLENGE_LIFETIME,
    ))?;
    leptos_axum::redirect("/staff/sign-in/two-factor");
    Ok(())
}

/// Anyone: ends the staff session (a no-op without one).
#[server(endpoint = "staff/sign_out")]
pub async fn staff_sign_out() -> Result<(), AppError> {
    let state = state()?;
    let token = session_token(Realm::Staff)?;
    service::sign_out(&state, staff()?.as_ref(), token.as_deref()).await?;
    set_cookie(&Realm::Staff.clear_cookie(&state.settings))?;
    leptos_axum::redirect("/staff/sign-in");
    Ok(())
}

/// Anyone: the signed-in staff member, or `None`.
#[server(endpoint = "staff/me", input = server_fn::codec::GetUrl)]
pub async fn get_current_staff() -> Result<Option<StaffMember>, AppError> {
    Ok(staff()?.map(|s| s.member()))
}

/// The queue's `due` filter (empty or `overdue`) and `sort` (empty or
/// `due`), as they travel in the query string.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueueOrder {
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub sort: String,
}

/// Staff: every organization's tickets with the console's filters. `assignee`
/// is empty (anyone), `me` or `unassigned`; `search` matches subject or
/// organization; `due` is empty or `overdue`; `sort` is empty (newest
/// activity first) or `due` (the response due soonest first). Errors: `Unauthorized`, `Forbidden` (customer session), `Validation`.
#[server(endpoint = "staff/tickets", input = server_fn::codec::GetUrl)]
pub async fn list_staff_tickets(
    #[server(default)] status: String,
    #[server(default)] priority: String,
    #[server(default)] category: String,
    #[server(default)] assignee: String,
    #[server(default)] search: String,
    #[server(flatten)] order: QueueOrder,
    #[server(default)] page: u32,
) -> Result<StaffTicketPage, AppError> {
    let staff = require_staff()?;
    let filter = StaffTicketFilter {
        status: parse_filter(&status, "status")?,
        priority: parse_filter(&priority, "priority")?,
        category: parse_filter(&category, "category")?,
        assignee: parse_filter(&assignee, "assignee")?.unwrap_or_default(),
        search,
        overdue: match order.due.as_str() {
            "" | "any" => false,
            "overdue" => true,
            _ => {
                let error = FieldErrors::single("due", "Choose any or overdue.");
                return Err(AppError::Validation(error));
            }
        },
        sort: parse_filter(&order.sort, "sort")?.unwrap_or_default(),
    };
    Ok(service::list_tickets(&ctx()?, &staff, filter, page).await?)
}

/// Staff: a ticket with its whole thread (internal notes included) and the
/// customer's context. Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(endpoint = "staff/ticket", input = server_fn::codec::GetUrl)]
pub async fn get_staff_ticket(id: Uuid) -> Result<StaffTicketView, AppError> {
    let staff = require_staff()?;
    Ok(service::get_ticket(&ctx()?, &staff, id).await?)
}

/// Staff: replies to the customer (emailed to the requester); the ticket
/// becomes pending. Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/reply")]
pub async fn staff_reply(ticket_id: Uuid, body: String) -> Result<(), AppError> {
    let staff = require_staff()?;
    let body = parse_reply(&body)?;
    Ok(service::reply(&ctx()?, &staff, ticket_id, &body, &[]).await?)
}

/// Staff: adds an internal note, which customers never see.
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/note")]
pub async fn add_internal_note(ticket_id: Uuid, body: String) -> Result<(), AppError> {
    let staff = require_staff()?;
    let body = parse_reply(&body)?;
    Ok(service::add_note(&ctx()?, &staff, ticket_id, &body).await?)
}

/// Staff: credits part or all of an invoice of the ticket's organization
/// (`amount` tax included, e.g. "12.50"); returns the credit note's number.
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation` (`invoice_id`,
/// `amount`, `currency`, `reason`), `Conflict` (a voided invoice).
#[server(endpoint = "staff/credit_note")]
pub async fn issue_credit_note(
    ticket_id: Uuid,
    invoice_id: String,
    amount: String,
    currency: String,
    reason: String,
) -> Result<String, AppError> {
    let staff = require_staff()?;
    let draft = domain::billing::CreditNoteDraft::parse(&invoice_id, &amount, &currency, &reason)
        .map_err(AppError::Validation)?;
    Ok(service::issue_credit_note(&ctx()?, &staff, ticket_id, &draft).await?)
}

/// Staff: sets a ticket's status.
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/status")]
pub async fn set_ticket_status(ticket_id: Uuid, status: String) -> Result<(), AppError> {
    let staff = require_staff()?;
    let status = status
        .parse()
        .map_err(|e: UnknownChoice| FieldErrors::single("status", e.to_string()))?;
    Ok(service::set_status(&ctx()?, &staff, ticket_id, status).await?)
}

/// Staff: assigns a ticket to a staff member (`assignee`: a staff user id,
/// `me`, or empty to unassign).
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`, `Validation`.
#[server(endpoint = "staff/assign")]
pub async fn assign_ticket(
    ticket_id: Uuid,
    #[server(default)] assignee: String,
) -> Result<(), AppError> {
    let staff = require_staff()?;
    let assignee = match assignee.trim() {
        "" => None,
        "me" => Some(staff.user_id),
        id => Some(id.parse::<Uuid>().map_err(|_| {
            FieldErrors::single("assignee", "Choose a member of the support staff.")
        })?),
    };
    Ok(service::assign(&ctx()?, &staff, ticket_id, assignee).await?)
}

/// Staff: satisfaction per week and per agent over the last weeks, and the
/// latest comments. Errors: `Unauthorized`.
#[server(endpoint = "staff/satisfaction", input = server_fn::codec::GetUrl)]
pub async fn get_satisfaction_report() -> Result<SatisfactionReport, AppError> {
    let staff = require_staff()?;
    Ok(backend::staff::satisfaction::report(&ctx()?, &staff).await?)
}

/// Staff: every canned reply, by title. Errors: `Unauthorized`.
#[server(endpoint = "staff/canned", input = server_fn::codec::GetUrl)]
pub async fn list_canned_replies() -> Result<Vec<CannedReply>, AppError> {
    let staff = require_staff()?;
    Ok(backend::staff::canned::list(&ctx()?, &staff).await?)
}

/// Staff: writes a canned reply (`id` empty) or replaces one, then goes back
/// to the list. Errors: `Validation` (`title`, `body`), `NotFound`.
#[server(endpoint = "staff/canned/save")]
pub async fn save_canned_reply(
    #[server(default)] id: String,
    #[server(default)] title: String,
    #[server(default)] body: String,
) -> Result<Uuid, AppError> {
    let staff = require_staff()?;
    let id = match id.trim() {
        "" => None,
        id => Some(id.parse::<Uuid>().map_err(|_| AppError::NotFound)?),
    };
    let input = domain::canned::CannedReplyInput::parse(&title, &body)?;
    let id = backend::staff::canned::save(&ctx()?, &staff, id, &input).await?;
    leptos_axum::redirect("/staff/canned-replies");
    Ok(id)
}

/// Staff: deletes a canned reply. Errors: `NotFound`.
#[server(endpoint = "staff/canned/delete")]
pub async fn delete_canned_reply(id: Uuid) -> Result<(), AppError> {
    let staff = require_staff()?;
    backend::staff::canned::delete(&ctx()?, &staff, id).await?;
    leptos_axum::redirect("/staff/canned-replies");
    Ok(())
}

/// Staff: a canned reply filled in for a ticket, to insert into the reply.
/// Errors: `NotFound` (ticket or reply).
#[server(endpoint = "staff/canned/fill", input = server_fn::codec::GetUrl)]
pub async fn fill_canned_reply(ticket_id: Uuid, canned_id: Uuid) -> Result<String, AppError> {
    let staff = require_staff()?;
    Ok(backend::staff::canned::filled(&ctx()?, &staff, ticket_id, canned_id).await?)
}

// ------------------------------------------------------------ the team

/// Staff: the support team and its open invitations (admins also get the
/// forms to change them). Errors: `Unauthorized`, `Forbidden` (customer session).
#[server(endpoint = "staff/members", input = server_fn::codec::GetUrl)]
pub async fn list_staff_members() -> Result<StaffDirectory, AppError> {
    let staff = require_staff()?;
    Ok(members::directory(&ctx()?, &staff).await?)
}

/// Staff admins: emails an invitation to join the support team (`admin`: a
/// ticked checkbox makes them an admin too). Errors: `Forbidden`, `Validation` (`email`).
#[server(endpoint = "staff/members/invite")]
pub async fn invite_staff(
    #[server(default)] email: String,
    #[server(default)] admin: String,
) -> Result<(), AppError> {
    let staff = require_staff()?;
    let input = NewStaffInvitation::parse(&email, &admin)?;
    members::invite(&ctx()?, &staff, &input).await?;
    leptos_axum::redirect(MEMBERS_PAGE);
    Ok(())
}

/// Staff admins: withdraws an open invitation. Errors: `Forbidden`, `NotFound`.
#[server(endpoint = "staff/members/revoke_invitation")]
pub async fn revoke_staff_invitation(id: Uuid) -> Result<(), AppError> {
    let staff = require_staff()?;
    members::revoke_invitation(&ctx()?, &staff, id).await?;
    leptos_axum::redirect(MEMBERS_PAGE);
    Ok(())
}

/// Staff admins: `change` another staff member: `deactivate`, `reactivate`,
/// `grant_admin` or `remove_admin`. Errors: `Forbidden`, `NotFound`,
/// `Validation` (`change`), `Conflict` (yourself, or no change).
#[server(endpoint = "staff/members/change")]
pub async fn change_staff_member(user_id: Uuid, change: String) -> Result<(), AppError> {
    use members::Change;
    let staff = require_staff()?;
    let change = match change.as_str() {
        "deactivate" => Change::Deactivate,
        "reactivate" => Change::Reactivate,
        "grant_admin" => Change::GrantAdmin,
        "remove_admin" => Change::RemoveAdmin,
        _ => {
            let message = "Choose deactivate, reactivate, grant_admin or remove_admin.";
            return Err(AppError::Validation(FieldErrors::single("change", message)));
        }
    };
    members::change(&ctx()?, &staff, user_id, change).await?;
    leptos_axum::redirect(MEMBERS_PAGE);
    Ok(())
}

/// Anyone with the link: what a staff invitation is and whether it can still
/// be accepted. Reading consumes nothing. Errors: `NotFound`, `RateLimited`.
#[server(endpoint = "staff/invitation", input = server_fn::codec::GetUrl)]
pub async fn get_staff_invitation(token: String) -> Result<StaffInvitationPreview, AppError> {
    Ok(members::preview_invitation(&ctx()?, &client()?, &token).await?)
}

/// Anyone with the link: joins the support team, with the existing account's
/// password or a new account's name and password, then goes to the console's
/// sign-in. Errors: `NotFound`, `RateLimited`, `Conflict`, `Validation`,
/// `InvalidCredentials`.
#[server(endpoint = "staff/invitation/accept")]
pub async fn accept_staff_invitation(
    token: String,
    #[server(default)] name: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    members::accept_invitation(&ctx()?, &client()?, &token, &name, password).await?;
    leptos_axum::redirect("/staff/sign-in?joined=1");
    Ok(())
}
