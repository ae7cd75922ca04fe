//! When staff should answer: a response target added to the moment a ticket
//! began to wait on them, in calendar time or in the support desk's business
//! hours (`crate::calendar`). Computed once, when the wait begins, and stored
//! with the ticket (`response_due_at`), so the console sorts and filters on it
//! in SQL.

use crate::Ctx;
use domain::support::TicketPriority;
use time::OffsetDateTime;

/// When staff should answer a ticket of `priority` that begins to wait on
/// them now, by the configured targets and business hours.
pub fn response_due(ctx: &Ctx, priority: TicketPriority) -> OffsetDateTime {
    let settings = &ctx.settings;
    let target = settings.response_targets.for_priority(priority);
    settings.business_hours.due(ctx.now(), target)
}
