//! The three form posts whose answer is a page of recovery codes, shown
//! once: confirming two-factor (signed-in account), making new codes, and a
//! staff member confirming two-factor halfway through signing in.
//!
//! They are plain HTML form posts answered with a page (not server functions,
//! which answer a no-JavaScript post with a redirect that would lose the
//! codes): the codes never exist anywhere but in this response. A refused
//! code goes back to the form's page with the error in `?__err`, as server
//! functions do.

use super::shown_once::{self, redirect, ShownOnce};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
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

/// Back to the security page (or the page the form was on) with the error.
fn back(headers: &HeaderMap, path: &str, error: &AppError) -> Response {
    shown_once::back(headers, "/settings/security", path, error)
}

/// The codes, once, with a download of them as a text file.
fn codes_page(title: &str, lead: &str, codes: &RecoveryCodes, next: (&str, &str)) -> Response {
    let items: String = codes
        .codes
        .iter()
        .map(|code| format!("<li><code>{}</code></li>", escape_html(code)))
        .collect();
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        domain::query::encode(&codes.as_text())
    );
    ShownOnce {
        title,
        lead,
        notice: (
            "Save these recovery codes now.",
            "Each one signs you in once if you lose your phone. This is the only time they are shown.",
        ),
        secret_html: format!(
            "<ol aria-label=\"Recovery codes\" data-testid=\"recovery-codes\">{items}</ol>\
             <p><a href=\"{download}\" download=\"portal-recovery-codes.txt\">Download the codes as a text file</a></p>",
            download = escape_html(&download),
        ),
        next,
    }
    .into_response()
}
