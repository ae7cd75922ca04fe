//! Satisfaction: resolving a ticket emails its requester a rating link; the
//! requester alone rates a resolved ticket (from its page or the link, which
//! needs no sign-in and is rate limited); the console counts ratings per
//! week and per agent.

use crate::helpers::*;
use crate::support::{customer, open_ticket, staff_client};
use backend::rate_limit::Rule;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

async fn resolve(app: &TestApp, staff: &Client, id: &str) {
    ok(app
        .call(
            staff,
            "staff/status",
            &[("ticket_id", id), ("status", "resolved")],
        )
        .await)
    .await;
}

async fn rate(app: &TestApp, client: &Client, id: &str, rating: &str, comment: &str) -> Response {
    app.call(
        client,
        "support/rate",
        &[("ticket_id", id), ("rating", rating), ("comment", comment)],
    )
    .await
}

async fn thread(app: &TestApp, client: &Client, id: &str) -> Value {
    json(ok(app.get(client, &format!("support/ticket?id={id}")).await).await).await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_resolved_ticket_is_rated_from_the_email_link_and_counted_for_its_agent(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (owner, org) = customer(&app, "Rated").await;
    let id = open_ticket(&app, &owner, "Export is slow", "It takes minutes.").await;
    let (staff, _) = staff_client(&app, "Rita Rating").await;
    ok(app
        .call(
            &staff,
            "staff/reply",
            &[("ticket_id", &id), ("body", "Sped it up.")],
        )
        .await)
    .await;
    // Not resolved yet: nothing to rate, no email.
    assert!(thread(&app, &owner, &id).await["satisfaction"].is_null());
    resolve(&app, &staff, &id).await;

    let token = app.mailed_token(&org.email, "ticket_resolved").await;
    let stranger = browser();
    let link = json(
        ok(app
            .get(&stranger, &format!("support/rating_link?token={token}"))
            .await)
        .await,
    )
    .await;
    assert_eq!(link["subject"], "Export is slow");
    assert!(link["given"].is_null());
    // Opening the link recorded nothing: a mail scanner cannot vote.
    assert!(thread(&app, &owner, &id).await["satisfaction"]["given"].is_null());

    ok(app
        .call(
            &stranger,
            "support/rate_by_link",
            &[
                ("token", &token),
                ("rating", "good"),
                ("comment", "  Fast, thanks! "),
            ],
        )
        .await)
    .await;
    let satisfaction = &thread(&app, &owner, &id).await["satisfaction"];
    assert_eq!(satisfaction["can_rate"], true);
    assert_eq!(satisfaction["given"]["rating"], "good");
    assert_eq!(satisfaction["given"]["comment"], "Fast, thanks!");

    let report = json(ok(app.get(&staff, "staff/satisfaction").await).await).await;
    assert_eq!(report["weeks"].as_array().unwrap().len(), 8);
    assert_eq!(
        report["weeks"][0]["tally"],
        serde_json::json!({ "good": 1, "bad": 0 })
    );
    assert_eq!(report["agents"][0]["name"], "Rita Rating");
    assert_eq!(report["agents"][0]["tally"]["good"], 1);
    assert_eq!(report["comments"][0]["comment"], "Fast, thanks!");
    assert_eq!(report["comments"][0]["ticket_id"], id.as_str());
    // The console's ticket shows it too.
    let console = json(ok(app.get(&staff, &format!("staff/ticket?id={id}")).await).await).await;
    assert_eq!(console["rating"]["rating"], "good");

    let (from,): (Value,) = sqlx::query_as(
        "select after from audit_log where action = 'ticket.rated' and target_id = $1",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(from["from"], "email link");

    // A made-up or mangled token opens nothing.
    for bad in ["nope", &token[1..]] {
        let response = app
            .get(&stranger, &format!("support/rating_link?token={bad}"))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn only_the_requester_rates_a_resolved_ticket_and_rating_again_replaces_it(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (owner, org) = customer(&app, "Requester").await;
    let teammate = member_with_role(&app, &org.email, "member").await;
    let (outsider, _) = customer(&app, "Outsider").await;
    let id = open_ticket(&app, &owner, "Invoice wrong", "The total.").await;
    let (staff, _) = staff_client(&app, "Sam Staff").await;
    // Open: too early.
    assert_eq!(
        rate(&app, &owner, &id, "good", "").await.status(),
        StatusCode::CONFLICT
    );
    resolve(&app, &staff, &id).await;
    assert_eq!(
        rate(&app, &teammate, &id, "bad", "").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rate(&app, &outsider, &id, "bad", "").await.status(),
        StatusCode::NOT_FOUND
    );
    let teammate_view = thread(&app, &teammate, &id).await;
    assert_eq!(teammate_view["satisfaction"]["can_rate"], false);

    // Bad input: an error beside each field, nothing stored.
    let refused = rate(&app, &owner, &id, "meh", &"x".repeat(2001)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Choose good or bad."), "{body}");
    assert!(body.contains("2000"), "{body}");
    let missing = app
        .call(&owner, "support/rate", &[("ticket_id", &id)])
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);

    ok(rate(&app, &owner, &id, "bad", "").await).await;
    ok(rate(&app, &owner, &id, "good", "Changed my mind").await).await;
    let (count, rating): (i64, String) = sqlx::query_as(
        "select count(*), max(rating) from ticket_rating where ticket_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((count, rating.as_str()), (1, "good"));
    let seen = thread(&app, &teammate, &id).await;
    assert_eq!(seen["satisfaction"]["given"]["comment"], "Changed my mind");

    // A reply reopens it: the emailed link can no longer rate until it is
    // resolved again.
    let token = app.mailed_token(&org.email, "ticket_resolved").await;
    ok(app
        .call(
            &owner,
            "support/reply",
            &[("ticket_id", &id), ("body", "Wait, one more")],
        )
        .await)
    .await;
    let reopened = app
        .call(
            &browser(),
            "support/rate_by_link",
            &[("token", &token), ("rating", "bad")],
        )
        .await;
    assert_eq!(reopened.status(), StatusCode::CONFLICT);
    assert!(thread(&app, &owner, &id).await["satisfaction"].is_null());
}

#[sqlx::test(migrations = "../migrations")]
async fn rating_links_are_limited_per_client_and_expire(db: PgPool) {
    let app = spawn_app_with(db.clone(), |s| {
        s.limits.rating_links_per_ip = Rule::new(3, Duration::from_secs(3600))
    })
    .await;
    let (owner, org) = customer(&app, "Limited").await;
    let id = open_ticket(&app, &owner, "Slow page", "Please look.").await;
    let (staff, _) = staff_client(&app, "Lee Limit").await;
    resolve(&app, &staff, &id).await;
    let token = app.mailed_token(&org.email, "ticket_resolved").await;
    let stranger = browser();

    ok(app
        .get(&stranger, &format!("support/rating_link?token={token}"))
        .await)
    .await;
    // Thirty days on, the link is dead.
    sqlx::query("update ticket_rating_link set expires_at = now() - interval '1 second'")
        .execute(&db)
        .await
        .unwrap();
    let expired = app
        .get(&stranger, &format!("support/rating_link?token={token}"))
        .await;
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    let guess = app
        .call(
            &stranger,
            "support/rate_by_link",
            &[("token", "guess"), ("rating", "good")],
        )
        .await;
    assert_eq!(guess.status(), StatusCode::NOT_FOUND);
    // The fourth knock from this client is refused before any lookup.
    let flooded = app
        .call(
            &stranger,
            "support/rate_by_link",
            &[("token", "guess"), ("rating", "good")],
        )
        .await;
    assert_eq!(flooded.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(flooded.headers().contains_key("retry-after"));
}
