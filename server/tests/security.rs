use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn cross_origin_post_is_rejected(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let org = Org::new("Csrf");
    let form = [
        ("organization_name", org.name.as_str()),
        ("name", "Eve"),
        ("email", &org.email),
        ("password", PASSWORD),
    ];

    let by_fetch_metadata = browser()
        .post(app.url("/api/auth/sign_up"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    let by_origin = browser()
        .post(app.url("/api/auth/sign_up"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();

    assert_eq!(by_fetch_metadata.status(), StatusCode::FORBIDDEN);
    assert_eq!(by_origin.status(), StatusCode::FORBIDDEN);
    let users: i64 = sqlx::query_scalar!("select count(*) from app_user")
        .fetch_one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn same_origin_post_from_the_page_is_accepted(db: PgPool) {
    let app = spawn_app(db).await;
    let origin = app.address.clone();
    let org = Org::new("Same");
    let response = browser()
        .post(app.url("/api/auth/sign_up"))
        .header("origin", origin)
        .form(&[
            ("organization_name", org.name.as_str()),
            ("name", "Sam"),
            ("email", &org.email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn session_cookie_is_http_only_and_same_site(db: PgPool) {
    let app = spawn_app(db).await;
    let response = app.sign_up(&browser(), &Org::new("Cookie")).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[sqlx::test(migrations = "../migrations")]
async fn form_post_without_javascript_returns_to_the_form_with_the_error(db: PgPool) {
    let app = spawn_app(db).await;
    let response = browser()
        .post(app.url("/api/auth/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/sign-in"))
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/sign-in?__err="), "{location}");
    assert!(location.contains("InvalidCredentials"), "{location}");
}
