//! All SQL of attachments. A customer's lookup names the organization (from
//! the session) and excludes internal notes' files in the SQL itself.

use super::upload::StoredFile;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn insert(
    conn: &mut PgConnection,
    ticket_id: Uuid,
    message_id: Uuid,
    organization_id: Uuid,
    file: &StoredFile,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into ticket_attachment
             (id, ticket_id, message_id, organization_id, file_name, content_type, size_bytes, has_thumbnail)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        file.id,
        ticket_id,
        message_id,
        organization_id,
        file.name,
        file.kind.mime(),
        file.size as i64,
        file.thumbnail,
    )
    .execute(conn)
    .await
    .map(drop)
}

pub struct AttachmentRow {
    pub id: Uuid,
    pub message_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub has_thumbnail: bool,
    pub created_at: OffsetDateTime,
}

/// A ticket's files, oldest first; `with_internal` adds internal notes'.
pub async fn list(
    db: impl PgExecutor<'_>,
    ticket_id: Uuid,
    with_internal: bool,
) -> sqlx::Result<Vec<AttachmentRow>> {
    sqlx::query_as!(
        AttachmentRow,
        r#"select a.id, a.message_id, a.file_name, a.content_type, a.size_bytes, a.has_thumbnail, a.created_at
           from ticket_attachment a join ticket_message m on m.id = a.message_id
           where a.ticket_id = $1 and ($2 or not m.internal)
           order by a.created_at, a.file_name, a.id"#,
        ticket_id,
        with_internal,
    )
    .fetch_all(db)
    .await
}

/// A file the organization may read: on one of its tickets, not on an
/// internal note. `None` for anything else, including other organizations'.
pub async fn find_for_organization(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<AttachmentRow>> {
    sqlx::query_as!(
        AttachmentRow,
        r#"select a.id, a.message_id, a.file_name, a.content_type, a.size_bytes, a.has_thumbnail, a.created_at
           from ticket_attachment a join ticket_message m on m.id = a.message_id
           where a.id = $1 and a.organization_id = $2 and not m.internal"#,
        id,
        organization_id,
    )
    .fetch_optional(db)
    .await
}

/// Any file, for staff.
pub async fn find_any(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<AttachmentRow>> {
    sqlx::query_as!(
        AttachmentRow,
        r#"select id, message_id, file_name, content_type, size_bytes, has_thumbnail, created_at
           from ticket_attachment where id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}
