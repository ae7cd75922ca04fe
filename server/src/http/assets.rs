//! What makes a first visit light and a repeat visit free: compression of
//! every response worth it, and caching of the build's static files.
//!
//! `cargo leptos build --release --precompress` writes `.br` and `.gz` files
//! beside each static file (brotli 11, gzip 9); Leptos's file handler serves
//! them by `Accept-Encoding`. Everything else (pages, data, an asset of a
//! build without them) is compressed here on the fly at a fast level.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Asset names with a content hash (`portal.<hash>.wasm`) never change
/// content: a year, without asking again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Static files under a fixed name (the favicon, or every asset of a build
/// without hashes): kept, but checked before each use.
const REVALIDATE: &str = "public, no-cache";

/// Brotli or gzip by `Accept-Encoding` (with `Vary: Accept-Encoding`), for
/// bodies above 1 KiB; never for live streams (each event must go out at
/// once), images (already compressed) or what is already encoded. At the
/// fastest level: at brotli's level 4 the dashboard page served 43% fewer
/// requests a second (scripts/bench-dashboard), and a page compresses well
/// enough at any level.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(1024)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE);
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Fastest)
        .compress_when(worth_it)
}

/// `Cache-Control` and `Vary` of the build's static files: the ones that
/// answered 200 and that `headers` does not count as dynamic (those get
/// `no-store`).
pub async fn cache_static_files(
    hashed_names: bool,
    request: Request<Body>,
    next: Next,
) -> Response {
    let under_pkg = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let served = response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    if served
        && !super::headers::is_dynamic(headers)
        && !headers.contains_key(header::CACHE_CONTROL)
    {
        let policy = if hashed_names && under_pkg {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        // The answer depends on Accept-Encoding (a `.br` or `.gz` file, or
        // the original): a shared cache must keep them apart.
        if !headers.contains_key(header::VARY) {
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
    }
    response
}
