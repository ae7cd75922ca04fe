//! Abuse limits on the doors anyone can knock on, and the bounds that keep a
//! flood from growing the server's memory or taking its connections.

use crate::helpers::*;
use backend::rate_limit::Rule;
use domain::api_keys::{random_body, ApiKeySecret};
use reqwest::{Client, StatusCode};
use sqlx::PgPool;
use std::time::Duration;

fn rule(max: u32, secs: u64) -> Rule {
    Rule::new(max, Duration::from_secs(secs))
}

/// A client that says it comes from `ip` (believed when the server trusts one
/// proxy hop, as its right-most `X-Forwarded-For` entry).
fn from_ip(ip: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", ip.parse().unwrap());
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn count(db: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// `GET /api/v1/ping` with `key`, from a client of its own.
async fn ping(app: &TestApp, key: &str) -> reqwest::Response {
    Client::new()
        .get(app.url("/api/v1/ping"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

fn mint_key() -> String {
    let bytes: Vec<u8> = (0..4)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    ApiKeySecret::from_body(&random_body(&bytes).unwrap())
        .unwrap()
        .expose()
        .to_owned()
}

// ------------------------------------------------------------ sign-up

#[sqlx::test(migrations = "../migrations")]
async fn sign_ups_are_limited_per_ip_before_any_work(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| s.limits.sign_up_per_ip = rule(2, 3600)).await;
    for label in ["One", "Two"] {
        let response = app.try_sign_up(&browser(), &Org::new(label)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    let refused = app.try_sign_up(&browser(), &Org::new("Three")).await;

    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&refused);
    assert!(wait > 0 && wait <= 3600, "{wait}");
    let body = refused.text().await.unwrap();
    assert!(body.contains("RateLimited"), "{body}");
    assert_eq!(count(&db, "select count(*) from organization").await, 2);
    assert_eq!(count(&db, "select count(*) from app_user").await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_ups_have_a_limit_for_everyone_together(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.trusted_proxy_hops = 1;
        s.limits.sign_up_global = rule(3, 3600);
    })
    .await;
    for (i, label) in ["A", "B", "C"].iter().enumerate() {
        let client = from_ip(&format!("203.0.113.{i}"));
        assert_eq!(
            app.try_sign_up(&client, &Org::new(label)).await.status(),
            StatusCode::OK
        );
    }

    let fourth = app
        .try_sign_up(&from_ip("203.0.113.99"), &Org::new("D"))
        .await;

    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(count(&db, "select count(*) from organization").await, 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_common_password_is_refused_next_to_its_field(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let org = Org::new("Weak");
    let response = app
        .call(
            &browser(),
            "auth/sign_up",
            &[
                ("organization_name", &org.name),
                ("name", "Weak Owner"),
                ("email", &org.email),
                ("password", "Password1"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = json(response).await;
    let message = error["Validation"]["password"].as_str().unwrap_or_default();
    assert!(message.contains("most common"), "{error}");
    assert_eq!(count(&db, "select count(*) from app_user").await, 0);
}

// ------------------------------------------------------------ sign-in

#[sqlx::test(migrations = "../migrations")]
async fn a_parallel_burst_of_guesses_gets_no_more_tries_than_allowed(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| s.limits.sign_in_backoff = rule(5, 900)).await;
    let org = Org::new("Burst");
    app.sign_up(&browser(), &org).await;

    let guesses = (0..30).map(|i| {
        let app = &app;
        let email = org.email.clone();
        async move {
            app.sign_in(&browser(), &email, &format!("wrong guess {i}"))
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(guesses).await;

    let tried = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((tried, refused), (5, 25), "{statuses:?}");
    let failures = count(
        &db,
        "select count(*) from audit_log where action = 'user.sign_in_failed'",
    )
    .await;
    assert_eq!(failures, 5, "only the tries that ran were checked");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_guesser_is_slowed_down_while_the_owner_still_signs_in(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.trusted_proxy_hops = 1;
        s.limits.sign_in_backoff = rule(3, 900);
    })
    .await;
    let org = Org::new("Backoff");
    app.sign_up(&browser(), &org).await;
    let guesser = "198.51.100.7";
    for _ in 0..3 {
        let status = app
            .sign_in(&from_ip(guesser), &org.email, "wrong password")
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    // The guesser waits, even with the right password…
    let waiting = app.sign_in(&from_ip(guesser), &org.email, PASSWORD).await;
    assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&waiting), 1, "the first wait is a second");
    // …while the owner, elsewhere, is not locked out.
    let owner = app
        .sign_in(&from_ip("192.0.2.10"), &org.email, PASSWORD)
        .await;
    assert_eq!(owner.status(), StatusCode::OK);

    // Each further failure doubles the wait.
    app.clock.advance(time::Duration::seconds(1));
    let status = app
        .sign_in(&from_ip(guesser), &org.email, "wrong again")
        .await
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let waiting = app.sign_in(&from_ip(guesser), &org.email, PASSWORD).await;
    assert_eq!(retry_after(&waiting), 2);
    app.clock.advance(time::Duration::seconds(2));
    let signed_in = app.sign_in(&from_ip(guesser), &org.email, PASSWORD).await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "a back-off, not a lockout"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn forwarded_for_is_ignored_unless_a_proxy_is_trusted(db: PgPool) {
    // No trusted proxy: every request below comes from 127.0.0.1, whatever
    // the header claims.
    let app = spawn_app_with(db, |s| s.limits.sign_in_per_ip = rule(2, 900)).await;
    for (i, claimed) in ["203.0.113.1", "203.0.113.2"].iter().enumerate() {
        let status = app
            .sign_in(&from_ip(claimed), &format!("nobody{i}@example.com"), "nope")
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let third = app
        .sign_in(&from_ip("203.0.113.3"), "nobody3@example.com", "nope")
        .await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_limits_hold_when_redis_is_down(db: PgPool) {
    let app = spawn_app_without_redis_with(db, |s| s.limits.sign_in_per_ip = rule(4, 900)).await;
    // In memory, each instance allows half: 2 failures.
    for i in 0..2 {
        let status = app
            .sign_in(&browser(), &format!("nobody{i}@example.com"), "nope")
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let refused = app.sign_in(&browser(), "nobody9@example.com", "nope").await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "fails closed"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn reset_emails_are_limited_per_address(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| s.limits.reset_per_address = rule(2, 3600)).await;
    let org = Org::new("Reset");
    app.sign_up(&browser(), &org).await;
    let client = browser();
    let form = [("email", org.email.as_str())];
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = app
            .call(&client, "auth/password_reset/request", &form)
            .await;
        statuses.push(response.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let requested = count(
        &db,
        "select count(*) from audit_log where action = 'user.password_reset_requested'",
    )
    .await;
    assert_eq!(requested, 2);
}

// ------------------------------------------------------------ cards

#[sqlx::test(migrations = "../migrations")]
async fn card_updates_are_limited_and_declines_audited(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.limits.card_updates_per_org = rule(3, 3600)
    })
    .await;
    let owner = browser();
    let org = Org::new("Cards");
    app.sign_up(&owner, &org).await;
    let mut statuses = Vec::new();
    for number in [
        "4000000000000002",
        "4000000000000002",
        "4242424242424242",
        "4242424242424242",
    ] {
        let response = app.save_card(&owner, number).await;
        statuses.push(response.status());
    }

    assert_eq!(
        statuses,
        [
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS,
        ],
        "a stolen list cannot be tried card after card"
    );
    let declines = count(
        &db,
        "select count(*) from audit_log where action = 'billing.card_declined'",
    )
    .await;
    assert_eq!(declines, 2);
}

// ------------------------------------------------------------ public API

#[sqlx::test(migrations = "../migrations")]
async fn unknown_api_keys_are_limited_per_ip_before_any_lookup(db: PgPool) {
    let app = spawn_app_with(db, |s| s.limits.api_lookups_per_ip = rule(5, 60)).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = ping(&app, &mint_key()).await;
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(
        statuses,
        [
            vec![StatusCode::UNAUTHORIZED; 5],
            vec![StatusCode::TOO_MANY_REQUESTS; 3]
        ]
        .concat()
    );
    assert_eq!(
        app.verifier.cached_len(),
        5,
        "refused keys were never looked up"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_known_key_is_never_slowed_by_the_unknown_key_limit(db: PgPool) {
    let app = spawn_app_with(db, |s| s.limits.api_lookups_per_ip = rule(2, 60)).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Known")).await;
    let created = json(
        app.call(
            &owner,
            "api_keys/create",
            &[("name", "ci"), ("scope", "full"), ("expires_in", "never")],
        )
        .await,
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    for _ in 0..10 {
        assert_eq!(ping(&app, &secret).await.status(), StatusCode::OK);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_key_cache_stays_within_its_capacity_under_minted_keys(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.api_key_cache_capacity = 50;
        s.limits.api_lookups_per_ip = rule(10_000, 60);
    })
    .await;
    for _ in 0..300 {
        let status = ping(&app, &mint_key()).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let cached = app.verifier.cached_len();
    assert!(cached <= 5 + 1, "unknown keys are a tenth of 50: {cached}");
}

// ------------------------------------------------------------ exports

#[sqlx::test(migrations = "../migrations")]
async fn slow_exports_cannot_take_the_connection_pool(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.export_slots = 1;
        s.export_time_limit = Duration::from_secs(3);
    })
    .await;
    let owner = browser();
    let org = Org::new("Exporter");
    app.sign_up(&owner, &org).await;
    // Enough rows (~30 MB of CSV) that an unread body fills every buffer.
    sqlx::query(
        "insert into audit_log (organization_id, actor_email, action, after)
         select m.organization_id, 'bulk@example.com', 'bulk.row',
                jsonb_build_object('padding', repeat('x', 400), 'n', n)
         from member m, generate_series(1, 60000) n
         limit 60000",
    )
    .execute(&db)
    .await
    .unwrap();

    // A client that starts an export and never reads it.
    let slow = owner
        .get(app.url("/audit/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.status(), StatusCode::OK);

    let second = owner
        .get(app.url("/audit/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE, "one slot");
    assert_eq!(app.dashboard(&owner).await.status(), StatusCode::OK);

    // The time limit frees the slot, and the slow body ends in an error.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        slow.bytes().await.is_err(),
        "a cut-off export is not a whole file"
    );
    let later = owner
        .get(app.url("/audit/export.csv?action=organization.created"))
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), StatusCode::OK);
}

// ------------------------------------------------------------ live streams

/// Reads a `/live` stream until it ends; how long that took.
async fn time_until_stream_ends(response: reqwest::Response, limit: Duration) -> Option<Duration> {
    use futures::StreamExt;
    let started = std::time::Instant::now();
    let mut body = response.bytes_stream();
    tokio::time::timeout(limit, async {
        while let Some(Ok(_)) = body.next().await {}
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_removed_members_live_stream_closes_within_seconds(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Streams");
    app.sign_up(&owner, &org).await;
    let member = member_with_role(&app, &org.email, "member").await;
    let stream = member.get(app.url("/live")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let member_id: uuid::Uuid = sqlx::query_scalar(
        "select u.id from app_user u join member m on m.user_id = u.id where m.role = 'member'",
    )
    .fetch_one(&db)
    .await
    .unwrap();

    let removed = app
        .call(
            &owner,
            "team/members/remove",
            &[("user_id", &member_id.to_string())],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);

    let ended = time_until_stream_ends(stream, Duration::from_secs(10)).await;
    let ended = ended.expect("the stream of a removed member ends");
    assert!(ended <= Duration::from_secs(3), "{ended:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_holds_at_most_ten_live_streams(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Tabs")).await;
    let mut open = Vec::new();
    for _ in 0..10 {
        let stream = owner.get(app.url("/live")).send().await.unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        open.push(stream);
    }

    let eleventh = owner.get(app.url("/live")).send().await.unwrap();
    assert_eq!(eleventh.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another session of the same person is counted on its own.
    let other = browser();
    let email = sqlx::query_scalar::<_, String>("select email from app_user")
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.sign_in(&other, &email, PASSWORD).await;
    let elsewhere = other.get(app.url("/live")).send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_card_tokenizer_is_limited_per_ip_before_anything_is_kept(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.limits.card_tokens_per_ip = rule(2, 3600);
        s.trusted_proxy_hops = 1;
    })
    .await;
    let tester = from_ip("203.0.113.7");
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.tokenize_card(&tester, "4242424242424242")
                .await
                .status(),
        );
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let limited = app.tokenize_card(&tester, "4242424242424242").await;
    assert!(limited.headers().contains_key("retry-after"));
    let elsewhere = app
        .tokenize_card(&from_ip("198.51.100.9"), "4242424242424242")
        .await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::OK,
        "another IP is not held back"
    );
}
