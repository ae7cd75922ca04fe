//! The support team itself: who is staff, who administers it, and the
//! invitations that bring people in. Staff admins invite by email and
//! deactivate; every staff member can see the team.

use crate::dates::Moment;
use crate::email::EmailAddress;
use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A member of the support team, as the staff page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccount {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    /// Two-factor is set up (staff must use it; until then the first
    /// sign-in sets it up).
    pub two_factor: bool,
    pub deactivated: bool,
    /// The last console session's last request (`None`: never signed in).
    pub last_active: Option<Moment>,
    /// Open or pending tickets assigned to them.
    pub assigned_open: i64,
}

/// An invitation not yet accepted or revoked (expired ones included, so an
/// admin sees why someone could not join).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffInvite {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub invited_by: Option<String>,
    pub expires_at: Moment,
    pub expired: bool,
}

/// The staff page: the team, its open invitations, and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDirectory {
    pub members: Vec<StaffAccount>,
    pub invitations: Vec<StaffInvite>,
    /// The viewer administers the team (invites, deactivates, grants admin).
    pub viewer_is_admin: bool,
    pub viewer_id: Uuid,
}

/// A validated invitation form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffInvitation {
    pub email: EmailAddress,
    pub is_admin: bool,
}

impl NewStaffInvitation {
    /// `admin` is a checkbox: "on" or "true" when ticked, empty otherwise.
    pub fn parse(email: &str, admin: &str) -> Result<Self, AppError> {
        let email = EmailAddress::parse(email)
            .map_err(|e| AppError::Validation(FieldErrors::single("email", e.to_string())))?;
        Ok(Self {
            email,
            is_admin: matches!(admin.trim(), "on" | "true"),
        })
    }
}

/// Where a staff invitation link stands; each state says what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffInvitationStatus {
    Pending,
    Expired,
    /// Withdrawn, or replaced by a newer invitation to the same address.
    Revoked,
    Accepted,
}

impl StaffInvitationStatus {
    /// Why the link cannot be used, or `None` while it can.
    pub fn problem(self) -> Option<&'static str> {
        match self {
            Self::Pending => None,
            Self::Expired => Some("This invitation has expired. Ask a staff admin to invite you again."),
            Self::Revoked => Some(
                "This invitation was withdrawn or replaced by a newer one. Use the link in the most recent email, or ask a staff admin.",
            ),
            Self::Accepted => {
                Some("This invitation has already been used. Sign in to the support console.")
            }
        }
    }
}

/// What the acceptance page shows before anything is consumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffInvitationPreview {
    pub email: String,
    pub invited_by: Option<String>,
    pub is_admin: bool,
    pub status: StaffInvitationStatus,
    pub expires_at: Moment,
    /// An account with this email exists: the page asks for its password
    /// instead of offering to create one.
    pub account_exists: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_needs_a_valid_email_and_reads_the_admin_checkbox() {
        let invite = NewStaffInvitation::parse(" Ana@Example.com ", "on").unwrap();
        assert_eq!(invite.email.as_str(), "ana@example.com");
        assert!(invite.is_admin);
        assert!(
            !NewStaffInvitation::parse("ana@example.com", "")
                .unwrap()
                .is_admin
        );
        match NewStaffInvitation::parse("not an address", "") {
            Err(AppError::Validation(errors)) => assert!(errors.get("email").is_some()),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn only_a_pending_invitation_can_be_used() {
        assert_eq!(StaffInvitationStatus::Pending.problem(), None);
        for status in [
            StaffInvitationStatus::Expired,
            StaffInvitationStatus::Revoked,
            StaffInvitationStatus::Accepted,
        ] {
            assert!(status.problem().is_some());
        }
    }
}
