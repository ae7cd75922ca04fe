//! An account made by accepting an emailed invitation (to an organization or
//! to the support team): the form gives a name and a password, and the
//! invitation proved the address, so the account starts verified.

use crate::error::{OnConstraint, Result};
use crate::password::hash_new_password;
use domain::{AppError, EmailAddress, FieldErrors, Password, PersonName};
use sqlx::PgConnection;
use uuid::Uuid;

/// A new account's checked name and hashed password, not created yet.
pub struct InvitedAccount {
    name: PersonName,
    password_hash: String,
}

impl InvitedAccount {
    /// Checks the name and the password (both errors at once, beside their
    /// fields) and hashes the password. Errors: `Validation`.
    pub async fn from_form(name: &str, password: String) -> Result<Self> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", PersonName::parse(name));
        let password = errors.check("password", Password::parse(&password));
        match (name, password) {
            (Some(name), Some(password)) => Ok(Self {
                name,
                password_hash: hash_new_password(password, "password").await?,
            }),
            _ => Err(errors.into()),
        }
    }

    /// Creates the account for `email`, verified. Errors: `Conflict` when
    /// the address got an account since the link was opened.
    pub async fn create(&self, tx: &mut PgConnection, email: &EmailAddress) -> Result<Uuid> {
        super::db::insert_user(tx, email, &self.name, &self.password_hash, true)
            .await
            .on_constraint("app_user_email_key", || {
                AppError::Conflict(format!(
                    "An account for {email} was just created. Open the link again and sign in with it."
                ))
            })
    }
}
