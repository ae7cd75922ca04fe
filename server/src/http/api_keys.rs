//! Creating and rotating an API key without JavaScript: the forms' submit
//! buttons post here (`formaction`; with JavaScript the page calls the
//! `api_keys/create` and `api_keys/rotate` server functions instead), and the
//! answer is a page showing the new secret this once (`shown_once`). A
//! server function would have redirected back and lost the secret, and a
//! rotation would then have retired the working key with no replacement.

use super::shown_once::{self, redirect, ShownOnce};
use app::api_keys::api::{CreateApiKey, RotateApiKey};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Form};
use backend::api_keys::service;
use backend::notifications::email::escape_html;
use backend::{AppState, AuthSession};
use domain::api_keys::{CreatedApiKey, GracePeriod, NewApiKey};
use domain::{AppError, Permission};
use serde::Deserialize;
use server_fn::ServerFn;
use uuid::Uuid;

/// The API keys page, where both forms live.
const PAGE: &str = "/api-keys";
/// The server functions the page's forms call with JavaScript: a refusal is
/// shown beside the same form (`action_error`) either way.
const CREATE_FN: &str = CreateApiKey::PATH;
const ROTATE_FN: &str = RotateApiKey::PATH;

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    expires_in: String,
}

#[derive(Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    grace_hours: String,
}

/// `POST /api-keys/create` (owner, admin).
pub async fn create(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Response {
    let Some(Extension(session)) = session else {
        return redirect("/sign-in");
    };
    let created = async {
        session.require(Permission::ManageApiKeys)?;
        let input = NewApiKey::parse(&form.name, &form.scope, &form.expires_in)?;
        service::create(&state, &session, input).await
    };
    match created.await {
        Ok(created) => secret_page(
            &created,
            "API key created",
            "Send it in the Authorization: Bearer header; never put it in a URL.",
        ),
        Err(error) => shown_once::back(&headers, PAGE, CREATE_FN, error.app()),
    }
}

/// `POST /api-keys/rotate` (owner, admin): the replacement's secret; the old
/// key keeps working for the chosen grace period.
pub async fn rotate(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    headers: HeaderMap,
    Form(form): Form<RotateForm>,
) -> Response {
    let Some(Extension(session)) = session else {
        return redirect("/sign-in");
    };
    let rotated = async {
        session.require(Permission::ManageApiKeys)?;
        let id: Uuid = form.id.parse().map_err(|_| AppError::NotFound)?;
        let grace = GracePeriod::from_form(&form.grace_hours)?;
        service::rotate(&state, &state.api_keys, &session, id, grace).await
    };
    match rotated.await {
        Ok(created) => secret_page(
            &created,
            "API key rotated",
            "Put the new key in your code now: the old one stops working when its grace period ends.",
        ),
        Err(error) => shown_once::back(&headers, PAGE, ROTATE_FN, error.app()),
    }
}

fn secret_page(created: &CreatedApiKey, title: &str, lead: &str) -> Response {
    ShownOnce {
        title,
        lead,
        notice: (
            "Copy your new key now.",
            "For your security we store only a fingerprint and cannot show it again.",
        ),
        secret_html: format!(
            "<p>{name}</p><p><code data-testid=\"new-key-secret\">{secret}</code></p>",
            name = escape_html(&format!("\u{201c}{}\u{201d}", created.key.name)),
            secret = escape_html(&created.secret),
        ),
        next: (PAGE, "Back to API keys"),
    }
    .into_response()
}
