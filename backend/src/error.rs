//! The backend's error: an [`AppError`] whose backend cause (Postgres, Redis,
//! a task, anything `anyhow`) has already been logged, exactly once, inside the
//! request's span. The browser never sees the backend's text.
//!
//! `AppError` lives in `domain` and sqlx/fred in other crates, so the `From`
//! conversions that make `?` work need a type of this crate: [`Error`]. A
//! server function turns it back into `AppError` with `?`; an axum handler
//! returns it directly (`IntoResponse`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::AppError;
use std::fmt;

/// What every backend function returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An `AppError`, ready to be shown; its cause, if any, is already logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(AppError);

impl Error {
    /// The user-facing error.
    pub fn app(&self) -> &AppError {
        &self.0
    }

    pub fn into_app(self) -> AppError {
        self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl From<AppError> for Error {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl From<domain::FieldErrors> for Error {
    fn from(errors: domain::FieldErrors) -> Self {
        Self(AppError::Validation(errors))
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        error.0
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self(match &error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = ?error, "database unavailable");
                AppError::Unavailable
            }
            _ => {
                tracing::error!(error = ?error, "database error");
                AppError::internal()
            }
        })
    }
}

impl From<fred::error::Error> for Error {
    fn from(error: fred::error::Error) -> Self {
        tracing::error!(error = ?error, "redis error");
        Self(AppError::Unavailable)
    }
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        tracing::error!(error = ?error, "internal error");
        Self(AppError::internal())
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(error: tokio::task::JoinError) -> Self {
        tracing::error!(error = ?error, "blocking task failed");
        Self(AppError::internal())
    }
}

/// The HTTP status of an error, for handlers and middleware alike.
pub fn status_of(error: &AppError) -> StatusCode {
    StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Plain-text answer with the error's status (and `Retry-After` on 429), for
/// routes that are not server functions: downloads, exports, streams.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = (status_of(&self.0), self.0.to_string()).into_response();
        if let AppError::RateLimited { retry_after_secs } = self.0 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// Turns the violation of one named constraint into the error a user should
/// see; any other failure converts as usual (logged, `Internal`).
///
/// ```ignore
/// db::insert_user(&mut tx, &email).await.on_constraint("app_user_email_key", || {
///     FieldErrors::single("email", "An account with this email already exists.")
/// })?;
/// ```
pub trait OnConstraint<T> {
    fn on_constraint<E: Into<Error>>(self, name: &str, error: impl FnOnce() -> E) -> Result<T>;
}

impl<T> OnConstraint<T> for std::result::Result<T, sqlx::Error> {
    fn on_constraint<E: Into<Error>>(self, name: &str, error: impl FnOnce() -> E) -> Result<T> {
        match self {
            Err(e) if violated_constraint(&e) == Some(name) => Err(error().into()),
            other => Ok(other?),
        }
    }
}

/// The name of the constraint a statement violated, if that is why it failed.
fn violated_constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backend_failure_reaches_the_user_without_its_text() {
        let error: Error =
            sqlx::Error::Protocol("relation \"app_user\" does not exist".into()).into();
        assert_eq!(error.app(), &AppError::internal());
        assert!(!error.to_string().contains("app_user"));
    }

    #[test]
    fn a_missing_row_is_not_found() {
        let error: Error = sqlx::Error::RowNotFound.into();
        assert_eq!(error.into_app(), AppError::NotFound);
    }

    #[tokio::test]
    async fn a_rate_limit_answers_429_with_retry_after() {
        let response = Error::from(AppError::RateLimited {
            retry_after_secs: 7,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
