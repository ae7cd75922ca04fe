use sqlx::PgExecutor;
use uuid::Uuid;

pub struct SummaryRow {
    pub organization_name: String,
    pub plan_name: String,
    pub price_cents: i64,
    pub currency: String,
    pub member_count: Option<i64>,
    pub seats_limit: i32,
    pub api_calls_limit: i64,
    pub storage_mb_limit: i64,
}

/// One statement, one round trip.
pub async fn find_summary(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> sqlx::Result<SummaryRow> {
    sqlx::query_as!(
        SummaryRow,
        r#"select o.name as organization_name, p.name as plan_name, p.price_cents, p.currency,
                  (select count(*) from member m where m.organization_id = o.id) as member_count,
                  p.seats_limit, p.api_calls_limit, p.storage_mb_limit
           from organization o join plan p on p.id = o.plan_id
           where o.id = $1"#,
        organization_id,
    )
    .fetch_one(db)
    .await
}
