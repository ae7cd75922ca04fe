//! Sign-up, sign-in and sign-out, and who is signed in.
//!
//! Data flow: the forms (`page.rs`) post to the server functions in `api.rs`,
//! which parse input into domain types, call `backend::auth::service` (one
//! Postgres transaction: organization, user, membership, session and audit
//! entries together) and set or clear the session cookie it answers with.
//! `AuthContext` (the signed-in user, for every page) and `use_permission`
//! live here too.

pub mod alert;
pub mod api;
pub mod context;
pub mod layout;
pub mod page;
pub mod recovery;
pub mod setup;

pub use context::{use_auth, use_current_user, use_permission, AuthContext, Permitted};
pub use layout::AppLayout;
pub use page::{SignInPage, SignUpPage};
pub use recovery::{
    CheckEmailPage, ForgotPasswordPage, ResetPasswordPage, TwoFactorSignInPage, VerifyEmailPage,
};
pub use setup::{AccountSetupPage, NewOrganizationPage};
