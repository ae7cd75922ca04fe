//! Account settings: the organization's name and billing email, the user's
//! name, password and login email, and their sessions.

pub mod db;
pub mod service;
