use crate::{EmailAddress, FieldErrors, OrganizationName, Password, PersonName, Role};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// How long a password reset link works.
pub const PASSWORD_RESET_LIFETIME_MINUTES: i64 = 60;
/// How long an email verification link works.
pub const VERIFICATION_LIFETIME_HOURS: i64 = 24;
/// An account whose email was never verified is removed after this long,
/// which frees the address for its real owner.
pub const UNVERIFIED_ACCOUNT_DAYS: i64 = 7;

/// The signed-in member, as the UI needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Every organization the user belongs to, for the switcher.
    pub memberships: Vec<Membership>,
    pub two_factor_enabled: bool,
}

/// One of the user's organizations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub role: Role,
    pub plan_name: String,
}

/// What a signed-in account must do before it sees any organization's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupStep {
    /// Open the link mailed at sign-up.
    VerifyEmail,
    /// Belongs to no organization (any more): create one, or ask for an invitation.
    CreateOrganization,
    /// The organization requires two-factor authentication and the user has none.
    EnrollTwoFactor,
}

impl SetupStep {
    pub fn message(self) -> &'static str {
        match self {
            SetupStep::VerifyEmail => "Verify your email address to continue.",
            SetupStep::CreateOrganization => {
                "You are not a member of any organization. Create one to continue."
            }
            SetupStep::EnrollTwoFactor => {
                "Your organization requires two-factor authentication. Set it up to continue."
            }
        }
    }
}

impl fmt::Display for SetupStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The account page of a signed-in user, whatever their state: what they
/// must do first (if anything), and their organizations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub name: String,
    pub email: String,
    pub setup: Option<SetupStep>,
    pub memberships: Vec<Membership>,
    pub two_factor_enabled: bool,
}

/// The second step of a sign-in, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInChallenge {
    pub next: SignInNext,
    /// For staff setting two-factor up: what to scan, once started.
    pub enrollment: Option<crate::two_factor::Enrollment>,
}

/// Where a right password leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInNext {
    /// Signed in.
    Done,
    /// The second factor comes next, on `/sign-in/two-factor`.
    TwoFactor,
    /// Two-factor must be set up first (staff), on `/staff/sign-in/two-factor`.
    EnrollTwoFactor,
}

/// A validated sign-up form.
#[derive(Debug)]
pub struct SignUp {
    pub organization_name: OrganizationName,
    pub name: PersonName,
    pub email: EmailAddress,
    pub password: Password,
}

impl SignUp {
    /// Every field is checked, so the form shows all its problems at once.
    pub fn parse(
        organization_name: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let organization_name = errors.check(
            "organization_name",
            OrganizationName::parse(organization_name),
        );
        let name = errors.check("name", PersonName::parse(name));
        let email = errors.check("email", EmailAddress::parse(email));
        let password = errors.check("password", Password::parse(password));
        match (organization_name, name, email, password) {
            (Some(organization_name), Some(name), Some(email), Some(password)) => Ok(Self {
                organization_name,
                name,
                email,
                password,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_up_reports_every_bad_field_at_once() {
        let errors = SignUp::parse("", "Ada", "not-an-email", "short").unwrap_err();
        for field in ["organization_name", "email", "password"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        assert!(errors.get("name").is_none());
    }
}
