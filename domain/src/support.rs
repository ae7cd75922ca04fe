//! Wire types of support and its rules without I/O: the ticket fields and
//! their validation, the status model, and how message text is split into
//! plain text and links. Compiled for both targets.

use crate::attachments::AttachmentInfo;
use crate::dates::Moment;
use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Tickets per page, in the customer's list and the staff console.
pub const TICKETS_PER_PAGE: u32 = 20;
pub const SUBJECT_MAX_CHARS: usize = 150;
pub const MESSAGE_MAX_CHARS: usize = 10_000;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum TicketStatus {
    /// Waiting on staff.
    Open,
    /// Waiting on the customer: staff replied.
    Pending,
    /// Staff consider it solved; a customer reply reopens it.
    Resolved,
    Closed,
}

/// How urgent the customer says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum TicketPriority {
    Low,
    Normal,
    High,
    Urgent,
}

/// What the ticket is about; routes it to the right people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum TicketCategory {
    Billing,
    Technical,
    Account,
    Other,
}

/// The text of a stored or submitted enum value that is not one of its choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of: {0}.")]
pub struct UnknownChoice(pub(crate) &'static str);

macro_rules! choice_enum {
    ($ty:ident, $choices:literal, [$($variant:ident => $text:literal, $label:literal),+ $(,)?]) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($ty::$variant => $label),+ }
            }
        }

        impl FromStr for $ty {
            type Err = UnknownChoice;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($text => Ok($ty::$variant),)+
                    _ => Err(UnknownChoice($choices)),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

// Other features' choice lists are written the same way.
pub(crate) use choice_enum;

choice_enum!(TicketStatus, "open, pending, resolved, closed", [
    Open => "open", "Open",
    Pending => "pending", "Waiting on you",
    Resolved => "resolved", "Resolved",
    Closed => "closed", "Closed",
]);
choice_enum!(TicketPriority, "low, normal, high, urgent", [
    Low => "low", "Low",
    Normal => "normal", "Normal",
    High => "high", "High",
    Urgent => "urgent", "Urgent",
]);
choice_enum!(TicketCategory, "billing, technical, account, other", [
    Billing => "billing", "Billing",
    Technical => "technical", "Technical",
    Account => "account", "Account",
    Other => "other", "Other",
]);

impl TicketStatus {
    /// The label staff see: "pending" means waiting on the customer.
    pub fn staff_label(self) -> &'static str {
        match self {
            TicketStatus::Pending => "Pending (customer)",
            other => other.label(),
        }
    }

    /// Only finished tickets are rated: a rating of work still under way
    /// would judge the wait, not the help.
    pub fn can_be_rated(self) -> bool {
        matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }

    /// A customer may write into every ticket that is not closed.
    pub fn accepts_customer_reply(self) -> bool {
        self != TicketStatus::Closed
    }

    /// The status after a customer's reply: back to staff.
    pub fn after_customer_reply(self) -> Result<TicketStatus, AppError> {
        match self {
            TicketStatus::Closed => Err(AppError::Conflict(
                "This ticket is closed. Reopen it to write again.".into(),
            )),
            _ => Ok(TicketStatus::Open),
        }
    }

    /// Whether a customer's "reopen" changes anything.
    pub fn can_reopen(self) -> bool {
        matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

// ------------------------------------------------------------ input

fn parse_subject(input: &str) -> Result<String, String> {
    let subject = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.is_empty() {
        return Err("Enter a subject.".into());
    }
    if subject.chars().count() > SUBJECT_MAX_CHARS {
        return Err(format!("Use at most {SUBJECT_MAX_CHARS} characters."));
    }
    Ok(subject)
}

/// Message text: trimmed, line endings normalised to `\n`, non-empty and
/// bounded. Control characters other than newlines and tabs are refused.
pub fn parse_message(input: &str) -> Result<String, String> {
    let body = input.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim();
    if body.is_empty() {
        return Err("Write a message.".into());
    }
    if body.chars().count() > MESSAGE_MAX_CHARS {
        return Err(format!("Use at most {MESSAGE_MAX_CHARS} characters."));
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("Messages cannot contain control characters.".into());
    }
    Ok(body.to_owned())
}

/// A validated "new ticket" form, parsed alike in the browser and on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub subject: String,
    pub category: TicketCategory,
    pub priority: TicketPriority,
    pub body: String,
}

impl NewTicket {
    pub fn parse(
        subject: &str,
        category: &str,
        priority: &str,
        body: &str,
    ) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let subject = errors.check("subject", parse_subject(subject));
        let category = errors.check("category", category.parse::<TicketCategory>());
        let priority = errors.check("priority", priority.parse::<TicketPriority>());
        let body = errors.check("body", parse_message(body));
        match (subject, category, priority, body) {
            (Some(subject), Some(category), Some(priority), Some(body)) => Ok(Self {
                subject,
                category,
                priority,
                body,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A validated reply or internal note.
pub fn parse_reply(body: &str) -> Result<String, AppError> {
    parse_message(body).map_err(|e| AppError::Validation(FieldErrors::single("body", e)))
}

/// The message sent with files: optional, else like a reply.
pub fn parse_note_with_files(body: &str) -> Result<String, AppError> {
    if body.trim().is_empty() {
        return Ok(String::new());
    }
    parse_reply(body)
}

/// An optional filter from a query string: empty means "any".
pub fn parse_filter<T: FromStr>(value: &str, field: &str) -> Result<Option<T>, AppError>
where
    T::Err: fmt::Display,
{
    let value = value.trim();
    if value.is_empty() || value == "all" {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|e: T::Err| AppError::Validation(FieldErrors::single(field, e.to_string())))
}

// ------------------------------------------------------------ customer wire types

/// A ticket in a list (the customer's list, the dashboard, the staff
/// console's "recent tickets"). Never carries message text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    /// "2026-11-25 14:03 UTC".
    pub last_activity_at: Moment,
}

/// One page of the customer's ticket list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub tickets: Vec<TicketSummary>,
    /// Tickets matching the filters (all pages).
    pub total: i64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl TicketPage {
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.per_page)
    }
}

pub fn page_count(total: i64, per_page: u32) -> u32 {
    (total.max(1) as u32).div_ceil(per_page.max(1))
}

/// Who wrote a message, as the customer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum AuthorKind {
    Customer,
    Staff,
}

/// A message of a thread as customers see it. There is no `internal` field:
/// internal notes are filtered out in SQL and have no customer-side type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub author_name: String,
    pub author_kind: AuthorKind,
    /// Empty when the message only carries files.
    pub body: String,
    pub created_at: Moment,
    pub attachments: Vec<AttachmentInfo>,
}

/// A ticket with its customer-visible thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketThread {
    pub id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    pub requester_name: Option<String>,
    pub created_at: Moment,
    pub last_activity_at: Moment,
    pub messages: Vec<Message>,
    /// The rating section, once the ticket is resolved or closed.
    pub satisfaction: Option<crate::satisfaction::Satisfaction>,
}

// ------------------------------------------------------------ staff wire types

/// The signed-in staff member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffMember {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

/// A ticket in the staff console's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffTicketSummary {
    pub id: Uuid,
    pub organization_name: String,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    pub assignee_name: Option<String>,
    pub last_activity_at: Moment,
    /// While the ticket waits on staff.
    pub response_due: Option<ResponseDue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffTicketPage {
    pub tickets: Vec<StaffTicketSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl StaffTicketPage {
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.per_page)
    }
}

/// The console's filters. `assignee`: empty (anyone), `me`, `unassigned`,
/// or a staff user id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaffTicketFilter {
    pub status: Option<TicketStatus>,
    pub priority: Option<TicketPriority>,
    pub category: Option<TicketCategory>,
    pub assignee: AssigneeFilter,
    pub search: String,
    /// Only tickets whose response is overdue.
    pub overdue: bool,
    pub sort: QueueSort,
}

/// The console queue's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    /// Newest activity first.
    #[default]
    Activity,
    /// The response due soonest (the most overdue) first; tickets not
    /// waiting on staff last.
    Due,
}

impl FromStr for QueueSort {
    type Err = UnknownChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "activity" => Ok(Self::Activity),
            "due" => Ok(Self::Due),
            _ => Err(UnknownChoice("activity, due")),
        }
    }
}

/// How long staff have to answer a customer, by priority: from a new ticket
/// (the first response) or from the customer's first unanswered message
/// (the next one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTargets {
    pub urgent: Target,
    pub high: Target,
    pub normal: Target,
    pub low: Target,
}

/// One response target: in calendar time, every minute counts; in business
/// time, only the minutes inside the support desk's business hours
/// (`backend::calendar::BusinessHours`), so a ticket written on Friday
/// evening is not overdue by Monday morning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `30m`, `4h`, `2d`.
    Calendar(std::time::Duration),
    /// `6bh`: hours of business time.
    BusinessHours(std::time::Duration),
    /// `1bd`: whole business days (each as long as the business day), so
    /// Tuesday 11:00 plus one is Wednesday 11:00.
    BusinessDays(u32),
}

impl Default for ResponseTargets {
    fn default() -> Self {
        const HOUR: u64 = 3600;
        Self {
            urgent: Target::Calendar(std::time::Duration::from_secs(HOUR)),
            high: Target::Calendar(std::time::Duration::from_secs(4 * HOUR)),
            normal: Target::BusinessDays(1),
            low: Target::BusinessDays(3),
        }
    }
}

impl ResponseTargets {
    /// `urgent=1h,high=4h,normal=1bd,low=3bd` (any subset; calendar minutes
    /// `m`, hours `h`, days `d`, or business hours `bh` and days `bd`); the
    /// others keep their defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut targets = Self::default();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (priority, target) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?}: write priority=duration, like high=4h"))?;
            let target = Target::parse(target.trim())
                .ok_or_else(|| format!("{item:?}: a duration is like 30m, 4h, 2d, 6bh or 1bd"))?;
            match priority.trim().parse::<TicketPriority>() {
                Ok(TicketPriority::Urgent) => targets.urgent = target,
                Ok(TicketPriority::High) => targets.high = target,
                Ok(TicketPriority::Normal) => targets.normal = target,
                Ok(TicketPriority::Low) => targets.low = target,
                Err(_) => {
                    return Err(format!(
                        "{item:?}: priorities are urgent, high, normal, low"
                    ))
                }
            }
        }
        Ok(targets)
    }

    pub fn for_priority(&self, priority: TicketPriority) -> Target {
        match priority {
            TicketPriority::Urgent => self.urgent,
            TicketPriority::High => self.high,
            TicketPriority::Normal => self.normal,
            TicketPriority::Low => self.low,
        }
    }
}

impl Target {
    /// `30m`, `4h`, `2d`, `6bh`, `1bd`; a count of at least one.
    fn parse(text: &str) -> Option<Self> {
        let split = text.find(|c: char| !c.is_ascii_digit())?;
        let (count, unit) = text.split_at(split);
        let count: u32 = count.parse().ok().filter(|n| *n > 0)?;
        let seconds = |unit: u64| std::time::Duration::from_secs(u64::from(count) * unit);
        match unit {
            "m" => Some(Self::Calendar(seconds(60))),
            "h" => Some(Self::Calendar(seconds(3600))),
            "d" => Some(Self::Calendar(seconds(86_400))),
            "bh" => Some(Self::BusinessHours(seconds(3600))),
            "bd" => Some(Self::BusinessDays(count)),
            _ => None,
        }
    }
}

/// When staff should answer a ticket that waits on them, as the console
/// shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseDue {
    pub overdue: bool,
    /// "due in 2 h", "overdue by 30 min".
    pub label: String,
}

impl ResponseDue {
    /// `seconds_left`: until the target; negative when past it.
    pub fn from_seconds_left(seconds_left: i64) -> Self {
        let overdue = seconds_left < 0;
        let span = span(seconds_left.unsigned_abs());
        let label = if overdue {
            format!("overdue by {span}")
        } else {
            format!("due in {span}")
        };
        Self { overdue, label }
    }
}

/// "45 min", "2 h", "3 d": the largest whole unit, rounded down (a minute
/// at least).
fn span(seconds: u64) -> String {
    match seconds {
        s if s >= 2 * 86_400 => format!("{} d", s / 86_400),
        s if s >= 3600 => format!("{} h", s / 3600),
        s => format!("{} min", (s / 60).max(1)),
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssigneeFilter {
    #[default]
    Anyone,
    Unassigned,
    Me,
}

impl FromStr for AssigneeFilter {
    type Err = UnknownChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "all" | "anyone" => Ok(AssigneeFilter::Anyone),
            "unassigned" => Ok(AssigneeFilter::Unassigned),
            "me" => Ok(AssigneeFilter::Me),
            _ => Err(UnknownChoice("anyone, unassigned, me")),
        }
    }
}

/// A message as staff see it, internal notes included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffMessage {
    pub id: Uuid,
    pub author_name: String,
    pub author_kind: AuthorKind,
    pub internal: bool,
    pub body: String,
    pub created_at: Moment,
    pub attachments: Vec<AttachmentInfo>,
}

/// One usage metric of the customer, for the console's context panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageLine {
    pub label: String,
    /// "8,000 calls of 10,000 calls".
    pub detail: String,
    pub percent: u32,
}

/// One of the customer's invoices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub issued_on: String,
    pub total: String,
    /// What a credit note may still credit: "$53.90"; "$0.00" when all is.
    pub creditable: String,
    pub currency: String,
}

/// What staff need to know about the customer without asking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerContext {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub plan_name: String,
    pub member_count: i64,
    pub seats_limit: i64,
    pub usage: Vec<UsageLine>,
    /// Newest first (the first is the last invoice).
    pub invoices: Vec<InvoiceLine>,
    /// The organization's other recent tickets (this one excluded).
    pub recent_tickets: Vec<TicketSummary>,
}

/// A ticket as the console shows it: thread with notes, context, and who
/// it can be assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffTicketView {
    pub id: Uuid,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub category: TicketCategory,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub created_at: Moment,
    /// When staff should answer, while the open ticket waits on them.
    pub response_due: Option<ResponseDue>,
    /// No staff reply yet: what is due is the first response (else the next).
    pub first_response: bool,
    /// The requester's satisfaction rating, once given.
    pub rating: Option<crate::satisfaction::GivenRating>,
    pub messages: Vec<StaffMessage>,
    pub customer: CustomerContext,
    pub staff: Vec<StaffMember>,
}

// ------------------------------------------------------------ safe text

/// A piece of message text: shown as text, or as a link to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits one line into text and `http(s)://` links. A link ends at
/// whitespace; trailing punctuation (`.,;:!?)]}'"`) stays text, so "see
/// https://x.example/a." links to `https://x.example/a`. Nothing here is ever
/// parsed as HTML: the UI renders every segment as a text node.
pub fn linkify(line: &str) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    let mut rest = line;
    while let Some(start) = find_url_start(rest) {
        let (before, from) = rest.split_at(start);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        let candidate = &from[..end];
        let trimmed = candidate.trim_end_matches(|c: char| ".,;:!?)]}'\"".contains(c));
        let scheme_len = if trimmed.starts_with("https://") {
            8
        } else {
            7
        };
        if trimmed.len() > scheme_len {
            if !before.is_empty() {
                segments.push(Segment::Text(before));
            }
            segments.push(Segment::Link(trimmed));
            rest = &from[trimmed.len()..];
        } else {
            // A bare "https://": keep it as text and look further on.
            let (text, after) = from.split_at(scheme_len);
            segments.push(Segment::Text(&rest[..before.len() + text.len()]));
            rest = after;
        }
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest));
    }
    segments
}

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let http = lower.find("http://");
    let https = lower.find("https://");
    let start = match (http, https) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    // Only the lower-case schemes link; "HTTP://" stays text (rare, and keeps
    // the slice boundaries simple).
    if text[start..].starts_with("http://") || text[start..].starts_with("https://") {
        Some(start)
    } else {
        let next = start + 4;
        find_url_start(&text[next..]).map(|i| i + next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_tickets_are_rated() {
        assert!(TicketStatus::Resolved.can_be_rated());
        assert!(TicketStatus::Closed.can_be_rated());
        assert!(!TicketStatus::Open.can_be_rated());
        assert!(!TicketStatus::Pending.can_be_rated());
    }

    #[test]
    fn new_ticket_reports_every_bad_field() {
        let Err(AppError::Validation(errors)) = NewTicket::parse(" ", "hardware", "meh", "\n ")
        else {
            panic!("expected a validation error");
        };
        for field in ["subject", "category", "priority", "body"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn subject_and_message_lengths_are_bounded_in_characters() {
        let long_subject = "é".repeat(SUBJECT_MAX_CHARS + 1);
        assert!(NewTicket::parse(&long_subject, "billing", "low", "hi").is_err());
        let ok = NewTicket::parse(&"é".repeat(SUBJECT_MAX_CHARS), "billing", "low", "hi");
        assert!(ok.is_ok());
        assert!(parse_message(&"x".repeat(MESSAGE_MAX_CHARS + 1)).is_err());
        assert!(parse_message(&"x".repeat(MESSAGE_MAX_CHARS)).is_ok());
    }

    #[test]
    fn messages_keep_their_lines_and_lose_carriage_returns() {
        assert_eq!(parse_message("  a\r\nb\rc  ").unwrap(), "a\nb\nc");
        assert!(parse_message("bell \u{7}").is_err());
    }

    #[test]
    fn a_reply_to_a_resolved_ticket_reopens_it() {
        assert_eq!(
            TicketStatus::Resolved.after_customer_reply().unwrap(),
            TicketStatus::Open
        );
        assert_eq!(
            TicketStatus::Pending.after_customer_reply().unwrap(),
            TicketStatus::Open
        );
        assert!(TicketStatus::Closed.after_customer_reply().is_err());
    }

    #[test]
    fn choices_round_trip_through_their_names() {
        for s in TicketStatus::ALL {
            assert_eq!(s.as_str().parse::<TicketStatus>(), Ok(*s));
        }
        for p in TicketPriority::ALL {
            assert_eq!(p.as_str().parse::<TicketPriority>(), Ok(*p));
        }
        for c in TicketCategory::ALL {
            assert_eq!(c.as_str().parse::<TicketCategory>(), Ok(*c));
        }
        assert!("escalated".parse::<TicketStatus>().is_err());
    }

    #[test]
    fn empty_filters_mean_any() {
        assert_eq!(parse_filter::<TicketStatus>("", "status").unwrap(), None);
        assert_eq!(parse_filter::<TicketStatus>("all", "status").unwrap(), None);
        assert_eq!(
            parse_filter::<TicketStatus>("open", "status").unwrap(),
            Some(TicketStatus::Open)
        );
        assert!(parse_filter::<TicketStatus>("nope", "status").is_err());
    }

    #[test]
    fn urls_become_links_and_the_rest_stays_text() {
        use Segment::*;
        assert_eq!(
            linkify("see https://docs.example.com/a?b=1. thanks"),
            vec![
                Text("see "),
                Link("https://docs.example.com/a?b=1"),
                Text(". thanks")
            ]
        );
        assert_eq!(
            linkify("(http://x.example)"),
            vec![Text("("), Link("http://x.example"), Text(")")]
        );
        assert_eq!(linkify("no links here"), vec![Text("no links here")]);
    }

    #[test]
    fn only_http_links_are_made() {
        use Segment::*;
        for text in [
            "javascript:alert(1)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "data:text/html,<script>alert(1)</script>",
        ] {
            assert!(linkify(text).iter().all(|s| matches!(s, Text(_))), "{text}");
        }
        assert_eq!(linkify("https://"), vec![Text("https://")]);
    }

    #[test]
    fn a_link_ends_at_whitespace() {
        let segments = linkify("https://x.example/\"onmouseover=alert(1) <b>");
        assert_eq!(
            segments[0],
            Segment::Link("https://x.example/\"onmouseover=alert(1")
        );
    }

    #[test]
    fn linkify_is_lossless() {
        for text in [
            "a https://x.example b http://y.example/c.",
            "https:// and http://",
            "HTTP://upper.example and https://ok.example",
            "ünïcödé https://ü.example/ä",
        ] {
            let joined: String = linkify(text)
                .into_iter()
                .map(|s| match s {
                    Segment::Text(t) | Segment::Link(t) => t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }
}

#[cfg(test)]
mod response_tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn targets_parse_any_subset_and_refuse_nonsense() {
        let targets = ResponseTargets::parse("urgent=30m, low=5d, normal=6bh, high=2bd").unwrap();
        assert_eq!(targets.urgent, Target::Calendar(Duration::from_secs(1800)));
        assert_eq!(
            targets.low,
            Target::Calendar(Duration::from_secs(5 * 86_400))
        );
        assert_eq!(
            targets.normal,
            Target::BusinessHours(Duration::from_secs(6 * 3600))
        );
        assert_eq!(targets.high, Target::BusinessDays(2));
        let defaults = ResponseTargets::parse("urgent=2h").unwrap();
        assert_eq!(defaults.normal, Target::BusinessDays(1));
        for bad in [
            "critical=1h",
            "high=4",
            "high=0h",
            "high=4x",
            "high=bd",
            "high=-1h",
        ] {
            assert!(ResponseTargets::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            ResponseTargets::parse("").unwrap(),
            ResponseTargets::default()
        );
    }

    #[test]
    fn due_labels_read_like_a_person_would_say_them() {
        assert_eq!(
            ResponseDue::from_seconds_left(2 * 3600 + 59).label,
            "due in 2 h"
        );
        assert_eq!(
            ResponseDue::from_seconds_left(45 * 60).label,
            "due in 45 min"
        );
        assert_eq!(ResponseDue::from_seconds_left(10).label, "due in 1 min");
        let late = ResponseDue::from_seconds_left(-30 * 60);
        assert!(late.overdue);
        assert_eq!(late.label, "overdue by 30 min");
        assert_eq!(
            ResponseDue::from_seconds_left(-3 * 86_400).label,
            "overdue by 3 d"
        );
        assert_eq!(
            ResponseDue::from_seconds_left(-36 * 3600).label,
            "overdue by 36 h"
        );
    }
}
