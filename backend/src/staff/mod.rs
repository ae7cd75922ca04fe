//! The support console: staff sign in (a session realm of their own, see
//! `crate::session::staff`), list every organization's tickets, read threads
//! with internal notes, reply (which emails the customer), add notes, change
//! status and assignment, see the customer's context, insert canned replies, read satisfaction, and (admins) manage the team. Staff work is
//! audited company-side (no organization).

pub mod canned;
pub mod db;
pub mod members;
pub mod satisfaction;
pub mod service;
