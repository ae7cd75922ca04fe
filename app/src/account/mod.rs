//! Account settings pages: names, billing and login email, password, sessions.
//! Server functions in `api.rs` call `backend::account::service`.

pub mod api;
pub mod page;

pub use page::{ConfirmEmailPage, SecurityPage, SettingsPage};
