//! What the server pushes to open pages (`GET /live`, Server-Sent Events).

use crate::usage::UsageTotals;
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
