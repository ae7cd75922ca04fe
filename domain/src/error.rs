//! `AppError`: the one error type every server function returns.
//!
//! It crosses the wire (JSON), so it carries only what a user may read: field
//! messages, a retry delay, a conflict explanation. Backend causes are logged on
//! the server where they happen (see `server::error`) and become `Internal`.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::collections::BTreeMap;

/// Messages keyed by form field name, shown beside the field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the first message per field: it is the one the user should fix first.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of a parse, if any, and returns the parsed value.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        parsed.map_err(|e| self.add(field, e.to_string())).ok()
    }

    /// `Ok(())` when no field failed, otherwise `AppError::Validation`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// Deliberately says nothing about which of the two was wrong, so the
    /// sign-in form cannot be used to learn which emails have accounts.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("We couldn't find that.")]
    NotFound,
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    /// A signed-in account that must verify its email, create an
    /// organization or set up two-factor before it sees organization data.
    #[error("{0}")]
    SetupRequired(crate::auth::SetupStep),
    #[error("Too many attempts. Try again in {retry_after_secs} s.")]
    RateLimited { retry_after_secs: u64 },
    #[error("The request was not understood. Please reload the page and try again.")]
    BadRequest,
    #[error("We couldn't reach Portal. Check your connection and try again.")]
    Network,
    #[error("Portal is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    /// A fault on our side. `reference` is the failed request's trace id,
    /// added where the error leaves the server (`server::http::server_fns`,
    /// `ErrorView` when rendering): the customer quotes it, support finds
    /// the request's log lines with it.
    #[error(
        "Something went wrong on our side. Please try again.{}",
        reference_sentence(reference)
    )]
    Internal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
}

fn reference_sentence(reference: &Option<String>) -> String {
    reference
        .as_deref()
        .map(|r| format!(" If it keeps happening, contact support and quote reference {r}."))
        .unwrap_or_default()
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Validation(errors)
    }
}

impl AppError {
    /// `Internal` without a reference yet (see [`AppError::Internal`]).
    pub const fn internal() -> Self {
        AppError::Internal { reference: None }
    }

    /// Names the request an `Internal` error happened in, unless it already
    /// names one; other errors are returned as they are.
    pub fn with_reference(self, trace_id: impl FnOnce() -> Option<String>) -> Self {
        match self {
            AppError::Internal { reference: None } => AppError::Internal {
                reference: trace_id(),
            },
            other => other,
        }
    }

    /// The message for one field, when this is a validation error.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => errors.get(field).map(str::to_owned),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden | AppError::SetupRequired(_) => 403,
            AppError::NotFound => 404,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::RateLimited { .. } => 429,
            AppError::BadRequest => 400,
            AppError::Network => 502,
            AppError::Unavailable => 503,
            AppError::Internal { .. } => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Framework errors: the text may describe our internals, so it is dropped
    /// (and logged on the server when it happens there).
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Network,
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
            other => {
                // Logged where it happened; the `log` facade reaches the
                // server's tracing subscriber and the browser's console alike.
                log::error!("server function framework error: {other}");
                AppError::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_per_field_wins() {
        let mut errors = FieldErrors::new();
        errors.add("email", "Enter an email address.");
        errors.add("email", "second");
        assert_eq!(errors.get("email"), Some("Enter an email address."));
    }

    #[test]
    fn internal_error_text_never_names_the_backend() {
        let text = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "relation \"app_user\" does not exist".into(),
        ))
        .to_string();
        assert!(!text.contains("app_user"), "{text}");
    }

    #[test]
    fn an_internal_error_quotes_its_reference_once_known() {
        let plain = AppError::internal();
        assert_eq!(
            plain.to_string(),
            "Something went wrong on our side. Please try again."
        );
        let referenced = plain.with_reference(|| Some("4bf92f3577b34da6a3ce929d0e0e4736".into()));
        assert!(referenced
            .to_string()
            .ends_with("quote reference 4bf92f3577b34da6a3ce929d0e0e4736."));
        let kept = referenced.clone().with_reference(|| Some("other".into()));
        assert_eq!(kept, referenced, "the first reference stays");
        assert_eq!(
            AppError::NotFound.with_reference(|| Some("x".into())),
            AppError::NotFound
        );
        let json = serde_json::to_string(&referenced).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), referenced);
    }

    #[test]
    fn validation_errors_round_trip_through_json() {
        let error = AppError::Validation(FieldErrors::single("password", "Too short."));
        let json = serde_json::to_string(&error).unwrap();
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back.field("password").as_deref(), Some("Too short."));
    }
}
