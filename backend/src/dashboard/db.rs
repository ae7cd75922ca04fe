//! The dashboard's one SQL statement.

use domain::billing::InvoiceStatus;
use domain::support::{TicketCategory, TicketPriority, TicketStatus};
use sqlx::types::Json;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct SummaryRow {
    pub organization_name: String,
    pub plan_name: String,
    pub price_cents: i64,
    pub currency: String,
    pub api_calls_limit: i64,
    pub storage_mb_limit: i64,
    pub seats_limit: i32,
    pub period_start: OffsetDateTime,
    pub period_end: OffsetDateTime,
    pub cancel_at_period_end: bool,
    pub scheduled_plan_name: Option<String>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub card_exp_month: Option<i16>,
    pub card_exp_year: Option<i16>,
    pub api_calls: i64,
    pub storage_mb: i64,
    pub member_count: i64,
    pub pending_invitations: i64,
    pub api_keys_active: i64,
    pub api_key_last_used_at: Option<OffsetDateTime>,
    pub recent_invoices: Json<Vec<InvoiceJson>>,
    pub recent_tickets: Json<Vec<TicketJson>>,
}

#[derive(serde::Deserialize)]
pub struct TicketJson {
    pub id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    /// Postgres writes timestamps into JSON as RFC 3339 text.
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity_at: OffsetDateTime,
}

#[derive(serde::Deserialize)]
pub struct InvoiceJson {
    pub id: Uuid,
    pub number: String,
    pub status: InvoiceStatus,
    /// JSON has no date type: "2026-11-01".
    #[serde(with = "iso_date")]
    pub issued_on: time::Date,
    pub total_cents: i64,
    pub currency: String,
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// The whole dashboard in one statement: one round trip to Postgres. Each
/// subquery walks an index on (organization_id, …).
pub async fn find_summary(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<SummaryRow> {
    sqlx::query_as!(
        SummaryRow,
        r#"select o.name as organization_name, p.name as plan_name, p.price_cents, p.currency,
                  l.api_calls_limit, l.storage_mb_limit, l.seats_limit,
                  s.current_period_start as period_start, s.current_period_end as period_end,
                  s.cancel_at_period_end,
                  (select sp.name from plan sp where sp.id = s.scheduled_plan_id) as scheduled_plan_name,
                  pm.brand as "card_brand?", pm.last4 as "card_last4?",
                  pm.exp_month as "card_exp_month?", pm.exp_year as "card_exp_year?",
                  coalesce((select t.api_calls from usage_period_total t
                             where t.organization_id = o.id
                               and t.period_start = s.current_period_start), 0) as "api_calls!",
                  coalesce((select su.megabytes from storage_usage su
                             where su.organization_id = o.id
                             order by su.period_start desc limit 1), 0) as "storage_mb!",
                  (select count(*) from member m where m.organization_id = o.id) as "member_count!",
                  (select count(*) from invitation i
                    where i.organization_id = o.id and i.accepted_at is null
                      and i.revoked_at is null and i.expires_at > $2) as "pending_invitations!",
                  (select count(*) from api_key k
                    where k.organization_id = o.id and k.revoked_at is null
                      and (k.expires_at is null or k.expires_at > $2)) as "api_keys_active!",
                  (select max(k.last_used_at) from api_key k
                    where k.organization_id = o.id) as api_key_last_used_at,
                  (select coalesce(json_agg(i order by i.issued_on desc, i.number desc), '[]')
                     from (select id, number, status, issued_on, total_cents, currency
                             from invoice
                            where organization_id = o.id
                            order by issued_on desc, number desc limit 3) i
                  ) as "recent_invoices!: Json<Vec<InvoiceJson>>",
                  (select coalesce(json_agg(t order by t.last_activity_at desc, t.id), '[]')
                     from (select id, subject, status, priority, category, last_activity_at
                             from ticket
                            where organization_id = o.id
                            order by last_activity_at desc, id limit 3) t
                  ) as "recent_tickets!: Json<Vec<TicketJson>>"
           from organization o
           join plan p on p.id = o.plan_id
           join subscription s on s.organization_id = o.id
           join plan l on l.id = limits_plan_id(o.plan_id, s.status)
           left join payment_method pm on pm.organization_id = o.id
           where o.id = $1"#,
        organization_id,
        now,
    )
    .fetch_one(db)
    .await
}
