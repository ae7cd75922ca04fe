//! The help center as customers use it: `/help` lists and searches the
//! published articles, `/help/:slug` shows one with "was this helpful?".
//! `SuggestedArticles` is what the new-ticket form shows while a subject is
//! typed. `console.rs` is the staff side: writing articles and the
//! deflection numbers. `api.rs` calls `backend::help::{service, console}`.

pub mod api;
pub mod console;
pub mod page;
pub mod suggestions;

pub use console::{EditArticlePage, NewArticlePage, StaffHelpPage};
pub use page::{ArticlePage, HelpPage};
pub use suggestions::SuggestedArticles;
