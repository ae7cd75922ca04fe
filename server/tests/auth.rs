use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;
use std::time::Duration;

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_signs_the_owner_in(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let org = Org::new("Acme");

    app.sign_up(&client, &org).await;

    let summary = json(app.dashboard(&client).await).await;
    assert_eq!(summary["organization_name"], org.name.as_str());
    assert_eq!(summary["member_count"], 1);
    assert_eq!(summary["your_role"], "owner");
    assert_eq!(summary["plan_name"], "Free");
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_reports_every_invalid_field(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let response = app
        .call(
            &browser(),
            "auth/sign_up",
            &[
                ("organization_name", " "),
                ("name", "Ann"),
                ("email", "ann@"),
                ("password", "short"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &json(response).await["Validation"];
    for field in ["organization_name", "email", "password"] {
        assert!(
            fields[field].is_string(),
            "{field} should have a message: {fields}"
        );
    }
    assert!(fields["name"].is_null());
    let orgs: i64 = sqlx::query_scalar!("select count(*) from organization")
        .fetch_one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orgs, 0, "nothing is half-written");
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_up_with_a_taken_address_answers_the_same_and_creates_nothing(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let org = Org::new("Dup");
    app.sign_up(&browser(), &org).await;

    let response = app
        .call(
            &browser(),
            "auth/sign_up",
            &[
                ("organization_name", "Second"),
                ("name", "Someone"),
                ("email", &org.email.to_uppercase()),
                ("password", PASSWORD),
            ],
        )
        .await;

    // Exactly what a new address gets: no error, no session, no hint.
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(session_token(response.headers()), None);
    assert_eq!(response.text().await.unwrap(), "null");
    let orgs: i64 = sqlx::query_scalar!("select count(*) from organization")
        .fetch_one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orgs, 1, "no second organization");
    // The account's owner is told someone tried.
    let notices: i64 = sqlx::query_scalar!(
        "select count(*) from notification where template = 'sign_up_attempt' and recipient = $1",
        org.email,
    )
    .fetch_one(&db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(notices, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_password_and_unknown_email_get_the_same_generic_error(db: PgPool) {
    let app = spawn_app(db).await;
    let org = Org::new("Generic");
    app.sign_up(&browser(), &org).await;

    let wrong_password = app
        .sign_in(&browser(), &org.email, "not the password")
        .await;
    let unknown_email = app
        .sign_in(&browser(), "nobody@example.com", "not the password")
        .await;

    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_password.text().await.unwrap(),
        unknown_email.text().await.unwrap()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_issues_a_new_session_token(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let org = Org::new("Rotate");
    let first =
        session_token(app.sign_up(&client, &org).await.headers()).expect("sign-up sets a cookie");

    let second = session_token(app.sign_in(&client, &org.email, PASSWORD).await.headers())
        .expect("sign-in sets a cookie");

    assert_ne!(first, second);
    let old = app.get(&with_cookie(&first), "dashboard/summary").await;
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the pre-sign-in token is revoked"
    );
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_out_cookie_replayed_gets_401(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let token = session_token(app.sign_up(&client, &Org::new("Replay")).await.headers()).unwrap();

    let signed_out = app.call(&client, "auth/sign_out", &[]).await;
    assert_eq!(signed_out.status(), StatusCode::OK);

    let replay = app.get(&with_cookie(&token), "dashboard/summary").await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn only_a_hash_of_the_session_token_is_stored(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let token = session_token(app.sign_up(&browser(), &Org::new("Hash")).await.headers()).unwrap();

    let stored: Vec<u8> = sqlx::query_scalar!("select token_hash from session")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes());
    assert_eq!(stored, backend::tokens::hash_token(&token));
}

#[sqlx::test(migrations = "../migrations")]
async fn idle_sessions_expire(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.session_idle_timeout = std::time::Duration::from_secs(60)
    })
    .await;
    let client = browser();
    let token = session_token(app.sign_up(&client, &Org::new("Idle")).await.headers()).unwrap();
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    // As if the last request was two minutes ago, and the cache entry had lapsed.
    sqlx::query!("update session set last_seen_at = now() - interval '2 minutes'")
        .execute(&db)
        .await
        .unwrap();
    evict_cached_session(&app, &token).await;

    assert_eq!(
        app.dashboard(&client).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn sessions_survive_a_cold_cache(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let token = session_token(app.sign_up(&client, &Org::new("Cold")).await.headers()).unwrap();
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    evict_cached_session(&app, &token).await;

    assert_eq!(
        app.dashboard(&client).await.status(),
        StatusCode::OK,
        "Postgres is the record"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_and_sign_in_work_while_redis_is_down(db: PgPool) {
    let app = spawn_app_without_redis(db).await;
    let client = browser();
    let org = Org::new("Outage");

    app.sign_up(&client, &org).await;
    assert_eq!(app.dashboard(&client).await.status(), StatusCode::OK);
    let again = browser();
    assert_eq!(
        app.sign_in(&again, &org.email, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.dashboard(&again).await.status(), StatusCode::OK);
    app.call(&again, "auth/sign_out", &[]).await;
    assert_eq!(
        app.dashboard(&again).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failures_back_off_per_account_and_ip(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.limits.sign_in_backoff = backend::rate_limit::Rule::new(3, Duration::from_secs(900))
    })
    .await;
    let org = Org::new("Limit");
    app.sign_up(&browser(), &org).await;

    for _ in 0..3 {
        assert_eq!(
            app.sign_in(&browser(), &org.email, "wrong password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = app.sign_in(&browser(), &org.email, PASSWORD).await;

    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    assert!(
        json(limited).await["RateLimited"]["retry_after_secs"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failures_are_rate_limited_per_ip(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.limits.sign_in_per_ip = backend::rate_limit::Rule::new(2, Duration::from_secs(900))
    })
    .await;
    app.sign_in(&browser(), "first@example.com", "wrong password")
        .await;
    app.sign_in(&browser(), "second@example.com", "wrong password")
        .await;

    let limited = app
        .sign_in(&browser(), "third@example.com", "wrong password")
        .await;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_sign_out_and_failures_are_audited(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let client = browser();
    let org = Org::new("Audit");
    app.sign_up(&client, &org).await;
    app.sign_in(&browser(), &org.email, "wrong password").await;
    app.call(&client, "auth/sign_out", &[]).await;

    let actions: Vec<String> = sqlx::query_scalar!("select action from audit_log order by id")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "organization.created",
            "user.email_verified",
            "user.signed_in",
            "user.sign_in_failed",
            "user.signed_out"
        ]
    );
    let failed_ip: Option<String> =
        sqlx::query_scalar!("select ip from audit_log where action = 'user.sign_in_failed'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(failed_ip.as_deref(), Some("127.0.0.1"));
}

#[sqlx::test(migrations = "../migrations")]
async fn audit_log_rejects_updates_and_deletes(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    app.sign_up(&browser(), &Org::new("Append")).await;

    assert!(sqlx::query!("update audit_log set action = 'tampered'")
        .execute(&db)
        .await
        .is_err());
    assert!(sqlx::query!("delete from audit_log")
        .execute(&db)
        .await
        .is_err());
}

fn with_cookie(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        format!("portal_session={token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Drops the cached copy of a session, as a Redis restart would.
async fn evict_cached_session(app: &TestApp, token: &str) {
    use fred::prelude::*;
    let redis = server::startup::connect_redis(&std::env::var("REDIS_URL").unwrap())
        .await
        .unwrap();
    let key = app.settings.redis_key("session", &hex_hash(token));
    let deleted: i64 = redis.del(key).await.unwrap();
    assert_eq!(deleted, 1, "the session was cached");
}

fn hex_hash(token: &str) -> String {
    backend::tokens::hash_token(token)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
