//! Compression and caching: pages and data go compressed to browsers that
//! accept it, live streams never; the build's hashed assets are cached for a
//! year and sent as their precompressed files.

use crate::helpers::*;
use reqwest::header::{CACHE_CONTROL, CONTENT_ENCODING, VARY};
use reqwest::Response;
use sqlx::PgPool;
use std::io::Read;

async fn fetch(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Response {
    let request = browser().get(app.url(path)).header("accept", "text/html");
    let request = match accept_encoding {
        Some(encodings) => request.header("accept-encoding", encodings),
        None => request,
    };
    request.send().await.unwrap()
}

fn header(response: &Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_go_compressed_to_browsers_that_accept_it(db: PgPool) {
    let app = spawn_app(db).await;

    let plain = fetch(&app, "/sign-in", None).await;
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    let plain = plain.text().await.unwrap();

    let gzip = fetch(&app, "/sign-in", Some("gzip")).await;
    assert_eq!(header(&gzip, CONTENT_ENCODING), "gzip");
    assert!(header(&gzip, VARY)
        .to_lowercase()
        .contains("accept-encoding"));
    let bytes = gzip.bytes().await.unwrap();
    let page = gunzip(&bytes);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("Sign in"));
    assert!(
        bytes.len() * 2 < plain.len(),
        "{} of {}",
        bytes.len(),
        plain.len()
    );

    let brotli = fetch(&app, "/sign-in", Some("gzip, deflate, br")).await;
    assert_eq!(header(&brotli, CONTENT_ENCODING), "br", "brotli preferred");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_streamed_csv_export_arrives_whole_when_compressed(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    app.sign_up(&client, &Org::new("Export")).await;
    let export = client
        .get(app.url("/audit/export.csv"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    assert_eq!(header(&export, CONTENT_ENCODING), "gzip");
    let csv = gunzip(&export.bytes().await.unwrap());
    assert!(csv.starts_with("id,"), "{csv}");
    // The sign-up's entries, down to the last line.
    assert!(csv.contains("organization.created"), "{csv}");
    assert!(csv.contains("user.email_verified"), "{csv}");
}

#[sqlx::test(migrations = "../migrations")]
async fn live_streams_and_tiny_answers_are_never_compressed(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    app.sign_up(&client, &Org::new("Stream")).await;
    let live = client
        .get(app.url("/live"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(
        header(&live, CONTENT_ENCODING),
        "",
        "events must go out at once"
    );
    drop(live);

    let health = fetch(&app, "/health", Some("br, gzip")).await;
    assert_eq!(header(&health, CONTENT_ENCODING), "");
}

#[sqlx::test(migrations = "../migrations")]
async fn hashed_assets_are_immutable_and_sent_precompressed(db: PgPool) {
    let site = std::env::temp_dir().join(format!("portal-site-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    let wasm = vec![0u8; 64 * 1024];
    std::fs::write(site.join("pkg/portal.0a1b2c3d.wasm"), &wasm).unwrap();
    // What `--precompress` wrote beside it (its bytes only need to be told apart).
    std::fs::write(site.join("pkg/portal.0a1b2c3d.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(site.join("favicon.png"), b"\x89PNG").unwrap();
    let app = spawn_app_with_site(db, site.to_str().unwrap()).await;

    let brotli = fetch(&app, "/pkg/portal.0a1b2c3d.wasm", Some("gzip, br")).await;
    assert_eq!(brotli.status(), 200);
    assert_eq!(header(&brotli, CONTENT_ENCODING), "br");
    assert_eq!(
        header(&brotli, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&brotli, VARY)
        .to_lowercase()
        .contains("accept-encoding"));
    assert_eq!(
        &brotli.bytes().await.unwrap()[..],
        b"brotli bytes",
        "the file, not a recompression"
    );

    let identity = fetch(&app, "/pkg/portal.0a1b2c3d.wasm", None).await;
    assert_eq!(header(&identity, CONTENT_ENCODING), "");
    assert_eq!(
        header(&identity, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(identity.bytes().await.unwrap().len(), wasm.len());

    // No hash in the name: kept, but checked before each use.
    let icon = fetch(&app, "/favicon.png", None).await;
    assert_eq!(header(&icon, CACHE_CONTROL), "public, no-cache");
    std::fs::remove_dir_all(site).unwrap();
}
