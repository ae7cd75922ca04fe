mod actions;
mod sentence;

pub use actions::{AuditCategory, ACTIONS};
pub use sentence::{sentence, title, EntryFacts};

use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;

/// Entries per page.
pub const PAGE_SIZE: i64 = 50;

/// The filter as it arrives from the URL or the form: every field optional text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilterInput {
    /// The email of the person who acted.
    pub actor: Option<String>,
    /// One of [`AuditCategory::as_str`].
    pub category: Option<String>,
    /// An exact action or target type (the API's finer filters).
    pub action: Option<String>,
    pub target_type: Option<String>,
    /// First day included, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// Keyset cursor: the id of the last entry of the previous page.
    pub before: Option<i64>,
}

/// A validated filter. Blank fields mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub category: Option<AuditCategory>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub before: Option<i64>,
}

impl AuditFilterInput {
    pub fn parse(&self) -> Result<AuditFilter, AppError> {
        let mut errors = FieldErrors::new();
        let from = errors
            .check("from", parse_day(self.from.as_deref()))
            .flatten();
        let to = errors.check("to", parse_day(self.to.as_deref())).flatten();
        let category = match non_blank(&self.category) {
            None => None,
            Some(value) => {
                let known = AuditCategory::parse(&value);
                if known.is_none() {
                    errors.add("category", "Choose a category from the list.");
                }
                known
            }
        };
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.add("to", "The end date is before the start date.");
            }
        }
        errors.into_result()?;
        Ok(AuditFilter {
            // Actor emails are stored lower-case, like every email.
            actor: non_blank(&self.actor).map(|a| a.to_lowercase()),
            category,
            action: non_blank(&self.action),
            target_type: non_blank(&self.target_type),
            from,
            to,
            before: self.before,
        })
    }

    /// The query string of this filter (without the cursor), for links.
    pub fn query_string(&self) -> String {
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        crate::query::query_string(&[
            ("actor", value(&self.actor)),
            ("category", value(&self.category)),
            ("action", value(&self.action)),
            ("target_type", value(&self.target_type)),
            ("from", value(&self.from)),
            ("to", value(&self.to)),
        ])
    }
}

fn non_blank(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a date as YYYY-MM-DD.")]
pub struct InvalidDay;

fn parse_day(input: Option<&str>) -> Result<Option<Date>, InvalidDay> {
    let Some(input) = input.map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    let mut parts = input.splitn(3, '-');
    let mut number = || parts.next().and_then(|p| p.parse::<i32>().ok());
    let (Some(year), Some(month), Some(day)) = (number(), number(), number()) else {
        return Err(InvalidDay);
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or(InvalidDay)?;
    let day = u8::try_from(day).map_err(|_| InvalidDay)?;
    Date::from_calendar_date(year, month, day)
        .map(Some)
        .map_err(|_| InvalidDay)
}

/// One page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLogPage {
    pub entries: Vec<AuditLogEntry>,
    /// The cursor of the next (older) page, if there is one.
    pub next_before: Option<i64>,
}

/// Someone the log can be filtered by (a member of the organization).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPerson {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLogEntry {
    pub id: i64,
    /// To the second, in the reader's zone.
    pub at: crate::dates::Moment,
    /// What happened, as a sentence: "Olivia Owens changed Max Moreau's role
    /// from Member to Admin".
    pub sentence: String,
    /// The actor's email as recorded.
    pub actor: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub changes: Vec<FieldChange>,
}

/// One field of an entry's before/after difference, values as JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The fields of `before` and `after` side by side, in key order. Objects are
/// compared key by key; any other value counts as one field named "value".
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    fn fields(value: Option<&Value>) -> Vec<(String, &Value)> {
        match value {
            None | Some(Value::Null) => Vec::new(),
            // A null field reads as "none", like a missing one.
            Some(Value::Object(map)) => map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v))
                .collect(),
            Some(other) => vec![("value".to_owned(), other)],
        }
    }
    fn show(value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }
    let before = fields(before);
    let after = fields(after);
    let mut names: Vec<&String> = before.iter().chain(after.iter()).map(|(k, _)| k).collect();
    names.sort();
    names.dedup();
    let find = |list: &[(String, &Value)], name: &str| {
        list.iter().find(|(k, _)| k == name).map(|(_, v)| show(v))
    };
    names
        .into_iter()
        .map(|name| FieldChange {
            field: name.clone(),
            before: find(&before, name),
            after: find(&after, name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_pairs_fields_of_both_sides() {
        let changes = diff(
            Some(&json!({ "billing_email": "old@x.io", "same": 1 })),
            Some(&json!({ "billing_email": "new@x.io", "same": 1, "added": true })),
        );
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    field: "added".into(),
                    before: None,
                    after: Some("true".into())
                },
                FieldChange {
                    field: "billing_email".into(),
                    before: Some("old@x.io".into()),
                    after: Some("new@x.io".into())
                },
                FieldChange {
                    field: "same".into(),
                    before: Some("1".into()),
                    after: Some("1".into())
                },
            ]
        );
        assert!(!changes[2].changed());
        assert!(diff(None, None).is_empty());
        let set = diff(
            Some(&json!({ "billing_email": null })),
            Some(&json!({ "billing_email": "a@b.io" })),
        );
        assert_eq!(set[0].before, None, "null shows as none");
        assert_eq!(diff(None, Some(&json!("x")))[0].field, "value");
    }

    #[test]
    fn filter_parses_dates_and_blank_fields() {
        let input = AuditFilterInput {
            actor: Some(" Ada@Example.com ".into()),
            action: Some("  ".into()),
            from: Some("2026-11-01".into()),
            to: Some("2026-11-30".into()),
            ..AuditFilterInput::default()
        };
        let filter = input.parse().unwrap();
        assert_eq!(filter.actor.as_deref(), Some("ada@example.com"));
        assert_eq!(filter.action, None);
        assert_eq!(filter.from.unwrap().to_string(), "2026-11-01");
    }

    #[test]
    fn filter_rejects_bad_and_reversed_dates() {
        let bad = AuditFilterInput {
            from: Some("2026-13-01".into()),
            ..Default::default()
        };
        assert!(bad.parse().unwrap_err().field("from").is_some());
        let reversed = AuditFilterInput {
            from: Some("2026-11-02".into()),
            to: Some("2026-11-01".into()),
            ..Default::default()
        };
        assert!(reversed.parse().unwrap_err().field("to").is_some());
        let unknown = AuditFilterInput {
            category: Some("widgets".into()),
            ..Default::default()
        };
        assert!(unknown.parse().unwrap_err().field("category").is_some());
        let team = AuditFilterInput {
            category: Some("team".into()),
            ..Default::default()
        };
        assert_eq!(team.parse().unwrap().category, Some(AuditCategory::Team));
    }

    #[test]
    fn query_string_keeps_only_set_fields_encoded() {
        let input = AuditFilterInput {
            actor: Some("a+b@x.io".into()),
            to: Some("2026-11-30".into()),
            before: Some(9),
            ..Default::default()
        };
        assert_eq!(input.query_string(), "actor=a%2Bb%40x.io&to=2026-11-30");
    }
}
