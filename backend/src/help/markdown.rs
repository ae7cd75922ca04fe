//! Article Markdown as HTML a browser can be given, and as plain text for
//! search. `pulldown-cmark` parses (CommonMark, tables, strikethrough);
//! `ammonia` then keeps only inert HTML: no scripts, event handlers, styles,
//! or `javascript:` links, whatever raw HTML the Markdown contained.

use pulldown_cmark::{html, Event, Options, Parser, TagEnd};

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
}

/// Sanitised HTML of an article's Markdown.
pub fn to_html(markdown: &str) -> String {
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser(markdown));
    ammonia::clean(&unsafe_html)
}

/// The words of an article's Markdown without its syntax or raw HTML: what
/// search indexes and snippets quote. Blocks end with a line break.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in parser(markdown) {
        match event {
            Event::Text(words) | Event::Code(words) => text.push_str(&words),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => text.push('\n'),
            _ => {}
        }
    }
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_html("## Steps\n\n1. Open **Billing**\n2. Click [Download](/billing)");
        assert!(html.contains("<h2>Steps</h2>"), "{html}");
        assert!(html.contains("<strong>Billing</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="/billing" rel="noopener noreferrer">Download</a>"#),
            "{html}"
        );
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_made_inert() {
        let html = to_html(
            "<script>alert(1)</script>\n\n[click](javascript:alert(2)) \
             <img src=x onerror=alert(3)> <a href=\"javascript:alert(4)\">raw</a>\n\n\
             <iframe src=\"https://evil.example\"></iframe><style>*{}</style>",
        );
        for forbidden in [
            "<script",
            "javascript:",
            "onerror",
            "<iframe",
            "<style",
            "alert(1)",
        ] {
            assert!(!html.contains(forbidden), "{forbidden} survived: {html}");
        }
        assert!(html.contains("click"), "the link text stays: {html}");
    }

    #[test]
    fn plain_text_has_the_words_without_the_syntax_or_tags() {
        let text = to_text("# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n\n<b>raw</b>");
        assert_eq!(text, "Title\nSome bold and code.\none\ntwo\nraw");
    }
}
