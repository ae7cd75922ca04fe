//! Reading a `multipart/form-data` upload: each file streams from the socket
//! into the store in bounded parts while it is counted and, from its first
//! bytes, identified. A refused or interrupted file leaves nothing stored;
//! a refused upload removes the files already stored for it.

use super::store::AttachmentStore;
use super::thumbnail;
use axum::extract::multipart::{Field, Multipart};
use bytes::Bytes;
use domain::attachments::{
    classify, clean_file_name, FileKind, Refusal, MAX_FILES, MAX_FILE_BYTES,
};
use domain::support::MESSAGE_MAX_CHARS;
use uuid::Uuid;

/// Bytes read before deciding what a file is (`infer` needs a few dozen;
/// text needs enough to tell it from binary).
const SNIFF_BYTES: usize = 8 * 1024;
/// The form field of the files and of the optional message.
pub const FILES_FIELD: &str = "files";
pub const BODY_FIELD: &str = "body";

/// A file stored whole, not yet recorded in Postgres.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: Uuid,
    pub name: String,
    pub kind: FileKind,
    pub size: u64,
    pub thumbnail: bool,
}

/// The text fields an upload may carry besides its files: a reply's message,
/// and the rest of the new-ticket form. Any other field is skipped unread, so
/// what is kept in memory is bounded.
pub const TEXT_FIELDS: [&str; 4] = [BODY_FIELD, "subject", "category", "priority"];

/// What an upload form carried.
#[derive(Debug, Default)]
pub struct Received {
    texts: Vec<(&'static str, String)>,
    pub files: Vec<StoredFile>,
}

impl Received {
    /// A text field as sent (the last one, if sent twice); "" when absent.
    pub fn text(&self, name: &str) -> &str {
        self.texts
            .iter()
            .rev()
            .find(|(field, _)| *field == name)
            .map_or("", |(_, value)| value)
    }

    /// The optional message.
    pub fn body(&self) -> &str {
        self.text(BODY_FIELD)
    }

    /// Whether as many text fields arrived as a form may send (each twice).
    fn is_full(&self) -> bool {
        self.texts.len() >= TEXT_FIELDS.len() * 2
    }
}

/// A refused upload: why, and the text fields it carried (no files), so a
/// form can be given back as it was typed.
#[derive(Debug)]
pub struct Refused {
    pub refusal: Refusal,
    pub typed: Received,
}

/// Reads a reply's files (at least one) and its optional message. On a
/// refusal, the rest of the request is read and dropped (so the browser
/// gets the answer rather than a reset connection) and every file already
/// stored for it is removed.
pub async fn receive(store: &AttachmentStore, form: Multipart) -> Result<Received, Refusal> {
    let received = receive_form(store, form)
        .await
        .map_err(|refused| refused.refusal)?;
    if received.files.is_empty() {
        return Err(Refusal::NoFiles);
    }
    Ok(received)
}

/// Reads a form whose files are optional (a new ticket), like `receive`;
/// a refusal keeps the text fields, those after the refused file included.
pub async fn receive_form(
    store: &AttachmentStore,
    mut form: Multipart,
) -> Result<Received, Refused> {
    let mut received = Received::default();
    let outcome = read_fields(store, &mut form, &mut received).await;
    if let Err(refusal) = outcome {
        read_rest_texts(&mut form, &mut received).await;
        remove(store, &received.files).await;
        received.files.clear();
        return Err(Refused {
            refusal,
            typed: received,
        });
    }
    Ok(received)
}

/// Removes stored files (an upload that was refused, or whose message could
/// not be recorded).
pub async fn remove(store: &AttachmentStore, files: &[StoredFile]) {
    for file in files {
        store.remove(file.id).await;
    }
}

async fn read_fields(
    store: &AttachmentStore,
    form: &mut Multipart,
    received: &mut Received,
) -> Result<(), Refusal> {
    while let Some(field) = form.next_field().await.map_err(|_| Refusal::Interrupted)? {
        if let Some(name) = text_field(&field) {
            if received.is_full() {
                return Err(Refusal::TooLarge); // a form this shape never sends
            }
            received.texts.push((name, read_text(field).await?));
            continue;
        }
        match field.name() {
            Some(FILES_FIELD) => {
                // A form whose picker was left empty still sends the part.
                if field.file_name().is_none_or(str::is_empty) {
                    continue;
                }
                if received.files.len() == MAX_FILES {
                    return Err(Refusal::TooMany);
                }
                received.files.push(store_file(store, field).await?);
            }
            _ => continue,
        }
    }
    Ok(())
}

/// The field's name if it is one of the [`TEXT_FIELDS`].
fn text_field(field: &Field<'_>) -> Option<&'static str> {
    let name = field.name()?;
    TEXT_FIELDS.iter().copied().find(|known| *known == name)
}

async fn read_text(mut field: Field<'_>) -> Result<String, Refusal> {
    // A message in UTF-8 takes at most four bytes a character.
    let limit = MESSAGE_MAX_CHARS * 4;
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| Refusal::Interrupted)? {
        if bytes.len() + chunk.len() > limit {
            return Err(Refusal::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

async fn store_file(store: &AttachmentStore, mut field: Field<'_>) -> Result<StoredFile, Refusal> {
    let name = clean_file_name(field.file_name().unwrap_or_default());
    let (head, chunks) = read_head(&mut field).await?;
    let kind = classify(&head, infer::get(&head).map(|t| t.mime_type()), &name)?;
    let id = Uuid::new_v4();
    let mut writer = store.writer(store.file(id));
    let written = stream_into(&mut writer, chunks, &mut field).await;
    let size = match written {
        Ok(size) => size,
        Err(refusal) => {
            if let Err(error) = writer.abort().await {
                tracing::warn!(?error, "could not clean up a refused upload");
            }
            return Err(refusal);
        }
    };
    if let Err(error) = tokio::io::AsyncWriteExt::shutdown(&mut writer).await {
        tracing::error!(?error, "could not store an attachment");
        return Err(Refusal::Interrupted);
    }
    let thumbnail = kind.is_image() && store_thumbnail(store, id).await;
    Ok(StoredFile {
        id,
        name,
        kind,
        size,
        thumbnail,
    })
}

/// The first [`SNIFF_BYTES`] (or the whole file, if smaller), and the chunks
/// they came in (to be written as they are).
async fn read_head(field: &mut Field<'_>) -> Result<(Vec<u8>, Vec<Bytes>), Refusal> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut chunks = Vec::new();
    while head.len() < SNIFF_BYTES {
        let Some(chunk) = field.chunk().await.map_err(|_| Refusal::Interrupted)? else {
            break;
        };
        let wanted = (SNIFF_BYTES - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..wanted]);
        chunks.push(chunk);
    }
    Ok((head, chunks))
}

async fn stream_into(
    writer: &mut object_store::buffered::BufWriter,
    first: Vec<Bytes>,
    field: &mut Field<'_>,
) -> Result<u64, Refusal> {
    let mut size = 0u64;
    let mut write = async |chunk: Bytes, size: &mut u64| {
        *size += chunk.len() as u64;
        if *size > MAX_FILE_BYTES {
            return Err(Refusal::TooLarge);
        }
        writer.put(chunk).await.map_err(|error| {
            tracing::error!(?error, "could not write an attachment");
            Refusal::Interrupted
        })
    };
    for chunk in first {
        write(chunk, &mut size).await?;
    }
    while let Some(chunk) = field.chunk().await.map_err(|_| Refusal::Interrupted)? {
        write(chunk, &mut size).await?;
    }
    Ok(size)
}

/// Renders and stores an image's preview; `false` if it has none.
async fn store_thumbnail(store: &AttachmentStore, id: Uuid) -> bool {
    let Ok(bytes) = store.read_all(&store.file(id)).await else {
        return false;
    };
    let rendered = tokio::task::spawn_blocking(move || thumbnail::render(&bytes)).await;
    let Ok(Some(png)) = rendered else {
        return false;
    };
    match store.put(&store.thumbnail(id), png).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(?error, "could not store a preview");
            false
        }
    }
}

/// Reads what is left of a refused request, keeping only its text fields
/// (bounded as before): answering before the browser has finished sending
/// makes most of them report a network error instead of the answer, and the
/// message typed below a refused file is still worth giving back. Bounded by
/// the route's body limit.
async fn read_rest_texts(form: &mut Multipart, received: &mut Received) {
    while let Ok(Some(mut field)) = form.next_field().await {
        match text_field(&field) {
            Some(name) if !received.is_full() => {
                if let Ok(value) = read_text(field).await {
                    received.texts.push((name, value));
                }
            }
            _ => while let Ok(Some(_)) = field.chunk().await {},
        }
    }
}
