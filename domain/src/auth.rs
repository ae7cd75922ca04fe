use crate::{EmailAddress, FieldErrors, OrganizationName, Password, PersonName, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in user, as the UI needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organization_id: Uuid,
    pub organization_name: String,
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
