//! All SQL of billing. Every read and write names the organization, which the
//! service takes from the session (or, for the period-end job, from the row it
//! locked), never from the client.

use super::issued::{BillTo, IssuedSeller};
use domain::billing::{BillingDetails, InvoiceFilter, InvoiceStatus};
use domain::Currency;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub api_calls_limit: i64,
    pub storage_mb_limit: i64,
    pub seats_limit: i32,
}

pub async fn list_plans(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<PlanRow>> {
    sqlx::query_as!(
        PlanRow,
        r#"select id, name, price_cents, currency, api_calls_limit, storage_mb_limit, seats_limit
           from plan order by sort_order"#
    )
    .fetch_all(db)
    .await
}

pub async fn find_plan(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<PlanRow>> {
    sqlx::query_as!(
        PlanRow,
        r#"select id, name, price_cents, currency, api_calls_limit, storage_mb_limit, seats_limit
           from plan where id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// The organization's subscription with its billing email and effective plan.
pub struct SubscriptionRow {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub billing_email: Option<String>,
    pub plan_id: String,
    pub status: String,
    pub current_period_start: OffsetDateTime,
    pub current_period_end: OffsetDateTime,
    pub cancel_at_period_end: bool,
    pub scheduled_plan_id: Option<String>,
    pub currency: String,
}

pub async fn find_subscription(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Option<SubscriptionRow>> {
    sqlx::query_as!(
        SubscriptionRow,
        r#"select s.organization_id, o.name as organization_name, o.billing_email, o.plan_id, s.status,
                  s.current_period_start, s.current_period_end, s.cancel_at_period_end, s.scheduled_plan_id,
                  s.currency
           from subscription s join organization o on o.id = s.organization_id
           where s.organization_id = $1"#,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

/// The same, locked until the transaction ends (plan changes, the period job).
pub async fn lock_subscription(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> sqlx::Result<Option<SubscriptionRow>> {
    sqlx::query_as!(
        SubscriptionRow,
        r#"select s.organization_id, o.name as organization_name, o.billing_email, o.plan_id, s.status,
                  s.current_period_start, s.current_period_end, s.cancel_at_period_end, s.scheduled_plan_id,
                  s.currency
           from subscription s join organization o on o.id = s.organization_id
           where s.organization_id = $1
           for update of s, o"#,
        organization_id,
    )
    .fetch_optional(conn)
    .await
}

/// Organizations whose period has ended by `now`, oldest first.
pub async fn due_subscriptions(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select organization_id from subscription
           where current_period_end <= $1
           order by current_period_end, organization_id
           limit $2"#,
        now,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Locks one due subscription, skipping it if another worker holds it.
pub async fn lock_due_subscription(
    conn: &mut PgConnection,
    organization_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Option<SubscriptionRow>> {
    sqlx::query_as!(
        SubscriptionRow,
        r#"select s.organization_id, o.name as organization_name, o.billing_email, o.plan_id, s.status,
                  s.current_period_start, s.current_period_end, s.cancel_at_period_end, s.scheduled_plan_id,
                  s.currency
           from subscription s join organization o on o.id = s.organization_id
           where s.organization_id = $1 and s.current_period_end <= $2
           for update of s, o skip locked"#,
        organization_id,
        now,
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_plan(
    conn: &mut PgConnection,
    organization_id: Uuid,
    plan_id: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update organization set plan_id = $2, updated_at = now() where id = $1",
        organization_id,
        plan_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets what happens at the end of the current period.
pub async fn set_schedule(
    conn: &mut PgConnection,
    organization_id: Uuid,
    scheduled_plan_id: Option<&str>,
    cancel_at_period_end: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update subscription set scheduled_plan_id = $2, cancel_at_period_end = $3, status = 'active',
                  updated_at = now()
           where organization_id = $1"#,
        organization_id,
        scheduled_plan_id,
        cancel_at_period_end,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts the next period, with the schedule applied and cleared. `ended`:
/// the subscription was canceled with the period that ended. A past-due or
/// unpaid subscription stays so until its invoices are paid.
pub async fn advance_period(
    conn: &mut PgConnection,
    organization_id: Uuid,
    start: OffsetDateTime,
    end: OffsetDateTime,
    ended: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update subscription set current_period_start = $2, current_period_end = $3,
                  status = case when $4 then 'canceled' when status = 'canceled' then 'active' else status end,
                  scheduled_plan_id = null, cancel_at_period_end = false, updated_at = now()
           where organization_id = $1"#,
        organization_id,
        start,
        end,
        ended,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The billing email as it was, locked for the update that follows.
pub async fn find_billing_detail(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Option<BillingDetails>> {
    sqlx::query_as!(
        BillingDetails,
        r#"select company_name, address_line1, address_line2, city, postal_code, country, tax_id
           from billing_detail where organization_id = $1"#,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

pub async fn upsert_billing_detail(
    conn: &mut PgConnection,
    organization_id: Uuid,
    d: &BillingDetails,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into billing_detail
             (organization_id, company_name, address_line1, address_line2, city, postal_code, country, tax_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (organization_id) do update set
             company_name = excluded.company_name, address_line1 = excluded.address_line1,
             address_line2 = excluded.address_line2, city = excluded.city,
             postal_code = excluded.postal_code, country = excluded.country, tax_id = excluded.tax_id,
             updated_at = now()"#,
        organization_id,
        d.company_name,
        d.address_line1,
        d.address_line2,
        d.city,
        d.postal_code,
        d.country,
        d.tax_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct PaymentMethodRow {
    pub provider: String,
    pub provider_ref: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i16,
    pub exp_year: i16,
}

pub async fn find_payment_method(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Option<PaymentMethodRow>> {
    sqlx::query_as!(
        PaymentMethodRow,
        r#"select provider, provider_ref, brand, last4, exp_month, exp_year
           from payment_method where organization_id = $1"#,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

pub async fn upsert_payment_method(
    conn: &mut PgConnection,
    organization_id: Uuid,
    card: &PaymentMethodRow,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into payment_method (organization_id, provider, provider_ref, brand, last4, exp_month, exp_year)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (organization_id) do update set
             provider = excluded.provider, provider_ref = excluded.provider_ref, brand = excluded.brand,
             last4 = excluded.last4, exp_month = excluded.exp_month, exp_year = excluded.exp_year,
             updated_at = now()"#,
        organization_id,
        card.provider,
        card.provider_ref,
        card.brand,
        card.last4,
        card.exp_month,
        card.exp_year,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count_members(db: impl PgExecutor<'_>, organization_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from member where organization_id = $1"#,
        organization_id,
    )
    .fetch_one(db)
    .await
}

pub struct NewInvoiceRow<'a> {
    pub organization_id: Uuid,
    pub kind: &'a str,
    pub status: &'a str,
    pub period_start: OffsetDateTime,
    pub period_end: OffsetDateTime,
    pub issued_on: Date,
    pub due_on: Date,
    pub paid_at: Option<OffsetDateTime>,
    pub currency: &'a str,
    pub subtotal_cents: i64,
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
}

pub struct InsertedInvoice {
    pub id: Uuid,
    pub number: String,
}

/// Inserts an invoice with the next number, printing `seller` and the
/// organization's billing details as they are in this statement's snapshot.
/// A second period invoice for the same organization and period is silently
/// not inserted (`None`).
pub async fn insert_invoice(
    conn: &mut PgConnection,
    inv: &NewInvoiceRow<'_>,
    seller: &IssuedSeller,
) -> sqlx::Result<Option<InsertedInvoice>> {
    sqlx::query_as!(
        InsertedInvoice,
        r#"insert into invoice (organization_id, number, kind, status, period_start, period_end, issued_on, due_on,
                                paid_at, currency, subtotal_cents, tax_rate_bp, tax_cents, total_cents,
                                seller, bill_to)
           values ($1, 'INV-' || to_char($6::date, 'YYYY') || '-' || lpad(nextval('invoice_number_seq')::text, 6, '0'),
                   $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, invoice_bill_to($1))
           on conflict (organization_id, period_start) where kind = 'period' do nothing
           returning id, number"#,
        inv.organization_id,
        inv.kind,
        inv.status,
        inv.period_start,
        inv.period_end,
        inv.issued_on,
        inv.due_on,
        inv.paid_at,
        inv.currency,
        inv.subtotal_cents,
        inv.tax_rate_bp,
        inv.tax_cents,
        inv.total_cents,
        Json(seller) as _,
    )
    .fetch_optional(conn)
    .await
}

/// Inserts the lines of an invoice in one statement, in order.
pub async fn insert_invoice_lines(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    kinds: &[String],
    descriptions: &[String],
    quantities: &[i64],
    unit_amounts: &[i64],
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into invoice_line (invoice_id, position, kind, description, quantity, unit_amount_cents, amount_cents)
           select $1, (l.ord - 1)::int, l.kind, l.description, l.quantity, l.unit_amount, l.quantity * l.unit_amount
           from unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[])
                with ordinality as l(kind, description, quantity, unit_amount, ord)"#,
        invoice_id,
        kinds,
        descriptions,
        quantities,
        unit_amounts,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The invoices that `filter` keeps.
pub async fn count_invoices(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    filter: &InvoiceFilter,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from invoice
           where organization_id = $1
             and ($2::text is null or strpos(number, $2) > 0)
             and ($3::text is null or status = $3)
             and ($4::int is null or extract(year from issued_on) = $4)"#,
        organization_id,
        filter.number.as_deref(),
        filter.status.map(InvoiceStatus::as_str),
        filter.year,
    )
    .fetch_one(db)
    .await
}

/// The years in which the organization was issued invoices, newest first.
pub async fn invoice_years(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar!(
        r#"select distinct extract(year from issued_on)::int as "year!" from invoice
           where organization_id = $1 order by 1 desc"#,
        organization_id,
    )
    .fetch_all(db)
    .await
}

pub struct InvoiceRow {
    pub id: Uuid,
    pub number: String,
    pub kind: String,
    pub status: InvoiceStatus,
    pub period_start: OffsetDateTime,
    pub period_end: OffsetDateTime,
    pub issued_on: Date,
    pub due_on: Date,
    pub paid_at: Option<OffsetDateTime>,
    pub currency: Currency,
    pub subtotal_cents: i64,
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
}

/// One page of the invoices that `filter` keeps, newest first.
pub async fn list_invoices(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    filter: &InvoiceFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<InvoiceRow>> {
    sqlx::query_as!(
        InvoiceRow,
        r#"select id, number, kind, status as "status: InvoiceStatus", period_start, period_end, issued_on, due_on,
                  paid_at, currency as "currency: Currency",
                  subtotal_cents, tax_rate_bp, tax_cents, total_cents
           from invoice
           where organization_id = $1
             and ($2::text is null or strpos(number, $2) > 0)
             and ($3::text is null or status = $3)
             and ($4::int is null or extract(year from issued_on) = $4)
           order by issued_on desc, number desc
           limit $5 offset $6"#,
        organization_id,
        filter.number.as_deref(),
        filter.status.map(InvoiceStatus::as_str),
        filter.year,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

/// An invoice of this organization, locked until the transaction ends.
pub async fn lock_invoice(
    conn: &mut PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<InvoiceRow>> {
    let locked = sqlx::query_scalar!(
        "select id from invoice where organization_id = $1 and id = $2 for update",
        organization_id,
        id,
    )
    .fetch_optional(&mut *conn)
    .await?;
    match locked {
        Some(_) => find_invoice(conn, organization_id, id).await,
        None => Ok(None),
    }
}

/// The organization's open and overdue invoices, oldest first.
pub async fn payable_invoices(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select id from invoice
           where organization_id = $1 and status in ('open', 'overdue')
           order by issued_on, number"#,
        organization_id,
    )
    .fetch_all(db)
    .await
}

pub struct PaymentRow {
    /// `None` when the attempt succeeded.
    pub error: Option<String>,
}

/// The attempt to pay `invoice_id` with this key, if it was made.
pub async fn find_payment(
    db: impl PgExecutor<'_>,
    invoice_id: Uuid,
    idempotency_key: &str,
) -> sqlx::Result<Option<PaymentRow>> {
    sqlx::query_as!(
        PaymentRow,
        "select error from invoice_payment where invoice_id = $1 and idempotency_key = $2",
        invoice_id,
        idempotency_key,
    )
    .fetch_optional(db)
    .await
}

/// Records an attempt: its charge when it succeeded, else why it failed.
pub async fn insert_payment(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    idempotency_key: &str,
    provider_charge: Option<&str>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into invoice_payment (invoice_id, idempotency_key, status, provider_charge, error)
           values ($1, $2, case when $3::text is null then 'failed' else 'succeeded' end, $3, $4)"#,
        invoice_id,
        idempotency_key,
        provider_charge,
        error,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An invoice of this organization; another organization's id finds nothing.
pub async fn find_invoice(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<InvoiceRow>> {
    sqlx::query_as!(
        InvoiceRow,
        r#"select id, number, kind, status as "status: InvoiceStatus", period_start, period_end, issued_on, due_on,
                  paid_at, currency as "currency: Currency",
                  subtotal_cents, tax_rate_bp, tax_cents, total_cents
           from invoice where organization_id = $1 and id = $2"#,
        organization_id,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Who an invoice says sold and was billed, as issued.
pub struct IssuedParties {
    pub seller: Json<IssuedSeller>,
    pub bill_to: Json<BillTo>,
}

pub async fn issued_parties(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<IssuedParties>> {
    sqlx::query_as!(
        IssuedParties,
        r#"select seller as "seller: Json<IssuedSeller>", bill_to as "bill_to: Json<BillTo>"
           from invoice where organization_id = $1 and id = $2"#,
        organization_id,
        id,
    )
    .fetch_optional(db)
    .await
}

pub struct InvoiceLineRow {
    pub kind: String,
    pub description: String,
    pub quantity: i64,
    pub unit_amount_cents: i64,
    pub amount_cents: i64,
}

pub async fn invoice_lines(
    db: impl PgExecutor<'_>,
    invoice_id: Uuid,
) -> sqlx::Result<Vec<InvoiceLineRow>> {
    sqlx::query_as!(
        InvoiceLineRow,
        r#"select kind, description, quantity, unit_amount_cents, amount_cents
           from invoice_line where invoice_id = $1 order by position"#,
        invoice_id,
    )
    .fetch_all(db)
    .await
}

/// Open invoices past their due date become overdue.
pub async fn mark_overdue(db: impl PgExecutor<'_>, today: Date) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"update invoice set status = 'overdue', updated_at = now()
           where status = 'open' and due_on < $1"#,
        today,
    )
    .execute(db)
    .await?
    .rows_affected())
}

pub async fn mark_paid(conn: &mut PgConnection, id: Uuid, at: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query!(
        "update invoice set status = 'paid', paid_at = $2, updated_at = now() where id = $1",
        id,
        at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A link that opens one invoice's PDF without signing in (its token's hash).
pub async fn insert_invoice_link(
    conn: &mut PgConnection,
    token_hash: &[u8],
    invoice_id: Uuid,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into invoice_link (token_hash, invoice_id, expires_at) values ($1, $2, $3)",
        token_hash,
        invoice_id,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct LinkedInvoice {
    pub organization_id: Uuid,
    pub invoice_id: Uuid,
}

/// The invoice a link opens, while it has not expired.
pub async fn find_linked_invoice(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<LinkedInvoice>> {
    sqlx::query_as!(
        LinkedInvoice,
        r#"select i.organization_id, i.id as invoice_id
           from invoice_link l join invoice i on i.id = l.invoice_id
           where l.token_hash = $1 and l.expires_at > $2"#,
        token_hash,
        now,
    )
    .fetch_optional(db)
    .await
}

/// Starts dunning an invoice whose charge failed (once: a second call for
/// the same invoice changes nothing).
pub async fn start_dunning(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    organization_id: Uuid,
    failed_at: OffsetDateTime,
    next_retry_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into invoice_dunning (invoice_id, organization_id, failed_at, next_retry_at)
           values ($1, $2, $3, $4) on conflict (invoice_id) do nothing"#,
        invoice_id,
        organization_id,
        failed_at,
        next_retry_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Invoices whose next retry is due by `now`, earliest first.
pub async fn due_retries(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        r#"select invoice_id from invoice_dunning where next_retry_at <= $1
           order by next_retry_at, invoice_id limit $2"#,
        now,
        limit,
    )
    .fetch_all(db)
    .await
}

pub struct DunningRow {
    pub invoice_id: Uuid,
    pub organization_id: Uuid,
    pub failed_at: OffsetDateTime,
    pub retries_done: i32,
}

/// Locks one invoice's dunning while its retry is due, skipping it when
/// another worker holds it.
pub async fn lock_due_retry(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Option<DunningRow>> {
    sqlx::query_as!(
        DunningRow,
        r#"select invoice_id, organization_id, failed_at, retries_done from invoice_dunning
           where invoice_id = $1 and next_retry_at <= $2
           for update skip locked"#,
        invoice_id,
        now,
    )
    .fetch_optional(conn)
    .await
}

/// After a failed retry: how many were made, and when the next is (`None`:
/// none is left).
pub async fn record_retry(
    conn: &mut PgConnection,
    invoice_id: Uuid,
    retries_done: i32,
    next_retry_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"update invoice_dunning set retries_done = $2, next_retry_at = $3, updated_at = now()
           where invoice_id = $1"#,
        invoice_id,
        retries_done,
        next_retry_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Stops dunning a paid invoice.
pub async fn end_dunning(conn: &mut PgConnection, invoice_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from invoice_dunning where invoice_id = $1",
        invoice_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the subscription's status from its invoices in dunning: `unpaid`
/// when one has run out of retries, `past_due` while one is being retried,
/// else `active`. A canceled subscription stays canceled. Returns the
/// status before and after.
pub async fn refresh_payment_status(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> sqlx::Result<(String, String)> {
    let row = sqlx::query!(
        r#"with old as (select status from subscription where organization_id = $1 for update)
           update subscription s set status = case
                   when s.status = 'canceled' then 'canceled'
                   when exists (select 1 from invoice_dunning d
                                where d.organization_id = s.organization_id and d.next_retry_at is null)
                       then 'unpaid'
                   when exists (select 1 from invoice_dunning d where d.organization_id = s.organization_id)
                       then 'past_due'
                   else 'active' end,
               updated_at = now()
           from old
           where s.organization_id = $1
           returning old.status as "before!", s.status as "after!""#,
        organization_id,
    )
    .fetch_one(conn)
    .await?;
    Ok((row.before, row.after))
}

pub struct PaymentAlertRow {
    pub status: String,
    pub failed_at: OffsetDateTime,
}

/// Why the organization's payments need attention, if they do: its status
/// and when the earliest unpaid charge failed.
pub async fn payment_alert(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<Option<PaymentAlertRow>> {
    sqlx::query_as!(
        PaymentAlertRow,
        r#"select s.status, min(d.failed_at) as "failed_at!"
           from subscription s join invoice_dunning d on d.organization_id = s.organization_id
           where s.organization_id = $1 and s.status in ('past_due', 'unpaid')
           group by s.status"#,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

pub struct NewCreditNote<'a> {
    pub invoice_id: Uuid,
    pub organization_id: Uuid,
    pub issued_on: Date,
    pub currency: &'a str,
    pub subtotal_cents: i64,
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub reason: &'a str,
}

/// Issues a credit note with the next number, printing the parties of the
/// invoice it corrects. The database refuses one that does not fit the
/// invoice (`credit_note_fits_its_invoice`).
pub async fn insert_credit_note(
    conn: &mut PgConnection,
    note: &NewCreditNote<'_>,
) -> sqlx::Result<InsertedInvoice> {
    sqlx::query_as!(
        InsertedInvoice,
        r#"insert into credit_note (number, invoice_id, organization_id, issued_on, currency, subtotal_cents,
                                    tax_rate_bp, tax_cents, total_cents, reason, seller, bill_to)
           select 'CN-' || to_char($3::date, 'YYYY') || '-' || lpad(nextval('credit_note_number_seq')::text, 6, '0'),
                  i.id, i.organization_id, $3, $4, $5, $6, $7, $8, $9, i.seller, i.bill_to
           from invoice i where i.id = $1 and i.organization_id = $2
           returning id, number"#,
        note.invoice_id,
        note.organization_id,
        note.issued_on,
        note.currency,
        note.subtotal_cents,
        note.tax_rate_bp,
        note.tax_cents,
        note.total_cents,
        note.reason,
    )
    .fetch_one(conn)
    .await
}

/// A credit note as listed and printed.
pub struct CreditNoteRow {
    pub id: Uuid,
    pub number: String,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub issued_on: Date,
    pub currency: Currency,
    pub subtotal_cents: i64,
    pub tax_rate_bp: i32,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub reason: String,
}

/// The organization's credit notes, newest first (at most `limit`): all of
/// them, one invoice's (`invoice_id`), or one (`id`).
pub async fn credit_notes(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    invoice_id: Option<Uuid>,
    id: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<CreditNoteRow>> {
    sqlx::query_as!(
        CreditNoteRow,
        r#"select c.id, c.number, c.invoice_id, i.number as invoice_number, c.issued_on,
                  c.currency as "currency: Currency", c.subtotal_cents, c.tax_rate_bp, c.tax_cents,
                  c.total_cents, c.reason
           from credit_note c join invoice i on i.id = c.invoice_id
           where c.organization_id = $1
             and ($2::uuid is null or c.invoice_id = $2)
             and ($3::uuid is null or c.id = $3)
           order by c.issued_on desc, c.number desc
           limit $4"#,
        organization_id,
        invoice_id,
        id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Who a credit note says sold and was billed (its invoice's parties).
pub async fn credit_note_parties(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<IssuedParties>> {
    sqlx::query_as!(
        IssuedParties,
        r#"select seller as "seller: Json<IssuedSeller>", bill_to as "bill_to: Json<BillTo>"
           from credit_note where organization_id = $1 and id = $2"#,
        organization_id,
        id,
    )
    .fetch_optional(db)
    .await
}
