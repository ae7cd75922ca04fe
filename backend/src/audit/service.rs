//! The audit page: one page of the organization's log at a time (keyset
//! pagination on the id), and the whole filtered log as a streamed CSV.

use super::csv::{csv_line, CSV_HEADER};
use super::db::{self, AuditQuery, AuditRow};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::local_time::LocalTime;
use crate::session::AuthSession;
use domain::audit::{
    diff, sentence, AuditFilter, AuditLogEntry, AuditLogPage, AuditPerson, EntryFacts, PAGE_SIZE,
};
use domain::AppError;
use futures::{Stream, StreamExt};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::Date;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

/// One page of the session's organization's log, newest first.
pub async fn list(ctx: &Ctx, session: &AuthSession, filter: AuditFilter) -> Result<AuditLogPage> {
    let local = session.local_time(ctx.now());
    let query = to_query(&filter, &local);
    // One extra row says whether an older page exists.
    let mut rows =
        db::list_entries(&ctx.db, session.organization_id, &query, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next_before = more.then(|| rows.last().map(|r| r.id)).flatten();
    Ok(AuditLogPage {
        entries: rows.into_iter().map(|row| to_wire(row, &local)).collect(),
        next_before,
    })
}

/// The members of the session's organization, for the "Person" filter.
pub async fn people(ctx: &Ctx, session: &AuthSession) -> Result<Vec<AuditPerson>> {
    Ok(db::people(&ctx.db, session.organization_id).await?)
}

/// The filter's days are the reader's: "Dec 7" starts at midnight where they are.
fn to_query(filter: &AuditFilter, local: &LocalTime) -> AuditQuery {
    let midnight = |day: Date| local.start_of_day(day);
    AuditQuery {
        actor: filter.actor.clone(),
        action: filter.action.clone(),
        actions: filter
            .category
            .map(|c| c.actions().into_iter().map(str::to_owned).collect()),
        target_type: filter.target_type.clone(),
        since: filter.from.map(midnight),
        until: filter.to.and_then(|day| day.next_day()).map(midnight),
        before_id: filter.before,
    }
}

fn describe(row: &AuditRow) -> String {
    sentence(&EntryFacts {
        action: &row.action,
        actor_name: row.actor_name.as_deref(),
        actor_email: row.actor_email.as_deref(),
        target_name: row.target_name.as_deref(),
        before: row.before.as_ref(),
        after: row.after.as_ref(),
    })
}

fn to_wire(row: AuditRow, local: &LocalTime) -> AuditLogEntry {
    AuditLogEntry {
        id: row.id,
        at: local.precise(row.created_at),
        sentence: describe(&row),
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
    slot: ExportSlot,
    organization_id: Uuid,
    filter: AuditFilter,
    local: &LocalTime,
) -> impl Stream<Item = std::result::Result<String, std::io::Error>> + Send + 'static {
    const CHUNK_BYTES: usize = 32 * 1024;
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<std::result::Result<String, std::io::Error>>(8);
    let query = AuditQuery {
        before_id: None,
        ..to_query(&filter, local)
    };
    tokio::spawn(async move {
        let ExportSlot { permit, time_limit } = slot;
        let export = write_csv(db, organization_id, query, sender.clone(), CHUNK_BYTES);
        let finished = tokio::time::timeout(time_limit, export).await;
        // The rows (and their pooled connection) are dropped by now.
        drop(permit);
        if finished.is_err() {
            // A reader this slow held a pooled connection: cut it off, and
            // fail the body so the file is not mistaken for a whole one.
            tracing::warn!(organization = %organization_id, "audit export exceeded its time limit");
            let failure = sender.send(Err(std::io::Error::other("audit export took too long")));
            let _ = tokio::time::timeout(Duration::from_secs(30), failure).await;
        }
    });
    // Not `unfold`: a body wrapper (compression) may poll once more after
    // the end, which a channel answers with `None` again and `unfold` panics at.
    let mut receiver = receiver;
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

/// Exports running at once on this instance, each with a time limit: an
/// export holds a pooled connection for as long as its client reads, so slow
/// readers must never be able to take the pool from page requests.
#[derive(Clone)]
pub struct ExportSlots {
    slots: Arc<Semaphore>,
    time_limit: Duration,
}

/// One running export's place (given back when it ends) and its time limit.
pub struct ExportSlot {
    permit: OwnedSemaphorePermit,
    time_limit: Duration,
}

impl ExportSlots {
    pub fn new(slots: usize, time_limit: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            time_limit,
        }
    }

    /// A place for one more export, or `Unavailable` (503: try again soon).
    pub fn start(&self) -> Result<ExportSlot> {
        let permit = self.slots.clone().try_acquire_owned().map_err(|_| {
            tracing::warn!("every export slot is busy; refusing an export");
            AppError::Unavailable
        })?;
        Ok(ExportSlot {
            permit,
            time_limit: self.time_limit,
        })
    }
}

async fn write_csv(
    db: PgPool,
    organization_id: Uuid,
    query: AuditQuery,
    sender: tokio::sync::mpsc::Sender<std::result::Result<String, std::io::Error>>,
    chunk_bytes: usize,
) {
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
        if chunk.len() >= chunk_bytes && sender.send(Ok(std::mem::take(&mut chunk))).await.is_err()
        {
            return; // the client went away
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(Ok(chunk)).await;
    }
}

fn csv_row(row: AuditRow) -> String {
    let json = |value: Option<serde_json::Value>| value.map(|v| v.to_string()).unwrap_or_default();
    let description = describe(&row);
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
        description,
    ])
}
