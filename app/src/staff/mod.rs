//! The support console for the company's staff: its own sign-in
//! (`/staff/sign-in`, a staff session realm) and frame, every organization's
//! tickets with filters (`/staff/tickets`), and a ticket with internal notes,
//! reply, status, assignment and the customer's context; satisfaction per
//! week and agent (`/staff/satisfaction`); canned replies
//! (`/staff/canned-replies`); the team and its invitations
//! (`/staff/members`, joined through `/staff/join`). `api.rs` calls
//! `backend::staff::service`.

pub mod api;
pub mod canned;
pub mod members;
pub mod page;
pub mod satisfaction;

pub use canned::CannedRepliesPage;
pub use members::{StaffJoinPage, StaffMembersPage};
pub use page::{StaffHome, StaffLayout, StaffSignInPage, StaffTicketPage, StaffTicketsPage};
pub use satisfaction::StaffSatisfactionPage;
