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
use domain::billing::{InvoiceStatus, RetrySchedule};
use domain::Money;
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;

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
