//! Canned replies: answers staff write once and insert into any ticket's
//! reply, with placeholders (`{{first_name}}`, `{{plan}}` …) filled from
//! that ticket. A placeholder that is not one of [`PLACEHOLDERS`] is refused
//! when the reply is saved, so a typo never reaches a customer as
//! `{{frist_name}}`.

use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const TITLE_MAX_CHARS: usize = 80;

/// Every placeholder, with what it becomes (for the editor's hint).
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("customer_name", "the requester's full name"),
    ("first_name", "the requester's first name"),
    ("organization", "the customer's organization"),
    ("plan", "the organization's plan"),
    ("ticket_subject", "the ticket's subject"),
    ("agent_name", "your name"),
];

/// A saved canned reply, for the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub updated_on: String,
}

/// A validated canned reply form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedReplyInput {
    pub title: String,
    pub body: String,
}

impl CannedReplyInput {
    pub fn parse(title: &str, body: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", parse_title(title));
        let body = errors.check("body", parse_body(body));
        match (title, body) {
            (Some(title), Some(body)) => Ok(Self { title, body }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

fn parse_title(title: &str) -> Result<String, String> {
    let title = title.trim();
    if title.is_empty() {
        return Err("Give it a title staff will recognise.".into());
    }
    if title.chars().count() > TITLE_MAX_CHARS {
        return Err(format!(
            "Keep the title under {TITLE_MAX_CHARS} characters."
        ));
    }
    if title.chars().any(char::is_control) {
        return Err("The title cannot contain control characters.".into());
    }
    Ok(title.to_owned())
}

fn parse_body(body: &str) -> Result<String, String> {
    let body = crate::support::parse_reply(body)
        .map_err(|e| e.field("body").unwrap_or_else(|| "Write the reply.".into()))?;
    for name in placeholders(&body)? {
        if !PLACEHOLDERS.iter().any(|(known, _)| *known == name) {
            let known: Vec<String> = PLACEHOLDERS
                .iter()
                .map(|(n, _)| format!("{{{{{n}}}}}"))
                .collect();
            return Err(format!(
                "{{{{{name}}}}} is not a placeholder. Use one of: {}.",
                known.join(", ")
            ));
        }
    }
    Ok(body)
}

/// The names between `{{` and `}}`, trimmed; an unclosed `{{` is an error.
fn placeholders(body: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "A placeholder is missing its closing }}.".to_owned())?;
        names.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    Ok(names)
}

/// What the placeholders of one ticket stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceholderValues {
    pub customer_name: String,
    pub organization: String,
    pub plan: String,
    pub ticket_subject: String,
    pub agent_name: String,
}

impl PlaceholderValues {
    fn value(&self, name: &str) -> Option<&str> {
        Some(match name {
            "customer_name" => &self.customer_name,
            "first_name" => self
                .customer_name
                .split_whitespace()
                .next()
                .unwrap_or_default(),
            "organization" => &self.organization,
            "plan" => &self.plan,
            "ticket_subject" => &self.ticket_subject,
            "agent_name" => &self.agent_name,
            _ => return None,
        })
    }
}

/// The body with every placeholder replaced. A name that is not known
/// (saved before the list changed) stays as written, for staff to see.
pub fn fill(body: &str, values: &PlaceholderValues) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        match values.value(after[..end].trim()) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> PlaceholderValues {
        PlaceholderValues {
            customer_name: "Ada Lovelace".into(),
            organization: "Analytical Ltd".into(),
            plan: "Pro".into(),
            ticket_subject: "Export fails".into(),
            agent_name: "Sam".into(),
        }
    }

    #[test]
    fn placeholders_are_filled_from_the_ticket() {
        let body = "Hi {{first_name}},\n{{ organization }} is on {{plan}} ({{customer_name}}, \"{{ticket_subject}}\").\n— {{agent_name}}";
        assert_eq!(
            fill(body, &values()),
            "Hi Ada,\nAnalytical Ltd is on Pro (Ada Lovelace, \"Export fails\").\n— Sam"
        );
        assert_eq!(fill("No placeholders {", &values()), "No placeholders {");
        assert_eq!(fill("Old {{gone}} stays", &values()), "Old {{gone}} stays");
        let nameless = PlaceholderValues::default();
        assert_eq!(fill("Hi {{first_name}}!", &nameless), "Hi !");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_refused_when_saved() {
        let ok = CannedReplyInput::parse("  Refund  ", "Hi {{first_name}}").unwrap();
        assert_eq!(ok.title, "Refund");
        let Err(AppError::Validation(errors)) = CannedReplyInput::parse("T", "Hi {{frist_name}}")
        else {
            panic!("a typo must be refused");
        };
        let message = errors.get("body").unwrap();
        assert!(
            message.contains("{{frist_name}} is not a placeholder"),
            "{message}"
        );
        assert!(message.contains("{{first_name}}"), "{message}");
        assert!(CannedReplyInput::parse("T", "Hi {{first_name").is_err());
        let Err(AppError::Validation(errors)) = CannedReplyInput::parse("", "") else {
            panic!("empty must be refused");
        };
        assert!(errors.get("title").is_some() && errors.get("body").is_some());
        assert!(CannedReplyInput::parse(&"t".repeat(81), "x").is_err());
    }
}
