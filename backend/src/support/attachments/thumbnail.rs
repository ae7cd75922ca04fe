//! Image previews for the thread: decoded under strict limits (a small file
//! that claims to be 50,000 pixels wide is refused, not allocated), shrunk
//! and re-encoded as PNG, so what a browser renders inline is always pixels
//! we wrote, never the uploaded bytes.

use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The preview's largest side, in pixels.
pub const SIDE: u32 = 320;
/// Largest width or height decoded.
const MAX_SIDE: u32 = 12_000;
/// Most memory a decode may take.
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;

/// A PNG preview of `bytes`, or `None` when it cannot be decoded within the
/// limits (the file itself is still attached). CPU-bound: run it off the
/// async threads.
pub fn render(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    reader.limits(limits);
    let image = match reader.decode() {
        Ok(image) => image,
        Err(error) => {
            tracing::info!(%error, "no preview for an attached image");
            return None;
        }
    };
    // Small images keep their size (never scaled up), but are re-encoded too.
    let preview = if image.width() <= SIDE && image.height() <= SIDE {
        image
    } else {
        image.thumbnail(SIDE, SIDE)
    };
    let mut png = Vec::new();
    preview
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_pixel(width, height, Rgb([200u8, 30, 30]));
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .expect("encode");
        bytes
    }

    #[test]
    fn a_large_image_becomes_a_small_png_keeping_its_shape() {
        let preview = render(&png(1600, 800)).expect("preview");
        let decoded = image::load_from_memory(&preview).expect("a png");
        assert_eq!((decoded.width(), decoded.height()), (SIDE, SIDE / 2));
    }

    #[test]
    fn a_small_image_keeps_its_size() {
        let preview = render(&png(64, 32)).expect("preview");
        let decoded = image::load_from_memory(&preview).expect("a png");
        assert_eq!((decoded.width(), decoded.height()), (64, 32));
    }

    #[test]
    fn a_header_claiming_huge_dimensions_gets_no_preview() {
        // A PNG whose header claims 100,000 × 100,000 pixels (40 GB decoded).
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(render(&bytes), None);
    }

    #[test]
    fn garbage_gets_no_preview() {
        assert_eq!(render(b"\x89PNG\r\n\x1a\nnot really"), None);
    }
}
