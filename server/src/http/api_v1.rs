//! The public API's smallest real endpoint, authenticated with a customer's
//! API key, so a customer can check a new key with one `curl`.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::api_keys::verifier::{Quota, Rejection};
use backend::auth::service::client_ip;
use backend::rate_limit::{self, Limit};
use backend::usage::ingest::{self, RawBatch};
use backend::usage::service::{self, IngestFailure};
use backend::{AppState, ClientMeta};
use domain::AppError;
use secrecy::ExposeSecret;
use serde_json::json;
use std::net::SocketAddr;
use time::OffsetDateTime;

/// `GET /api/v1/ping` with `Authorization: Bearer sk_live_…`.
pub async fn ping(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    // A key in a URL ends up in logs, proxies and browser history.
    if uri.query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.starts_with("api_key=") || pair.starts_with("key="))
    }) {
        return problem(
            StatusCode::BAD_REQUEST,
            "key_in_query",
            "Send the API key in the Authorization header, never in the URL.",
        );
    }
    let presented = bearer(&headers);
    if !presented.is_some_and(|key| state.api_keys.knows(key)) {
        if let Some(refused) = limit_unknown_caller(&state, &headers, peer).await {
            return refused;
        }
    }
    let Some(presented) = presented else {
        return problem(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "Send your key as `Authorization: Bearer sk_live_…`.",
        );
    };
    match state.api_keys.verify(&state.db, presented).await {
        Ok(Ok(key)) => {
            match state.api_keys.admit(&state.db, key.organization_id).await {
                Ok(Quota::Allowed) => {}
                Ok(Quota::Exhausted { resets_at }) => {
                    return plan_limit_reached(resets_at, state.now())
                }
                Err(error) => return unavailable(&error),
            }
            state.api_keys.count_call(key.organization_id);
            Json(json!({
            "ok": true,
            "organization_id": key.organization_id,
            "key_id": key.key_id,
            "scope": key.scope,
            "plan": key.plan,
            }))
            .into_response()
        }
        Ok(Err(reason)) => (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({ "error": "invalid_api_key", "reason": reason, "message": message(reason) }),
            ),
        )
            .into_response(),
        Err(error) => unavailable(&error),
    }
}

/// Counts a request that will cost a lookup or end in a 401 against its IP's
/// allowance; the refusal (429, `Retry-After`) once it is used up.
async fn limit_unknown_caller(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Option<Response> {
    let client =
        ClientMeta::from_headers(headers, Some(peer.ip()), state.settings.trusted_proxy_hops);
    let limit = Limit::fixed(
        state,
        "api:unknown_key",
        client_ip(&client),
        state.settings.limits.api_lookups_per_ip,
    );
    let error = rate_limit::attempt(state, &[limit]).await.err()?;
    let mut response = problem(
        backend::error::status_of(error.app()),
        "rate_limited",
        &error.to_string(),
    );
    if let AppError::RateLimited { retry_after_secs } = error.app() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    Some(response)
}

const PLAN_LIMIT_MESSAGE: &str =
    "Your plan's API calls for this period are used up. Upgrade the plan, or wait until the period resets.";

/// 429 for an organization at its hard plan limit, with when it lifts.
fn plan_limit_reached(resets_at: OffsetDateTime, now: OffsetDateTime) -> Response {
    let retry_after = (resets_at - now).whole_seconds().max(1);
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "error": "plan_limit",
            "allowed": false,
            "reason": "plan_limit",
            "message": PLAN_LIMIT_MESSAGE,
            "resets_at": rfc3339(resets_at),
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn message(reason: Rejection) -> &'static str {
    match reason {
        Rejection::Malformed => "This is not a valid API key: check that it was copied whole.",
        Rejection::Unknown => "No such API key.",
        Rejection::Revoked => "This API key was revoked.",
        Rejection::Expired => "This API key has expired.",
    }
}

/// A backend failure, in the API's JSON shape (its cause is already logged).
fn unavailable(error: &backend::Error) -> Response {
    problem(
        backend::error::status_of(error.app()),
        "unavailable",
        &error.to_string(),
    )
}

fn problem(status: StatusCode, error: &str, message: &str) -> Response {
    (status, Json(json!({ "error": error, "message": message }))).into_response()
}

#[derive(serde::Deserialize)]
pub struct VerifyRequest {
    key: String,
}

/// `POST /api/v1/keys/verify` for the SaaS's own backend, authenticated with
/// the operator token (`PORTAL_OPERATOR_TOKEN`): is this customer key valid,
/// and whose is it? Answers 200 either way; `valid` and `reason` tell. A
/// valid key's verification counts as one API call of its organization.
pub async fn verify_key(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<VerifyRequest>,
) -> Response {
    if let Some(refused) = refuse_unless_operator(&state, &headers, peer).await {
        return refused;
    }
    match state.api_keys.verify(&state.db, &request.key).await {
        // A verification is the customer's call reaching the SaaS: metered
        // exactly like `/ping`, or plan limits could be sidestepped.
        Ok(Ok(key)) => {
            let refused = match state.api_keys.admit(&state.db, key.organization_id).await {
                Ok(Quota::Allowed) => None,
                Ok(Quota::Exhausted { resets_at }) => Some(resets_at),
                Err(error) => return unavailable(&error),
            };
            if let Some(resets_at) = refused {
                return Json(json!({
                    "valid": true,
                    "allowed": false,
                    "reason": "plan_limit",
                    "message": PLAN_LIMIT_MESSAGE,
                    "resets_at": rfc3339(resets_at),
                    "organization_id": key.organization_id,
                }))
                .into_response();
            }
            state.api_keys.count_call(key.organization_id);
            Json(json!({
            "valid": true,
            "allowed": true,
            "organization_id": key.organization_id,
            "key_id": key.key_id,
            "scope": key.scope,
            "plan": key.plan,
            }))
            .into_response()
        }
        Ok(Err(reason)) => Json(json!({ "valid": false, "reason": reason })).into_response(),
        Err(error) => unavailable(&error),
    }
}

/// The refusal, unless the caller is the SaaS's own backend (authenticated
/// with `PORTAL_OPERATOR_TOKEN`).
async fn refuse_unless_operator(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Option<Response> {
    let Some(expected) = &state.settings.operator_token else {
        return Some(problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "The operator API is not enabled on this deployment.",
        ));
    };
    if !bearer(headers).is_some_and(|token| same_secret(token, expected.expose_secret())) {
        if let Some(refused) = limit_unknown_caller(state, headers, peer).await {
            return Some(refused);
        }
        return Some(problem(
            StatusCode::UNAUTHORIZED,
            "invalid_operator_token",
            "Authenticate with the operator token.",
        ));
    }
    None
}

/// `POST /api/v1/usage/events` (operator token): up to 1,000 usage events.
/// 202 means every event is committed to the ledger; duplicates of recorded
/// events (same organization and `event_id`) are acknowledged and counted
/// once. Any invalid event refuses the whole batch with 400 and the index and
/// field of each problem (see `backend::usage::ingest`).
pub async fn record_usage_events(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refuse_unless_operator(&state, &headers, peer).await {
        return refused;
    }
    let batch: RawBatch = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &format!("The body must be {{\"events\": [...]}}: {e}"),
            )
        }
    };
    let events = match ingest::validate(batch.events, state.now()) {
        Ok(events) => events,
        Err(error) => return (StatusCode::BAD_REQUEST, Json(error)).into_response(),
    };
    match service::record_events(&state, &state.usage, events).await {
        Ok(receipt) => {
            metrics::counter!("portal_usage_events_total", "result" => "accepted")
                .increment(receipt.accepted.unsigned_abs());
            metrics::counter!("portal_usage_events_total", "result" => "duplicate")
                .increment(receipt.duplicates.unsigned_abs());
            (StatusCode::ACCEPTED, Json(receipt)).into_response()
        }
        Err(IngestFailure::Invalid(error)) => {
            (StatusCode::BAD_REQUEST, Json(error)).into_response()
        }
        Err(IngestFailure::Backend(error)) => unavailable(&error),
    }
}

/// Compares digests rather than the secrets, so the time taken says nothing
/// useful about how much of a guess was right.
fn same_secret(presented: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes())
}
