//! Credit notes: the one way an issued invoice is corrected. Support staff
//! issue one from the customer's ticket (`staff::service`); the customer
//! finds it on the billing page with its own PDF, and the invoice's PDF names
//! it. At most the invoice's total is ever credited, always in its currency;
//! the database checks both again (`credit_note_fits_its_invoice`).

use super::db::{self, CreditNoteRow, InsertedInvoice, NewCreditNote};
use super::pdf::{self, DocumentLine, InvoiceDocument};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::AuthSession;
use domain::billing::{CreditNoteDraft, CreditNoteSummary, InvoiceStatus};
use domain::pricing::split_tax_included;
use domain::{AppError, FieldErrors, Money};
use sqlx::PgConnection;
use time::Date;
use uuid::Uuid;

/// Most credit notes the billing page lists.
const LISTED: i64 = 100;

/// Issues a credit note for an invoice of `org` (another organization's
/// invoice is `NotFound`), in the caller's transaction. Errors:
/// `Validation` on `currency` (not the invoice's) or `amount` (more than is
/// left to credit), `Conflict` for a voided invoice.
pub async fn issue(
    conn: &mut PgConnection,
    org: Uuid,
    draft: &CreditNoteDraft,
    today: Date,
) -> Result<InsertedInvoice> {
    // Locked: two notes for one invoice take turns, and both see the other.
    let invoice = db::lock_invoice(conn, org, draft.invoice_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if invoice.status == InvoiceStatus::Void {
        return Err(AppError::Conflict(format!(
            "Invoice {} was voided: there is nothing to credit.",
            invoice.number
        ))
        .into());
    }
    let money = |minor| Money::new(minor, invoice.currency);
    if draft.currency != invoice.currency {
        return Err(FieldErrors::single(
            "currency",
            format!(
                "Invoice {} is in {}: credit it in {}.",
                invoice.number,
                invoice.currency.code(),
                invoice.currency.code()
            ),
        )
        .into());
    }
    let credited: i64 = db::credit_notes(&mut *conn, org, Some(invoice.id), None, i64::MAX)
        .await?
        .iter()
        .map(|c| c.total_cents)
        .sum();
    let left = invoice.total_cents - credited;
    if draft.amount_minor > left {
        return Err(FieldErrors::single(
            "amount",
            format!(
                "At most {} is left to credit on {} (total {}, credited {}).",
                money(left.max(0)),
                invoice.number,
                money(invoice.total_cents),
                money(credited)
            ),
        )
        .into());
    }
    let (subtotal, tax) =
        split_tax_included(draft.amount_minor, invoice.tax_rate_bp).ok_or(AppError::BadRequest)?;
    let note = NewCreditNote {
        invoice_id: invoice.id,
        organization_id: org,
        issued_on: today,
        currency: invoice.currency.code(),
        subtotal_cents: subtotal,
        tax_rate_bp: invoice.tax_rate_bp,
        tax_cents: tax,
        total_cents: draft.amount_minor,
        reason: &draft.reason,
    };
    Ok(db::insert_credit_note(conn, &note).await?)
}

/// The organization's credit notes, newest first.
pub async fn list(ctx: &Ctx, session: &AuthSession) -> Result<Vec<CreditNoteSummary>> {
    let rows = db::credit_notes(&ctx.db, session.organization_id, None, None, LISTED).await?;
    Ok(rows
        .into_iter()
        .map(|c| CreditNoteSummary {
            id: c.id,
            total: Money::new(c.total_cents, c.currency),
            number: c.number,
            invoice_number: c.invoice_number,
            issued_on: c.issued_on.to_string(),
            reason: c.reason,
        })
        .collect())
}

/// The PDF of one credit note of the session's organization (another's is
/// `NotFound`): its number (for the file name) and the bytes.
pub async fn pdf(ctx: &Ctx, session: &AuthSession, id: Uuid) -> Result<(String, Vec<u8>)> {
    let org = session.organization_id;
    let note = db::credit_notes(&ctx.db, org, None, Some(id), 1)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let parties = db::credit_note_parties(&ctx.db, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let number = note.number.clone();
    let document = document(note, parties.seller.0, parties.bill_to.0);
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&document)).await?;
    Ok((number, bytes))
}

fn document(
    note: CreditNoteRow,
    seller: super::issued::IssuedSeller,
    bill_to: super::issued::BillTo,
) -> InvoiceDocument {
    let money = |minor| Money::new(minor, note.currency);
    InvoiceDocument {
        title: "Credit note",
        number: note.number.clone(),
        status: None,
        facts: vec![
            ("Credit note", note.number),
            ("Issued", note.issued_on.to_string()),
            ("Corrects", format!("Invoice {}", note.invoice_number)),
        ],
        note: format!("Reason: {}", note.reason),
        seller,
        bill_to,
        lines: vec![DocumentLine {
            description: format!("Credit on invoice {}", note.invoice_number),
            quantity: 1,
            unit_amount: money(note.subtotal_cents),
            amount: money(note.subtotal_cents),
        }],
        subtotal: money(note.subtotal_cents),
        tax_rate_bp: note.tax_rate_bp,
        tax: money(note.tax_cents),
        total: money(note.total_cents),
    }
}
