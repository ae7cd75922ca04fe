//! Wire types of the help center and its rules without I/O: article
//! categories, the search box's input, and search snippets split into plain
//! and highlighted text (so no markup from an article ever reaches the page
//! as HTML through a snippet). Compiled for both targets.

use crate::error::{AppError, FieldErrors};
use crate::support::{choice_enum, UnknownChoice};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Longer searches are refused rather than cut: a pasted log line is not a
/// question, and the limit keeps a search's cost bounded.
pub const SEARCH_MAX_CHARS: usize = 200;
/// Articles suggested beside the new-ticket form.
pub const SUGGESTIONS: usize = 3;
/// Search results shown at once (the best first).
pub const SEARCH_RESULTS: usize = 10;
/// Where a highlighted term starts and ends in a snippet from the database:
/// private-use characters, which no article text contains.
pub const HIGHLIGHT_START: char = '\u{E000}';
pub const HIGHLIGHT_STOP: char = '\u{E001}';

/// What an article is about; the help center groups articles by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
pub enum HelpCategory {
    Billing,
    Account,
    Team,
    ApiKeys,
    Usage,
    Support,
}

choice_enum!(HelpCategory, "billing, account, team, api_keys, usage, support", [
    Billing => "billing", "Billing and invoices",
    Account => "account", "Account and security",
    Team => "team", "Team",
    ApiKeys => "api_keys", "API keys",
    Usage => "usage", "Usage and limits",
    Support => "support", "Support",
]);

/// A piece of a search snippet: text as typed, highlighted where it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlight {
    pub text: String,
    pub matched: bool,
}

/// Splits a snippet marked with `HIGHLIGHT_START`/`HIGHLIGHT_STOP` into
/// pieces. Unbalanced markers never lose text.
pub fn highlights(snippet: &str) -> Vec<Highlight> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut matched = false;
    for c in snippet.chars() {
        let toggles = (c == HIGHLIGHT_START && !matched) || (c == HIGHLIGHT_STOP && matched);
        if toggles {
            if !text.is_empty() {
                pieces.push(Highlight {
                    text: std::mem::take(&mut text),
                    matched,
                });
            }
            matched = !matched;
        } else if c != HIGHLIGHT_START && c != HIGHLIGHT_STOP {
            text.push(c);
        }
    }
    if !text.is_empty() {
        pieces.push(Highlight { text, matched });
    }
    pieces
}

/// The help center's search box: trimmed, at most `SEARCH_MAX_CHARS`.
/// Empty means "no search" (the page lists every article).
pub fn parse_search(query: &str) -> Result<String, AppError> {
    let query = query.trim();
    if query.chars().count() > SEARCH_MAX_CHARS {
        return Err(AppError::Validation(FieldErrors::single(
            "q",
            format!("Use at most {SEARCH_MAX_CHARS} characters."),
        )));
    }
    Ok(query.to_owned())
}

/// A "was this helpful?" answer as the form posts it.
pub fn parse_helpful(answer: &str) -> Result<bool, AppError> {
    match answer.trim() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(AppError::Validation(FieldErrors::single(
            "helpful",
            "Answer yes or no.",
        ))),
    }
}

/// An article in a list or a search result. `snippet` is empty when the
/// list is not a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub snippet: Vec<Highlight>,
}

/// The help center's front page or a search's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpIndex {
    /// The search as understood (trimmed); empty for the front page.
    pub query: String,
    pub articles: Vec<ArticleSummary>,
}

/// A published article, rendered to sanitised HTML on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub html: String,
    pub updated_on: String,
    /// This reader's "was this helpful?" answer, if they gave one.
    pub your_answer: Option<bool>,
}

// ------------------------------------------------------------ staff

pub const TITLE_MAX_CHARS: usize = 120;
pub const SLUG_MAX_CHARS: usize = 80;
pub const BODY_MAX_CHARS: usize = 50_000;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX_CHARS: usize = 30;

/// An article as staff write it, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    pub title: String,
    pub slug: String,
    pub category: HelpCategory,
    pub tags: Vec<String>,
    pub body: String,
    pub published: bool,
}

impl ArticleInput {
    /// The editor's fields. An empty `slug` is made from the title; `tags`
    /// are comma-separated; `published` is the checkbox (`on` when ticked).
    pub fn parse(
        title: &str,
        slug: &str,
        category: &str,
        tags: &str,
        body: &str,
        published: &str,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", parse_title(title));
        let slug = match slug.trim() {
            "" => title.as_deref().map(slugify).unwrap_or_default(),
            typed => typed.to_owned(),
        };
        let slug = errors.check("slug", parse_slug(&slug));
        let category = errors.check("category", category.parse::<HelpCategory>());
        let tags = errors.check("tags", parse_tags(tags));
        let body = errors.check("body", parse_body(body));
        match (title, slug, category, tags, body) {
            (Some(title), Some(slug), Some(category), Some(tags), Some(body)) => Ok(Self {
                title,
                slug,
                category,
                tags,
                body,
                published: matches!(published.trim(), "on" | "true"),
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

fn parse_title(title: &str) -> Result<String, String> {
    let title = title.trim();
    match title.chars().count() {
        0 => Err("Enter a title.".into()),
        n if n > TITLE_MAX_CHARS => Err(format!("Use at most {TITLE_MAX_CHARS} characters.")),
        _ => Ok(title.to_owned()),
    }
}

/// The address of an article: lower-case letters and digits in words joined
/// by single hyphens ("download-an-invoice").
pub fn parse_slug(slug: &str) -> Result<String, String> {
    let valid_words = slug.split('-').all(|word| {
        !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if slug.is_empty() || !valid_words {
        Err("Use lower-case letters, digits and single hyphens, e.g. download-an-invoice.".into())
    } else if slug.len() > SLUG_MAX_CHARS {
        Err(format!("Use at most {SLUG_MAX_CHARS} characters."))
    } else {
        Ok(slug.to_owned())
    }
}

/// A slug made from a title: ASCII letters and digits, other runs become
/// one hyphen ("Pay an invoice that failed!" → "pay-an-invoice-that-failed").
pub fn slugify(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut slug = String::new();
    for word in words {
        if slug.len() + word.len() + 1 > SLUG_MAX_CHARS {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug
}

fn parse_tags(tags: &str) -> Result<Vec<String>, String> {
    let mut parsed: Vec<String> = Vec::new();
    for tag in tags.split(',').map(|t| t.trim().to_lowercase()) {
        if tag.is_empty() || parsed.contains(&tag) {
            continue;
        }
        if tag.chars().count() > TAG_MAX_CHARS {
            return Err(format!("Keep each tag under {TAG_MAX_CHARS} characters."));
        }
        parsed.push(tag);
    }
    if parsed.len() > TAGS_MAX {
        return Err(format!("Use at most {TAGS_MAX} tags."));
    }
    Ok(parsed)
}

fn parse_body(body: &str) -> Result<String, String> {
    let body = body.trim();
    match body.chars().count() {
        0 => Err("Write the article.".into()),
        n if n > BODY_MAX_CHARS => Err(format!("Use at most {BODY_MAX_CHARS} characters.")),
        _ => Ok(body.to_owned()),
    }
}

/// An article in the console's list, with how it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffArticle {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub published: bool,
    pub updated_on: String,
    pub helpful_yes: i64,
    pub helpful_no: i64,
    /// Suggestions of it opened from the ticket form in the last 30 days
    /// with no ticket from that reader within the hour after.
    pub deflections: i64,
}

/// One week of the number the portal is judged by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeflectionWeek {
    /// "Nov 23, 2026": the Monday the week starts.
    pub week_of: String,
    pub suggestions_opened: i64,
    pub deflections: i64,
    pub tickets_opened: i64,
}

/// The console's help center page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpReport {
    pub articles: Vec<StaffArticle>,
    /// The last eight weeks, newest first.
    pub weeks: Vec<DeflectionWeek>,
}

/// An article as the editor loads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleDraft {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub tags: Vec<String>,
    pub body: String,
    pub published: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(s: &str) -> String {
        s.replace('[', &HIGHLIGHT_START.to_string())
            .replace(']', &HIGHLIGHT_STOP.to_string())
    }

    fn render(pieces: &[Highlight]) -> String {
        pieces
            .iter()
            .map(|p| {
                if p.matched {
                    format!("<{}>", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn highlighted_terms_are_split_from_the_text_around_them() {
        let pieces = highlights(&marked("Open [Billing] and [download] the PDF"));
        assert_eq!(render(&pieces), "Open <Billing> and <download> the PDF");
        assert_eq!(pieces.len(), 5);
    }

    #[test]
    fn markup_in_a_snippet_stays_text() {
        let pieces = highlights(&marked("<script>[x]</script>"));
        assert_eq!(pieces[0].text, "<script>");
        assert!(!pieces[0].matched);
    }

    #[test]
    fn unbalanced_markers_lose_no_text() {
        assert_eq!(render(&highlights(&marked("a]b[c"))), "ab<c>");
        assert_eq!(render(&highlights(&marked("[[a]]"))), "<a>");
        assert!(highlights("").is_empty());
    }

    #[test]
    fn long_searches_are_refused_and_short_ones_trimmed() {
        assert_eq!(parse_search("  invoice  ").unwrap(), "invoice");
        assert!(parse_search(&"a".repeat(SEARCH_MAX_CHARS)).is_ok());
        let Err(AppError::Validation(errors)) = parse_search(&"a".repeat(SEARCH_MAX_CHARS + 1))
        else {
            panic!("a long search must be refused");
        };
        assert!(errors.get("q").is_some());
    }

    #[test]
    fn helpful_answers_are_yes_or_no() {
        assert!(parse_helpful("yes").unwrap());
        assert!(!parse_helpful("no").unwrap());
        assert!(parse_helpful("maybe").is_err());
    }

    #[test]
    fn categories_round_trip_through_their_text() {
        for category in HelpCategory::ALL {
            assert_eq!(category.as_str().parse::<HelpCategory>(), Ok(*category));
        }
        assert!("apikeys".parse::<HelpCategory>().is_err());
    }

    #[test]
    fn an_article_needs_a_title_a_valid_address_a_category_and_a_body() {
        let article = ArticleInput::parse(
            " Pay an invoice that failed! ",
            "",
            "billing",
            "Card, declined, card,  ",
            "Steps",
            "on",
        )
        .unwrap();
        assert_eq!(article.slug, "pay-an-invoice-that-failed");
        assert_eq!(article.tags, ["card", "declined"]);
        assert!(article.published);

        let Err(AppError::Validation(errors)) =
            ArticleInput::parse("", "Bad Slug", "nope", "", " ", "")
        else {
            panic!("every field is wrong");
        };
        for field in ["title", "slug", "category", "body"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let many = (0..=TAGS_MAX)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(ArticleInput::parse("T", "", "team", &many, "B", "").is_err());
        assert!(
            !ArticleInput::parse("T", "", "team", "", "B", "")
                .unwrap()
                .published
        );
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_single_hyphens() {
        assert!(parse_slug("download-an-invoice").is_ok());
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "a b", "ü"] {
            assert!(parse_slug(bad).is_err(), "{bad:?}");
        }
        assert_eq!(slugify("Über 2FA: set-up & more"), "ber-2fa-set-up-more");
        assert!(slugify(&"word ".repeat(40)).len() <= SLUG_MAX_CHARS);
        assert_eq!(slugify("!!!"), "");
    }
}
