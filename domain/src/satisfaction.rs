//! Satisfaction (CSAT): after support resolves a ticket, its requester rates
//! it good or bad, with an optional comment. The console reads the share of
//! good ratings per week and per agent.

use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const COMMENT_MAX_CHARS: usize = 2000;

/// How the requester felt about the help they got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum Rating {
    Good,
    Bad,
}

impl Rating {
    pub const ALL: &'static [Rating] = &[Rating::Good, Rating::Bad];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::Bad => "bad",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Good => "Good",
            Rating::Bad => "Bad",
        }
    }

    /// `good` or `bad`, as forms and links send it.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == value.trim())
    }
}

/// A validated rating form, alike in the browser and on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingInput {
    pub rating: Rating,
    /// Trimmed; empty when none was written.
    pub comment: String,
}

impl RatingInput {
    pub fn parse(rating: &str, comment: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let rating = errors.check(
            "rating",
            Rating::parse(rating).ok_or_else(|| "Choose good or bad.".to_owned()),
        );
        let comment = errors.check("comment", parse_comment(comment));
        match (rating, comment) {
            (Some(rating), Some(comment)) => Ok(Self { rating, comment }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

fn parse_comment(comment: &str) -> Result<String, String> {
    let comment = comment.trim();
    if comment.chars().count() > COMMENT_MAX_CHARS {
        return Err(format!(
            "Keep the comment under {COMMENT_MAX_CHARS} characters."
        ));
    }
    if comment
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("The comment cannot contain control characters.".into());
    }
    Ok(comment.to_owned())
}

/// A ticket's rating as its thread shows it (only once it can be rated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// The viewer is the requester: they may rate (or rate again).
    pub can_rate: bool,
    pub given: Option<GivenRating>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenRating {
    pub rating: Rating,
    pub comment: String,
    pub rated_on: String,
}

/// What the emailed rating link opens: the ticket's subject and any rating
/// already given, and nothing else of the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingLinkView {
    pub subject: String,
    pub given: Option<GivenRating>,
}

/// The console's satisfaction page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionReport {
    /// Newest week first, quiet weeks included.
    pub weeks: Vec<CsatWeek>,
    /// Over the same weeks, most ratings first.
    pub agents: Vec<CsatAgent>,
    /// The latest ratings that came with a comment.
    pub comments: Vec<CsatComment>,
}

/// Good and bad ratings of some set; CSAT is the share of good ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub good: i64,
    pub bad: i64,
}

impl Tally {
    pub fn rated(self) -> i64 {
        self.good + self.bad
    }

    /// "92%", or "—" with no ratings (0% would claim everyone was unhappy).
    pub fn score(self) -> String {
        match self.rated() {
            0 => "—".into(),
            rated => format!("{}%", (self.good * 100 + rated / 2) / rated),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatWeek {
    pub week_of: String,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatAgent {
    /// "Unassigned" when no staff member was credited.
    pub name: String,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatComment {
    pub ticket_id: Uuid,
    pub subject: String,
    pub organization_name: String,
    pub agent_name: Option<String>,
    pub rating: Rating,
    pub comment: String,
    pub rated_on: String,
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} good ({})",
            self.good,
            self.rated(),
            self.score()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_needs_a_choice_and_a_short_comment() {
        let ok = RatingInput::parse("good", "  Quick and kind.  ").unwrap();
        assert_eq!(ok.rating, Rating::Good);
        assert_eq!(ok.comment, "Quick and kind.");
        assert_eq!(RatingInput::parse("bad", "").unwrap().comment, "");

        let Err(AppError::Validation(errors)) = RatingInput::parse("meh", "") else {
            panic!("an unknown rating must be refused");
        };
        assert_eq!(errors.get("rating"), Some("Choose good or bad."));

        let long = "x".repeat(COMMENT_MAX_CHARS + 1);
        let Err(AppError::Validation(errors)) = RatingInput::parse("good", &long) else {
            panic!("a long comment must be refused");
        };
        assert!(errors.get("comment").unwrap().contains("2000"));
        assert!(RatingInput::parse("good", "a\u{7}b").is_err());
    }

    #[test]
    fn the_score_is_the_rounded_share_of_good_ratings() {
        assert_eq!(Tally { good: 0, bad: 0 }.score(), "—");
        assert_eq!(Tally { good: 2, bad: 1 }.score(), "67%");
        assert_eq!(Tally { good: 1, bad: 2 }.score(), "33%");
        assert_eq!(Tally { good: 5, bad: 0 }.score(), "100%");
        assert_eq!(Tally { good: 1, bad: 1 }.to_string(), "1 of 2 good (50%)");
    }
}
