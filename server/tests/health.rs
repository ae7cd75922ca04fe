use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[sqlx::test(migrations = "../migrations")]
async fn health_and_readiness_report_ok(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();

    assert_eq!(
        client
            .get(app.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let ready = client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body = json(ready).await;
    assert_eq!(body["postgres"], "ok");
    assert_eq!(body["redis"], "ok");
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_pages_are_404(db: PgPool) {
    let app = spawn_app(db).await;
    let response = browser()
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_out_visitors_are_redirected_to_sign_in(db: PgPool) {
    let app = spawn_app(db).await;
    let response = browser()
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "a real redirect, so it works without JavaScript"
    );
    assert_eq!(response.headers()["location"], "/sign-in");
}

#[sqlx::test(migrations = "../migrations")]
async fn dashboard_is_server_rendered_with_the_organization(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    let org = Org::new("Rendered");
    app.sign_up(&client, &org).await;

    let page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains(&org.name),
        "works before any JavaScript runs"
    );
}

/// Building a router lists the app's routes by rendering it with data loading
/// switched off for the whole process (leptos-rs/leptos#4773). A page whose
/// data started loading in that window never answered: it hung a test run
/// until CI's time ran out. Routers are built while pages are being served
/// whenever a process runs several instances, as tests do.
#[sqlx::test(migrations = "../migrations")]
async fn pages_answer_while_another_router_is_built(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    app.sign_up(&client, &Org::new("Concurrent")).await;

    let done = Arc::new(AtomicBool::new(false));
    let builder = {
        let (state, done) = (app.state.clone(), done.clone());
        let runtime = tokio::runtime::Handle::current();
        // Another thread, as another test would: on this one the listing
        // could not overlap a page's first poll.
        std::thread::spawn(move || {
            let _runtime = runtime.enter();
            while !done.load(Ordering::Relaxed) {
                let options = leptos::config::LeptosOptions::builder()
                    .output_name("portal")
                    .build();
                drop(server::startup::build_router(state.clone(), options, None));
            }
        })
    };
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url) = (client.clone(), app.url("/settings"));
            tokio::spawn(async move {
                for _ in 0..25 {
                    let page = async { client.get(&url).send().await?.text().await };
                    let page = tokio::time::timeout(Duration::from_secs(10), page)
                        .await
                        .expect("the page answers within 10 s while routers are built")
                        .unwrap();
                    assert!(page.contains("Billing email"), "the settings page rendered");
                }
            })
        })
        .collect();
    let mut outcome = Ok(());
    for reader in readers {
        outcome = outcome.and(reader.await);
    }
    done.store(true, Ordering::Relaxed);
    builder.join().unwrap();
    outcome.unwrap();
}

/// The README's demo is what a newcomer sees first: every page of the frame
/// and of the support console renders the demo data, with no error in place
/// of a section. (Pages share nothing but the data, so a decoding bug in one
/// feature's query shows here, not in that feature's own tests.)
#[sqlx::test(migrations = "../migrations")]
async fn every_page_renders_the_demo_data_without_an_error(db: PgPool) {
    server::demo::seed(&db).await.unwrap();
    let ticket: uuid::Uuid = sqlx::query_scalar(
        "select t.id from ticket t join organization o on o.id = t.organization_id
          where o.name = 'Acme Analytics' order by t.created_at limit 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let app = spawn_app(db).await;

    let owner = browser();
    let signed_in = app
        .sign_in(&owner, "owner@acme.test", server::demo::DEMO_PASSWORD)
        .await;
    assert!(signed_in.status().is_success(), "{}", signed_in.status());
    let staff = browser();
    let signed_in = staff_sign_in(
        &app,
        &staff,
        server::demo::DEMO_STAFF_EMAIL,
        server::demo::DEMO_PASSWORD,
        server::demo::DEMO_STAFF_TOTP_SECRET,
    )
    .await;
    assert!(signed_in.status().is_success(), "{}", signed_in.status());

    let customer_pages = [
        "/".to_owned(),
        "/usage".into(),
        "/billing".into(),
        "/team".into(),
        "/api-keys".into(),
        "/support".into(),
        format!("/support/{ticket}"),
        "/settings".into(),
        "/settings/security".into(),
        "/settings/notifications".into(),
        "/audit".into(),
    ];
    let staff_pages = [
        "/staff/tickets".to_owned(),
        format!("/staff/tickets/{ticket}"),
    ];
    let visits = customer_pages
        .iter()
        .map(|path| (&owner, path))
        .chain(staff_pages.iter().map(|path| (&staff, path)));
    for (client, path) in visits {
        let response = client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let page = response.text().await.unwrap();
        assert!(
            !page.contains("We couldn't load this page"),
            "{path} shows an error: {page}"
        );
    }
}

/// SIGTERM's first step (`startup::drain_on_signal`): the balancer must see
/// the instance leave before it stops, and open dashboards must move to
/// another instance instead of holding this one up.
#[sqlx::test(migrations = "../migrations")]
async fn a_draining_instance_is_not_ready_and_sends_live_pages_elsewhere(db: PgPool) {
    use futures::StreamExt;
    let app = spawn_app(db).await;
    let client = browser();
    app.sign_up(&client, &Org::new("Draining")).await;
    let stream = client.get(app.url("/live")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);

    app.state.lifecycle.begin_draining();

    let ready = client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(ready).await["status"], "draining");
    let received = tokio::time::timeout(Duration::from_secs(5), async {
        let mut body = stream.bytes_stream();
        let mut text = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    })
    .await
    .expect("the open stream ends at once, not after its 5 minutes");
    assert!(
        received.contains("retry: 1000"),
        "told to reconnect soon: {received}"
    );
    let reopened = client.get(app.url("/live")).send().await.unwrap();
    assert_eq!(reopened.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reopened.headers()["retry-after"], "1");
    let page = client.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "requests are still answered");
}

// ------------------------------------------------------------ circuit breakers

/// Polls `condition` every 50 ms until it holds; false after 10 s.
async fn eventually(condition: impl Fn() -> bool) -> bool {
    for _ in 0..200 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[sqlx::test(migrations = "../migrations")]
async fn while_postgres_is_known_down_requests_get_503_and_retry_after_at_once(db: PgPool) {
    let app = spawn_app(db).await;
    let client = browser();
    app.sign_up(&client, &Org::new("Outage")).await;
    app.probes.abort();

    app.state.db_breaker.open();

    let page = client.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()["retry-after"], "2");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Nothing you saved is lost"));
    let call = app.dashboard(&client).await;
    assert_eq!(call.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(call.headers().contains_key("retry-after"));
    assert_eq!(
        json(call).await,
        serde_json::to_value(domain::AppError::Unavailable).unwrap(),
        "the page shows its usual 'temporarily unavailable' message"
    );
    let api = client.get(app.url("/api/v1/ping")).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health = client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "the process itself is fine"
    );
    let ready = client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(ready).await["postgres"], "unavailable");

    app.state.db_breaker.close();
    let page = client.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn while_redis_is_known_down_it_is_not_touched_and_pages_still_answer(db: PgPool) {
    use fred::prelude::*;
    let app = spawn_app(db).await;
    app.probes.abort();
    app.state.redis_breaker.open();

    let client = browser();
    let org = Org::new("Skipping");
    app.sign_up(&client, &org).await;
    let dashboard = app.dashboard(&client).await;
    assert_eq!(dashboard.status(), StatusCode::OK, "served from Postgres");
    let cached: Vec<String> = app
        .state
        .redis
        .next()
        .custom(
            fred::cmd!("KEYS"),
            vec![format!("{}:*", app.settings.redis_prefix)],
        )
        .await
        .unwrap();
    assert!(
        cached.is_empty(),
        "no session or dashboard was cached while the circuit was open: {cached:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_probes_open_a_breaker_when_redis_goes_and_close_it_when_it_answers(db: PgPool) {
    let down = spawn_app_without_redis(db.clone()).await;
    assert!(
        eventually(|| down.state.redis_breaker.is_open()).await,
        "an unreachable Redis opens its breaker"
    );
    assert!(!down.state.db_breaker.is_open(), "Postgres answers");

    let up = spawn_app(db).await;
    up.state.redis_breaker.open();
    assert!(
        eventually(|| !up.state.redis_breaker.is_open()).await,
        "a reachable Redis closes it again"
    );
}

/// Every instance shares one Redis: if readiness failed with it, a Redis
/// restart would take every instance out of the balancer at once, although
/// each still serves from Postgres.
#[sqlx::test(migrations = "../migrations")]
async fn an_instance_without_redis_stays_ready_and_says_so(db: PgPool) {
    let app = spawn_app_without_redis(db).await;
    let ready = browser().get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body = json(ready).await;
    assert_eq!(body["postgres"], "ok");
    assert_eq!(body["redis"], "unavailable");
}
