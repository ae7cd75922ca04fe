//! Live updates on the page: [`use_live_events`] listens to `GET /live`
//! (Server-Sent Events, scoped by the session) and reconnects with backoff.
//! The server side is `backend::live` and `server/src/http/live.rs`.

mod client;

pub use client::use_live_events;
pub use domain::live::LiveEvent;
