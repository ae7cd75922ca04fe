//! The console's satisfaction report: the share of good ratings per week and
//! per agent, and the latest comments (the ones support leads read first).
//! Customers give ratings through `support::satisfaction`.

use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::StaffSession;
use domain::dates::format_date;
use domain::satisfaction::{CsatAgent, CsatComment, CsatWeek, Rating, SatisfactionReport, Tally};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// Weeks the report covers (agents are counted over the same weeks).
const REPORT_WEEKS: i32 = 8;
/// Comments listed.
const COMMENTS: i64 = 10;

pub async fn report(ctx: &Ctx, staff: &StaffSession) -> Result<SatisfactionReport> {
    let now = ctx.now();
    let local = staff.local_time(now);
    let (weeks, agents, comments) =
        futures::try_join!(weeks(&ctx.db, now), agents(&ctx.db, now), comments(&ctx.db),)?;
    Ok(SatisfactionReport {
        weeks: weeks
            .into_iter()
            .map(|w| CsatWeek {
                week_of: format_date(w.week.date()),
                tally: Tally {
                    good: w.good,
                    bad: w.bad,
                },
            })
            .collect(),
        agents: agents
            .into_iter()
            .map(|a| CsatAgent {
                name: a.name.unwrap_or_else(|| "Unassigned".into()),
                tally: Tally {
                    good: a.good,
                    bad: a.bad,
                },
            })
            .collect(),
        comments: comments
            .into_iter()
            .map(|c| CsatComment {
                ticket_id: c.ticket_id,
                subject: c.subject,
                organization_name: c.organization_name,
                agent_name: c.agent_name,
                rating: c.rating,
                comment: c.comment,
                rated_on: local.date(c.rated_at),
            })
            .collect(),
    })
}

struct WeekRow {
    week: OffsetDateTime,
    good: i64,
    bad: i64,
}

/// The `REPORT_WEEKS` weeks up to `now` (Monday to Monday, UTC), newest
/// first, zero for quiet weeks.
async fn weeks(db: impl PgExecutor<'_>, now: OffsetDateTime) -> sqlx::Result<Vec<WeekRow>> {
    sqlx::query_as!(
        WeekRow,
        r#"with week as (
               select generate_series(
                   date_trunc('week', $1::timestamptz, 'UTC') - make_interval(weeks => $2 - 1),
                   date_trunc('week', $1::timestamptz, 'UTC'),
                   interval '1 week'
               ) as starts
           )
           select w.starts as "week!",
                  count(r.ticket_id) filter (where r.rating = 'good') as "good!",
                  count(r.ticket_id) filter (where r.rating = 'bad') as "bad!"
           from week w
           left join ticket_rating r on r.rated_at >= w.starts and r.rated_at < w.starts + interval '1 week'
           group by w.starts
           order by w.starts desc"#,
        now,
        REPORT_WEEKS
    )
    .fetch_all(db)
    .await
}

struct AgentRow {
    name: Option<String>,
    good: i64,
    bad: i64,
}

/// Per credited agent over the report's weeks, most ratings first.
async fn agents(db: impl PgExecutor<'_>, now: OffsetDateTime) -> sqlx::Result<Vec<AgentRow>> {
    sqlx::query_as!(
        AgentRow,
        r#"select u.name as "name?",
                  count(*) filter (where r.rating = 'good') as "good!",
                  count(*) filter (where r.rating = 'bad') as "bad!"
           from ticket_rating r left join app_user u on u.id = r.agent_id
           where r.rated_at >= date_trunc('week', $1::timestamptz, 'UTC') - make_interval(weeks => $2 - 1)
           group by r.agent_id, u.name
           order by count(*) desc, u.name nulls last"#,
        now,
        REPORT_WEEKS
    )
    .fetch_all(db)
    .await
}

struct CommentRow {
    ticket_id: Uuid,
    subject: String,
    organization_name: String,
    agent_name: Option<String>,
    rating: Rating,
    comment: String,
    rated_at: OffsetDateTime,
}

async fn comments(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CommentRow>> {
    sqlx::query_as!(
        CommentRow,
        r#"select r.ticket_id, t.subject, o.name as organization_name, u.name as "agent_name?",
                  r.rating as "rating: Rating", r.comment, r.rated_at
           from ticket_rating r
           join ticket t on t.id = r.ticket_id
           join organization o on o.id = r.organization_id
           left join app_user u on u.id = r.agent_id
           where r.comment <> ''
           order by r.rated_at desc, r.ticket_id
           limit $1"#,
        COMMENTS
    )
    .fetch_all(db)
    .await
}
