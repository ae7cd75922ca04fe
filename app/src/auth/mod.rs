//! Sign-up, sign-in and sign-out.
//!
//! Data flow: the forms (`page.rs`) post to the server functions in `api.rs`,
//! which parse input into domain types and call `service.rs`. The service runs
//! each workflow in one Postgres transaction (organization, user, membership,
//! session and audit entries together), then sets or clears the session cookie.
//! Sessions themselves live in `crate::server::session`.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;

pub use page::{SignInPage, SignUpPage};
