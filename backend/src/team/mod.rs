//! Who belongs to the organization: members and their roles, invitations
//! (the token exists only in the email), the accept flow, leaving and
//! ownership transfer.

pub mod db;
pub mod service;
