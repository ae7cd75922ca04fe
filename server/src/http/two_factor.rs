//! The three form posts whose answer is a page of recovery codes, shown
//! once: confirming two-factor (signed-in account), making new codes, and a
//! staff member confirming two-factor halfway through signing in.
//!
//! They are plain HTML form posts answered with a page (not server functions,
//! which answer a no-JavaScript post with a redirect that would lose the
//! codes): the codes never exist anywhere but in this response. A refused
//! code goes back to the form's page with the error in `?__err`, as server
//! functions do.

use super::server_fns::back_with_error;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use backend::notifications::email::escape_html;
use backend::session::{
    challenge_cookie_name, cookie_value, http_only_cookie, AccountSession, Realm,
};
use backend::two_factor::service::{self, Person};
use backend::{AppState, ClientMeta};
use domain::two_factor::RecoveryCodes;
use domain::AppError;
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /settings/two-factor/confirm`: turns two-factor on with a code.
pub async fn confirm(
    State(state): State<AppState>,
    account: Option<Extension<AccountSession>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some(Extension(account)) = account else {
        return redirect("/sign-in");
    };
    match service::confirm_enrollment(&state, Person::of(&account), &form.code).await {
        Ok(codes) => codes_page(
            "Two-factor authentication is on",
            "From now on, signing in asks for a code from your authenticator app.",
            &codes,
            ("/", "Continue"),
        ),
        Err(error) => back(&headers, "/settings/two-factor/confirm", error.app()),
    }
}

/// `POST /settings/two-factor/recovery-codes`: new codes after a current code.
pub async fn regenerate(
    State(state): State<AppState>,
    account: Option<Extension<AccountSession>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some(Extension(account)) = account else {
        return redirect("/sign-in");
    };
    match service::regenerate_recovery_codes(&state, Person::of(&account), &form.code).await {
        Ok(codes) => codes_page(
            "New recovery codes",
            "Your earlier recovery codes no longer work.",
            &codes,
            ("/settings/security", "Back to security"),
        ),
        Err(error) => back(&headers, "/settings/two-factor/recovery-codes", error.app()),
    }
}

/// `POST /staff/sign-in/two-factor/confirm`: a staff member halfway through
/// signing in turns two-factor on and enters the console.
pub async fn confirm_staff(
    State(state): State<AppState>,
    Extension(client): Extension<ClientMeta>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let settings = &state.settings;
    let Some(challenge) = cookie_value(challenge_cookie_name(settings), &headers) else {
        return redirect("/staff/sign-in");
    };
    let confirmed = backend::auth::service::confirm_challenge_enrollment(
        &state, &client, &challenge, &form.code,
    )
    .await;
    match confirmed {
        Ok((token, codes)) => {
            let mut response = codes_page(
                "Two-factor authentication is on",
                "The support console asks for a code from your authenticator app at every sign-in.",
                &codes,
                ("/staff/tickets", "Continue to the console"),
            );
            let cookies = [
                Realm::Staff.cookie(settings, &token, settings.session_absolute_timeout),
                http_only_cookie(
                    challenge_cookie_name(settings),
                    settings,
                    "",
                    Duration::ZERO,
                ),
            ];
            for cookie in cookies {
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(error) if *error.app() == AppError::Unauthorized => redirect("/staff/sign-in"),
        Err(error) => back(&headers, "/staff/sign-in/two-factor/confirm", error.app()),
    }
}

fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// Back to the page the form was on, with the error for the form to show.
fn back(headers: &HeaderMap, path: &str, error: &AppError) -> Response {
    let referer = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .unwrap_or("/settings/security");
    let encoded = serde_json::to_vec(error).unwrap_or_default();
    match back_with_error(referer, path, &encoded)
        .and_then(|target| HeaderValue::from_str(&target).ok())
    {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => (backend::error::status_of(error), error.to_string()).into_response(),
    }
}

/// The codes, once, with a download of them as a text file.
fn codes_page(
    title: &str,
    lead: &str,
    codes: &RecoveryCodes,
    (next, next_label): (&str, &str),
) -> Response {
    let items: String = codes
        .codes
        .iter()
        .map(|code| format!("<li><code>{}</code></li>", escape_html(code)))
        .collect();
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        domain::query::encode(&codes.as_text())
    );
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title} · Portal</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}\
         ol{{columns:2;font-size:1.1rem}}code{{font-family:ui-monospace,monospace}}a{{color:#4f46e5;font-weight:600}}\
         .note{{border:1px solid #d97706;border-radius:.5rem;padding:.75rem 1rem}}</style></head>\
         <body><main><h1>{title}</h1><p>{lead}</p>\
         <p class=\"note\" role=\"status\"><strong>Save these recovery codes now.</strong> Each one signs you in once \
         if you lose your phone. This is the only time they are shown.</p>\
         <ol aria-label=\"Recovery codes\" data-testid=\"recovery-codes\">{items}</ol>\
         <p><a href=\"{download}\" download=\"portal-recovery-codes.txt\">Download the codes as a text file</a></p>\
         <p><a href=\"{next}\">{next_label}</a></p></main></body></html>",
        title = escape_html(title),
        lead = escape_html(lead),
        download = escape_html(&download),
        next = escape_html(next),
        next_label = escape_html(next_label),
    );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}
