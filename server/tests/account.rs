//! Account settings and security: names and billing email (audited with
//! before/after), the verified login email change, password change, and the
//! sessions list with revocation.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::PgPool;

fn ok(status: StatusCode) -> bool {
    status.is_success() || status.is_redirection()
}

async fn settings(app: &TestApp, client: &Client) -> Value {
    let response = app.get(client, "account/settings").await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

async fn last_audit(db: &PgPool, action: &str) -> (Option<Value>, Option<Value>, Option<String>) {
    sqlx::query_as::<_, (Option<Value>, Option<Value>, Option<String>)>(
        "select before, after, actor_email from audit_log where action = $1 order by id desc limit 1",
    )
    .bind(action)
    .fetch_one(db)
    .await
    .unwrap()
}

/// The raw token of the newest confirmation link mailed to `to`.
async fn confirmation_token(db: &PgPool, to: &str) -> String {
    sqlx::query_scalar::<_, String>(
        "select data->>'token' from notification where template = 'confirm_email_change' \
         and recipient = $1 order by created_at desc limit 1",
    )
    .bind(to)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn signed_up(app: &TestApp, label: &str) -> (Client, Org) {
    let client = browser();
    let org = Org::new(label);
    app.sign_up(&client, &org).await;
    (client, org)
}

async fn second_browser(app: &TestApp, email: &str, password: &str) -> Client {
    let other = browser();
    let response = app.sign_in(&other, email, password).await;
    assert_eq!(response.status(), StatusCode::OK, "second sign-in");
    other
}

#[sqlx::test(migrations = "../migrations")]
async fn renaming_the_organization_is_audited_with_before_and_after(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Rename").await;

    let response = app
        .call(
            &client,
            "account/organization_name",
            &[("organization_name", "  Acme   Two ")],
        )
        .await;
    assert!(ok(response.status()), "{:?}", response.text().await);

    assert_eq!(
        settings(&app, &client).await["organization_name"],
        "Acme Two"
    );
    // The cached session was evicted: the header shows the new name at once.
    let me = json(app.get(&client, "auth/current_user").await).await;
    assert_eq!(me["organization_name"], "Acme Two");
    let (before, after, actor) = last_audit(&db, "organization.renamed").await;
    assert_eq!(before.unwrap()["name"], org.name.as_str());
    assert_eq!(after.unwrap()["name"], "Acme Two");
    assert_eq!(actor.as_deref(), Some(org.email.as_str()));
}

#[sqlx::test(migrations = "../migrations")]
async fn invalid_values_are_refused_next_to_their_field_and_nothing_changes(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Invalid").await;

    let response = app
        .call(
            &client,
            "account/organization_name",
            &[("organization_name", "   ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(response).await["Validation"]["organization_name"].is_string());

    let response = app
        .call(
            &client,
            "account/billing_email",
            &[("billing_email", "not-an-email")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(response).await["Validation"]["billing_email"].is_string());

    let response = app
        .call(&client, "account/name", &[("name", &"x".repeat(101))])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let now = settings(&app, &client).await;
    assert_eq!(now["organization_name"], org.name.as_str());
    assert_eq!(now["billing_email"], Value::Null);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action in ('organization.renamed', 'organization.billing_email_changed', 'user.renamed')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(audited, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn billing_email_follows_the_role_matrix(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (owner, org) = signed_up(&app, "Billing").await;
    let billing = member_with_role(&app, &org.email, "billing").await;
    let admin = member_with_role(&app, &org.email, "admin").await;
    let member = member_with_role(&app, &org.email, "member").await;

    let set = |client: &Client, email: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            app.call(
                &client,
                "account/billing_email",
                &[("billing_email", email)],
            )
            .await
            .status()
        }
    };
    assert!(ok(set(&owner, "Invoices@Example.com").await));
    assert!(ok(set(&billing, "ap@example.com").await));
    assert_eq!(
        set(&admin, "admin@example.com").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        set(&member, "member@example.com").await,
        StatusCode::FORBIDDEN
    );
    // Renaming is for owners and admins.
    let rename = app
        .call(
            &billing,
            "account/organization_name",
            &[("organization_name", "Nope")],
        )
        .await;
    assert_eq!(rename.status(), StatusCode::FORBIDDEN);
    let rename = app
        .call(
            &admin,
            "account/organization_name",
            &[("organization_name", "Admin Was Here")],
        )
        .await;
    assert!(ok(rename.status()));

    assert_eq!(
        settings(&app, &owner).await["billing_email"],
        "ap@example.com"
    );
    let (before, after, _) = last_audit(&db, "organization.billing_email_changed").await;
    assert_eq!(before.unwrap()["billing_email"], "invoices@example.com");
    assert_eq!(after.unwrap()["billing_email"], "ap@example.com");
}

#[sqlx::test(migrations = "../migrations")]
async fn email_change_applies_only_when_the_link_is_confirmed_once(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Move").await;
    let new_email = format!("moved-{}", org.email);

    let response = app
        .call(
            &client,
            "account/email_change",
            &[("new_email", &new_email), ("password", PASSWORD)],
        )
        .await;
    assert!(ok(response.status()), "{:?}", response.text().await);

    // Not applied yet: the old email still signs in, the new one does not.
    let now = settings(&app, &client).await;
    assert_eq!(now["email"], org.email.as_str());
    assert_eq!(now["pending_email"]["new_email"], new_email.as_str());
    assert_eq!(
        app.sign_in(&browser(), &new_email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The link went to the new address, the old one was told; only a hash is stored.
    let token = confirmation_token(&db, &new_email).await;
    assert!(token.len() >= 43, "at least 256 bits: {token}");
    let notices: i64 = sqlx::query_scalar(
        "select count(*) from notification where template = 'email_change_requested' and recipient = $1",
    )
    .bind(&org.email)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(notices, 1);
    let stored: Vec<u8> = sqlx::query_scalar("select token_hash from email_change")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, backend::tokens::hash_token(&token));

    // Opening the link (a GET, as a mail scanner would) changes nothing.
    let page = browser()
        .get(app.url(&format!("/account/confirm-email?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Confirm new email"));
    let check = browser()
        .get(app.url(&format!("/api/account/email_change/check?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(json(check).await, Value::String(new_email.clone()));
    assert_eq!(settings(&app, &client).await["email"], org.email.as_str());

    // Confirming (from any browser, signed in or not) applies it.
    let anonymous = browser();
    let confirm = app
        .call(
            &anonymous,
            "account/email_change/confirm",
            &[("token", &token)],
        )
        .await;
    assert!(ok(confirm.status()), "{:?}", confirm.text().await);
    assert_eq!(settings(&app, &client).await["email"], new_email.as_str());
    assert_eq!(
        app.sign_in(&browser(), &new_email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.sign_in(&browser(), &org.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (before, after, _) = last_audit(&db, "user.email_changed").await;
    assert_eq!(before.unwrap()["email"], org.email.as_str());
    assert_eq!(after.unwrap()["email"], new_email.as_str());

    // Single use.
    let again = app
        .call(
            &anonymous,
            "account/email_change/confirm",
            &[("token", &token)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_or_superseded_link_does_nothing(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Expire").await;
    let first = format!("first-{}", org.email);
    let second = format!("second-{}", org.email);
    for email in [&first, &second] {
        let response = app
            .call(
                &client,
                "account/email_change",
                &[("new_email", email), ("password", PASSWORD)],
            )
            .await;
        assert!(ok(response.status()));
    }
    let superseded = confirmation_token(&db, &first).await;
    let response = app
        .call(
            &browser(),
            "account/email_change/confirm",
            &[("token", &superseded)],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "a newer request replaces the old link"
    );

    let current = confirmation_token(&db, &second).await;
    sqlx::query("update email_change set expires_at = now() - interval '1 second'")
        .execute(&db)
        .await
        .unwrap();
    let response = app
        .call(
            &browser(),
            "account/email_change/confirm",
            &[("token", &current)],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "expired after 24 h"
    );
    assert_eq!(settings(&app, &client).await["email"], org.email.as_str());
    let response = app
        .call(
            &browser(),
            "account/email_change/confirm",
            &[("token", "made-up")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn email_change_needs_the_right_password_and_a_free_address(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Guard").await;
    let (_, taken) = signed_up(&app, "Taken").await;

    let wrong = app
        .call(
            &client,
            "account/email_change",
            &[
                ("new_email", "new@example.com"),
                ("password", "not my password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(wrong).await["Validation"]["password"].is_string());

    let response = app
        .call(
            &client,
            "account/email_change",
            &[
                ("new_email", &taken.email.to_uppercase()),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    assert!(
        body["Validation"]["new_email"]
            .as_str()
            .unwrap()
            .contains("Another account"),
        "{body}"
    );

    let same = app
        .call(
            &client,
            "account/email_change",
            &[("new_email", &org.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let pending: i64 = sqlx::query_scalar("select count(*) from email_change")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_address_taken_before_confirmation_is_refused_clearly(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Race").await;
    let wanted = format!("wanted-{}", org.email);
    let response = app
        .call(
            &client,
            "account/email_change",
            &[("new_email", &wanted), ("password", PASSWORD)],
        )
        .await;
    assert!(ok(response.status()));
    let token = confirmation_token(&db, &wanted).await;
    // Someone signs up with that address before the link is opened.
    app.sign_up(
        &browser(),
        &Org {
            name: "Squatter".into(),
            email: wanted.clone(),
        },
    )
    .await;

    let response = app
        .call(
            &browser(),
            "account/email_change/confirm",
            &[("token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(settings(&app, &client).await["email"], org.email.as_str());
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_the_password_ends_other_sessions_and_keeps_this_one(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Password").await;
    let other = second_browser(&app, &org.email, PASSWORD).await;
    // Both sessions are cached in Redis now.
    assert_eq!(app.dashboard(&other).await.status(), StatusCode::OK);

    let wrong = app
        .call(
            &client,
            "account/password",
            &[
                ("current_password", "wrong password"),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(wrong).await["Validation"]["current_password"].is_string());
    assert_eq!(app.dashboard(&other).await.status(), StatusCode::OK);

    let response = app
        .call(
            &client,
            "account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert!(ok(response.status()), "{:?}", response.text().await);

    assert_eq!(
        app.dashboard(&client).await.status(),
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        app.dashboard(&other).await.status(),
        StatusCode::UNAUTHORIZED,
        "the other one ended"
    );
    assert_eq!(
        app.sign_in(&browser(), &org.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in(&browser(), &org.email, "a brand new passphrase")
            .await
            .status(),
        StatusCode::OK
    );
    let (_, after, _) = last_audit(&db, "user.password_changed").await;
    assert_eq!(after.unwrap()["other_sessions_ended"], 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revoked_session_gets_401_on_its_next_request(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Revoke").await;
    let other = browser_called("OtherBrowser/1.0");
    let third = browser_called("ThirdBrowser/1.0");
    for c in [&other, &third] {
        assert_eq!(
            app.sign_in(c, &org.email, PASSWORD).await.status(),
            StatusCode::OK
        );
        // Cached in Redis now: revocation must evict it, not wait for the TTL.
        assert_eq!(app.dashboard(c).await.status(), StatusCode::OK);
    }

    let sessions = json(app.get(&client, "account/sessions").await).await;
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3);
    let mine = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(mine["ip"], "127.0.0.1");
    let id_of = |agent: &str| {
        sessions.iter().find(|s| s["user_agent"] == agent).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let other_id = id_of("OtherBrowser/1.0");

    let own = app
        .call(
            &client,
            "account/sessions/revoke",
            &[("id", mine["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(
        own.status(),
        StatusCode::CONFLICT,
        "this browser signs out instead"
    );

    let response = app
        .call(&client, "account/sessions/revoke", &[("id", &other_id)])
        .await;
    assert!(ok(response.status()), "{:?}", response.text().await);
    assert_eq!(
        app.dashboard(&other).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.dashboard(&third).await.status(),
        StatusCode::OK,
        "only that one ended"
    );
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    let again = app
        .call(&client, "account/sessions/revoke", &[("id", &other_id)])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    let response = app
        .call(&client, "account/sessions/revoke_others", &[])
        .await;
    assert!(ok(response.status()));
    assert_eq!(
        app.dashboard(&third).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    let left = json(app.get(&client, "account/sessions").await).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    let (_, after, _) = last_audit(&db, "session.others_revoked").await;
    assert_eq!(after.unwrap()["sessions_ended"], 1);
}

fn browser_called(user_agent: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn nobody_can_revoke_another_users_session(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (victim, _) = signed_up(&app, "Victim").await;
    let (attacker, attacker_org) = signed_up(&app, "Attacker").await;
    let colleague = member_with_role(&app, &attacker_org.email, "admin").await;
    let victim_session = json(app.get(&victim, "account/sessions").await).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let colleague_session: String = sqlx::query_scalar(
        "select s.id::text from session s join app_user u on u.id = s.user_id where u.email like 'admin-%' limit 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    for id in [&victim_session, &colleague_session] {
        let response = app
            .call(&attacker, "account/sessions/revoke", &[("id", id)])
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.dashboard(&victim).await.status(), StatusCode::OK);
    assert_eq!(app.dashboard(&colleague).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_settings_page_renders_without_javascript(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, org) = signed_up(&app, "Page").await;
    let page = client.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(&org.email), "the login email is shown");
    let security = client
        .get(app.url("/settings/security"))
        .send()
        .await
        .unwrap();
    assert_eq!(security.status(), StatusCode::OK);
    assert!(security.text().await.unwrap().contains("This browser"));
    assert!(page.contains("Billing email") && page.contains("Change password"));
}

/// A browser whose page has run the boot script: its zone is in `portal_tz`.
fn browser_in(app: &TestApp, zone: &str) -> Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!("portal_tz={zone}; Path=/"),
        &app.url("/").parse().unwrap(),
    );
    Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .read_timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn stored_zone(db: &PgPool, email: &str) -> Option<String> {
    sqlx::query_scalar("select time_zone from app_user where email = $1")
        .bind(email)
        .fetch_one(db)
        .await
        .unwrap()
}

/// "Dec 7, 2026, 14:03 JST" → "JST".
fn zone_of(moment: &Value) -> String {
    let exact = moment["exact"]
        .as_str()
        .unwrap_or_else(|| panic!("{moment}"));
    exact.rsplit(' ').next().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn times_read_in_the_zone_of_the_first_sign_in_until_the_person_chooses_one(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Zones");
    let tokyo = browser_in(&app, "Asia/Tokyo");
    app.sign_up(&tokyo, &org).await;
    assert_eq!(
        stored_zone(&app.db, &org.email).await.as_deref(),
        Some("Asia/Tokyo")
    );
    let shown = settings(&app, &tokyo).await;
    assert_eq!(shown["time_zone"], "Asia/Tokyo");
    assert_eq!(shown["time_zone_detected"], false);
    let sessions = json(app.get(&tokyo, "account/sessions").await).await;
    let created = &sessions[0]["created_at"];
    assert_eq!(zone_of(created), "JST", "{created}");
    assert_eq!(created["relative"], "just now");
    assert!(created["at"].as_str().unwrap().ends_with('Z'), "{created}");

    // A later sign-in from a browser elsewhere keeps the person's zone.
    let berlin = browser_in(&app, "Europe/Berlin");
    assert_eq!(
        app.sign_in(&berlin, &org.email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        stored_zone(&app.db, &org.email).await.as_deref(),
        Some("Asia/Tokyo")
    );
    let sessions = json(app.get(&berlin, "account/sessions").await).await;
    assert_eq!(zone_of(&sessions[0]["last_seen_at"]), "JST");

    // A zone that does not exist is refused next to the field; nothing changes.
    let refused = app
        .call(
            &berlin,
            "account/time_zone",
            &[("time_zone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Choose a time zone from the list."));
    assert_eq!(
        stored_zone(&app.db, &org.email).await.as_deref(),
        Some("Asia/Tokyo")
    );

    // Choosing one: every page follows at once, in every browser, audited.
    let chosen = app
        .call(
            &tokyo,
            "account/time_zone",
            &[("time_zone", "Asia/Kolkata")],
        )
        .await;
    assert!(ok(chosen.status()), "{:?}", chosen.text().await);
    let sessions = json(app.get(&berlin, "account/sessions").await).await;
    assert_eq!(zone_of(&sessions[0]["created_at"]), "IST");
    let (before, after, _) = last_audit(&app.db, "user.time_zone_changed").await;
    assert_eq!(before.unwrap()["time_zone"], "Asia/Tokyo");
    assert_eq!(after.unwrap()["time_zone"], "Asia/Kolkata");
    let log = json(app.get(&tokyo, "audit/entries").await).await;
    assert_eq!(
        log["entries"][0]["sentence"],
        "Test Owner changed their time zone from Asia/Tokyo to Asia/Kolkata"
    );
    assert_eq!(zone_of(&log["entries"][0]["at"]), "IST");
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_zone_from_the_browser_times_read_in_utc_and_a_forged_one_is_ignored(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Utc");
    let forged = browser_in(&app, "../../etc/passwd");
    app.sign_up(&forged, &org).await;
    assert_eq!(stored_zone(&app.db, &org.email).await, None);
    let shown = settings(&app, &forged).await;
    assert_eq!(shown["time_zone"], "UTC");
    assert_eq!(shown["time_zone_detected"], true);
    let zones = shown["time_zones"].as_array().unwrap();
    assert!(
        zones.iter().any(|z| z == "Europe/Berlin"),
        "{} zones",
        zones.len()
    );
    let sessions = json(app.get(&forged, "account/sessions").await).await;
    assert_eq!(zone_of(&sessions[0]["created_at"]), "UTC");

    // Until one is stored, a real browser zone is used for reading, and the
    // next sign-in from it stores it.
    let lima = browser_in(&app, "America/Lima");
    assert_eq!(
        app.sign_in(&lima, &org.email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        stored_zone(&app.db, &org.email).await.as_deref(),
        Some("America/Lima")
    );
    let sessions = json(app.get(&lima, "account/sessions").await).await;
    assert_eq!(zone_of(&sessions[0]["created_at"]), "-05");
}
