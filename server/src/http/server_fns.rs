//! The mapping of `#[server]` function errors onto HTTP.

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::AppError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::OnceLock;

/// Largest encoded `AppError` we read back (field messages are short).
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// Server functions answer every error with 500 and the encoded `AppError`.
/// This gives each error its real status (401, 403, 404, 409, 422, 429 …) so
/// clients, logs and tests see what happened, and adds `Retry-After` to 429.
///
/// A plain HTML form post (JavaScript off) is redirected back to the page it
/// came from; there the error rides along in `?__err=` so the page can show it
/// beside the form (`app::ui::form::error_from_url`), and `?__fn=` names the
/// server function that failed, so a page with several forms shows the error
/// beside the right one.
pub async fn map_errors(request: Request<Body>, next: Next) -> Response {
    let server_fn_path = request.uri().path().to_owned();
    let trace_id = request.extensions().get::<backend::TraceId>().cloned();
    let response = next.run(request).await;
    if !response
        .headers()
        .contains_key(server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        // Only a server function's redirect is a success; plain form
        // endpoints (two-factor, the card tokenizer) redirect with errors.
        return if server_fn_path.starts_with("/api/") {
            without_stale_error(response)
        } else {
            response
        };
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_ERROR_BYTES).await.unwrap_or_default();
    let decoded: AppError = serde_json::from_slice(&bytes).unwrap_or(AppError::internal());
    // A fault of ours names the request, so support can find it in the logs.
    let error = decoded.clone().with_reference(|| trace_id.map(|t| t.0));
    let bytes = if error == decoded {
        bytes
    } else {
        serde_json::to_vec(&error).map_or(bytes, Into::into)
    };

    if parts.status.is_redirection() {
        let location = parts
            .headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok());
        if let Some(target) = location.and_then(|l| back_with_error(l, &server_fn_path, &bytes)) {
            if let Ok(value) = HeaderValue::from_str(&target) {
                parts.headers.insert(header::LOCATION, value);
            }
        }
        return Response::from_parts(parts, Body::empty());
    }

    parts.status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let AppError::RateLimited { retry_after_secs } = error {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A successful form post is redirected back to the page it came from; if
/// that page still shows an earlier error (`?__err=`) or another one-shot
/// parameter (`__` first, like the card form's `__card_token`), drop it, or
/// the fixed form would reappear with the old message.
fn without_stale_error(mut response: Response) -> Response {
    if !response.status().is_redirection() {
        return response;
    }
    let cleaned = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .filter(|l| l.contains("?__") || l.contains("&__"))
        .and_then(strip_error);
    if let Some(value) = cleaned.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `location` (a path, or an absolute URL of this site) without its
/// one-shot `__` parameters.
fn strip_error(location: &str) -> Option<String> {
    let base = url::Url::parse("http://portal.invalid").ok()?;
    let mut url = base.join(location).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("__"))
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    // Keep an absolute Location absolute (it is the same page's own origin).
    if location.starts_with('/') {
        Some(path_and_query)
    } else {
        Some(format!(
            "{}{}",
            url.origin().ascii_serialization(),
            path_and_query
        ))
    }
}

/// The path and query of `referer` (never another host: no open redirect) with
/// `__err` set to the error as plain JSON. (server_fn's own form-redirect
/// encoding is base64 plus a `__path`, which nothing on the client reads.)
pub(crate) fn back_with_error(
    referer: &str,
    server_fn_path: &str,
    encoded_error: &[u8],
) -> Option<String> {
    let base = url::Url::parse("http://portal.invalid").ok()?;
    let mut url = base.join(referer).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "__err" | "__fn" | "__path" | "__sig"))
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let error = std::str::from_utf8(encoded_error).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        query.extend_pairs(kept);
        query.append_pair("__err", error);
        query.append_pair("__fn", server_fn_path);
        query.append_pair("__sig", &signature(error, server_fn_path));
    }
    Some(format!(
        "{}?{}",
        url.path(),
        url.query().unwrap_or_default()
    ))
}

// ------------------------------------------------------------ signatures

/// The key that signs form errors: every instance's, from Postgres
/// (`use_shared_key`), or, until then (tests, tools), one of this process.
static FORM_ERROR_KEY: OnceLock<Vec<u8>> = OnceLock::new();

fn key() -> &'static [u8] {
    FORM_ERROR_KEY.get_or_init(|| {
        let mut key = vec![0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            tracing::error!("no randomness for the form error key");
        }
        key
    })
}

/// Signs form errors with the key every instance shares, so a redirect made
/// by one instance shows its error on another. Call once at start-up.
pub async fn use_shared_key(db: &sqlx::PgPool) -> anyhow::Result<()> {
    let shared = sqlx::query_scalar!("select value from server_secret where name = 'form_errors'")
        .fetch_one(db)
        .await?;
    if FORM_ERROR_KEY.set(shared).is_err() {
        tracing::debug!("form error key already chosen in this process");
    }
    Ok(())
}

fn mac(error: &str, server_fn_path: &str) -> Hmac<Sha256> {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length
    let mut mac = Hmac::<Sha256>::new_from_slice(key()).expect("any key length");
    mac.update(server_fn_path.as_bytes());
    mac.update(b"\n");
    mac.update(error.as_bytes());
    mac
}

fn signature(error: &str, server_fn_path: &str) -> String {
    hex::encode(mac(error, server_fn_path).finalize().into_bytes())
}

fn signed(error: &str, server_fn_path: &str, signature: &str) -> bool {
    hex::decode(signature).is_ok_and(|sig| mac(error, server_fn_path).verify_slice(&sig).is_ok())
}

/// A page shows the error in its `?__err=` beside the form, so that text
/// must be one the server put there (`back_with_error` signs it), never one
/// from a link someone sent: a page opened with an unsigned or altered error
/// is redirected to itself without it.
pub async fn drop_forged_errors(request: Request<Body>, next: Next) -> Response {
    if request.method() != Method::GET
        || !request.uri().query().is_some_and(|q| q.contains("__err"))
    {
        return next.run(request).await;
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if signed(get("__err"), get("__fn"), get("__sig")) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "dropped a form error the server did not sign");
    let uri = request.uri().to_string();
    match strip_error(&uri) {
        Some(clean) => Redirect::to(&clean).into_response(),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::{back_with_error, signed, strip_error};

    #[test]
    fn a_successful_post_returns_without_the_old_error() {
        assert_eq!(
            strip_error("/settings?__err=%22x%22").as_deref(),
            Some("/settings")
        );
        assert_eq!(
            strip_error("http://127.0.0.1:3000/audit?action=a&__err=1").as_deref(),
            Some("http://127.0.0.1:3000/audit?action=a")
        );
        assert_eq!(
            strip_error("/billing?__card_token=tok_x&page=2&__card=Visa").as_deref(),
            Some("/billing?page=2"),
            "a saved card is not offered again"
        );
    }

    #[test]
    fn form_errors_return_to_the_same_page_on_this_host() {
        let target = back_with_error(
            "https://evil.example/sign-in?x=1&__err=old&__fn=%2Fold&__path=%2Fapi",
            "/api/auth/sign_in",
            br#""InvalidCredentials""#,
        )
        .unwrap();
        assert!(target.starts_with("/sign-in?x=1&__err="), "{target}");
        assert!(
            !target.contains("old") && !target.contains("evil") && !target.contains("__path"),
            "{target}"
        );
        assert!(
            target.contains("&__fn=%2Fapi%2Fauth%2Fsign_in&__sig="),
            "{target}"
        );
    }

    #[test]
    fn only_the_servers_own_errors_carry_a_valid_signature() {
        let target = back_with_error("/sign-in", "/api/auth/sign_in", br#""Forbidden""#).unwrap();
        let sig = target.rsplit("__sig=").next().unwrap();
        assert!(signed(r#""Forbidden""#, "/api/auth/sign_in", sig));
        assert!(!signed(
            r#"{"Conflict":"Call +1 555"}"#,
            "/api/auth/sign_in",
            sig
        ));
        assert!(!signed(r#""Forbidden""#, "/api/other", sig));
        assert!(!signed(r#""Forbidden""#, "/api/auth/sign_in", "00"));
    }
}
