use crate::helpers::*;
use domain::api_keys::KEY_LEN;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use std::time::{Duration, Instant};

async fn create_key(app: &TestApp, client: &reqwest::Client, name: &str) -> Value {
    let response = app
        .call(
            client,
            "api_keys/create",
            &[("name", name), ("scope", "full"), ("expires_in", "never")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "create key: {:?}",
        response.text().await
    );
    json(response).await
}

async fn ping(app: &TestApp, secret: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/ping"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

fn secret_of(created: &Value) -> String {
    created["secret"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_key_is_shown_once_and_only_its_hash_is_stored(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Keys")).await;

    let created = create_key(&app, &owner, "Production").await;
    let secret = secret_of(&created);

    assert!(
        secret.starts_with("sk_live_") && secret.len() == KEY_LEN,
        "{secret}"
    );
    let listed = app.get(&owner, "api_keys/list").await.text().await.unwrap();
    assert!(
        !listed.contains(&secret),
        "the list never carries the secret"
    );
    assert!(listed.contains(&secret[..12]), "but shows its prefix");
    let stored = sqlx::query!("select key_hash, display_prefix from api_key")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_ne!(stored.key_hash, secret.as_bytes());
    assert_eq!(
        stored.key_hash,
        backend::api_keys::verifier::hash_key(&secret)
    );
    assert_eq!(stored.display_prefix, &secret[..12]);
    assert_eq!(ping(&app, &secret).await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn names_are_unique_among_current_keys(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Names")).await;
    create_key(&app, &owner, "CI").await;

    let again = app
        .call(
            &owner,
            "api_keys/create",
            &[("name", "ci"), ("scope", "full"), ("expires_in", "never")],
        )
        .await;

    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(again).await["Validation"]["name"]
        .as_str()
        .unwrap()
        .contains("already"));
}

#[sqlx::test(migrations = "../migrations")]
async fn ping_explains_why_a_key_is_refused(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Ping")).await;
    let secret = secret_of(&create_key(&app, &owner, "Ping").await);
    let mut typo = secret.clone().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };

    let (status, body) = ping(&app, &String::from_utf8(typo).unwrap()).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("malformed"))
    );
    let in_query = reqwest::get(app.url(&format!("/api/v1/ping?api_key={secret}")))
        .await
        .unwrap();
    assert_eq!(
        in_query.status(),
        StatusCode::BAD_REQUEST,
        "keys in URLs are refused"
    );
    let missing = reqwest::get(app.url("/api/v1/ping")).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revoked_key_is_refused_by_another_instance_within_a_second(db: PgPool) {
    let prefix = format!("test:{}", uuid::Uuid::new_v4());
    let first = spawn_app_with(db.clone(), |s| s.redis_prefix = prefix.clone()).await;
    let second = spawn_app_with(db, |s| s.redis_prefix = prefix.clone()).await;
    let owner = browser();
    first.sign_up(&owner, &Org::new("Revoke")).await;
    let created = create_key(&first, &owner, "Doomed").await;
    let secret = secret_of(&created);
    assert_eq!(
        ping(&second, &secret).await.0,
        StatusCode::OK,
        "now cached on the second instance"
    );

    let revoked = first
        .call(
            &owner,
            "api_keys/revoke",
            &[("id", created["key"]["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let started = Instant::now();
    let mut last = ping(&second, &secret).await;
    while last.0 == StatusCode::OK && started.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        last = ping(&second, &secret).await;
    }

    assert_eq!(
        last.0,
        StatusCode::UNAUTHORIZED,
        "refused within a second, not after the 10 s cache TTL"
    );
    assert_eq!(last.1["reason"], "revoked");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rotated_key_works_during_its_grace_period_only(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Rotate")).await;
    let old = create_key(&app, &owner, "Worker").await;
    let id = old["key"]["id"].as_str().unwrap();

    let rotated = app
        .call(
            &owner,
            "api_keys/rotate",
            &[("id", id), ("grace_hours", "1")],
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let new = json(rotated).await;
    let (old_secret, new_secret) = (secret_of(&old), secret_of(&new));
    assert_ne!(old_secret, new_secret);
    assert_eq!(new["key"]["name"], "Worker", "the successor keeps the name");
    assert_eq!(
        ping(&app, &old_secret).await.0,
        StatusCode::OK,
        "old key still works during the grace period"
    );
    assert_eq!(ping(&app, &new_secret).await.0, StatusCode::OK);
    let list = app.get(&owner, "api_keys/list").await.text().await.unwrap();
    assert!(
        list.contains("Rotating"),
        "the list shows the old key rotating out: {list}"
    );

    app.clock.advance(time::Duration::hours(2));

    let (status, body) = ping(&app, &old_secret).await;
    assert_eq!(
        (status, body["reason"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("expired"))
    );
    assert_eq!(ping(&app, &new_secret).await.0, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn last_used_is_recorded_without_a_write_per_call(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Used")).await;
    let secret = secret_of(&create_key(&app, &owner, "Busy").await);

    for _ in 0..5 {
        assert_eq!(ping(&app, &secret).await.0, StatusCode::OK);
    }
    let before: Option<time::OffsetDateTime> =
        sqlx::query_scalar!("select last_used_at from api_key")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(before.is_none(), "calls alone do not write Postgres");
    assert_eq!(
        app.verifier.flush_last_used(&db).await.unwrap(),
        1,
        "five calls, one row to update"
    );

    let list = json(app.get(&owner, "api_keys/list").await).await;
    assert_ne!(list[0]["last_used_at"], Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_of_one_organization_cannot_touch_another_organizations_keys(db: PgPool) {
    let app = spawn_app(db).await;
    let (alice, mallory) = (browser(), browser());
    app.sign_up(&alice, &Org::new("Victim")).await;
    app.sign_up(&mallory, &Org::new("Attacker")).await;
    let victim = create_key(&app, &alice, "Secret").await;
    let id = victim["key"]["id"].as_str().unwrap();

    let listed = app
        .get(&mallory, "api_keys/list")
        .await
        .text()
        .await
        .unwrap();
    let revoke = app.call(&mallory, "api_keys/revoke", &[("id", id)]).await;
    let rotate = app
        .call(
            &mallory,
            "api_keys/rotate",
            &[("id", id), ("grace_hours", "1")],
        )
        .await;

    assert!(!listed.contains(id), "{listed}");
    assert_eq!(
        revoke.status(),
        StatusCode::NOT_FOUND,
        "not 403: the key's existence is not revealed"
    );
    assert_eq!(rotate.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        ping(&app, &secret_of(&victim)).await.0,
        StatusCode::OK,
        "still works"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn key_actions_follow_the_role_matrix(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    let org = Org::new("Roles");
    app.sign_up(&owner, &org).await;
    let admin = member_with_role(&app, &org.email, "admin").await;
    let member = member_with_role(&app, &org.email, "member").await;
    let billing = member_with_role(&app, &org.email, "billing").await;

    // (client, may list, may manage)
    for (label, client, may_list, may_manage) in [
        ("owner", &owner, true, true),
        ("admin", &admin, true, true),
        ("member", &member, true, false),
        ("billing", &billing, false, false),
    ] {
        let list = app.get(client, "api_keys/list").await.status();
        assert_eq!(list == StatusCode::OK, may_list, "{label} list: {list}");
        let create = app
            .call(
                client,
                "api_keys/create",
                &[
                    ("name", label),
                    ("scope", "read_only"),
                    ("expires_in", "30"),
                ],
            )
            .await;
        let expected = if may_manage {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(create.status(), expected, "{label} create");
        if may_manage {
            let id = json(create).await["key"]["id"].as_str().unwrap().to_owned();
            let rotate = app
                .call(
                    client,
                    "api_keys/rotate",
                    &[("id", &id), ("grace_hours", "24")],
                )
                .await;
            assert_eq!(rotate.status(), StatusCode::OK, "{label} rotate");
            let new_id = json(rotate).await["key"]["id"].as_str().unwrap().to_owned();
            assert_eq!(
                app.call(client, "api_keys/revoke", &[("id", &new_id)])
                    .await
                    .status(),
                StatusCode::OK,
                "{label} revoke"
            );
        }
    }
    let some_key = create_key(&app, &owner, "Owner's").await;
    let id = some_key["key"]["id"].as_str().unwrap();
    for (label, client) in [("member", &member), ("billing", &billing)] {
        assert_eq!(
            app.call(client, "api_keys/revoke", &[("id", id)])
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{label} revoke"
        );
        let rotate = app
            .call(
                client,
                "api_keys/rotate",
                &[("id", id), ("grace_hours", "1")],
            )
            .await;
        assert_eq!(rotate.status(), StatusCode::FORBIDDEN, "{label} rotate");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn key_changes_are_audited(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Audited")).await;
    let created = create_key(&app, &owner, "Audit me").await;
    let id = created["key"]["id"].as_str().unwrap();
    let rotated = json(
        app.call(
            &owner,
            "api_keys/rotate",
            &[("id", id), ("grace_hours", "1")],
        )
        .await,
    )
    .await;
    app.call(
        &owner,
        "api_keys/revoke",
        &[("id", rotated["key"]["id"].as_str().unwrap())],
    )
    .await;

    let actions: Vec<String> = sqlx::query_scalar!(
        "select action from audit_log where target_type = 'api_key' order by id"
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["api_key.created", "api_key.rotated", "api_key.revoked"]
    );
    let logged: Vec<String> =
        sqlx::query_scalar!("select coalesce(after::text, '') from audit_log")
            .fetch_all(&db)
            .await
            .unwrap()
            .into_iter()
            .flatten()
            .collect();
    assert!(
        logged
            .iter()
            .all(|entry| !entry.contains(&secret_of(&created))),
        "secrets never reach the audit log"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_saas_backend_verifies_keys_with_its_operator_token(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.operator_token = Some("op-secret-token".to_owned().into())
    })
    .await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Verify")).await;
    let created = create_key(&app, &owner, "Checked").await;
    let verify = |token: &'static str, key: String| {
        let url = app.url("/api/v1/keys/verify");
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "key": key }))
                .send()
                .await
                .unwrap()
        }
    };

    let valid = verify("op-secret-token", secret_of(&created)).await;
    assert_eq!(valid.status(), StatusCode::OK);
    let valid = json(valid).await;
    assert_eq!(
        (
            valid["valid"].as_bool(),
            valid["plan"].as_str(),
            valid["scope"].as_str()
        ),
        (Some(true), Some("free"), Some("full"))
    );
    assert_eq!(valid["key_id"], created["key"]["id"]);

    let unknown = json(
        verify(
            "op-secret-token",
            domain::ApiKeySecret::from_body(&"x".repeat(32))
                .unwrap()
                .expose()
                .to_owned(),
        )
        .await,
    )
    .await;
    assert_eq!(
        (unknown["valid"].as_bool(), unknown["reason"].as_str()),
        (Some(false), Some("unknown"))
    );
    assert_eq!(
        verify("wrong-token", secret_of(&created)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.verifier.flush_calls(&app.db).await.unwrap().calls,
        1,
        "the valid verification is metered like a ping; the unknown and refused ones are not"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn key_verification_is_off_without_an_operator_token(db: PgPool) {
    let app = spawn_app(db).await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/keys/verify"))
        .bearer_auth("anything")
        .json(&serde_json::json!({ "key": "sk_live_x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn each_successful_ping_counts_as_one_api_call(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Metered")).await;
    let created = create_key(&app, &owner, "Metered").await;
    let secret = secret_of(&created);

    for _ in 0..3 {
        assert_eq!(ping(&app, &secret).await.0, StatusCode::OK);
    }
    assert_eq!(
        ping(&app, "sk_live_not-a-key").await.0,
        StatusCode::UNAUTHORIZED
    );
    let unwritten: Option<i64> =
        sqlx::query_scalar!("select sum(calls)::bigint from api_call_usage")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(unwritten, None, "counted in memory, not one write per call");
    assert_eq!(app.verifier.flush_calls(&db).await.unwrap().calls, 3);
    assert_eq!(
        app.verifier.flush_calls(&db).await.unwrap().calls,
        0,
        "each call is written once"
    );

    let calls: i64 = sqlx::query_scalar!("select calls from api_call_usage")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(calls, 3, "refused calls are not metered");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_free_organization_at_its_limit_is_refused_until_its_period_resets(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.operator_token = Some("op-secret-token".to_owned().into())
    })
    .await;
    let owner = browser();
    let org = Org::new("Limited");
    app.sign_up(&owner, &org).await;
    let secret = secret_of(&create_key(&app, &owner, "Limited").await);
    // 9,999 of the Free plan's 10,000 calls are already used this period.
    let (organization_id, period_end): (uuid::Uuid, time::OffsetDateTime) = sqlx::query_as(
        "select organization_id, current_period_end from subscription s
         join member m using (organization_id) join app_user u on u.id = m.user_id where u.email = $1",
    )
    .bind(&org.email)
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::query(
        "insert into api_call_usage (organization_id, period_start, calls)
         select $1, current_period_start, 9999 from subscription where organization_id = $1",
    )
    .bind(organization_id)
    .execute(&db)
    .await
    .unwrap();
    let verify = || {
        let (url, key) = (app.url("/api/v1/keys/verify"), secret.clone());
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth("op-secret-token")
                .json(&serde_json::json!({ "key": key }))
                .send()
                .await
                .unwrap();
            json(response).await
        }
    };

    assert_eq!(
        ping(&app, &secret).await.0,
        StatusCode::OK,
        "the 10,000th call"
    );
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/ping"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let refused: Value = response.json().await.unwrap();
    let resets_at = period_end
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_eq!(
        (refused["error"].as_str(), refused["resets_at"].as_str()),
        (Some("plan_limit"), Some(resets_at.as_str()))
    );
    let verified = verify().await;
    assert_eq!(
        (
            verified["valid"].as_bool(),
            verified["allowed"].as_bool(),
            verified["reason"].as_str()
        ),
        (Some(true), Some(false), Some("plan_limit"))
    );
    assert_eq!(
        app.verifier.flush_calls(&db).await.unwrap().calls,
        1,
        "refused calls are not metered"
    );

    // The next period starts: allowed again, before the billing job has run.
    app.clock
        .advance(period_end - app.clock.now() + time::Duration::seconds(1));
    assert_eq!(ping(&app, &secret).await.0, StatusCode::OK);
    assert_eq!(verify().await["allowed"].as_bool(), Some(true));
}

#[sqlx::test(migrations = "../migrations")]
async fn paid_plans_keep_working_over_their_limit(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Overage");
    app.sign_up(&owner, &org).await;
    let secret = secret_of(&create_key(&app, &owner, "Overage").await);
    sqlx::query(
        "with o as (select m.organization_id from member m join app_user u on u.id = m.user_id where u.email = $1),
              p as (update organization set plan_id = 'pro' where id = (select organization_id from o))
         insert into api_call_usage (organization_id, period_start, calls)
         select organization_id, current_period_start, 600000 from subscription where organization_id = (select organization_id from o)",
    )
    .bind(&org.email)
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(
        ping(&app, &secret).await.0,
        StatusCode::OK,
        "Pro bills calls over its limit as overage"
    );
}

/// A form post without JavaScript, as the browser sends it from the page.
async fn post_without_js(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .header("sec-fetch-site", "same-origin")
        .header("referer", app.url("/api-keys"))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The secret on a page that shows it once.
fn secret_on_page(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"data-testid="new-key-secret">"#)
        .expect("the page shows the secret");
    rest.split('<').next().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn without_javascript_a_new_key_is_shown_on_a_page_that_is_never_cached(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Plain")).await;

    let form = [("name", "Cron"), ("scope", "full"), ("expires_in", "never")];
    let page = post_without_js(&app, &owner, "/api-keys/create", &form).await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "answered with a page, no redirect"
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    let secret = secret_on_page(&html);
    assert!(
        secret.starts_with("sk_live_") && secret.len() == KEY_LEN,
        "{html}"
    );
    assert!(html.contains("Cron"), "names the key");
    assert_eq!(
        ping(&app, &secret).await.0,
        StatusCode::OK,
        "the secret shown works"
    );

    // Refused: back to the form, with the error for the create form to show.
    let again = post_without_js(&app, &owner, "/api-keys/create", &form).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let location = again.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/api-keys?"), "{location}");
    assert!(
        location.contains("__fn=%2Fapi%2Fapi_keys%2Fcreate"),
        "{location}"
    );
    assert!(
        location.contains("already"),
        "the duplicate name is explained: {location}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn without_javascript_a_rotation_shows_the_replacement_and_the_old_key_keeps_working(
    db: PgPool,
) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Turn")).await;
    let old = create_key(&app, &owner, "Worker").await;
    let id = old["key"]["id"].as_str().unwrap();

    let form = [("id", id), ("grace_hours", "24")];
    let page = post_without_js(&app, &owner, "/api-keys/rotate", &form).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let new_secret = secret_on_page(&page.text().await.unwrap());
    assert_ne!(new_secret, secret_of(&old));
    assert_eq!(ping(&app, &new_secret).await.0, StatusCode::OK);
    assert_eq!(
        ping(&app, &secret_of(&old)).await.0,
        StatusCode::OK,
        "grace period"
    );

    // The old key is rotating out now: rotating it again is refused, not lost.
    let again = post_without_js(&app, &owner, "/api-keys/rotate", &form).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let location = again.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("__fn=%2Fapi%2Fapi_keys%2Frotate"),
        "{location}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn without_javascript_only_owners_and_admins_make_keys(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    let org = Org::new("Plainroles");
    app.sign_up(&owner, &org).await;
    let member = member_with_role(&app, &org.email, "member").await;
    let form = [("name", "Mine"), ("scope", "full"), ("expires_in", "never")];

    let refused = post_without_js(&app, &member, "/api-keys/create", &form).await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let location = refused.headers()["location"].to_str().unwrap();
    assert!(location.contains("Forbidden"), "{location}");
    let signed_out = post_without_js(&app, &browser(), "/api-keys/create", &form).await;
    assert_eq!(signed_out.headers()["location"], "/sign-in");
    let keys = app.get(&owner, "api_keys/list").await.text().await.unwrap();
    assert_eq!(keys, "[]", "no key was made");
}
