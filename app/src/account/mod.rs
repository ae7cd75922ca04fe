//! Account settings pages: names, billing and login email, password, sessions,
//! time zone and which emails one gets.
//! Server functions in `api.rs` call `backend::account::service`.

pub mod api;
pub mod notifications;
pub mod page;
pub mod unsubscribe;

pub use notifications::NotificationsPage;
pub use page::{ConfirmEmailPage, SecurityPage, SettingsPage};
pub use unsubscribe::UnsubscribePage;
