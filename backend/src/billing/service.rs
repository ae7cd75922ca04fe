//! Billing workflows: each mutation runs in one transaction with its audit
//! entry; plan changes lock the subscription row first, so two tabs (or the
//! period-end job) cannot interleave. The adapter has already checked
//! `ViewBilling` or `ManageBilling`.

use super::db::{self, InvoiceRow, PaymentMethodRow, PlanRow, SubscriptionRow};
use crate::webhooks::events::emit;
use domain::webhooks::EventType;

use super::issued::IssuedSeller;
use super::pdf::{self, DocumentLine, InvoiceDocument};
use super::provider::{provider, PaymentError, PaymentProvider};
use crate::audit::csv::csv_line;
use crate::audit::AuditEntry;
use crate::client::ClientMeta;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::notifications::{self, Email};
use crate::rate_limit::{self, Limit};
use crate::session::AuthSession;
use crate::tokens;
use domain::billing::{
    BillingDetails, BillingDetailsUpdate, BillingOverview, InvoiceFilter, InvoicePage,
    InvoiceStatus, InvoiceSummary, OverageComparison, PaymentAlert, PaymentMethod, PlanChangeKind,
    PlanChangePreview, PlanSummary, RetrySchedule, INVOICES_PER_PAGE,
};
use domain::card::{CardEntry, CardFields, CardToken, TokenizedCard};
use domain::pricing::{
    self, limit_conflicts, next_month, overage_blocks, prorate, CurrentUsage, InvoiceTotals,
    LineDraft, LineKind, Period, PlanLimits, OVERAGE_BLOCK_CALLS, OVERAGE_BLOCK_PRICE_MINOR,
    TAX_RATE_BP,
};
use domain::{AppError, Currency, EmailAddress, FieldErrors, Money, Permission};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// Days between an invoice's issue date and its due date.
pub const PAYMENT_TERMS_DAYS: i64 = 14;

/// Plan, subscription, card on file, billing email and details.
pub async fn overview(ctx: &Ctx, session: &AuthSession) -> Result<BillingOverview> {
    let org = session.organization_id;
    let sub = db::find_subscription(&ctx.db, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let plans = db::list_plans(&ctx.db).await?;
    let plan_of = |id: &str| plans.iter().find(|p| p.id == id).map(plan_summary);
    let plan =
        plan_of(&sub.plan_id).ok_or_else(|| anyhow::anyhow!("unknown plan {}", sub.plan_id))?;
    let scheduled_plan = sub.scheduled_plan_id.as_deref().and_then(plan_of);
    let next_plan = if sub.cancel_at_period_end {
        plan_of("free")
    } else {
        scheduled_plan.clone().or_else(|| Some(plan.clone()))
    };
    let next_billing = next_plan
        .filter(|p| p.price.minor > 0 && sub.status != "canceled")
        .map(|p| {
            let tax = pricing::tax_on(p.price.minor, TAX_RATE_BP).unwrap_or(0);
            (
                day(sub.current_period_end),
                Money::new(p.price.minor + tax, p.price.currency),
            )
        });
    let payment_method = db::find_payment_method(&ctx.db, org)
        .await?
        .map(|m| PaymentMethod {
            brand: m.brand,
            last4: m.last4,
            exp_month: m.exp_month,
            exp_year: m.exp_year,
        });
    let details = db::find_billing_detail(&ctx.db, org)
        .await?
        .unwrap_or_default();
    Ok(BillingOverview {
        plan,
        status: sub.status,
        period_start: day(sub.current_period_start),
        period_end: day(sub.current_period_end),
        next_billing,
        cancel_at_period_end: sub.cancel_at_period_end,
        scheduled_plan,
        payment_method,
        billing_email: sub.billing_email,
        details,
        plans: plans.iter().map(plan_summary).collect(),
    })
}

/// One page (1-based) of the invoices `filter` keeps, newest first.
pub async fn invoices(
    ctx: &Ctx,
    session: &AuthSession,
    filter: &InvoiceFilter,
    page: u32,
) -> Result<InvoicePage> {
    let org = session.organization_id;
    let total = db::count_invoices(&ctx.db, org, filter).await?;
    let per_page = i64::from(INVOICES_PER_PAGE);
    let pages = u32::try_from((total + per_page - 1) / per_page)
        .unwrap_or(u32::MAX)
        .max(1);
    let page = page.clamp(1, pages);
    let offset = i64::from(page - 1) * per_page;
    let rows = db::list_invoices(&ctx.db, org, filter, per_page, offset).await?;
    let mut invoices = Vec::with_capacity(rows.len());
    for row in rows {
        let payable = matches!(row.status, InvoiceStatus::Open | InvoiceStatus::Overdue);
        let mut summary = invoice_summary(row);
        if payable {
            summary.pay_key = Some(tokens::new_token()?);
        }
        invoices.push(summary);
    }
    Ok(InvoicePage {
        invoices,
        page,
        pages,
        total,
        years: db::invoice_years(&ctx.db, org).await?,
    })
}

/// Most rows one CSV export holds (years of monthly invoices fit many times).
pub const INVOICE_CSV_MAX_ROWS: i64 = 10_000;

/// The invoices `filter` keeps as CSV, newest first: what the customer's
/// accountant asks for.
pub async fn invoices_csv(
    ctx: &Ctx,
    session: &AuthSession,
    filter: &InvoiceFilter,
) -> Result<String> {
    let rows = db::list_invoices(
        &ctx.db,
        session.organization_id,
        filter,
        INVOICE_CSV_MAX_ROWS,
        0,
    )
    .await?;
    let mut csv = csv_line(&[
        "number",
        "status",
        "issued_on",
        "due_on",
        "period_start",
        "period_end",
        "paid_on",
        "currency",
        "subtotal",
        "tax_rate_percent",
        "tax",
        "total",
    ]);
    for row in rows {
        let amount = |minor| Money::new(minor, row.currency).decimal();
        csv.push_str(&csv_line(&[
            row.number.clone(),
            row.status.as_str().to_owned(),
            row.issued_on.to_string(),
            row.due_on.to_string(),
            day(row.period_start),
            day(row.period_end),
            row.paid_at.map(day).unwrap_or_default(),
            row.currency.code().to_owned(),
            amount(row.subtotal_cents),
            format!("{}.{:02}", row.tax_rate_bp / 100, row.tax_rate_bp % 100),
            amount(row.tax_cents),
            amount(row.total_cents),
        ]));
    }
    Ok(csv)
}

/// Pays an open or overdue invoice of the session's organization with the
/// card on file. `attempt` is the key the page gave this payment: the same key
/// again (double click, second tab, retry after a timeout) gets the first
/// attempt's result and charges nothing; the invoice row's lock makes
/// concurrent attempts take turns, and the database lets one payment of an
/// invoice succeed. A paid invoice is a receipt email; a declined one stays
/// open, with the provider's reason.
pub async fn pay_invoice(ctx: &Ctx, session: &AuthSession, id: Uuid, attempt: &str) -> Result<()> {
    let org = session.organization_id;
    let mut tx = ctx.db.begin().await?;
    let invoice = db::lock_invoice(&mut tx, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(earlier) = db::find_payment(&mut *tx, id, attempt).await? {
        return match earlier.error {
            None => Ok(()),
            Some(reason) => Err(AppError::Conflict(reason).into()),
        };
    }
    match invoice.status {
        // Paid meanwhile (another tab, the billing job): nothing to charge.
        InvoiceStatus::Paid => return Ok(()),
        InvoiceStatus::Void => {
            return Err(AppError::Conflict(
                "This invoice was voided: there is nothing to pay.".into(),
            )
            .into())
        }
        InvoiceStatus::Open | InvoiceStatus::Overdue => {}
    }
    let card = db::find_payment_method(&mut *tx, org)
        .await?
        .ok_or_else(|| AppError::Conflict("Add a card above first, then pay.".into()))?;
    let now = ctx.clock.now();
    match charge_invoice(&mut tx, org, &invoice, Some(&card), attempt, now).await? {
        Ok(()) => {
            let total = Money::new(invoice.total_cents, invoice.currency);
            session
                .audit("invoice.paid")
                .target("invoice", id)
                .after(json!({ "number": invoice.number, "total": total.display_ascii() }))
                .record(&mut tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }
        Err(reason) => {
            session
                .audit("invoice.payment_failed")
                .target("invoice", id)
                .after(json!({ "number": invoice.number, "reason": reason }))
                .record(&mut tx)
                .await?;
            tx.commit().await?;
            Err(AppError::Conflict(reason).into())
        }
    }
}

/// Charges a locked, payable invoice under the key `attempt` and records the
/// attempt. Paid: the invoice is marked so, its dunning ends (which may lift
/// `past_due` or `unpaid`) and the receipt goes out. Else the reason, for the
/// customer. Without a card the attempt fails without reaching the provider.
pub(super) async fn charge_invoice(
    tx: &mut PgConnection,
    org: Uuid,
    invoice: &InvoiceRow,
    card: Option<&PaymentMethodRow>,
    attempt: &str,
    now: OffsetDateTime,
) -> Result<std::result::Result<(), String>> {
    let total = Money::new(invoice.total_cents, invoice.currency);
    let charged = match card {
        Some(card) => provider()
            .charge(
                &card.provider_ref,
                total,
                &format!("pay:{}:{attempt}", invoice.id),
            )
            .await
            .map_err(|declined| declined.to_string()),
        None => Err("There is no card on file: add one on the billing page.".to_owned()),
    };
    let charge = match charged {
        Ok(charge) => charge,
        Err(reason) => {
            db::insert_payment(tx, invoice.id, attempt, None, Some(&reason)).await?;
            return Ok(Err(reason));
        }
    };
    db::insert_payment(tx, invoice.id, attempt, Some(&charge), None).await?;
    db::mark_paid(tx, invoice.id, now).await?;
    db::end_dunning(tx, invoice.id).await?;
    refresh_payment_status(tx, org).await?;
    let paid = IssuedInvoice {
        id: invoice.id,
        number: invoice.number.clone(),
        status: InvoiceStatus::Paid,
        payment_error: None,
        retry: None,
    };
    email_invoice(tx, org, &paid, total, invoice.due_on, now).await?;
    Ok(Ok(()))
}

/// Brings the subscription's status in line with its invoices in dunning
/// (`db::refresh_payment_status`), auditing a change.
pub(super) async fn refresh_payment_status(tx: &mut PgConnection, org: Uuid) -> Result<()> {
    let (before, after) = db::refresh_payment_status(tx, org).await?;
    if before != after {
        // A consequence of a payment or of the billing job, not anyone's act.
        let system = ClientMeta::default();
        AuditEntry::new("subscription.status_changed", &system)
            .organization(org)
            .target("subscription", org)
            .before(json!({ "status": before }))
            .after(json!({ "status": after }))
            .record(tx)
            .await?;
    }
    Ok(())
}

/// Why owners and the billing role must act on payments (a banner on every
/// page), if they must; `None` for the other roles.
pub async fn payment_alert(ctx: &Ctx, session: &AuthSession) -> Result<Option<PaymentAlert>> {
    if !session.role.can(Permission::ManageBilling) {
        return Ok(None);
    }
    let alert = db::payment_alert(&ctx.db, session.organization_id).await?;
    Ok(alert.map(|a| PaymentAlert {
        unpaid: a.status == "unpaid",
        failed_on: domain::format_date(a.failed_at.to_offset(time::UtcOffset::UTC).date()),
    }))
}

/// A new card is the customer's answer to a failed payment: it is tried at
/// once on every invoice still waiting, each attempt under a key of its own.
/// A decline leaves that invoice open (audited, shown in the list).
async fn settle_open_invoices(ctx: &Ctx, session: &AuthSession) -> Result<()> {
    for id in db::payable_invoices(&ctx.db, session.organization_id).await? {
        match pay_invoice(ctx, session, id, &tokens::new_token()?).await {
            Err(e) if !matches!(e.app(), AppError::Conflict(_)) => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// The address and tax ID printed on invoices.
pub async fn update_details(
    ctx: &Ctx,
    session: &AuthSession,
    update: BillingDetailsUpdate,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let before = db::find_billing_detail(&mut *tx, session.organization_id).await?;
    db::upsert_billing_detail(&mut tx, session.organization_id, &update.0).await?;
    session
        .audit("billing.details_changed")
        .target("organization", session.organization_id)
        .before(before.map(|d| details_json(&d)))
        .after(details_json(&update.0))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The sandbox processor's tokenizer, for `POST /sandbox/v1/tokens`: the
/// browser's card entry checked field by field, then kept under a new
/// single-use token. Open to anyone (a processor does not know the portal's
/// sessions), so limited per client IP.
pub async fn tokenize_card(
    ctx: &Ctx,
    client_ip: &str,
    fields: &CardFields,
) -> Result<TokenizedCard> {
    rate_limit::attempt(
        ctx,
        &[Limit::fixed(
            ctx,
            "card_token",
            client_ip,
            ctx.settings.limits.card_tokens_per_ip,
        )],
    )
    .await?;
    let today = ctx.now();
    let entry = CardEntry::parse(
        &fields.card_number,
        &fields.exp_month,
        &fields.exp_year,
        &fields.cvc,
        (today.year() as u16, u8::from(today.month())),
    )?;
    provider().tokenize(ctx, &entry).await.map_err(|e| match e {
        PaymentError::Unavailable => AppError::Unavailable.into(),
        other => FieldErrors::single("card_number", other.to_string()).into(),
    })
}

/// Attaches the card the browser tokenized at the processor first: a
/// declined card changes nothing.
pub async fn update_payment_method(
    ctx: &Ctx,
    session: &AuthSession,
    token: &CardToken,
) -> Result<PaymentMethod> {
    // Card testing: a stolen list is tried card by card against the
    // processor, so every attempt counts, accepted or declined.
    rate_limit::attempt(
        ctx,
        &[Limit::fixed(
            ctx,
            "card_update",
            &session.organization_id.to_string(),
            ctx.settings.limits.card_updates_per_org,
        )],
    )
    .await?;
    let provider = provider();
    let attached = match provider.attach_card(ctx, token).await {
        Ok(attached) => attached,
        Err(declined) => {
            let mut tx = ctx.db.begin().await?;
            session
                .audit("billing.card_declined")
                .target("organization", session.organization_id)
                .after(json!({ "reason": declined.to_string() }))
                .record(&mut tx)
                .await?;
            tx.commit().await?;
            return Err(AppError::Validation(FieldErrors::single(
                "card_number",
                declined.to_string(),
            ))
            .into());
        }
    };
    let row = PaymentMethodRow {
        provider: provider.name().to_owned(),
        provider_ref: attached.provider_ref,
        brand: attached.brand,
        last4: attached.last4,
        exp_month: i16::from(attached.exp_month),
        exp_year: i16::try_from(attached.exp_year).map_err(|_| AppError::BadRequest)?,
    };
    let mut tx = ctx.db.begin().await?;
    let before = db::find_payment_method(&mut *tx, session.organization_id).await?;
    db::upsert_payment_method(&mut tx, session.organization_id, &row).await?;
    session
        .audit("billing.payment_method_changed")
        .target("organization", session.organization_id)
        .before(before.map(|m| card_json(&m)))
        .after(card_json(&row))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    settle_open_invoices(ctx, session).await?;
    Ok(PaymentMethod {
        brand: row.brand,
        last4: row.last4,
        exp_month: row.exp_month,
        exp_year: row.exp_year,
    })
}

/// What moving to `plan_id` would cost now, when it takes effect, and which
/// limits stand in the way. Changes nothing.
pub async fn preview_plan_change(
    ctx: &Ctx,
    session: &AuthSession,
    plan_id: &str,
) -> Result<PlanChangePreview> {
    let mut conn = ctx.db.acquire().await?;
    let sub = db::find_subscription(&mut *conn, session.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(evaluate(&mut conn, &sub, plan_id, ctx.now()).await?.preview)
}

/// Upgrades apply now and charge the prorated difference; downgrades wait for
/// the period end; choosing the current plan drops a scheduled change.
pub async fn change_plan(
    ctx: &Ctx,
    session: &AuthSession,
    plan_id: &str,
) -> Result<PlanChangePreview> {
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let sub = db::lock_subscription(&mut tx, session.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Evaluated {
        preview,
        current,
        target,
    } = evaluate(&mut tx, &sub, plan_id, now).await?;
    if !preview.conflicts.is_empty() {
        return Err(AppError::Conflict(format!(
            "You can't move to {} yet. {}",
            target.name,
            preview.conflicts.join(" ")
        ))
        .into());
    }
    let before = Some(json!({
        "plan": sub.plan_id, "scheduled_plan": sub.scheduled_plan_id,
        "cancel_at_period_end": sub.cancel_at_period_end,
    }));
    let (action, after) = match preview.kind {
        PlanChangeKind::Upgrade => {
            let charge = charge_proration(&mut tx, &sub, &current, &target, &preview, now).await?;
            db::set_plan(&mut tx, sub.organization_id, &target.id).await?;
            db::set_schedule(&mut tx, sub.organization_id, None, false).await?;
            (
                "subscription.upgraded",
                json!({ "plan": target.id, "prorated_cents": preview.prorated.minor, "invoice": charge.as_ref().map(|c| &c.number) }),
            )
        }
        PlanChangeKind::Downgrade => {
            db::set_schedule(&mut tx, sub.organization_id, Some(&target.id), false).await?;
            (
                "subscription.downgrade_scheduled",
                json!({ "scheduled_plan": target.id, "effective": preview.effective }),
            )
        }
        PlanChangeKind::KeepCurrent => {
            db::set_schedule(&mut tx, sub.organization_id, None, false).await?;
            (
                "subscription.change_canceled",
                json!({ "plan": sub.plan_id }),
            )
        }
    };
    session
        .audit(action)
        .target("subscription", sub.organization_id)
        .before(before)
        .after(after)
        .record(&mut tx)
        .await?;
    // A real processor charged inside `charge_proration` with the invoice id as
    // idempotency key, so retrying after a failed commit cannot charge twice.
    tx.commit().await?;
    Ok(preview)
}

pub struct ChargedInvoice {
    pub number: String,
}

/// Issues the paid proration invoice of an upgrade and charges the card. Any
/// failure returns before the transaction commits: nothing changes.
async fn charge_proration(
    tx: &mut PgConnection,
    sub: &SubscriptionRow,
    current: &PlanRow,
    target: &PlanRow,
    preview: &PlanChangePreview,
    now: OffsetDateTime,
) -> Result<Option<ChargedInvoice>> {
    if preview.prorated.minor <= 0 {
        return Ok(None);
    }
    let card = db::find_payment_method(&mut *tx, sub.organization_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict("Add a payment method before upgrading to a paid plan.".into())
        })?;
    let lines = vec![LineDraft {
        kind: LineKind::Proration,
        description: format!(
            "Upgrade {} to {}, {} days remaining ({} to {})",
            current.name,
            target.name,
            preview.days_remaining,
            day(now),
            day(sub.current_period_end)
        ),
        quantity: 1,
        unit_amount_minor: preview.prorated.minor,
    }];
    let invoice = issue_invoice(
        tx,
        sub,
        "proration",
        (now, sub.current_period_end),
        now.date(),
        &lines,
        Some(&card),
        now,
    )
    .await?
    .ok_or(AppError::internal())?;
    if invoice.status != InvoiceStatus::Paid {
        return Err(AppError::Conflict(
            invoice
                .payment_error
                .unwrap_or_else(|| PaymentError::Declined.to_string()),
        )
        .into());
    }
    Ok(Some(ChargedInvoice {
        number: invoice.number,
    }))
}

/// Cancels at the end of the period (back to Free then); the customer keeps
/// the paid plan until then.
pub async fn cancel_subscription(ctx: &Ctx, session: &AuthSession) -> Result<()> {
    set_cancel(ctx, session, true).await
}

/// Undoes `cancel_subscription` before the period ends.
pub async fn resume_subscription(ctx: &Ctx, session: &AuthSession) -> Result<()> {
    set_cancel(ctx, session, false).await
}

async fn set_cancel(ctx: &Ctx, session: &AuthSession, cancel: bool) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let sub = db::lock_subscription(&mut tx, session.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if cancel && sub.plan_id == "free" {
        return Err(AppError::Conflict(
            "You are on the Free plan: there is nothing to cancel.".into(),
        )
        .into());
    }
    if cancel {
        // Canceling is a downgrade to Free at the period end: the same limits
        // stand in its way.
        let free = find_plan(&mut tx, "free").await?;
        let conflicts = conflicts_with(&mut tx, sub.organization_id, &free).await?;
        if !conflicts.is_empty() {
            return Err(AppError::Conflict(format!(
                "You can't cancel yet. {}",
                conflicts.join(" ")
            ))
            .into());
        }
    }
    if cancel == sub.cancel_at_period_end {
        return Err(AppError::Conflict(if cancel {
            "Your subscription is already set to end with this period.".into()
        } else {
            "Your subscription is not canceled.".into()
        })
        .into());
    }
    db::set_schedule(&mut tx, sub.organization_id, None, cancel).await?;
    session
        .audit(if cancel { "subscription.canceled" } else { "subscription.resumed" })
        .target("subscription", sub.organization_id)
        .before(json!({ "cancel_at_period_end": sub.cancel_at_period_end, "scheduled_plan": sub.scheduled_plan_id }))
        .after(json!({ "cancel_at_period_end": cancel, "ends_on": day(sub.current_period_end) }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The PDF of one invoice of the session's organization. Another
/// organization's invoice is `NotFound`, like a missing one. Returns the
/// invoice number (for the file name) and the bytes.
pub async fn invoice_pdf(
    ctx: &Ctx,
    session: &AuthSession,
    id: Uuid,
    document: PaidDocument,
) -> Result<(String, Vec<u8>)> {
    render_invoice(&ctx.db, session.organization_id, id, document).await
}

/// Which PDF of an invoice: the invoice, or (once paid) its receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidDocument {
    Invoice,
    /// `NotFound` until the invoice is paid.
    Receipt,
}

/// The PDF an invoice email's link opens: that invoice only, for
/// [`INVOICE_LINK_LIFETIME`]. An unknown or expired token is `NotFound`.
pub async fn invoice_pdf_by_link(
    ctx: &Ctx,
    token: &str,
    document: PaidDocument,
) -> Result<(String, Vec<u8>)> {
    let linked = db::find_linked_invoice(&ctx.db, &tokens::hash_token(token), ctx.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    render_invoice(&ctx.db, linked.organization_id, linked.invoice_id, document).await
}

async fn render_invoice(
    db: &PgPool,
    org: Uuid,
    id: Uuid,
    kind: PaidDocument,
) -> Result<(String, Vec<u8>)> {
    let invoice = db::find_invoice(db, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let paid_on = invoice.paid_at.map(day);
    if kind == PaidDocument::Receipt && paid_on.is_none() {
        return Err(AppError::NotFound.into());
    }
    let lines = db::invoice_lines(db, id).await?;
    let parties = db::issued_parties(db, org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let money = |minor| Money::new(minor, invoice.currency);
    let due_on = invoice.due_on.to_string();
    let mut facts = vec![
        ("Invoice number", invoice.number.clone()),
        ("Issued", invoice.issued_on.to_string()),
        ("Due", due_on.clone()),
        (
            "Period",
            period_label(invoice.period_start, invoice.period_end),
        ),
    ];
    if let Some(paid) = invoice.paid_at {
        facts.push(("Paid", day(paid)));
    }
    let credits = db::credit_notes(db, org, Some(id), None, i64::MAX).await?;
    if !credits.is_empty() {
        let listed: Vec<String> = credits
            .iter()
            .map(|c| format!("{} ({})", c.number, money(c.total_cents).display_ascii()))
            .collect();
        facts.push(("Credited", listed.join(", ")));
    }
    let (title, status, note) = match (kind, paid_on) {
        (PaidDocument::Receipt, Some(paid_on)) => (
            "Receipt",
            Some(format!("Paid {paid_on}")),
            format!(
                "Received {} on {paid_on} with the card on file, for invoice {}. Thank you.",
                money(invoice.total_cents).display_ascii(),
                invoice.number
            ),
        ),
        _ => (
            "Invoice",
            Some(format!("Status: {}", invoice.status.label())),
            InvoiceDocument::payment_note(invoice.status, &due_on),
        ),
    };
    let document = InvoiceDocument {
        title,
        number: invoice.number.clone(),
        status,
        facts,
        note,
        seller: parties.seller.0,
        bill_to: parties.bill_to.0,
        lines: lines
            .into_iter()
            .map(|l| DocumentLine {
                description: l.description,
                quantity: l.quantity,
                unit_amount: money(l.unit_amount_cents),
                amount: money(l.amount_cents),
            })
            .collect(),
        subtotal: money(invoice.subtotal_cents),
        tax_rate_bp: invoice.tax_rate_bp,
        tax: money(invoice.tax_cents),
        total: money(invoice.total_cents),
    };
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&document)).await?;
    Ok((invoice.number, bytes))
}

/// The period-end job: for every subscription whose period ended by `now`,
/// issues the invoice for the next period (plan in advance, plus the ended
/// period's API calls over the limit), applies a scheduled downgrade or
/// cancellation, and starts the next period — all in one transaction per
/// organization and period. Safe to run concurrently and repeatedly: a
/// subscription is locked (`skip locked`) and only processed while its period
/// is due, and the unique (organization, period) index refuses a second
/// invoice. Catches up several missed periods. Returns the periods closed.
pub async fn close_due_periods(
    db: &PgPool,
    schedule: &RetrySchedule,
    now: OffsetDateTime,
) -> Result<usize> {
    let mut closed = 0;
    // One organization whose period cannot be closed (logged) must not hold
    // up the others; it is retried on the next run.
    let mut failed = std::collections::HashSet::new();
    loop {
        let mut due = db::due_subscriptions(db, now, 100).await?;
        due.retain(|org| !failed.contains(org));
        let mut progressed = false;
        for org in due {
            let mut tx = db.begin().await?;
            let Some(sub) = db::lock_due_subscription(&mut tx, org, now).await? else {
                continue;
            };
            match close_period(&mut tx, &sub, schedule, now).await {
                Ok(()) => {
                    tx.commit().await?;
                    closed += 1;
                    progressed = true;
                }
                Err(e) => {
                    tracing::error!(organization = %org, error = %e, "closing a billing period failed");
                    failed.insert(org);
                }
            }
        }
        if !progressed {
            break;
        }
    }
    db::mark_overdue(db, now.date()).await?;
    Ok(closed)
}

async fn close_period(
    tx: &mut PgConnection,
    sub: &SubscriptionRow,
    schedule: &RetrySchedule,
    now: OffsetDateTime,
) -> Result<()> {
    let current = find_plan(&mut *tx, &sub.plan_id).await?;
    let next_id = if sub.cancel_at_period_end {
        "free".to_owned()
    } else {
        sub.scheduled_plan_id
            .clone()
            .unwrap_or_else(|| sub.plan_id.clone())
    };
    let next = find_plan(&mut *tx, &next_id).await?;
    let start = sub.current_period_end;
    let end = next_month(start);
    let mut lines = Vec::new();
    if next.price_cents > 0 {
        lines.push(LineDraft {
            kind: LineKind::Plan,
            description: format!("{} plan, {}", next.name, period_label(start, end)),
            quantity: 1,
            unit_amount_minor: next.price_cents,
        });
    }
    let calls = crate::usage::db::api_calls_between(
        &mut *tx,
        sub.organization_id,
        sub.current_period_start,
        start,
    )
    .await?;
    if let Some(blocks) = overage_blocks(calls, current.api_calls_limit, current.price_cents) {
        lines.push(LineDraft {
            kind: LineKind::Overage,
            description: format!(
                "API calls over the {} limit, {}: {} calls, per {}",
                current.name,
                month_label(sub.current_period_start),
                calls - current.api_calls_limit,
                OVERAGE_BLOCK_CALLS
            ),
            quantity: blocks,
            unit_amount_minor: OVERAGE_BLOCK_PRICE_MINOR,
        });
    }
    let card = db::find_payment_method(&mut *tx, sub.organization_id).await?;
    let issued = issue_invoice(
        tx,
        sub,
        "period",
        (start, end),
        start.date(),
        &lines,
        card.as_ref(),
        now,
    )
    .await?;
    if next.id != current.id {
        db::set_plan(tx, sub.organization_id, &next.id).await?;
    }
    db::advance_period(
        tx,
        sub.organization_id,
        start,
        end,
        sub.cancel_at_period_end,
    )
    .await?;
    // A charge that failed (or a paid plan without a card) starts dunning.
    if let Some(unpaid) = issued.filter(|i| i.status != InvoiceStatus::Paid) {
        let next_retry = schedule.next_retry(0, now);
        db::start_dunning(tx, unpaid.id, sub.organization_id, now, next_retry).await?;
    }
    refresh_payment_status(tx, sub.organization_id).await?;
    if next.id != current.id || sub.cancel_at_period_end {
        let action = if sub.cancel_at_period_end {
            "subscription.ended"
        } else {
            "subscription.downgraded"
        };
        // The billing job acts for nobody in particular: no actor, no client.
        let system = ClientMeta::default();
        AuditEntry::new(action, &system)
            .organization(sub.organization_id)
            .target("subscription", sub.organization_id)
            .before(json!({ "plan": current.id }))
            .after(json!({ "plan": next.id, "period_start": day(start) }))
            .record(tx)
            .await?;
    }
    Ok(())
}

/// An invoice as its email describes it.
pub(super) struct IssuedInvoice {
    pub id: Uuid,
    pub number: String,
    pub status: InvoiceStatus,
    /// Why the charge failed, for the customer.
    pub payment_error: Option<String>,
    /// The dunning retry that failed (each retry's email is sent once).
    pub retry: Option<i32>,
}

/// Stores an invoice with its lines and charges the card on file, if any.
/// `None` when there is nothing to bill or the period invoice already exists.
#[allow(clippy::too_many_arguments)]
async fn issue_invoice(
    tx: &mut PgConnection,
    sub: &SubscriptionRow,
    kind: &str,
    (period_start, period_end): (OffsetDateTime, OffsetDateTime),
    issued_on: Date,
    lines: &[LineDraft],
    card: Option<&PaymentMethodRow>,
    now: OffsetDateTime,
) -> Result<Option<IssuedInvoice>> {
    if lines.is_empty() {
        return Ok(None);
    }
    let totals = InvoiceTotals::compute(lines, TAX_RATE_BP)
        .ok_or_else(|| anyhow::anyhow!("invoice total overflows"))?;
    let currency = Currency::parse(&sub.currency)
        .map_err(|_| anyhow::anyhow!("subscription currency {} unknown", sub.currency))?;
    let row = db::NewInvoiceRow {
        organization_id: sub.organization_id,
        kind,
        status: "open",
        period_start,
        period_end,
        issued_on,
        due_on: issued_on + Duration::days(PAYMENT_TERMS_DAYS),
        paid_at: None,
        currency: currency.code(),
        subtotal_cents: totals.subtotal_minor,
        tax_rate_bp: TAX_RATE_BP,
        tax_cents: totals.tax_minor,
        total_cents: totals.total_minor,
    };
    let Some(inserted) = db::insert_invoice(tx, &row, &IssuedSeller::current()).await? else {
        return Ok(None);
    };
    let kinds: Vec<String> = lines.iter().map(|l| l.kind.as_str().to_owned()).collect();
    let descriptions: Vec<String> = lines.iter().map(|l| l.description.clone()).collect();
    let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
    let units: Vec<i64> = lines.iter().map(|l| l.unit_amount_minor).collect();
    db::insert_invoice_lines(tx, inserted.id, &kinds, &descriptions, &quantities, &units).await?;
    let mut status = InvoiceStatus::Open;
    let mut payment_error = None;
    if let Some(card) = card {
        let amount = Money::new(totals.total_minor, currency);
        match provider()
            .charge(&card.provider_ref, amount, &inserted.id.to_string())
            .await
        {
            Ok(_) => {
                db::mark_paid(tx, inserted.id, now).await?;
                status = InvoiceStatus::Paid;
            }
            Err(e) => {
                tracing::warn!(invoice = %inserted.number, error = %e, "charging the card on file failed");
                payment_error = Some(e.to_string());
            }
        }
    }
    let issued = IssuedInvoice {
        id: inserted.id,
        number: inserted.number,
        status,
        payment_error,
        retry: None,
    };
    let total = Money::new(totals.total_minor, currency);
    let data = invoice_data(&issued, total, row.due_on);
    emit(tx, sub.organization_id, EventType::InvoiceIssued, data).await?;
    email_invoice(tx, sub.organization_id, &issued, total, row.due_on, now).await?;
    Ok(Some(issued))
}

/// An invoice as webhooks describe it.
fn invoice_data(issued: &IssuedInvoice, total: Money, due_on: Date) -> serde_json::Value {
    serde_json::json!({
        "id": issued.id,
        "number": issued.number,
        "status": issued.status.as_str(),
        "total": { "amount_minor": total.minor, "currency": total.currency.code() },
        "due_on": due_on.to_string(),
        "payment_error": issued.payment_error,
        "retry": issued.retry,
    })
}

/// How long an invoice email's PDF link works.
pub const INVOICE_LINK_LIFETIME: Duration = Duration::days(30);

/// Tells the billing email and the owners, once each, in the issuing
/// transaction: a receipt when the invoice was paid at once, why the charge
/// failed when it did, else the invoice and its due date. Each email links
/// to the PDF with a token of its own.
pub(super) async fn email_invoice(
    tx: &mut PgConnection,
    organization_id: Uuid,
    issued: &IssuedInvoice,
    total: Money,
    due_on: Date,
    now: OffsetDateTime,
) -> Result<()> {
    let invoice_id = issued.id;
    let token = tokens::new_token()?;
    db::insert_invoice_link(
        tx,
        &tokens::hash_token(&token),
        invoice_id,
        now + INVOICE_LINK_LIFETIME,
    )
    .await?;
    let paid_or_failed = match (&issued.status, &issued.payment_error) {
        (InvoiceStatus::Paid, _) => Some(EventType::InvoicePaid),
        (_, Some(_)) => Some(EventType::InvoicePaymentFailed),
        (_, None) => None,
    };
    if let Some(event) = paid_or_failed {
        emit(
            tx,
            organization_id,
            event,
            invoice_data(issued, total, due_on),
        )
        .await?;
    }
    let recipients = notifications::db::organization_recipients(&mut *tx, organization_id).await?;
    let organization_name = recipients.organization_name;
    let (number, total, due_on) = (
        issued.number.clone(),
        total.to_string(),
        domain::format_date(due_on),
    );
    let (event, email) = match (&issued.status, &issued.payment_error) {
        (InvoiceStatus::Paid, _) => (
            "invoice-paid".to_owned(),
            Email::PaymentReceipt {
                organization_name,
                number,
                total,
                paid_on: domain::format_date(now.date()),
                token,
            },
        ),
        (_, Some(failure)) => (
            match issued.retry {
                None => "payment-failed".to_owned(),
                Some(retry) => format!("payment-failed-retry-{retry}"),
            },
            Email::PaymentFailed {
                organization_name,
                number,
                total,
                due_on,
                reason: failure.clone(),
                token,
            },
        ),
        (_, None) => (
            "invoice-issued".to_owned(),
            Email::InvoiceIssued {
                organization_name,
                number,
                total,
                due_on,
                token,
            },
        ),
    };
    for address in recipients.emails {
        let Ok(recipient) = EmailAddress::parse(&address) else {
            continue;
        };
        let key = format!("{event}:{invoice_id}:{address}");
        notifications::service::notify(tx, &key, Some(organization_id), &recipient, &email).await?;
    }
    Ok(())
}

struct Evaluated {
    preview: PlanChangePreview,
    current: PlanRow,
    target: PlanRow,
}

async fn evaluate(
    conn: &mut PgConnection,
    sub: &SubscriptionRow,
    target_id: &str,
    now: OffsetDateTime,
) -> Result<Evaluated> {
    let current = find_plan(&mut *conn, &sub.plan_id).await?;
    let target = db::find_plan(&mut *conn, target_id)
        .await?
        .ok_or_else(|| FieldErrors::single("plan", "Choose one of the plans."))?;
    let kind = if target.id == current.id {
        if sub.scheduled_plan_id.is_none() && !sub.cancel_at_period_end {
            return Err(FieldErrors::single(
                "plan",
                format!("You are already on the {} plan.", current.name),
            )
            .into());
        }
        PlanChangeKind::KeepCurrent
    } else if target.price_cents > current.price_cents {
        PlanChangeKind::Upgrade
    } else {
        PlanChangeKind::Downgrade
    };
    let period = Period {
        start: sub.current_period_start.unix_timestamp(),
        end: sub.current_period_end.unix_timestamp(),
    };
    let currency = Currency::parse(&sub.currency).unwrap_or(Currency::Usd);
    let prorated = if kind == PlanChangeKind::Upgrade {
        prorate(
            Money::new(current.price_cents, currency),
            Money::new(target.price_cents, currency),
            period,
            now.unix_timestamp(),
        )
        .ok_or(AppError::internal())?
    } else {
        Money::zero(currency)
    };
    let tax = pricing::tax_on(prorated.minor, TAX_RATE_BP).ok_or(AppError::internal())?;
    let conflicts = conflicts_with(conn, sub.organization_id, &target).await?;
    let overage = overage_at_this_pace(conn, sub, &current, &target, now).await?;
    let preview = PlanChangePreview {
        overage,
        from: plan_summary(&current),
        to: plan_summary(&target),
        kind,
        prorated,
        prorated_with_tax: Money::new(prorated.minor + tax, currency),
        days_remaining: period.days_remaining(now.unix_timestamp()),
        effective: match kind {
            PlanChangeKind::Upgrade => "now".to_owned(),
            _ => day(sub.current_period_end),
        },
        conflicts,
    };
    Ok(Evaluated {
        preview,
        current,
        target,
    })
}

/// What in the organization's current use `plan`'s limits would not allow.
async fn conflicts_with(conn: &mut PgConnection, org: Uuid, plan: &PlanRow) -> Result<Vec<String>> {
    let members = db::count_members(&mut *conn, org).await?;
    let storage_mb = crate::usage::db::current_storage_mb(&mut *conn, org).await?;
    Ok(limit_conflicts(
        &plan.name,
        PlanLimits {
            seats: i64::from(plan.seats_limit),
            storage_mb: plan.storage_mb_limit,
        },
        CurrentUsage {
            members,
            storage_mb: Some(storage_mb),
        },
    ))
}

async fn find_plan(conn: &mut PgConnection, id: &str) -> Result<PlanRow> {
    Ok(db::find_plan(conn, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("plan {id} is missing"))?)
}

/// This period's API calls at their 7-day rate, priced as overage on both
/// plans, so the preview says what the change does to the usage bill.
async fn overage_at_this_pace(
    conn: &mut PgConnection,
    sub: &SubscriptionRow,
    current: &PlanRow,
    target: &PlanRow,
    now: OffsetDateTime,
) -> Result<OverageComparison> {
    let org = sub.organization_id;
    let used =
        crate::usage::db::api_calls_between(&mut *conn, org, sub.current_period_start, now).await?;
    let last_week =
        crate::usage::db::api_calls_between(&mut *conn, org, now - Duration::days(7), now).await?;
    let calls = domain::usage::projected_calls(used, last_week, now, sub.current_period_end);
    let charge = |plan: &PlanRow| {
        let currency = Currency::parse(&plan.currency).unwrap_or(Currency::Usd);
        pricing::overage_charge(
            calls,
            plan.api_calls_limit,
            Money::new(plan.price_cents, currency),
        )
    };
    Ok(OverageComparison {
        projected_calls: calls,
        from: charge(current),
        to: charge(target),
    })
}

fn plan_summary(p: &PlanRow) -> PlanSummary {
    PlanSummary {
        id: p.id.clone(),
        name: p.name.clone(),
        price: Money::new(
            p.price_cents,
            Currency::parse(&p.currency).unwrap_or(Currency::Usd),
        ),
        seats_limit: i64::from(p.seats_limit),
        api_calls_limit: p.api_calls_limit,
        storage_mb_limit: p.storage_mb_limit,
    }
}

fn invoice_summary(row: InvoiceRow) -> InvoiceSummary {
    InvoiceSummary {
        id: row.id,
        number: row.number,
        status: row.status,
        issued_on: row.issued_on.to_string(),
        due_on: row.due_on.to_string(),
        period: period_label(row.period_start, row.period_end),
        total: Money::new(row.total_cents, row.currency),
        pay_key: None,
    }
}

fn details_json(d: &BillingDetails) -> Value {
    json!({
        "company_name": d.company_name, "address_line1": d.address_line1, "address_line2": d.address_line2,
        "city": d.city, "postal_code": d.postal_code, "country": d.country, "tax_id": d.tax_id,
    })
}

/// What the audit log keeps of a card: exactly what the database keeps.
fn card_json(m: &PaymentMethodRow) -> Value {
    json!({ "brand": m.brand, "last4": m.last4, "exp_month": m.exp_month, "exp_year": m.exp_year })
}

/// "2026-11-01" (UTC).
fn day(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).date().to_string()
}

/// "Nov 1, 2026 – Dec 1, 2026".
fn period_label(start: OffsetDateTime, end: OffsetDateTime) -> String {
    let fmt = |at: OffsetDateTime| {
        let d = at.to_offset(time::UtcOffset::UTC).date();
        domain::format_date(d)
    };
    format!("{} \u{2013} {}", fmt(start), fmt(end))
}

/// "Nov 2026".
fn month_label(at: OffsetDateTime) -> String {
    let d = at.to_offset(time::UtcOffset::UTC).date();
    format!("{} {}", domain::dates::short_month(d.month()), d.year())
}
