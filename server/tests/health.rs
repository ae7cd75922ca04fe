use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;

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
