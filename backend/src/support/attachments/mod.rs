//! Files on tickets, from customers and staff: received as a stream into
//! the object store (`upload`), recorded in Postgres with the message that
//! carries them (by the support and staff services, in their transaction),
//! and served back only to the ticket's organization and to staff.

pub mod db;
mod store;
pub mod thumbnail;
pub mod upload;

pub use store::AttachmentStore;
pub use upload::{receive, receive_form, remove, Received, Refused, StoredFile};

use crate::error::Result;
use crate::session::AuthSession;
use bytes::Bytes;
use domain::attachments::{human_size, AttachmentInfo};
use domain::AppError;
use futures::stream::BoxStream;
use sqlx::{PgConnection, PgExecutor};
use std::collections::HashMap;
use uuid::Uuid;

/// Records files stored for a new message, in the message's transaction.
pub async fn record(
    conn: &mut PgConnection,
    ticket_id: Uuid,
    message_id: Uuid,
    organization_id: Uuid,
    files: &[StoredFile],
) -> Result<()> {
    for file in files {
        db::insert(&mut *conn, ticket_id, message_id, organization_id, file).await?;
    }
    Ok(())
}

/// A ticket's files by the message that carries them.
pub async fn by_message(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
    with_internal: bool,
) -> sqlx::Result<HashMap<Uuid, Vec<AttachmentInfo>>> {
    let mut grouped: HashMap<Uuid, Vec<AttachmentInfo>> = HashMap::new();
    for row in db::list(db, ticket_id, with_internal).await? {
        grouped.entry(row.message_id).or_default().push(info(&row));
    }
    Ok(grouped)
}

fn info(row: &db::AttachmentRow) -> AttachmentInfo {
    AttachmentInfo {
        id: row.id,
        name: row.file_name.clone(),
        size: human_size(u64::try_from(row.size_bytes).unwrap_or_default()),
        thumbnail: row.has_thumbnail,
    }
}

/// A file (or its preview) on its way to the browser.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub size: Option<u64>,
    pub body: BoxStream<'static, object_store::Result<Bytes>>,
}

/// Which bytes of an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    /// The re-encoded PNG preview of an image.
    Preview,
}

/// A member's download: a file on one of the organization's tickets.
/// Another organization's file, or an internal note's, is `NotFound`.
pub async fn open_for_member(
    db: impl PgExecutor<'_>,
    store: &AttachmentStore,
    session: &AuthSession,
    id: Uuid,
    variant: Variant,
) -> Result<Download> {
    let row = db::find_for_organization(db, session.organization_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    open(store, row, variant).await
}

/// Staff: any file.
pub async fn open_for_staff(
    db: impl PgExecutor<'_>,
    store: &AttachmentStore,
    id: Uuid,
    variant: Variant,
) -> Result<Download> {
    let row = db::find_any(db, id).await?.ok_or(AppError::NotFound)?;
    open(store, row, variant).await
}

async fn open(
    store: &AttachmentStore,
    row: db::AttachmentRow,
    variant: Variant,
) -> Result<Download> {
    let (path, content_type, size) = match variant {
        Variant::Original => (
            store.file(row.id),
            row.content_type,
            u64::try_from(row.size_bytes).ok(),
        ),
        Variant::Preview if row.has_thumbnail => {
            (store.thumbnail(row.id), "image/png".to_owned(), None)
        }
        Variant::Preview => return Err(AppError::NotFound.into()),
    };
    let body = store.stream(&path).await.map_err(|error| {
        tracing::error!(?error, %path, "an attachment's bytes are missing or unreadable");
        AppError::Unavailable
    })?;
    Ok(Download {
        name: row.file_name,
        content_type,
        size,
        body,
    })
}
