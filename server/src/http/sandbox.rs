//! `POST /sandbox/v1/tokens`: the sandbox card processor's tokenizer, the
//! endpoint a real processor hosts on its own domain. The billing page's card
//! form sends the card here and never to a portal server function:
//!
//! * with JavaScript, as JSON (`CardFields`), answered with the token as JSON
//!   (`TokenizedCard`) or the error (`AppError`), which the page shows beside
//!   the fields before sending only the token to `billing/update_payment_method`;
//! * without, as the form's own post, answered with a redirect back to the
//!   billing page: `?__card_token=…&__card=…` on success (the page asks to
//!   confirm saving that card), or the error in `?__err` like any form.
//!
//! No session is read: a processor does not know the portal's. It is limited
//! per client IP (`CARD_TOKENS_PER_IP`) and its body is capped.

use super::server_fns::back_with_error;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::auth::service::client_ip;
use backend::{AppState, ClientMeta};
use domain::card::{CardFields, TokenizedCard};
use domain::AppError;
use std::net::SocketAddr;

/// Four short fields fit many times over; anything larger is not a card.
pub const MAX_BODY_BYTES: usize = 2048;

/// Where the card form lives, and where a form post returns.
const BILLING_PAGE: &str = "/billing";

pub async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let client =
        ClientMeta::from_headers(&headers, Some(peer.ip()), state.settings.trusted_proxy_hops);
    let as_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let fields = if as_json {
        serde_json::from_slice::<CardFields>(&body).ok()
    } else {
        Some(form_fields(&body))
    };
    let result = match fields {
        Some(fields) => {
            backend::billing::service::tokenize_card(&state, client_ip(&client), &fields)
                .await
                .map_err(backend::Error::into_app)
        }
        None => Err(AppError::BadRequest),
    };
    if as_json {
        json_answer(result)
    } else {
        form_answer(&headers, result)
    }
}

fn form_fields(body: &[u8]) -> CardFields {
    let mut fields = CardFields::default();
    for (name, value) in url::form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "card_number" => &mut fields.card_number,
            "exp_month" => &mut fields.exp_month,
            "exp_year" => &mut fields.exp_year,
            "cvc" => &mut fields.cvc,
            _ => continue,
        };
        *slot = value.into_owned();
    }
    fields
}

fn json_answer(result: Result<TokenizedCard, AppError>) -> Response {
    let mut response = match result {
        Ok(card) => Json(card).into_response(),
        Err(error) => {
            let retry_after = match error {
                AppError::RateLimited { retry_after_secs } => Some(retry_after_secs),
                _ => None,
            };
            let mut response = (backend::error::status_of(&error), Json(error)).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    };
    // A token attaches a card: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn form_answer(headers: &HeaderMap, result: Result<TokenizedCard, AppError>) -> Response {
    let location = match result {
        Ok(card) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("__card_token", card.token.as_str())
                .append_pair("__card", &card.label())
                .finish();
            Some(format!("{BILLING_PAGE}?{query}#card-form"))
        }
        Err(error) => {
            let referer = headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .unwrap_or(BILLING_PAGE);
            let encoded = serde_json::to_vec(&error).unwrap_or_default();
            back_with_error(referer, super::paths::SANDBOX_CARD_TOKENS, &encoded)
        }
    };
    match location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        Some(location) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}
