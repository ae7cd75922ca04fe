//! Backend errors become `AppError::Internal` (or `Unavailable`) here, and
//! their cause is logged exactly once, inside the request's span. The browser
//! never sees the backend's text.

use crate::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = ?error, "database unavailable");
                AppError::Unavailable
            }
            _ => {
                tracing::error!(error = ?error, "database error");
                AppError::Internal
            }
        }
    }
}

impl From<fred::error::Error> for AppError {
    fn from(error: fred::error::Error) -> Self {
        tracing::error!(error = ?error, "redis error");
        AppError::Unavailable
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        tracing::error!(error = ?error, "internal error");
        AppError::Internal
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        tracing::error!(error = ?error, "blocking task failed");
        AppError::Internal
    }
}

/// The name of the constraint a statement violated, if that is why it failed.
pub fn violated_constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}
