//! Files on support tickets: the limits, the kinds accepted (decided by the
//! content, never the name), safe file names and the reasons a file is
//! refused. Shared by the server (which enforces them) and the browser
//! (which shows them before anything is sent).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Files one message may carry.
pub const MAX_FILES: usize = 5;
/// Largest file, in bytes (10 MB).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Longest file name kept (characters); longer names are shortened.
pub const MAX_NAME_CHARS: usize = 120;
/// What the file picker offers (a hint only: the server sniffs the content).
pub const ACCEPT: &str =
    ".png,.jpg,.jpeg,.webp,.gif,.pdf,.txt,.csv,.log,.zip,image/png,image/jpeg,image/webp,image/gif,application/pdf,text/plain,text/csv,application/zip";
/// Said next to the file picker.
pub const ACCEPTED_HINT: &str =
    "Up to 5 files, 10 MB each: images (PNG, JPEG, WebP, GIF), PDF, text, CSV, logs or zip.";

/// The kinds of file accepted, as the content shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Png,
    Jpeg,
    WebP,
    Gif,
    Pdf,
    Zip,
    Text,
    Csv,
}

impl FileKind {
    pub const ALL: [FileKind; 8] = [
        Self::Png,
        Self::Jpeg,
        Self::WebP,
        Self::Gif,
        Self::Pdf,
        Self::Zip,
        Self::Text,
        Self::Csv,
    ];

    /// The media type the file is served as (and stored under).
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
            Self::Pdf => "application/pdf",
            Self::Zip => "application/zip",
            Self::Text => "text/plain; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.mime() == mime)
    }

    /// A binary kind from a sniffed media type (`infer`'s answer).
    pub fn from_sniffed(mime: &str) -> Option<Self> {
        match mime {
            "image/png" => Some(Self::Png),
            "image/jpeg" => Some(Self::Jpeg),
            "image/webp" => Some(Self::WebP),
            "image/gif" => Some(Self::Gif),
            "application/pdf" => Some(Self::Pdf),
            "application/zip" => Some(Self::Zip),
            _ => None,
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Png | Self::Jpeg | Self::WebP | Self::Gif)
    }
}

/// Why a file (or an upload) was refused; each says what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    NoFiles,
    TooMany,
    TooLarge,
    Empty,
    /// Not one of the accepted kinds (an `.exe` named `.png` included).
    Unsupported,
    /// SVG or HTML: markup that could run script if ever opened inline.
    Markup,
    /// The upload ended before the file did.
    Interrupted,
}

impl Refusal {
    pub const ALL: [Refusal; 7] = [
        Self::NoFiles,
        Self::TooMany,
        Self::TooLarge,
        Self::Empty,
        Self::Unsupported,
        Self::Markup,
        Self::Interrupted,
    ];

    pub fn message(self) -> &'static str {
        match self {
            Self::NoFiles => "Choose at least one file to attach.",
            Self::TooMany => "Attach at most 5 files at a time.",
            Self::TooLarge => "Each file can be at most 10 MB. Compress it or split it into parts.",
            Self::Empty => "One of the files is empty.",
            Self::Unsupported => {
                "That kind of file can't be attached. Use an image (PNG, JPEG, WebP, GIF), PDF, text, CSV, log or zip file."
            }
            Self::Markup => {
                "SVG and HTML files can't be attached. Export the image as PNG, or zip the file."
            }
            Self::Interrupted => "The upload was interrupted. Please try again.",
        }
    }

    /// Travels in the page's address after a form post without JavaScript
    /// (`?attach_error=too_large`): a code, so a link cannot put words on the page.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoFiles => "no_files",
            Self::TooMany => "too_many",
            Self::TooLarge => "too_large",
            Self::Empty => "empty",
            Self::Unsupported => "unsupported",
            Self::Markup => "markup",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The kind of a file from its first bytes: `sniffed` is what a magic-number
/// sniffer made of them (`None`: no known binary format). Text is accepted
/// when the bytes are UTF-8 without the control characters of binary
/// formats and are not SVG or HTML; it is CSV
/// when the name says so (both are served as inert downloads).
pub fn classify(head: &[u8], sniffed: Option<&str>, name: &str) -> Result<FileKind, Refusal> {
    if head.is_empty() {
        return Err(Refusal::Empty);
    }
    if let Some(mime) = sniffed {
        if mime.contains("xml") || mime.contains("html") {
            return Err(Refusal::Markup);
        }
        return FileKind::from_sniffed(mime).ok_or(Refusal::Unsupported);
    }
    let text = utf8_prefix(head).ok_or(Refusal::Unsupported)?;
    if text.chars().any(is_binary_control) {
        return Err(Refusal::Unsupported);
    }
    if looks_like_markup(text) {
        return Err(Refusal::Markup);
    }
    if name.to_ascii_lowercase().ends_with(".csv") {
        Ok(FileKind::Csv)
    } else {
        Ok(FileKind::Text)
    }
}

/// Control characters text files do not contain: all but tab, line feed,
/// form feed, carriage return and escape (logs colour their lines with it).
fn is_binary_control(c: char) -> bool {
    c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\x0c' | '\r' | '\x1b')
}

/// `head` as text, allowing a character cut at its end.
fn utf8_prefix(head: &[u8]) -> Option<&str> {
    match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

fn looks_like_markup(text: &str) -> bool {
    let lower = text.trim_start_matches('\u{feff}').to_ascii_lowercase();
    ["<svg", "<!doctype html", "<html", "<?xml"]
        .iter()
        .any(|tag| lower.trim_start().starts_with(tag))
        || lower.contains("<svg")
}

/// A name safe to store and to put in `Content-Disposition`: the last part
/// of any path, without control characters or quotes, trimmed, at most
/// [`MAX_NAME_CHARS`] (keeping the extension), never empty or a dot name.
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\u{202e}' | '\u{202d}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return "attachment".to_owned();
    }
    shorten(cleaned)
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| ext.chars().count() <= 10)
        .unwrap_or_default();
    let keep = MAX_NAME_CHARS - extension.chars().count() - 1;
    let stem: String = name.chars().take(keep).collect();
    if extension.is_empty() {
        stem
    } else {
        format!("{stem}.{extension}")
    }
}

/// "2.4 MB", "830 KB", "12 bytes".
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    match bytes {
        b if b >= MB => format!("{:.1} MB", b as f64 / MB as f64),
        b if b >= KB => format!("{} KB", b.div_ceil(KB)),
        1 => "1 byte".to_owned(),
        b => format!("{b} bytes"),
    }
}

/// A file on a message, as the thread shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub id: Uuid,
    pub name: String,
    /// "2.4 MB".
    pub size: String,
    /// A re-encoded preview exists (images only).
    pub thumbnail: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffed_binary_kinds_decide_whatever_the_name() {
        let png = classify(b"\x89PNG...", Some("image/png"), "shot.txt");
        assert_eq!(png, Ok(FileKind::Png));
        let exe = classify(
            b"MZ\x90\0",
            Some("application/vnd.microsoft.portable-executable"),
            "x.png",
        );
        assert_eq!(exe, Err(Refusal::Unsupported));
        let xml = classify(b"<?xml version=\"1.0\"?><svg/>", Some("text/xml"), "a.png");
        assert_eq!(xml, Err(Refusal::Markup));
    }

    #[test]
    fn text_is_accepted_but_binary_and_markup_are_not() {
        assert_eq!(classify(b"a,b\n1,2\n", None, "data.CSV"), Ok(FileKind::Csv));
        assert_eq!(
            classify(b"error at line 3", None, "app.log"),
            Ok(FileKind::Text)
        );
        let coloured = b"\x1b[31mERROR\x1b[0m\tdisk full\r\n";
        assert_eq!(classify(coloured, None, "app.log"), Ok(FileKind::Text));
        assert_eq!(
            classify(b"\x7fELF\x02\x01\x01", None, "x.txt"),
            Err(Refusal::Unsupported)
        );
        assert_eq!(
            classify(b"\0\x01\x02binary", None, "x.txt"),
            Err(Refusal::Unsupported)
        );
        assert_eq!(
            classify(&[0xff, 0xfe, 0x00], None, "x.txt"),
            Err(Refusal::Unsupported)
        );
        let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        assert_eq!(classify(svg, None, "logo.png"), Err(Refusal::Markup));
        assert_eq!(
            classify(b"  <!DOCTYPE html><p>hi", None, "a.txt"),
            Err(Refusal::Markup)
        );
        assert_eq!(classify(b"", None, "a.txt"), Err(Refusal::Empty));
    }

    #[test]
    fn a_character_cut_by_the_sniff_window_is_still_text() {
        let mut head = "café ".repeat(10).into_bytes();
        head.extend_from_slice(&"é".as_bytes()[..1]);
        assert_eq!(classify(&head, None, "notes.txt"), Ok(FileKind::Text));
    }

    #[test]
    fn file_names_lose_paths_controls_and_leading_dots() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\me\\shot.png"), "shot.png");
        assert_eq!(clean_file_name("bad\r\nname\u{0}.txt"), "badname.txt");
        assert_eq!(clean_file_name("say \"hi\".txt"), "say hi.txt");
        assert_eq!(clean_file_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_file_name(".."), "attachment");
        assert_eq!(clean_file_name(".env"), "env");
        assert_eq!(clean_file_name(""), "attachment");
        let long = format!("{}.png", "a".repeat(300));
        let short = clean_file_name(&long);
        assert_eq!(short.chars().count(), MAX_NAME_CHARS);
        assert!(short.ends_with(".png"));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(900), "900 bytes");
        assert_eq!(human_size(1025), "2 KB");
        assert_eq!(human_size(MAX_FILE_BYTES), "10.0 MB");
    }

    #[test]
    fn refusal_codes_round_trip_and_unknown_codes_show_nothing() {
        for refusal in Refusal::ALL {
            assert_eq!(Refusal::from_code(refusal.code()), Some(refusal));
        }
        assert_eq!(Refusal::from_code("<script>"), None);
    }
}
