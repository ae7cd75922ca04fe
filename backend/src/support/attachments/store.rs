//! Where attachment bytes live: an `object_store` — local files under the
//! data folder by default, or any S3-compatible bucket by URL. Objects are
//! named by the attachment's id (`attachments/<id>`, and `<id>.thumb.png`
//! for an image's preview); names people chose never reach a path.

use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;
use uuid::Uuid;

/// Parts written at once: small for local files (memory stays flat while a
/// 10 MB file streams through); S3 needs at least 5 MiB per part.
const LOCAL_PART_BYTES: usize = 256 * 1024;
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts in flight at once per file.
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Clone, Debug)]
pub struct AttachmentStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    part_bytes: usize,
}

impl AttachmentStore {
    /// Files under `dir` (created if missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::from("attachments"),
            part_bytes: LOCAL_PART_BYTES,
        })
    }

    /// A bucket named by URL (`s3://bucket/prefix`), configured by the
    /// `AWS_*` variables (`AWS_ENDPOINT` for an S3-compatible store).
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        let options = std::env::vars().filter(|(key, _)| key.starts_with("AWS_"));
        Self::from_url_with(url, options)
    }

    /// A bucket named by URL, configured by `options` (`object_store`'s
    /// keys, such as `aws_endpoint`) rather than the environment.
    pub fn from_url_with(
        url: &str,
        options: impl IntoIterator<Item = (impl AsRef<str>, impl Into<String>)>,
    ) -> anyhow::Result<Self> {
        let url: url::Url = url.parse()?;
        let (store, prefix) = object_store::parse_url_opts(&url, options)?;
        Ok(Self {
            store: Arc::from(store),
            prefix: prefix.join("attachments"),
            part_bytes: S3_PART_BYTES,
        })
    }

    pub(super) fn file(&self, id: Uuid) -> Path {
        self.prefix.clone().join(id.to_string().as_str())
    }

    pub(super) fn thumbnail(&self, id: Uuid) -> Path {
        self.prefix.clone().join(format!("{id}.thumb.png").as_str())
    }

    /// A writer that streams into `path` in parts; nothing is visible at
    /// `path` until it is shut down, and an abort leaves nothing behind.
    pub(super) fn writer(&self, path: Path) -> BufWriter {
        BufWriter::with_capacity(self.store.clone(), path, self.part_bytes)
            .with_max_concurrency(PARTS_IN_FLIGHT)
    }

    pub(super) async fn put(&self, path: &Path, bytes: Vec<u8>) -> object_store::Result<()> {
        self.store
            .put(path, PutPayload::from(bytes))
            .await
            .map(drop)
    }

    pub(super) async fn read_all(&self, path: &Path) -> object_store::Result<Bytes> {
        self.store.get(path).await?.bytes().await
    }

    pub(super) async fn stream(
        &self,
        path: &Path,
    ) -> object_store::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        Ok(self.store.get(path).await?.into_stream())
    }

    /// Removes a file and its preview; a missing object is not an error.
    pub(super) async fn remove(&self, id: Uuid) {
        for path in [self.file(id), self.thumbnail(id)] {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => tracing::warn!(?error, %path, "could not remove an attachment"),
            }
        }
    }
}
