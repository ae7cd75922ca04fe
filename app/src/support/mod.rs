//! Support as customers use it: open tickets on `/support/new`, list the
//! organization's tickets on `/support`, follow one on `/support/:id`.
//! `api.rs` calls `backend::support::service`; every query names the
//! session's organization, so another organization's ticket id is simply "not
//! found". Once resolved, the requester rates the ticket there or from the
//! email's link (`/rate-ticket`). The staff console that answers tickets is the `staff` feature.

pub mod api;
pub mod attachments;
pub mod components;
pub mod page;
pub mod rating;

pub use page::{NewTicketPage, SupportPage, TicketPage};
pub use rating::RateTicketPage;
