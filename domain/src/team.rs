use crate::dates::Moment;
use crate::error::{AppError, FieldErrors};
use crate::{EmailAddress, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Members shown per page of the team list.
pub const MEMBERS_PER_PAGE: u32 = 25;
/// How long an invitation link stays valid.
pub const INVITATION_TTL_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// ISO date the member joined (YYYY-MM-DD).
    pub joined_on: String,
    /// "2026-11-25 14:03 UTC", or `None` when they never signed in here.
    pub last_active: Option<Moment>,
    /// The signed-in user's own row.
    pub is_you: bool,
}

/// One page of the member list, with what the page needs around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberPage {
    pub members: Vec<Member>,
    /// Members matching the search (all pages).
    pub total: i64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub seats: SeatUsage,
}

impl MemberPage {
    pub fn page_count(&self) -> u32 {
        (self.total.max(1) as u32).div_ceil(self.per_page)
    }
}

/// Seats taken against the plan: active members plus open invitations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatUsage {
    pub members: i64,
    pub pending_invitations: i64,
    pub limit: i64,
    pub plan_name: String,
}

impl SeatUsage {
    pub fn used(&self) -> i64 {
        self.members + self.pending_invitations
    }

    pub fn is_full(&self) -> bool {
        self.used() >= self.limit
    }
}

/// An open invitation as the pending list shows it. Never carries the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub sent_at: Moment,
    pub expires_at: Moment,
    pub expired: bool,
}

/// Where an invitation link stands. Each state gets its own message, because
/// "this link is invalid" leaves people guessing what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Expired,
    Revoked,
    /// Replaced by a resend: only the newest email's link works.
    Replaced,
    Accepted,
}

impl InvitationStatus {
    /// Why the link cannot be used, or `None` while it can.
    pub fn problem(self) -> Option<&'static str> {
        match self {
            InvitationStatus::Pending => None,
            InvitationStatus::Expired => Some(
                "This invitation has expired. Ask the person who invited you to send a new one.",
            ),
            InvitationStatus::Revoked => Some("This invitation was withdrawn by the organization."),
            InvitationStatus::Replaced => Some(
                "A newer invitation was sent to this address. Use the link in the most recent email.",
            ),
            InvitationStatus::Accepted => {
                Some("This invitation has already been used. Sign in to reach the organization.")
            }
        }
    }
}

/// What the accept page shows before anything is consumed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub organization_name: String,
    pub invited_by: Option<String>,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub expires_at: Moment,
    /// An account with the invited email exists: the page asks for its
    /// password instead of offering to create one.
    pub account_exists: bool,
    /// Email of the signed-in user, when someone is signed in.
    pub signed_in_as: Option<String>,
}

impl InvitationPreview {
    pub fn signed_in_as_invitee(&self) -> bool {
        self.signed_in_as.as_deref() == Some(self.email.as_str())
    }
}

/// A validated invite form. Parsed the same way in the browser and on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvitation {
    pub email: EmailAddress,
    pub role: Role,
}

impl NewInvitation {
    pub fn parse(email: &str, role: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", EmailAddress::parse(email));
        let role = errors.check("role", role.parse::<Role>());
        match (email, role) {
            (Some(email), Some(role)) => Ok(Self { email, role }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A role change as the inline select or the no-JS form sends it.
pub fn parse_role(role: &str) -> Result<Role, AppError> {
    role.parse::<Role>()
        .map_err(|e| AppError::Validation(FieldErrors::single("role", e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_form_reports_every_bad_field() {
        let Err(AppError::Validation(errors)) = NewInvitation::parse("not-an-email", "boss") else {
            panic!("expected a validation error");
        };
        assert!(errors.get("email").is_some());
        assert!(errors.get("role").is_some());
    }

    #[test]
    fn invite_form_normalises_the_email() {
        let invite = NewInvitation::parse("  Ada@Example.COM ", "admin").unwrap();
        assert_eq!(invite.email.as_str(), "ada@example.com");
        assert_eq!(invite.role, Role::Admin);
    }

    #[test]
    fn seats_count_pending_invitations() {
        let seats = SeatUsage {
            members: 2,
            pending_invitations: 1,
            limit: 3,
            plan_name: "Free".into(),
        };
        assert_eq!(seats.used(), 3);
        assert!(seats.is_full());
    }

    #[test]
    fn page_count_rounds_up_and_never_shows_zero_pages() {
        let seats = SeatUsage {
            members: 0,
            pending_invitations: 0,
            limit: 3,
            plan_name: "Free".into(),
        };
        let page = |total| MemberPage {
            members: vec![],
            total,
            page: 1,
            per_page: 25,
            seats: seats.clone(),
        };
        assert_eq!(page(0).page_count(), 1);
        assert_eq!(page(25).page_count(), 1);
        assert_eq!(page(26).page_count(), 2);
        assert_eq!(page(500).page_count(), 20);
    }

    #[test]
    fn only_a_pending_invitation_has_no_problem() {
        use InvitationStatus::*;
        for status in [Expired, Revoked, Replaced, Accepted] {
            assert!(status.problem().is_some(), "{status:?}");
        }
        assert!(Pending.problem().is_none());
    }
}
