//! The audit page: one page of the organization's log at a time (keyset
//! pagination on the id), and the whole filtered log as a streamed CSV.

use super::csv::{csv_line, CSV_HEADER};
use super::db::{self, AuditQuery, AuditRow};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::AuthSession;
use domain::audit::{diff, AuditFilter, AuditLogEntry, AuditLogPage, PAGE_SIZE};
use futures::{Stream, StreamExt};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time, UtcOffset};
use uuid::Uuid;

/// One page of the session's organization's log, newest first.
pub async fn list(ctx: &Ctx, session: &AuthSession, filter: AuditFilter) -> Result<AuditLogPage> {
    let query = to_query(&filter);
    // One extra row says whether an older page exists.
    let mut rows =
        db::list_entries(&ctx.db, session.organization_id, &query, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = more.then(|| rows.last().map(|r| r.id)).flatten();
    Ok(AuditLogPage {
        entries: rows.into_iter().map(to_wire).collect(),
        next_before,
    })
}

fn to_query(filter: &AuditFilter) -> AuditQuery {
    let midnight = |day: Date| day.with_time(Time::MIDNIGHT).assume_offset(UtcOffset::UTC);
    AuditQuery {
        actor: filter.actor.clone(),
        action: filter.action.clone(),
        target_type: filter.target_type.clone(),
        since: filter.from.map(midnight),
        until: filter.to.and_then(|day| day.next_day()).map(midnight),
        before_id: filter.before,
    }
}

fn to_wire(row: AuditRow) -> AuditLogEntry {
    AuditLogEntry {
        id: row.id,
        at: seconds(row.created_at),
        changes: diff(row.before.as_ref(), row.after.as_ref()),
        actor: row.actor_email,
        action: row.action,
        target_type: row.target_type,
        target_id: row.target_id,
        ip: row.ip,
    }
}

/// The CSV of every entry of `organization_id` that matches `filter`
/// (ignoring its page cursor), header first. A task reads the rows from
/// Postgres and hands them over in chunks through a small channel, so memory
/// stays bounded and a slow client slows the query instead of filling RAM.
pub fn export_csv(
    db: PgPool,
    organization_id: Uuid,
    filter: AuditFilter,
) -> impl Stream<Item = std::result::Result<String, std::io::Error>> + Send + 'static {
    const CHUNK_BYTES: usize = 32 * 1024;
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<std::result::Result<String, std::io::Error>>(8);
    tokio::spawn(async move {
        let query = AuditQuery {
            before_id: None,
            ..to_query(&filter)
        };
        let mut rows = db::stream_entries(&db, organization_id, &query);
        let mut chunk = csv_line(CSV_HEADER);
        while let Some(row) = rows.next().await {
            match row {
                Ok(row) => chunk.push_str(&csv_row(row)),
                Err(e) => {
                    // The status line is long gone: failing the body is the
                    // only way to tell the client the file is incomplete.
                    tracing::error!(error = ?e, "audit export failed");
                    let _ = sender
                        .send(Err(std::io::Error::other("audit export failed")))
                        .await;
                    return;
                }
            }
            if chunk.len() >= CHUNK_BYTES
                && sender.send(Ok(std::mem::take(&mut chunk))).await.is_err()
            {
                return; // the client went away
            }
        }
        if !chunk.is_empty() {
            let _ = sender.send(Ok(chunk)).await;
        }
    });
    futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
}

fn csv_row(row: AuditRow) -> String {
    let json = |value: Option<serde_json::Value>| value.map(|v| v.to_string()).unwrap_or_default();
    csv_line(&[
        row.id.to_string(),
        row.created_at.format(&Rfc3339).unwrap_or_default(),
        row.actor_email.unwrap_or_default(),
        row.action,
        row.target_type.unwrap_or_default(),
        row.target_id.unwrap_or_default(),
        row.ip.unwrap_or_default(),
        row.user_agent.unwrap_or_default(),
        json(row.before),
        json(row.after),
    ])
}

/// "2026-11-25 14:03:07 UTC".
fn seconds(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        at.date(),
        at.hour(),
        at.minute(),
        at.second()
    )
}
