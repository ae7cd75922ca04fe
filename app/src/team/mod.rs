//! The team: who belongs to the organization, with which role. Today a
//! read-only list; invitations and role changes arrive with the Team issue.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;

pub use page::TeamPage;
