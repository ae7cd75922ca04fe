//! Dunning: a period charge that failed is retried on a schedule by the
//! once-a-minute billing job, each attempt recorded with its result. While
//! retries remain the subscription is `past_due`; after the last one fails it
//! is `unpaid`, and the organization works within the Free plan's limits (its
//! data and plan are kept) until an invoice is paid, which lifts them at once.

use super::db;
use super::service::{charge_invoice, email_invoice, refresh_payment_status, IssuedInvoice};
use crate::audit::AuditEntry;
use crate::client::ClientMeta;
use crate::error::Result;
use domain::billing::InvoiceStatus;
use domain::Money;
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashSet;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The days, counted from the first failed charge, on which it is retried
/// (`PORTAL_DUNNING_RETRY_DAYS`, default `1,3,5,7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<u16>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self(vec![1, 3, 5, 7])
    }
}

impl RetrySchedule {
    /// `"1,3,5,7"`: at least one day, each later than the one before.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let days = text
            .split(',')
            .map(|d| d.trim().parse::<u16>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| format!("{text:?} is not a list of days such as 1,3,5,7"))?;
        let increasing = days.windows(2).all(|w| w[0] < w[1]);
        if days.is_empty() || days[0] == 0 || !increasing {
            return Err(format!(
                "{text:?}: retry days must start above 0 and increase, such as 1,3,5,7"
            ));
        }
        Ok(Self(days))
    }

    /// When retry number `retries_done + 1` is due, given when the charge
    /// before it failed; `None` once every retry was made. The gaps of the
    /// schedule are kept from the actual attempt, so a job that was down for
    /// days does not spend every retry in one run.
    pub fn next_retry(
        &self,
        retries_done: usize,
        last_failed_at: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let day = *self.0.get(retries_done)?;
        let previous = retries_done.checked_sub(1).map_or(0, |i| self.0[i]);
        Some(last_failed_at + Duration::days(i64::from(day - previous)))
    }
}

/// Makes every retry that is due by `now`. Safe to run on several instances
/// at once (each invoice's dunning row is locked with `skip locked`) and
/// repeatedly (an attempt is keyed by its number, so a retry that ran twice
/// charges once). Returns the attempts made.
pub async fn retry_due_payments(
    db: &PgPool,
    schedule: &RetrySchedule,
    now: OffsetDateTime,
) -> Result<usize> {
    let mut attempts = 0;
    // One invoice that cannot be retried (logged) must not hold up the others.
    let mut failed = HashSet::new();
    loop {
        let mut due = db::due_retries(db, now, 100).await?;
        due.retain(|id| !failed.contains(id));
        let mut progressed = false;
        for id in due {
            match retry(db, schedule, id, now).await {
                Ok(true) => {
                    attempts += 1;
                    progressed = true;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(invoice = %id, error = %e, "retrying a failed payment failed");
                    failed.insert(id);
                }
            }
        }
        if !progressed {
            return Ok(attempts);
        }
    }
}

/// One retry of one invoice, in one transaction. `false` when another
/// worker holds it or it is no longer due.
async fn retry(
    db: &PgPool,
    schedule: &RetrySchedule,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool> {
    let mut tx = db.begin().await?;
    let Some(dunning) = db::lock_due_retry(&mut tx, id, now).await? else {
        return Ok(false);
    };
    let org = dunning.organization_id;
    let invoice = db::lock_invoice(&mut tx, org, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("invoice {id} in dunning is missing"))?;
    if !matches!(invoice.status, InvoiceStatus::Open | InvoiceStatus::Overdue) {
        // Paid or voided by a path that did not end the dunning.
        db::end_dunning(&mut tx, id).await?;
        refresh_payment_status(&mut tx, org).await?;
        tx.commit().await?;
        return Ok(true);
    }
    let retry = dunning.retries_done + 1;
    let card = db::find_payment_method(&mut *tx, org).await?;
    let key = format!("dunning-retry-{retry:02}");
    let system = ClientMeta::default();
    let audit = |action| {
        AuditEntry::new(action, &system)
            .organization(org)
            .target("invoice", id)
    };
    match charge_invoice(&mut tx, org, &invoice, card.as_ref(), &key, now).await? {
        Ok(()) => {
            audit("invoice.paid")
                .after(json!({ "number": invoice.number, "retry": retry }))
                .record(&mut tx)
                .await?;
        }
        Err(reason) => {
            let done = usize::try_from(retry).unwrap_or(usize::MAX);
            let next = schedule.next_retry(done, now);
            db::record_retry(&mut tx, id, retry, next).await?;
            audit("invoice.payment_failed")
                .after(
                    json!({ "number": invoice.number, "reason": reason, "retry": retry,
                               "next_retry_on": next.map(|at| at.date().to_string()) }),
                )
                .record(&mut tx)
                .await?;
            let failed = IssuedInvoice {
                id,
                number: invoice.number.clone(),
                status: invoice.status,
                payment_error: Some(reason),
                retry: Some(retry),
            };
            let total = Money::new(invoice.total_cents, invoice.currency);
            email_invoice(&mut tx, org, &failed, total, invoice.due_on, now).await?;
            refresh_payment_status(&mut tx, org).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn retries_keep_the_schedules_gaps_from_the_last_attempt() {
        let schedule = RetrySchedule::default();
        let failed = datetime!(2026-11-01 0:00 UTC);
        assert_eq!(
            schedule.next_retry(0, failed),
            Some(datetime!(2026-11-02 0:00 UTC))
        );
        // The second retry is two days after the first, even if the first ran late.
        let late = datetime!(2026-11-04 9:00 UTC);
        assert_eq!(
            schedule.next_retry(1, late),
            Some(datetime!(2026-11-06 9:00 UTC))
        );
        assert_eq!(schedule.next_retry(4, late), None);
    }

    #[test]
    fn a_schedule_must_start_above_zero_and_increase() {
        assert_eq!(
            RetrySchedule::parse(" 2, 4 "),
            Ok(RetrySchedule(vec![2, 4]))
        );
        for bad in ["", "0,1", "3,2", "1,1", "a", "1,,2"] {
            assert!(RetrySchedule::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
