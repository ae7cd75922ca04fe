//! Ratings and rating links.

use domain::satisfaction::{Rating, RatingInput};
use domain::support::TicketStatus;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct RatingRow {
    pub rating: Rating,
    pub comment: String,
    pub rated_at: OffsetDateTime,
}

/// A ticket's rating, if it has one.
pub async fn find(db: impl PgExecutor<'_>, ticket_id: Uuid) -> sqlx::Result<Option<RatingRow>> {
    sqlx::query_as!(
        RatingRow,
        r#"select rating as "rating: Rating", comment, rated_at
           from ticket_rating where ticket_id = $1"#,
        ticket_id,
    )
    .fetch_optional(db)
    .await
}

/// Rates a ticket, or replaces its rating. The agent credited is the
/// assignee, else the staff member who last answered in the thread.
pub async fn save(
    conn: &mut PgConnection,
    ticket_id: Uuid,
    rated_by: Uuid,
    input: &RatingInput,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into ticket_rating (ticket_id, organization_id, rated_by, agent_id, rating, comment, rated_at)
           select t.id, t.organization_id, $2,
                  coalesce(t.assignee_id, (
                      select s.user_id from ticket_message m join staff s on s.user_id = m.author_id
                      where m.ticket_id = t.id and m.author_kind = 'staff' and not m.internal
                      order by m.created_at desc, m.id desc limit 1)),
                  $3, $4, $5
           from ticket t where t.id = $1
           on conflict (ticket_id) do update
           set rated_by = excluded.rated_by, agent_id = excluded.agent_id, rating = excluded.rating,
               comment = excluded.comment, rated_at = excluded.rated_at"#,
        ticket_id,
        rated_by,
        input.rating as Rating,
        input.comment,
        now,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_link(
    conn: &mut PgConnection,
    token_hash: &[u8],
    ticket_id: Uuid,
    user_id: Uuid,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into ticket_rating_link (token_hash, ticket_id, user_id, expires_at) values ($1, $2, $3, $4)",
        token_hash,
        ticket_id,
        user_id,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a live rating link opens: its ticket, while the link's person is
/// still that ticket's requester and a member of its organization.
pub struct LinkRow {
    pub ticket_id: Uuid,
    pub organization_id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub user_id: Uuid,
    pub email: String,
}

pub async fn find_link(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<LinkRow>> {
    sqlx::query_as!(
        LinkRow,
        r#"select t.id as ticket_id, t.organization_id, t.subject, t.status as "status: TicketStatus",
                  u.id as user_id, u.email
           from ticket_rating_link l
           join ticket t on t.id = l.ticket_id and t.requester_id = l.user_id
           join app_user u on u.id = l.user_id
           join member m on m.organization_id = t.organization_id and m.user_id = l.user_id
           where l.token_hash = $1 and l.expires_at > $2"#,
        token_hash,
        now,
    )
    .fetch_optional(db)
    .await
}
