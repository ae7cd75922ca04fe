//! Adding a webhook endpoint and rotating its secret without JavaScript:
//! the forms' submit buttons post here (`formaction`; with JavaScript the
//! page calls the server functions instead), and the answer shows the
//! secret this once (`shown_once`), as for API keys. The body is parsed by
//! hand because the events come as repeated `event_types[]` fields.

use super::shown_once::{self, redirect, ShownOnce};
use app::webhooks::api::{CreateEndpoint, RotateEndpointSecret};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use backend::notifications::email::escape_html;
use backend::webhooks::service::{self, EndpointForm};
use backend::webhooks::AddressPolicy;
use backend::{AppState, AuthSession};
use domain::webhooks::NewSecret;
use domain::{AppError, Permission};
use server_fn::ServerFn;
use uuid::Uuid;

const PAGE: &str = "/webhooks";

/// The posted fields; a repeated one (`event_types[]`) once per value.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// `POST /webhooks/create` (owner, admin).
pub async fn create(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(Extension(session)) = session else {
        return redirect("/sign-in");
    };
    let fields = Fields::parse(&body);
    let created = async {
        session.require(Permission::ManageWebhooks)?;
        let policy = AddressPolicy::of(&state.settings.webhooks);
        let events = fields.all("event_types[]");
        let form = EndpointForm::parse(
            fields.one("url"),
            fields.one("description"),
            &events,
            &policy,
        )?;
        service::create(&state, &session, form).await
    };
    match created.await {
        Ok(secret) => secret_page(&secret, "Endpoint added"),
        Err(error) => shown_once::back(&headers, PAGE, CreateEndpoint::PATH, error.app()),
    }
}

/// `POST /webhooks/rotate` (owner, admin): the new secret; the old one
/// keeps signing for the overlap.
pub async fn rotate(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(Extension(session)) = session else {
        return redirect("/sign-in");
    };
    let fields = Fields::parse(&body);
    let rotated = async {
        session.require(Permission::ManageWebhooks)?;
        let id: Uuid = fields.one("id").parse().map_err(|_| AppError::NotFound)?;
        service::rotate_secret(&state, &session, id).await
    };
    match rotated.await {
        Ok(secret) => secret_page(&secret, "Secret rotated"),
        Err(error) => shown_once::back(&headers, PAGE, RotateEndpointSecret::PATH, error.app()),
    }
}

fn secret_page(secret: &NewSecret, title: &str) -> Response {
    let endpoint = format!("/webhooks/{}", secret.endpoint_id);
    ShownOnce {
        title,
        lead: "Your receiver checks each delivery's signature with this secret.",
        notice: (
            "Copy the signing secret now.",
            "It is not shown again; rotate it if it is lost.",
        ),
        secret_html: format!(
            "<p><code data-testid=\"new-webhook-secret\">{}</code></p>",
            escape_html(&secret.secret)
        ),
        next: (&endpoint, "Open the endpoint"),
    }
    .into_response()
}
