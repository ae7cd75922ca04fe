//! Outgoing email, through a transactional outbox.
//!
//! A feature that needs to email someone calls [`service::notify`] inside the
//! transaction of its own change; the row it writes is the promise that the
//! email will go out exactly once. `server/src/workers/notifications.rs` moves
//! committed rows onto a Redis Stream, sends them over SMTP and marks them
//! sent; when Redis is down it claims due rows from Postgres directly.
//! Templates live here ([`email::Email`]) and are rendered at send time, when
//! the recipient's [`preferences`] are checked too.

pub mod db;
pub mod email;
pub mod preferences;
pub mod service;
pub mod unsubscribe;

pub use email::{Email, RenderedEmail};
