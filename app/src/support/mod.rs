//! Support: tickets with threads, for customers and for the company's staff.
//!
//! Customers (any member) open tickets on `/support/new`, list their
//! organization's tickets on `/support` and follow one on `/support/:id`;
//! every query names the session's organization, so another organization's
//! ticket id is simply "not found". Staff sign in on `/staff/sign-in` with a
//! staff session of their own (`staff.rs`) and work in the console at
//! `/staff/tickets`: all organizations, filters, assignment, replies, status
//! and internal notes, with the customer's context beside the thread.
//!
//! Data flow: `api.rs` (thin server functions) → `service.rs` (authorization,
//! transactions, audit, the outbox email on a staff reply, live events after
//! commit) → `db.rs` (all SQL). Internal notes live in `ticket_message` with
//! `internal = true`; customer-side SQL never selects them, the customer wire
//! type (`model::Message`) has no field for them, and they send no email and
//! no live event.

pub mod api;
pub mod components;
pub mod model;
pub mod page;
pub mod staff_page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod staff;

pub use page::{NewTicketPage, SupportPage, TicketPage};
pub use staff_page::{StaffLayout, StaffSignInPage, StaffTicketPage, StaffTicketsPage};
