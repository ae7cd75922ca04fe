//! Identity without support tickets: verified email at sign-up, password
//! reset, two-factor with recovery codes, several organizations per person,
//! and session hygiene. Each rule of the issue, and its bad inputs.

use crate::helpers::*;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;

/// Signs up through the form only: the account exists, unverified.
async fn sign_up_unverified(app: &TestApp, client: &Client, org: &Org) -> Response {
    let response = app
        .call(
            client,
            "auth/sign_up",
            &[
                ("organization_name", &org.name),
                ("name", "Una Verified"),
                ("email", &org.email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response
}

async fn setup_step(app: &TestApp, client: &Client) -> Value {
    json(ok(app.get(client, "auth/account").await).await).await["setup"].clone()
}

/// Turns two-factor on for the signed-in `client`; returns the secret and
/// the recovery codes the confirmation page showed.
async fn enroll(app: &TestApp, client: &Client, email: &str) -> (String, Vec<String>) {
    ok(app.call(client, "two_factor/begin", &[]).await).await;
    let status = json(ok(app.get(client, "two_factor/status").await).await).await;
    let secret = status["pending"]["secret"].as_str().unwrap().to_owned();
    let code = next_totp_code(app, email, &secret).await;
    let page = client
        .post(app.url("/settings/two-factor/confirm"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    (secret, recovery_codes_of(&html))
}

fn recovery_codes_of(html: &str) -> Vec<String> {
    html.split("<code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code>").next())
        .map(str::to_owned)
        .collect()
}

/// The token with its last character changed (to one it certainly is not).
fn tampered(token: &str) -> String {
    let last = if token.ends_with('A') { 'B' } else { 'A' };
    format!("{}{last}", &token[..token.len() - 1])
}

fn challenge_cookie(response: &Response) -> bool {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .any(|c| c.to_str().unwrap_or("").starts_with("portal_sign_in="))
}

// ------------------------------------------------------------ verified email

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_signs_nobody_in_until_the_link_is_opened(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let org = Org::new("Verify");
    let response = sign_up_unverified(&app, &client, &org).await;
    assert_eq!(
        session_token(response.headers()),
        None,
        "no session before verification"
    );
    assert_eq!(
        app.dashboard(&client).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let welcome: i64 =
        sqlx::query_scalar("select count(*) from notification where template = 'welcome'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        welcome, 0,
        "no email with the customer's text before verification"
    );

    // Opening the link only checks it; the post verifies and signs in.
    let token = app.verification_token(&org.email).await;
    ok(app
        .get(&client, &format!("auth/verify_email/check?token={token}"))
        .await)
    .await;
    let verified = app
        .call(&client, "auth/verify_email", &[("token", &token)])
        .await;
    assert!(session_token(verified.headers()).is_some());
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);

    // The link works once.
    let again = app
        .call(&browser(), "auth/verify_email", &[("token", &token)])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unverified_account_can_sign_in_but_only_to_verify(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Pending");
    sign_up_unverified(&app, &browser(), &org).await;
    let client = browser();
    ok(app.sign_in(&client, &org.email, PASSWORD).await).await;

    let refused = app.dashboard(&client).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["SetupRequired"], "VerifyEmail");
    assert_eq!(setup_step(&app, &client).await, "VerifyEmail");
    let invite = app
        .call(
            &client,
            "team/invite",
            &[("email", "x@example.com"), ("role", "member")],
        )
        .await;
    assert_eq!(
        invite.status(),
        StatusCode::FORBIDDEN,
        "no invitations before verification"
    );

    // A new link replaces the old one.
    let old = app.verification_token(&org.email).await;
    ok(app.call(&client, "auth/verify_email/resend", &[]).await).await;
    let new = app.verification_token(&org.email).await;
    assert_ne!(old, new);
    assert_eq!(
        app.call(&browser(), "auth/verify_email", &[("token", &old)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A typo fixed: the link goes to the new address, the old address's dies.
    let corrected = format!("fixed-{}", org.email);
    ok(app
        .call(
            &client,
            "auth/verify_email/change_address",
            &[("email", &corrected)],
        )
        .await)
    .await;
    assert_eq!(
        app.call(&browser(), "auth/verify_email", &[("token", &new)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.verify_email(&client, &corrected).await;
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn expired_and_tampered_verification_links_change_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Expired");
    sign_up_unverified(&app, &browser(), &org).await;
    let token = app.verification_token(&org.email).await;
    assert_eq!(
        app.call(
            &browser(),
            "auth/verify_email",
            &[("token", &tampered(&token))]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    app.clock.advance(time::Duration::hours(25));
    assert_eq!(
        app.get(
            &browser(),
            &format!("auth/verify_email/check?token={token}")
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&browser(), "auth/verify_email", &[("token", &token)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let verified: bool =
        sqlx::query_scalar("select email_verified_at is not null from app_user where email = $1")
            .bind(&org.email)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(!verified);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_account_never_verified_is_removed_after_a_week_freeing_the_address(db: PgPool) {
    let app = spawn_app(db).await;
    let squatter = Org::new("Squat");
    sign_up_unverified(&app, &browser(), &squatter).await;
    let verified = Org::new("Real");
    app.sign_up(&browser(), &verified).await;

    let now = app.clock.now();
    let removed =
        backend::auth::service::remove_unverified_accounts(&app.db, now + time::Duration::days(6))
            .await
            .unwrap();
    assert_eq!(removed, 0, "not before a week");
    let removed =
        backend::auth::service::remove_unverified_accounts(&app.db, now + time::Duration::days(8))
            .await
            .unwrap();
    assert_eq!(removed, 1, "only the unverified account");
    let orgs: Vec<String> = sqlx::query_scalar("select name from organization")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(orgs, vec![verified.name.clone()]);

    // The real owner of the address can sign up now.
    let owner = browser();
    app.sign_up(&owner, &squatter).await;
    assert_eq!(app.dashboard(&owner).await.status(), StatusCode::OK);
}

// ------------------------------------------------------------ password reset

#[sqlx::test(migrations = "../migrations")]
async fn forgot_password_answers_the_same_for_any_address(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Forgot");
    app.sign_up(&browser(), &org).await;
    let known = app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", &org.email)],
        )
        .await;
    let unknown = app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(known.status(), StatusCode::OK);
    assert_eq!(unknown.status(), known.status());
    assert_eq!(unknown.text().await.unwrap(), known.text().await.unwrap());
    let mailed: Vec<String> =
        sqlx::query_scalar("select recipient from notification where template = 'password_reset'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(mailed, vec![org.email.clone()]);
}

#[sqlx::test(migrations = "../migrations")]
async fn reset_requests_are_limited_per_address(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Limited");
    app.sign_up(&browser(), &org).await;
    for _ in 0..3 {
        ok(app
            .call(
                &browser(),
                "auth/password_reset/request",
                &[("email", &org.email)],
            )
            .await)
        .await;
    }
    let limited = app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", &org.email)],
        )
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key(reqwest::header::RETRY_AFTER));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_reset_ends_every_session_and_signs_in_with_a_fresh_token(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Reset");
    let elsewhere = browser();
    let old = session_token(app.sign_up(&elsewhere, &org).await.headers()).unwrap();
    // The same person is also staff, signed in to the console.
    sqlx::query("insert into staff (user_id) select id from app_user where email = $1")
        .bind(&org.email)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update app_user set totp_secret = $2, totp_enabled_at = now() where email = $1")
        .bind(&org.email)
        .bind(STAFF_TOTP_SECRET)
        .execute(&app.db)
        .await
        .unwrap();
    let console = browser();
    ok(staff_sign_in(&app, &console, &org.email, PASSWORD, STAFF_TOTP_SECRET).await).await;
    sqlx::query("update app_user set totp_secret = null, totp_enabled_at = null where email = $1")
        .bind(&org.email)
        .execute(&app.db)
        .await
        .unwrap();

    ok(app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", &org.email)],
        )
        .await)
    .await;
    let token = app.mailed_token(&org.email, "password_reset").await;
    // Opening the link changes nothing.
    ok(app
        .get(
            &browser(),
            &format!("auth/password_reset/check?token={token}"),
        )
        .await)
    .await;
    assert_eq!(app.dashboard(&elsewhere).await.status(), StatusCode::OK);

    let client = browser();
    let reset = app
        .call(
            &client,
            "auth/password_reset",
            &[
                ("token", &token),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let fresh = session_token(reset.headers()).expect("signed in");
    assert_ne!(fresh, old);
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    assert_eq!(
        app.dashboard(&elsewhere).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&console, "staff/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in(&browser(), &org.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'user.password_reset'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // The link works once.
    let again = app
        .call(
            &browser(),
            "auth/password_reset",
            &[
                ("token", &token),
                ("new_password", "yet another passphrase"),
            ],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn expired_or_tampered_reset_links_change_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Stale");
    app.sign_up(&browser(), &org).await;
    ok(app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", &org.email)],
        )
        .await)
    .await;
    let token = app.mailed_token(&org.email, "password_reset").await;
    let attempt = |token: String| {
        let app = &app;
        async move {
            app.call(
                &browser(),
                "auth/password_reset",
                &[
                    ("token", &token),
                    ("new_password", "a brand new passphrase"),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(attempt(tampered(&token)).await, StatusCode::NOT_FOUND);
    app.clock.advance(time::Duration::minutes(61));
    assert_eq!(attempt(token).await, StatusCode::NOT_FOUND);
    ok(app.sign_in(&browser(), &org.email, PASSWORD).await).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn after_a_reset_an_account_with_two_factor_still_needs_its_code(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Reset2fa");
    let client = browser();
    app.sign_up(&client, &org).await;
    let (secret, _) = enroll(&app, &client, &org.email).await;
    ok(app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", &org.email)],
        )
        .await)
    .await;
    let token = app.mailed_token(&org.email, "password_reset").await;
    let fresh = browser();
    let reset = app
        .call(
            &fresh,
            "auth/password_reset",
            &[
                ("token", &token),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        session_token(reset.headers()),
        None,
        "no session before the code"
    );
    assert!(challenge_cookie(&reset));
    assert_eq!(
        app.dashboard(&fresh).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let code = next_totp_code(&app, &org.email, &secret).await;
    ok(app
        .call(&fresh, "auth/two_factor/verify", &[("code", &code)])
        .await)
    .await;
    assert_eq!(app.dashboard(&fresh).await.status(), StatusCode::OK);
}

// ------------------------------------------------------------ two-factor

#[sqlx::test(migrations = "../migrations")]
async fn a_second_factor_is_asked_after_the_password_and_each_code_works_once(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Totp");
    let client = browser();
    app.sign_up(&client, &org).await;
    let (secret, codes) = enroll(&app, &client, &org.email).await;
    assert_eq!(codes.len(), 10);

    // The password alone is half a sign-in: a challenge, never a session.
    let half = browser();
    let first = app.sign_in(&half, &org.email, PASSWORD).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(session_token(first.headers()), None);
    assert!(challenge_cookie(&first));
    assert_eq!(
        app.dashboard(&half).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let code = next_totp_code(&app, &org.email, &secret).await;
    ok(app
        .call(&half, "auth/two_factor/verify", &[("code", &code)])
        .await)
    .await;
    assert_eq!(app.dashboard(&half).await.status(), StatusCode::OK);

    // The same code again is refused, even with a new challenge.
    let replay = browser();
    ok(app.sign_in(&replay, &org.email, PASSWORD).await).await;
    let refused = app
        .call(&replay, "auth/two_factor/verify", &[("code", &code)])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(refused).await["Validation"]["code"].is_string());

    // A recovery code works once.
    let recovered = browser();
    ok(app.sign_in(&recovered, &org.email, PASSWORD).await).await;
    ok(app
        .call(&recovered, "auth/two_factor/verify", &[("code", &codes[0])])
        .await)
    .await;
    assert_eq!(app.dashboard(&recovered).await.status(), StatusCode::OK);
    let reused = browser();
    ok(app.sign_in(&reused, &org.email, PASSWORD).await).await;
    assert_eq!(
        app.call(&reused, "auth/two_factor/verify", &[("code", &codes[0])])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let status = json(ok(app.get(&client, "two_factor/status").await).await).await;
    assert_eq!(status["recovery_codes_left"], 9);

    // Every two-factor event is audited and emailed.
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'user.two_factor%' or action like 'user.recovery%' order by id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "user.two_factor_setup_started",
            "user.two_factor_enabled",
            "user.recovery_code_used"
        ]
    );
    let notices: i64 = sqlx::query_scalar(
        "select count(*) from notification where template = 'security_notice' and recipient = $1",
    )
    .bind(&org.email)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(notices, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn codes_of_the_neighbouring_windows_are_accepted_once_each(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Window");
    let client = browser();
    app.sign_up(&client, &org).await;
    let (secret, _) = enroll(&app, &client, &org.email).await;
    // Move to a fresh window so the enrollment's step is behind us.
    app.clock.advance(time::Duration::minutes(2));
    let now = u64::try_from(app.clock.now().unix_timestamp()).unwrap();
    let sign_in_with = |at: u64| {
        let (app, email, secret) = (&app, org.email.clone(), secret.clone());
        async move {
            let client = browser();
            ok(app.sign_in(&client, &email, PASSWORD).await).await;
            let code = backend::two_factor::totp::code_at(&secret, at).unwrap();
            app.call(&client, "auth/two_factor/verify", &[("code", &code)])
                .await
                .status()
        }
    };
    assert_eq!(
        sign_in_with(now - 30).await,
        StatusCode::OK,
        "the previous window"
    );
    assert_eq!(
        sign_in_with(now + 30).await,
        StatusCode::OK,
        "the next window"
    );
    assert_eq!(
        sign_in_with(now).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "older than a step already used"
    );
    assert_eq!(
        sign_in_with(now + 90).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside the window"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_codes_end_the_challenge_and_are_rate_limited(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Guess");
    let client = browser();
    app.sign_up(&client, &org).await;
    enroll(&app, &client, &org.email).await;
    let guesser = browser();
    ok(app.sign_in(&guesser, &org.email, PASSWORD).await).await;
    for _ in 0..5 {
        let status = app
            .call(&guesser, "auth/two_factor/verify", &[("code", "000000")])
            .await
            .status();
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    let dead = app
        .call(&guesser, "auth/two_factor/verify", &[("code", "000000")])
        .await;
    assert_eq!(
        dead.status(),
        StatusCode::UNAUTHORIZED,
        "sign in again after five wrong codes"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn turning_two_factor_off_needs_the_password_and_a_code(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Off");
    let client = browser();
    app.sign_up(&client, &org).await;
    let (secret, _) = enroll(&app, &client, &org.email).await;
    let code = next_totp_code(&app, &org.email, &secret).await;
    let wrong_password = app
        .call(
            &client,
            "two_factor/disable",
            &[("password", "nope nope nope"), ("code", &code)],
        )
        .await;
    assert_eq!(wrong_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_code = app
        .call(
            &client,
            "two_factor/disable",
            &[("password", PASSWORD), ("code", "123456")],
        )
        .await;
    assert_eq!(wrong_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    ok(app
        .call(
            &client,
            "two_factor/disable",
            &[("password", PASSWORD), ("code", &code)],
        )
        .await)
    .await;
    let first = app.sign_in(&browser(), &org.email, PASSWORD).await;
    assert!(
        session_token(first.headers()).is_some(),
        "a password is enough again"
    );
    let notice: Vec<String> = sqlx::query_scalar(
        "select data->>'event' from notification where template = 'security_notice' order by created_at",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(
        notice.iter().any(|e| e.contains("turned off")),
        "{notice:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn new_recovery_codes_replace_the_old_ones(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Regen");
    let client = browser();
    app.sign_up(&client, &org).await;
    let (secret, old) = enroll(&app, &client, &org.email).await;
    let code = next_totp_code(&app, &org.email, &secret).await;
    let page = client
        .post(app.url("/settings/two-factor/recovery-codes"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let new = recovery_codes_of(&page.text().await.unwrap());
    assert_eq!(new.len(), 10);
    let stale = browser();
    ok(app.sign_in(&stale, &org.email, PASSWORD).await).await;
    assert_eq!(
        app.call(&stale, "auth/two_factor/verify", &[("code", &old[0])])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    ok(app
        .call(&stale, "auth/two_factor/verify", &[("code", &new[0])])
        .await)
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_organization_that_requires_two_factor_sends_members_to_set_it_up(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Strict");
    let owner = browser();
    app.sign_up(&owner, &org).await;
    let member = member_with_role(&app, &org.email, "member").await;
    assert_eq!(app.dashboard(&member).await.status(), StatusCode::OK);

    let refused = app
        .call(
            &owner,
            "account/require_two_factor",
            &[("required", "true")],
        )
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "the owner sets it up first"
    );
    enroll(&app, &owner, &org.email).await;
    ok(app
        .call(
            &owner,
            "account/require_two_factor",
            &[("required", "true")],
        )
        .await)
    .await;
    let admin = member_with_role(&app, &org.email, "admin").await;
    assert_eq!(
        app.call(
            &admin,
            "account/require_two_factor",
            &[("required", "false")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN,
        "owners only"
    );

    let blocked = app.dashboard(&member).await;
    assert_eq!(blocked.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(blocked).await["SetupRequired"], "EnrollTwoFactor");
    assert_eq!(setup_step(&app, &member).await, "EnrollTwoFactor");
    let email: String = json(ok(app.get(&member, "auth/account").await).await).await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    enroll(&app, &member, &email).await;
    assert_eq!(app.dashboard(&member).await.status(), StatusCode::OK);
    assert_eq!(app.dashboard(&owner).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_without_two_factor_set_it_up_before_the_console_opens(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("StaffSetup");
    app.sign_up(&browser(), &org).await;
    sqlx::query("insert into staff (user_id) select id from app_user where email = $1")
        .bind(&org.email)
        .execute(&app.db)
        .await
        .unwrap();
    let staff = browser();
    let first = app
        .call(
            &staff,
            "staff/sign_in",
            &[("email", &org.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(challenge_cookie(&first));
    assert_eq!(
        app.get(&staff, "staff/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let challenge = json(ok(app.get(&staff, "auth/two_factor/challenge").await).await).await;
    assert_eq!(challenge["next"], "EnrollTwoFactor");
    // A code cannot skip the setup.
    assert_eq!(
        app.call(&staff, "auth/two_factor/verify", &[("code", "123456")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let enrollment = json(ok(app.call(&staff, "staff/two_factor/begin", &[]).await).await).await;
    let secret = enrollment["secret"].as_str().unwrap().to_owned();
    let code = next_totp_code(&app, &org.email, &secret).await;
    let page = staff
        .post(app.url("/staff/sign-in/two-factor/confirm"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(recovery_codes_of(&page.text().await.unwrap()).len(), 10);
    ok(app.get(&staff, "staff/tickets").await).await;

    // From now on the console asks for the code.
    let again = browser();
    ok(staff_sign_in(&app, &again, &org.email, PASSWORD, &secret).await).await;
    ok(app.get(&again, "staff/tickets").await).await;
}

// ------------------------------------------------------------ organizations

#[sqlx::test(migrations = "../migrations")]
async fn a_person_in_two_organizations_switches_and_sees_each_ones_data(db: PgPool) {
    let app = spawn_app(db).await;
    let first = Org::new("First");
    let person = browser();
    app.sign_up(&person, &first).await;
    // Invited to a second organization and accepted while signed in: it opens there.
    let second = Org::new("Second");
    let inviter = browser();
    app.sign_up(&inviter, &second).await;
    ok(app
        .call(
            &inviter,
            "team/invite",
            &[("email", &first.email), ("role", "admin")],
        )
        .await)
    .await;
    let token = app.mailed_token(&first.email, "invitation").await;
    ok(app
        .call(&person, "invitations/accept", &[("token", &token)])
        .await)
    .await;
    let summary = json(ok(app.dashboard(&person).await).await).await;
    assert_eq!(summary["organization_name"], second.name.as_str());

    let user = json(ok(app.get(&person, "auth/current_user").await).await).await;
    let names: Vec<&str> = user["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["organization_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let first_id = user["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["organization_name"] == first.name.as_str())
        .unwrap()["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let switched = app
        .call(
            &person,
            "auth/switch_organization",
            &[("organization_id", &first_id)],
        )
        .await;
    assert_eq!(switched.status(), StatusCode::OK);
    assert!(
        session_token(switched.headers()).is_some(),
        "a new session token"
    );
    let summary = json(ok(app.dashboard(&person).await).await).await;
    assert_eq!(summary["organization_name"], first.name.as_str());
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'session.organization_switched'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Signing in again opens the organization used last.
    let later = browser();
    ok(app.sign_in(&later, &first.email, PASSWORD).await).await;
    let summary = json(ok(app.dashboard(&later).await).await).await;
    assert_eq!(summary["organization_name"], first.name.as_str());

    // Another organization's id is not a way in.
    let outsider = browser();
    let third = Org::new("Third");
    app.sign_up(&outsider, &third).await;
    let refused = app
        .call(
            &outsider,
            "auth/switch_organization",
            &[("organization_id", &first_id)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let summary = json(ok(app.dashboard(&outsider).await).await).await;
    assert_eq!(summary["organization_name"], third.name.as_str());
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_switches_serve_each_request_in_its_sessions_organization(db: PgPool) {
    let app = spawn_app(db).await;
    let home = Org::new("Home");
    let a = browser();
    app.sign_up(&a, &home).await;
    let away = Org::new("Away");
    let inviter = browser();
    app.sign_up(&inviter, &away).await;
    ok(app
        .call(
            &inviter,
            "team/invite",
            &[("email", &home.email), ("role", "member")],
        )
        .await)
    .await;
    let token = app.mailed_token(&home.email, "invitation").await;
    ok(app
        .call(
            &browser(),
            "invitations/accept",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await)
    .await;
    let b = browser();
    ok(app.sign_in(&b, &home.email, PASSWORD).await).await;
    let ids = json(ok(app.get(&b, "auth/current_user").await).await).await["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["organization_name"].as_str().unwrap().to_owned(),
                m["organization_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect::<std::collections::HashMap<_, _>>();
    let to = |client: &Client, name: &str| {
        let (app, client, id) = (&app, client.clone(), ids[name].clone());
        async move {
            ok(app
                .call(
                    &client,
                    "auth/switch_organization",
                    &[("organization_id", &id)],
                )
                .await)
            .await;
            json(ok(app.dashboard(&client).await).await).await["organization_name"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    for _ in 0..3 {
        let (in_a, in_b) = tokio::join!(to(&a, &away.name), to(&b, &home.name));
        assert_eq!(in_a, away.name);
        assert_eq!(in_b, home.name);
        let (in_a, in_b) = tokio::join!(to(&a, &home.name), to(&b, &away.name));
        assert_eq!(in_a, home.name);
        assert_eq!(in_b, away.name);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn removed_from_the_only_organization_a_person_creates_one(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Leaving");
    let owner = browser();
    app.sign_up(&owner, &org).await;
    let email = format!("solo-{}@example.com", uuid::Uuid::new_v4().simple());
    ok(app
        .call(
            &owner,
            "team/invite",
            &[("email", &email), ("role", "member")],
        )
        .await)
    .await;
    let token = app.mailed_token(&email, "invitation").await;
    let member = browser();
    ok(app
        .call(
            &member,
            "invitations/accept",
            &[("token", &token), ("name", "Solo"), ("password", PASSWORD)],
        )
        .await)
    .await;
    let user_id = json(ok(app.get(&member, "auth/current_user").await).await).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app
        .call(&owner, "team/members/remove", &[("user_id", &user_id)])
        .await)
    .await;

    let again = browser();
    let signed_in = app.sign_in(&again, &email, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK, "no crash, no refusal");
    let refused = app.dashboard(&again).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["SetupRequired"], "CreateOrganization");
    ok(app
        .call(
            &again,
            "auth/create_organization",
            &[("organization_name", "Solo Ventures")],
        )
        .await)
    .await;
    let summary = json(ok(app.dashboard(&again).await).await).await;
    assert_eq!(summary["organization_name"], "Solo Ventures");
    assert_eq!(summary["your_role"], "owner");
}

// ------------------------------------------------------------ session hygiene

#[sqlx::test(migrations = "../migrations")]
async fn a_password_change_rotates_this_session_and_ends_all_others(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Rotate");
    let client = browser();
    let before = session_token(app.sign_up(&client, &org).await.headers()).unwrap();
    let other = browser();
    ok(app.sign_in(&other, &org.email, PASSWORD).await).await;
    let changed = app
        .call(
            &client,
            "account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a rotated passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let after = session_token(changed.headers()).expect("a new token");
    assert_ne!(after, before);
    assert_eq!(
        app.dashboard(&client).await.status(),
        StatusCode::OK,
        "this browser continues"
    );
    assert_eq!(
        app.dashboard(&other).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let replayed = reqwest::Client::new()
        .get(app.url("/api/dashboard/summary"))
        .header(reqwest::header::COOKIE, format!("portal_session={before}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        replayed.status(),
        StatusCode::UNAUTHORIZED,
        "the old token is dead"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_everywhere_ends_every_session(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Everywhere");
    let client = browser();
    app.sign_up(&client, &org).await;
    let other = browser();
    ok(app.sign_in(&other, &org.email, PASSWORD).await).await;
    let sessions = json(ok(app.get(&client, "account/sessions").await).await).await;
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    assert!(sessions[0]["device"].is_string());
    ok(app.call(&client, "auth/sign_out_everywhere", &[]).await).await;
    assert_eq!(
        app.dashboard(&client).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.dashboard(&other).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn accepting_an_invitation_verifies_the_invited_address(db: PgPool) {
    let app = spawn_app(db).await;
    let squatted = Org::new("NeverVerified");
    sign_up_unverified(&app, &browser(), &squatted).await;
    let inviter = browser();
    app.sign_up(&inviter, &Org::new("Inviting")).await;
    ok(app
        .call(
            &inviter,
            "team/invite",
            &[("email", &squatted.email), ("role", "member")],
        )
        .await)
    .await;
    let token = app.mailed_token(&squatted.email, "invitation").await;
    let client = browser();
    ok(app
        .call(
            &client,
            "invitations/accept",
            &[("token", &token), ("password", PASSWORD)],
        )
        .await)
    .await;
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    let verified: bool =
        sqlx::query_scalar("select email_verified_at is not null from app_user where email = $1")
            .bind(&squatted.email)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(verified, "the invitation proved the address");
}
