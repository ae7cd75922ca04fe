//! The support team in the console: staff admins invite by email (a link
//! that creates or proves an account, then the console's sign-in sets up
//! two-factor), withdraw invitations, grant admin and deactivate; a
//! deactivated staff member is signed out, cannot sign in, loses their open
//! tickets to the queue and hears of no new ticket. Everyone else is refused.

use crate::helpers::*;
use crate::support::{create_staff, customer, open_ticket, staff_client};
use backend::rate_limit::Rule;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// A staff admin signed in to the console: (client, user id).
async fn admin_client(app: &TestApp, name: &str) -> (Client, String) {
    let (client, user_id) = staff_client(app, name).await;
    sqlx::query("update staff set is_admin = true where user_id = $1::uuid")
        .bind(&user_id)
        .execute(&app.db)
        .await
        .unwrap();
    (client, user_id)
}

async fn team(app: &TestApp, staff: &Client) -> Value {
    json(ok(app.get(staff, "staff/members").await).await).await
}

fn member<'a>(team: &'a Value, email: &str) -> &'a Value {
    team["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not on the team: {team}"))
}

async fn invite(app: &TestApp, admin: &Client, email: &str, as_admin: bool) -> Response {
    let admin_box = if as_admin { "on" } else { "" };
    app.call(
        admin,
        "staff/members/invite",
        &[("email", email), ("admin", admin_box)],
    )
    .await
}

async fn change(app: &TestApp, admin: &Client, user_id: &str, change: &str) -> Response {
    app.call(
        admin,
        "staff/members/change",
        &[("user_id", user_id), ("change", change)],
    )
    .await
}

async fn accept(app: &TestApp, token: &str, name: &str, password: &str) -> Response {
    app.call(
        &browser(),
        "staff/invitation/accept",
        &[("token", token), ("name", name), ("password", password)],
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invited_person_joins_with_a_new_account_and_must_set_up_two_factor(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (admin, _) = admin_client(&app, "Ada Admin").await;
    let email = "new.agent@portal.example";
    ok(invite(&app, &admin, " New.Agent@portal.example ", false).await).await;
    let listed = team(&app, &admin).await;
    assert_eq!(listed["viewer_is_admin"], true);
    assert_eq!(listed["invitations"][0]["email"], email);
    assert_eq!(listed["invitations"][0]["invited_by"], "Ada Admin");

    let token = app.mailed_token(email, "staff_invitation").await;
    let preview = json(
        ok(app
            .get(&browser(), &format!("staff/invitation?token={token}"))
            .await)
        .await,
    )
    .await;
    assert_eq!(preview["status"], "Pending");
    assert_eq!(preview["account_exists"], false);
    assert_eq!(preview["is_admin"], false);

    // A bad name or password is answered next to the field, and nothing is used up.
    let refused = accept(&app, &token, "", "short").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = json(refused).await;
    assert!(errors.to_string().contains("name") && errors.to_string().contains("password"));
    ok(accept(&app, &token, "Nia New", "a long staff passphrase").await).await;
    // The link works once.
    assert_eq!(
        accept(&app, &token, "Nia New", "a long staff passphrase")
            .await
            .status(),
        StatusCode::CONFLICT
    );

    let listed = team(&app, &admin).await;
    let joined = member(&listed, email);
    assert_eq!(joined["name"], "Nia New");
    assert_eq!(joined["is_admin"], false);
    assert_eq!(joined["two_factor"], false);
    assert_eq!(
        joined["last_active"],
        serde_json::Value::Null,
        "never signed in"
    );
    assert!(listed["invitations"].as_array().unwrap().is_empty());

    // The first sign-in sets two-factor up before any console page opens.
    let agent = browser();
    ok(app
        .call(
            &agent,
            "staff/sign_in",
            &[("email", email), ("password", "a long staff passphrase")],
        )
        .await)
    .await;
    assert_eq!(
        app.get(&agent, "staff/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    ok(app.call(&agent, "staff/two_factor/begin", &[]).await).await;

    let (actor, after): (String, Value) = sqlx::query_as(
        "select actor_email, after from audit_log where action = 'staff_invitation.accepted'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(actor, email);
    assert_eq!(after["admin"], false);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_existing_account_joins_with_its_own_password_and_becomes_admin_if_invited_so(
    db: PgPool,
) {
    let app = spawn_app(db.clone()).await;
    let (admin, _) = admin_client(&app, "Ada Admin").await;
    let (_, org) = customer(&app, "Customer").await;
    ok(invite(&app, &admin, &org.email, true).await).await;
    let token = app.mailed_token(&org.email, "staff_invitation").await;
    let preview = json(
        ok(app
            .get(&browser(), &format!("staff/invitation?token={token}"))
            .await)
        .await,
    )
    .await;
    assert_eq!(preview["account_exists"], true);
    assert_eq!(preview["is_admin"], true);
    // Someone else's password does not open it (the name is ignored).
    assert_eq!(
        accept(&app, &token, "Mallory", "not the password at all")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    ok(accept(&app, &token, "", PASSWORD).await).await;
    let listed = team(&app, &admin).await;
    assert_eq!(member(&listed, &org.email)["is_admin"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn inviting_again_replaces_the_link_and_withdrawn_or_expired_links_say_so(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (admin, _) = admin_client(&app, "Ada Admin").await;
    let (existing, _) = create_staff(&app, "Already Here").await;
    let email = "twice@portal.example";

    // Bad or taken addresses are refused next to the field.
    for (bad, says) in [
        ("not an address", "email"),
        (existing.as_str(), "already on the support team"),
    ] {
        let refused = invite(&app, &admin, bad, false).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(json(refused).await.to_string().contains(says), "{bad}");
    }

    ok(invite(&app, &admin, email, false).await).await;
    let first = app.mailed_token(email, "staff_invitation").await;
    ok(invite(&app, &admin, email, false).await).await;
    let second: String = sqlx::query_scalar(
        "select data->>'token' from notification where template = 'staff_invitation'
         order by created_at desc, id desc limit 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_ne!(first, second);
    let listed = team(&app, &admin).await;
    assert_eq!(listed["invitations"].as_array().unwrap().len(), 1);
    let status = |token: String| {
        let app = &app;
        async move {
            json(
                ok(app
                    .get(&browser(), &format!("staff/invitation?token={token}"))
                    .await)
                .await,
            )
            .await["status"]
                .clone()
        }
    };
    assert_eq!(status(first.clone()).await, "Revoked");
    assert_eq!(
        accept(&app, &first, "Tess", "a long staff passphrase")
            .await
            .status(),
        StatusCode::CONFLICT
    );

    // Withdrawn by an admin.
    let id = listed["invitations"][0]["id"].as_str().unwrap().to_owned();
    ok(app
        .call(&admin, "staff/members/revoke_invitation", &[("id", &id)])
        .await)
    .await;
    assert_eq!(status(second.clone()).await, "Revoked");
    assert_eq!(
        app.call(&admin, "staff/members/revoke_invitation", &[("id", &id)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Expired.
    ok(invite(&app, &admin, "late@portal.example", false).await).await;
    let late = app
        .mailed_token("late@portal.example", "staff_invitation")
        .await;
    sqlx::query("update staff_invitation set expires_at = now() - interval '1 minute' where email = 'late@portal.example'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(status(late.clone()).await, "Expired");
    assert_eq!(team(&app, &admin).await["invitations"][0]["expired"], true);
    assert_eq!(
        accept(&app, &late, "Lou Late", "a long staff passphrase")
            .await
            .status(),
        StatusCode::CONFLICT
    );
    // A made-up token opens nothing.
    assert_eq!(
        app.get(&browser(), "staff/invitation?token=nope")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn deactivating_signs_out_returns_open_tickets_to_the_queue_and_stops_alerts(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (admin, _) = admin_client(&app, "Ada Admin").await;
    let (leaver, leaver_id) = staff_client(&app, "Leo Leaver").await;
    let leaver_email: String = sqlx::query_scalar("select email from app_user where id = $1::uuid")
        .bind(&leaver_id)
        .fetch_one(&db)
        .await
        .unwrap();
    let (owner, _) = customer(&app, "Queue").await;
    let open = open_ticket(&app, &owner, "Still waiting", "Hello").await;
    let done = open_ticket(&app, &owner, "All good", "Hello").await;
    for ticket in [&open, &done] {
        ok(app
            .call(
                &leaver,
                "staff/assign",
                &[("ticket_id", ticket), ("assignee", "me")],
            )
            .await)
        .await;
    }
    ok(app
        .call(
            &leaver,
            "staff/status",
            &[("ticket_id", &done), ("status", "resolved")],
        )
        .await)
    .await;
    assert_eq!(
        member(&team(&app, &admin).await, &leaver_email)["assigned_open"],
        1
    );

    ok(change(&app, &admin, &leaver_id, "deactivate").await).await;

    // Signed out at once, and the password no longer opens the console.
    assert_eq!(
        app.get(&leaver, "staff/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call(
            &browser(),
            "staff/sign_in",
            &[("email", &leaver_email), ("password", PASSWORD)]
        )
        .await
        .status(),
        StatusCode::UNAUTHORIZED
    );
    // The open ticket is back in the queue; the resolved one keeps its agent.
    let assignee = |id: String| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, Option<uuid::Uuid>>(
                "select assignee_id from ticket where id = $1::uuid",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    assert_eq!(assignee(open.clone()).await, None);
    assert_eq!(
        assignee(done.clone()).await.map(|u| u.to_string()),
        Some(leaver_id.clone())
    );
    // Not offered for assignment, and not alerted of new tickets.
    let view = json(ok(app.get(&admin, &format!("staff/ticket?id={open}")).await).await).await;
    assert!(!view["staff"].to_string().contains(&leaver_email));
    assert_eq!(
        app.call(
            &admin,
            "staff/assign",
            &[("ticket_id", &open), ("assignee", &leaver_id)]
        )
        .await
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    sqlx::query("delete from notification where template = 'staff_alert'")
        .execute(&db)
        .await
        .unwrap();
    open_ticket(&app, &owner, "After they left", "Hello").await;
    let alerted: Vec<String> = sqlx::query_scalar(
        "select recipient from notification where template = 'staff_alert' order by recipient",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(alerted.len(), 1);
    assert!(!alerted.contains(&leaver_email));
    let listed = team(&app, &admin).await;
    assert_eq!(member(&listed, &leaver_email)["deactivated"], true);
    // Invitations to a deactivated address point at reactivating instead.
    let refused = invite(&app, &admin, &leaver_email, false).await;
    assert!(json(refused).await.to_string().contains("Reactivate"));

    // Reactivated, they sign in again (two-factor as before).
    ok(change(&app, &admin, &leaver_id, "reactivate").await).await;
    let back = browser();
    ok(staff_sign_in(&app, &back, &leaver_email, PASSWORD, STAFF_TOTP_SECRET).await).await;
    ok(app.get(&back, "staff/tickets").await).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'staff.%activated' order by id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(actions, ["staff.deactivated", "staff.reactivated"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn only_admins_change_the_team_and_never_their_own_access(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (admin, admin_id) = admin_client(&app, "Ada Admin").await;
    let (agent, agent_id) = staff_client(&app, "Al Agent").await;
    let (customer_client, _) = customer(&app, "Nosy").await;

    // Every staff member sees the team; customers and strangers do not.
    assert_eq!(team(&app, &agent).await["viewer_is_admin"], false);
    assert_eq!(
        app.get(&customer_client, "staff/members").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&browser(), "staff/members").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // An agent can neither invite nor change anyone.
    assert_eq!(
        invite(&app, &agent, "friend@portal.example", true)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        change(&app, &agent, &admin_id, "deactivate").await.status(),
        StatusCode::FORBIDDEN
    );
    // An admin cannot lock themselves out, nor make a no-op or unknown change.
    for (who, what, status) in [
        (&admin_id, "deactivate", StatusCode::CONFLICT),
        (&admin_id, "remove_admin", StatusCode::CONFLICT),
        (&agent_id, "remove_admin", StatusCode::CONFLICT),
        (&agent_id, "promote", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        assert_eq!(
            change(&app, &admin, who, what).await.status(),
            status,
            "{what}"
        );
    }
    let stranger = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        change(&app, &admin, &stranger, "deactivate").await.status(),
        StatusCode::NOT_FOUND
    );

    // Made admin, the agent can act at once; demoted, no longer.
    ok(change(&app, &admin, &agent_id, "grant_admin").await).await;
    ok(invite(&app, &agent, "friend@portal.example", false).await).await;
    ok(change(&app, &agent, &admin_id, "remove_admin").await).await;
    assert_eq!(
        invite(&app, &admin, "other@portal.example", false)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn invitation_links_are_rate_limited_per_client(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.limits.staff_invitation_links_per_ip = Rule::new(2, Duration::from_secs(3600))
    })
    .await;
    let stranger = browser();
    for _ in 0..2 {
        assert_eq!(
            app.get(&stranger, "staff/invitation?token=guess")
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        app.get(&stranger, "staff/invitation?token=guess")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        accept(&app, "guess", "Gus", "a long staff passphrase")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}
