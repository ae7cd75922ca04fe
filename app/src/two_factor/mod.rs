//! Two-factor authentication in the UI: setting it up (scan, confirm), the
//! recovery codes, making new ones and turning it off. The security page,
//! the account setup page (an organization that requires it) and the staff
//! sign-in use these parts. `api.rs` calls `backend::two_factor::service`.

pub mod api;
pub mod components;

pub use components::{EnrollmentView, TwoFactorSection};
