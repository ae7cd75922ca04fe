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
    let response = wrong_sign_in_without_javascript(&app).await;

    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/sign-in?__err="), "{location}");
    assert!(location.contains("InvalidCredentials"), "{location}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_write_that_claims_to_be_a_typed_navigation_is_refused(db: PgPool) {
    let app = spawn_app(db).await;
    let response = browser()
        .post(app.url("/api/auth/sign_in"))
        .header("sec-fetch-site", "none")
        .form(&[("email", "a@example.com"), ("password", "whatever")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let other_scheme = browser()
        .post(app.url("/api/auth/sign_in"))
        .header("origin", app.address.replace("http://", "https://"))
        .form(&[("email", "a@example.com"), ("password", "whatever")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_scheme.status(),
        StatusCode::FORBIDDEN,
        "scheme counts"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_carry_a_nonce_policy_that_their_scripts_match(db: PgPool) {
    let app = spawn_app(db).await;
    let first = browser().get(app.url("/sign-in")).send().await.unwrap();
    let second = browser().get(app.url("/sign-in")).send().await.unwrap();
    let policy = |r: &reqwest::Response| {
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let (policy, other) = (policy(&first), policy(&second));
    for directive in [
        "'strict-dynamic'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(policy.contains(directive), "{directive}: {policy}");
    }
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(!other.contains(&nonce), "a new nonce on every response");
    assert_eq!(first.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        first.headers()["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    let html = first.text().await.unwrap();
    let scripts = html.matches("<script").count();
    let with_nonce = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(scripts > 0);
    assert_eq!(scripts, with_nonce, "every inline script carries the nonce");
}

/// Pages rendered side by side (as two browsers signing up at once) each get
/// the policy of their own scripts' nonce: once, under parallel load, a page
/// left without its policy, and the browser refused every script.
#[sqlx::test(migrations = "../migrations")]
async fn pages_rendered_at_once_each_carry_their_scripts_nonce(db: PgPool) {
    let app = spawn_app(db).await;
    let pages = [
        "/sign-in",
        "/sign-up",
        "/verify-email?token=x",
        "/forgot-password",
    ];
    let loads = (0..40).map(|i| {
        let url = app.url(pages[i % pages.len()]);
        async move {
            let response = browser()
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            let policy = response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            (policy, response.text().await.unwrap())
        }
    });
    for (policy, html) in futures::future::join_all(loads).await {
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {policy}"));
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{policy}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_in_responses_are_never_stored_and_token_pages_send_no_referrer(db: PgPool) {
    let app = spawn_app(db).await;
    let owner = browser();
    app.sign_up(&owner, &Org::new("Headers")).await;
    let page = owner.get(app.url("/billing")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let data = app.get(&owner, "dashboard/summary").await;
    assert_eq!(data.headers()["cache-control"], "no-store");
    let reset = browser()
        .get(app.url("/reset-password?token=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.headers()["referrer-policy"], "no-referrer");
    assert!(
        !page.headers().contains_key("strict-transport-security"),
        "no HSTS over plain http"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn secure_deployments_send_hsts(db: PgPool) {
    let app = spawn_app_with(db, |s| s.secure_cookies = true).await;
    let response = browser().get(app.url("/health")).send().await.unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_link_with_made_up_error_text_shows_no_error(db: PgPool) {
    let app = spawn_app(db).await;
    let forged = browser()
        .get(app.url(
            "/sign-in?next=%2Fbilling&__err=%7B%22Conflict%22%3A%22Call%20%2B1%20555%200100%22%7D",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    assert_eq!(forged.headers()["location"], "/sign-in?next=%2Fbilling");

    // The server's own error, from a real form post, is shown.
    let posted = wrong_sign_in_without_javascript(&app).await;
    let back = posted.headers()["location"].to_str().unwrap().to_owned();
    let page = browser().get(app.url(&back)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Email or password is incorrect."));
}

/// A sign-in form posted with a wrong password, as a browser without
/// JavaScript does (the answer is a redirect back to the form).
async fn wrong_sign_in_without_javascript(app: &TestApp) -> reqwest::Response {
    browser()
        .post(app.url("/api/auth/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.url("/sign-in"))
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .unwrap()
}
