//! Sessions, in two realms of one design: customers (`customer`, a member of
//! one organization) and staff (`staff`, the support console, no
//! organization). Both keep a random 256-bit token in an HttpOnly cookie of
//! their own and store only its SHA-256; a customer session is never enough
//! for a staff function, nor the other way round.
//!
//! The server resolves both cookies once per request (`resolve`) and hands the
//! sessions to server functions and handlers through the request.

pub mod customer;
pub mod staff;

pub use customer::{AccountSession, AuthSession, CustomerSession};
pub use staff::StaffSession;
// Where pages and server functions have always found it.
pub use crate::client::cookie_value;

use crate::settings::Settings;
use axum::http::HeaderMap;
use cookie::{Cookie, SameSite};
use std::time::Duration;

/// The cookie of a half-finished sign-in (right password, second factor
/// next). It names a `sign_in_challenge`, never a session.
pub fn challenge_cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-portal_sign_in"
    } else {
        "portal_sign_in"
    }
}

/// An HttpOnly, SameSite=Lax cookie for the whole site (Secure with `__Host-`
/// names when served over TLS).
pub fn http_only_cookie(name: &str, settings: &Settings, token: &str, max_age: Duration) -> String {
    Cookie::build((name.to_owned(), token.to_owned()))
        .path("/")
        .http_only(true)
        .secure(settings.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(
            i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
        ))
        .build()
        .to_string()
}

/// A first sign-in stores the zone the browser reported, so times read local
/// from then on in every browser; a zone the person already has (chosen in
/// settings, or stored before) is never overwritten.
pub(crate) async fn remember_browser_zone(
    conn: &mut sqlx::PgConnection,
    user_id: uuid::Uuid,
    client: &crate::client::ClientMeta,
) -> sqlx::Result<()> {
    let Some(zone) = client
        .time_zone
        .as_deref()
        .filter(|name| crate::local_time::parse_zone(name).is_some())
    else {
        return Ok(());
    };
    sqlx::query!(
        "update app_user set time_zone = $2, updated_at = now() where id = $1 and time_zone is null",
        user_id,
        zone,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Which session a cookie holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Customer,
    Staff,
}

impl Realm {
    /// `__Host-` binds the cookie to this exact origin, but browsers accept it
    /// only with `Secure`, so plain-HTTP development uses the bare name.
    pub fn cookie_name(self, settings: &Settings) -> &'static str {
        match (self, settings.secure_cookies) {
            (Realm::Customer, true) => "__Host-portal_session",
            (Realm::Customer, false) => "portal_session",
            (Realm::Staff, true) => "__Host-portal_staff_session",
            (Realm::Staff, false) => "portal_staff_session",
        }
    }

    /// `Set-Cookie` value that stores `token` for `max_age`.
    pub fn cookie(self, settings: &Settings, token: &str, max_age: Duration) -> String {
        http_only_cookie(self.cookie_name(settings), settings, token, max_age)
    }

    /// `Set-Cookie` value that removes the cookie.
    pub fn clear_cookie(self, settings: &Settings) -> String {
        self.cookie(settings, "", Duration::ZERO)
    }

    /// The token of this realm's cookie in a request's headers, if present.
    pub fn token(self, settings: &Settings, headers: &HeaderMap) -> Option<String> {
        cookie_value(self.cookie_name(settings), headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_is_http_only_and_same_site_lax() {
        let settings = Settings {
            secure_cookies: true,
            ..Settings::default()
        };
        for (realm, name) in [
            (Realm::Customer, "__Host-portal_session=abc"),
            (Realm::Staff, "__Host-portal_staff_session=abc"),
        ] {
            let cookie = realm.cookie(&settings, "abc", Duration::from_secs(60));
            assert!(cookie.starts_with(name), "{cookie}");
            for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
                assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
            }
        }
    }

    #[test]
    fn token_is_read_from_the_realms_own_cookie() {
        let settings = Settings::default();
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "theme=dark; portal_session=tok123; portal_staff_session=staff9"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            Realm::Customer.token(&settings, &headers).as_deref(),
            Some("tok123")
        );
        assert_eq!(
            Realm::Staff.token(&settings, &headers).as_deref(),
            Some("staff9")
        );
    }

    #[test]
    fn a_cleared_cookie_expires_at_once() {
        let cookie = Realm::Staff.clear_cookie(&Settings::default());
        assert!(cookie.starts_with("portal_staff_session=;"), "{cookie}");
        assert!(cookie.contains("Max-Age=0"), "{cookie}");
    }
}
