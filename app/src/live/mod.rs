//! Live updates: a server event reaches every open page of the organization it
//! belongs to within a second, on any server instance.
//!
//! `publish` sends an event on the organization's Redis channel; each instance
//! subscribes to all organizations once (`server/src/workers/live.rs`) and fans
//! events out to its own open `GET /live` streams through the in-process
//! [`LiveHub`]. The stream is scoped by the session, so a page only ever hears
//! its own organization. Without Redis, events still reach this instance's pages.
//! On the page, [`use_live_events`] listens and reconnects with backoff.

mod client;
#[cfg(feature = "ssr")]
mod hub;

pub use client::use_live_events;
#[cfg(feature = "ssr")]
pub use hub::{channel, channel_pattern, organization_of_channel, publish, LiveHub};

use crate::usage::model::UsageTotals;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything a page may hear about its organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The current period's totals changed (an API call, a reported event, a member).
    Usage(UsageTotals),
    /// A support ticket got a reply or changed status.
    TicketUpdated { ticket_id: Uuid },
    /// Events may have been missed: the stream fell behind, or the page
    /// reconnected after a break. Re-read whatever the page shows. (Usage
    /// needs nothing: every stream starts with the current totals.)
    Resync,
}
