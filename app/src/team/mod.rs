//! The team: who belongs to the organization, with which role, and how people
//! join. Owners and admins invite by email (the token travels only in the
//! email, through the notifications outbox; only its hash is stored), the
//! invitee accepts on `/invitations/accept`, and roles are edited inline.
//! Every change locks the organization's team row first so seat and owner
//! counts cannot race, and drops the changed member's cached sessions so a
//! new role or a removal applies on their next request.

pub mod api;
pub mod invitation_page;
pub mod page;

pub use invitation_page::AcceptInvitationPage;
pub use page::TeamPage;
