//! Team administration: invitations, accepting, roles, removal, seats.

use crate::helpers::*;
use backend::rate_limit::Rule;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

async fn invite(app: &TestApp, client: &Client, email: &str, role: &str) -> Response {
    app.call(client, "team/invite", &[("email", email), ("role", role)])
        .await
}

async fn invite_ok(app: &TestApp, client: &Client, email: &str, role: &str) {
    let response = invite(app, client, email, role).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "invite {email}: {:?}",
        response.text().await
    );
}

/// The token of the newest invitation email to `email`, read from the outbox
/// as the email itself would carry it.
async fn token_for(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar!(
        r#"select data->>'token' as "token!" from notification
           where recipient = $1 and template = 'invitation' order by created_at desc limit 1"#,
        email,
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn preview(app: &TestApp, client: &Client, token: &str) -> Response {
    app.get(client, &format!("invitations/preview?token={token}"))
        .await
}

async fn accept(
    app: &TestApp,
    client: &Client,
    token: &str,
    name: &str,
    password: &str,
) -> Response {
    app.call(
        client,
        "invitations/accept",
        &[("token", token), ("name", name), ("password", password)],
    )
    .await
}

async fn members(app: &TestApp, client: &Client, search: &str, page: u32) -> Value {
    let response = client
        .get(app.url("/api/team/members"))
        .query(&[("search", search), ("page", &page.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

async fn user_id(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar!("select id from app_user where email = $1", email)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string()
}

async fn role_of(app: &TestApp, email: &str) -> Option<String> {
    sqlx::query_scalar!(
        "select m.role from member m join app_user u on u.id = m.user_id where u.email = $1",
        email
    )
    .fetch_optional(&app.db)
    .await
    .unwrap()
}

async fn body(response: Response) -> String {
    response.text().await.unwrap()
}

fn new_email(label: &str) -> String {
    format!("{label}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// An owner signed in to a fresh organization.
async fn owner(app: &TestApp, label: &str) -> (Client, Org) {
    let client = browser();
    let org = Org::new(label);
    app.sign_up(&client, &org).await;
    (client, org)
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invitee_signs_up_through_the_link_and_joins_with_the_invited_role(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Join").await;
    let email = new_email("new");
    invite_ok(&app, &owner, &email, "admin").await;
    let token = token_for(&app, &email).await;

    let invitee = browser();
    let shown = json(preview(&app, &invitee, &token).await).await;
    assert_eq!(shown["status"], "Pending");
    assert_eq!(shown["email"], email.as_str());
    assert_eq!(shown["role"], "admin");
    assert_eq!(shown["account_exists"], false);

    let joined = accept(&app, &invitee, &token, "Nia New", PASSWORD).await;
    assert_eq!(joined.status(), StatusCode::OK, "{:?}", joined.text().await);
    let dashboard = json(app.dashboard(&invitee).await).await;
    assert_eq!(dashboard["member_count"], 2, "{dashboard}");
    assert_eq!(role_of(&app, &email).await.as_deref(), Some("admin"));
    let listed = members(&app, &owner, "", 1).await;
    assert!(listed["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["email"] == email.as_str() && m["name"] == "Nia New"));
    let actions: Vec<String> = sqlx::query_scalar!(
        "select action from audit_log where action like 'invitation.%' order by id"
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(actions, ["invitation.created", "invitation.accepted"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn opening_the_link_never_consumes_the_invitation(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Scan").await;
    let email = new_email("scanned");
    invite_ok(&app, &owner, &email, "member").await;
    let token = token_for(&app, &email).await;

    // A mail scanner fetches the page and the preview, several times.
    for _ in 0..3 {
        let page = browser()
            .get(app.url(&format!("/invitations/accept?token={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            json(preview(&app, &browser(), &token).await).await["status"],
            "Pending"
        );
    }

    let joined = accept(&app, &browser(), &token, "Sam Scanned", PASSWORD).await;
    assert_eq!(joined.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn fifty_concurrent_accepts_of_one_token_make_exactly_one_membership(db: PgPool) {
    // The race, not the per-address limit (tested below), decides here.
    let app = spawn_app_with(db, |s| {
        s.limits.invitation_links_per_ip = Rule::new(100, Duration::from_secs(3600))
    })
    .await;
    let (owner, org) = owner(&app, "Race").await;
    // The invitee already has an account (their own organization) and is signed in.
    let (invitee, invitee_org) = self::owner(&app, "Invitee").await;
    invite_ok(&app, &owner, &invitee_org.email, "member").await;
    let token = token_for(&app, &invitee_org.email).await;

    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (client, url, token) = (
            invitee.clone(),
            app.url("/api/invitations/accept"),
            token.clone(),
        );
        attempts.spawn(async move {
            let form = [("token", token.as_str()), ("name", ""), ("password", "")];
            let sent = client
                .post(url)
                .header("sec-fetch-site", "same-origin")
                .form(&form)
                .send();
            sent.await.unwrap().status()
        });
    }
    let statuses = attempts.join_all().await;

    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(won, 1, "{statuses:?}");
    let memberships = sqlx::query_scalar!(
        r#"select count(*) as "n!" from member m
           join app_user u on u.id = m.user_id
           join member o on o.organization_id = m.organization_id
           join app_user ou on ou.id = o.user_id
           where u.email = $1 and ou.email = $2"#,
        invitee_org.email,
        org.email,
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(memberships, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_invitation_says_so_and_changes_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Expiry").await;
    let email = new_email("late");
    invite_ok(&app, &owner, &email, "member").await;
    let token = token_for(&app, &email).await;

    app.clock
        .advance(time::Duration::days(7) - time::Duration::minutes(1));
    assert_eq!(
        json(preview(&app, &browser(), &token).await).await["status"],
        "Pending"
    );
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(
        json(preview(&app, &browser(), &token).await).await["status"],
        "Expired"
    );

    let refused = accept(&app, &browser(), &token, "Lee Late", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(body(refused).await.contains("expired"));
    assert_eq!(role_of(&app, &email).await, None);
    let accounts = sqlx::query_scalar!(
        r#"select count(*) as "n!" from app_user where email = $1"#,
        email
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(accounts, 0, "no account half-created");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invitation_only_works_for_the_invited_email(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Bound").await;
    let email = new_email("intended");
    invite_ok(&app, &owner, &email, "admin").await;
    let token = token_for(&app, &email).await;
    let (stranger, stranger_org) = self::owner(&app, "Stranger").await;

    let refused = accept(&app, &stranger, &token, "", "").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = body(refused).await;
    assert!(
        message.contains(&email) && message.contains("signed in as"),
        "{message}"
    );
    assert_eq!(
        role_of(&app, &stranger_org.email).await.as_deref(),
        Some("owner")
    );
    assert_eq!(
        json(preview(&app, &browser(), &token).await).await["status"],
        "Pending"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_existing_account_joins_with_its_password_and_lands_in_the_new_organization(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Existing").await;
    let (_, other) = self::owner(&app, "Elsewhere").await;
    invite_ok(&app, &owner, &other.email, "billing").await;
    let token = token_for(&app, &other.email).await;
    let visitor = browser();
    assert_eq!(
        json(preview(&app, &visitor, &token).await).await["account_exists"],
        true
    );

    let wrong = accept(&app, &visitor, &token, "", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let joined = accept(&app, &visitor, &token, "", PASSWORD).await;
    assert_eq!(joined.status(), StatusCode::OK);

    let user = json(app.get(&visitor, "auth/current_user").await).await;
    assert_eq!(user["organization_name"], org.name.as_str());
    assert_eq!(user["role"], "billing");
}

#[sqlx::test(migrations = "../migrations")]
async fn resending_issues_a_new_link_and_the_old_one_dies(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Resend").await;
    let email = new_email("again");
    invite_ok(&app, &owner, &email, "member").await;
    let old = token_for(&app, &email).await;
    let listed = json(app.get(&owner, "team/invitations").await).await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();

    let resent = app
        .call(&owner, "team/invitations/resend", &[("id", &id)])
        .await;
    assert_eq!(resent.status(), StatusCode::OK);
    let new = token_for(&app, &email).await;
    assert_ne!(old, new);

    assert_eq!(
        json(preview(&app, &browser(), &old).await).await["status"],
        "Replaced"
    );
    let refused = accept(&app, &browser(), &old, "Ali Again", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(body(refused).await.contains("newer invitation"));
    let joined = accept(&app, &browser(), &new, "Ali Again", PASSWORD).await;
    assert_eq!(joined.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revoked_invitation_is_refused(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Revoke").await;
    let email = new_email("withdrawn");
    invite_ok(&app, &owner, &email, "member").await;
    let token = token_for(&app, &email).await;
    let id = json(app.get(&owner, "team/invitations").await).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let revoked = app
        .call(&owner, "team/invitations/revoke", &[("id", &id)])
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);

    assert_eq!(
        json(preview(&app, &browser(), &token).await).await["status"],
        "Revoked"
    );
    let refused = accept(&app, &browser(), &token, "Wes Withdrawn", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(body(refused).await.contains("withdrawn"));
    let unknown = preview(&app, &browser(), "not-a-token").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_seat_limit_counts_pending_invitations(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Seats").await; // Free: 3 seats
    invite_ok(&app, &owner, &new_email("one"), "member").await;
    invite_ok(&app, &owner, &new_email("two"), "member").await;

    let full = invite(&app, &owner, &new_email("three"), "member").await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    let message = body(full).await;
    assert!(
        message.contains("All 3 seats of your Free plan are taken"),
        "{message}"
    );

    let seats = members(&app, &owner, "", 1).await["seats"].clone();
    assert_eq!(
        (
            seats["members"].as_i64(),
            seats["pending_invitations"].as_i64()
        ),
        (Some(1), Some(2))
    );
    let id = json(app.get(&owner, "team/invitations").await).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(&owner, "team/invitations/revoke", &[("id", &id)])
        .await;
    invite_ok(&app, &owner, &new_email("three"), "member").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn after_a_downgrade_the_seat_limit_holds_for_invites_and_accepts(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Downgrade").await;
    sqlx::query!("update organization set plan_id = 'pro'")
        .execute(&app.db)
        .await
        .unwrap();
    member_with_role(&app, &org.email, "member").await;
    member_with_role(&app, &org.email, "member").await;
    let email = new_email("pending");
    invite_ok(&app, &owner, &email, "member").await;
    let token = token_for(&app, &email).await;

    sqlx::query!("update organization set plan_id = 'free'")
        .execute(&app.db)
        .await
        .unwrap();

    let refused = accept(&app, &browser(), &token, "Pat Pending", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(body(refused).await.contains("no free seat"));
    assert_eq!(role_of(&app, &email).await, None);
    let invite_refused = invite(&app, &owner, &new_email("more"), "member").await;
    assert_eq!(invite_refused.status(), StatusCode::CONFLICT);
    assert_eq!(
        json(preview(&app, &browser(), &token).await).await["status"],
        "Pending",
        "still usable after an upgrade"
    );
}

/// Every team action, for every role: who may, who is refused.
#[sqlx::test(migrations = "../migrations")]
async fn team_actions_follow_the_role_matrix(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Matrix").await;
    sqlx::query!("update organization set plan_id = 'pro'")
        .execute(&app.db)
        .await
        .unwrap();
    let owner_id = user_id(&app, &org.email).await;

    for role in ["billing", "member"] {
        let client = member_with_role(&app, &org.email, role).await;
        let target = member_with_role(&app, &org.email, "member").await;
        let target_id = json(app.get(&target, "auth/current_user").await).await["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.get(&client, "team/members?search=&page=1")
                .await
                .status(),
            StatusCode::OK,
            "{role} sees the team"
        );
        assert_eq!(
            app.get(&client, "team/invitations").await.status(),
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let refused = [
            invite(&app, &client, &new_email("x"), "member").await,
            app.call(
                &client,
                "team/members/role",
                &[("user_id", &target_id), ("role", "admin")],
            )
            .await,
            app.call(&client, "team/members/remove", &[("user_id", &target_id)])
                .await,
            app.call(
                &client,
                "team/transfer_ownership",
                &[("user_id", &target_id)],
            )
            .await,
            app.call(&client, "team/invitations/resend", &[("id", &target_id)])
                .await,
            app.call(&client, "team/invitations/revoke", &[("id", &target_id)])
                .await,
        ];
        for response in refused {
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{role}: {}",
                response.url()
            );
        }
    }

    let admin = member_with_role(&app, &org.email, "admin").await;
    let peer = member_with_role(&app, &org.email, "member").await;
    let peer_id = json(app.get(&peer, "auth/current_user").await).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    invite_ok(&app, &admin, &new_email("by-admin"), "member").await;
    assert_eq!(
        invite(&app, &admin, &new_email("boss"), "owner")
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "admins do not make owners"
    );
    let promoted = app
        .call(
            &admin,
            "team/members/role",
            &[("user_id", &peer_id), ("role", "billing")],
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    for response in [
        app.call(
            &admin,
            "team/members/role",
            &[("user_id", &owner_id), ("role", "member")],
        )
        .await,
        app.call(
            &admin,
            "team/members/role",
            &[("user_id", &peer_id), ("role", "owner")],
        )
        .await,
        app.call(&admin, "team/members/remove", &[("user_id", &owner_id)])
            .await,
        app.call(&admin, "team/transfer_ownership", &[("user_id", &peer_id)])
            .await,
    ] {
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "admin: {}",
            response.url()
        );
    }
    assert_eq!(role_of(&app, &org.email).await.as_deref(), Some("owner"));
    let removed = app
        .call(&admin, "team/members/remove", &[("user_id", &peer_id)])
        .await;
    assert_eq!(removed.status(), StatusCode::OK);

    let made_owner = app
        .call(
            &owner,
            "team/members/role",
            &[("user_id", &owner_id), ("role", "owner")],
        )
        .await;
    assert_eq!(
        made_owner.status(),
        StatusCode::OK,
        "a no-op change is fine"
    );
    let audited: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from audit_log where action in ('member.role_changed', 'member.removed')"#)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 2, "one entry per real change");
}

#[sqlx::test(migrations = "../migrations")]
async fn there_is_always_an_owner(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Owners").await;
    let owner_id = user_id(&app, &org.email).await;

    let demote = app
        .call(
            &owner,
            "team/members/role",
            &[("user_id", &owner_id), ("role", "admin")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::CONFLICT);
    assert!(body(demote).await.contains("only owner"));
    let leave = app.call(&owner, "team/leave", &[]).await;
    assert_eq!(leave.status(), StatusCode::CONFLICT);
    assert_eq!(role_of(&app, &org.email).await.as_deref(), Some("owner"));

    let heir = member_with_role(&app, &org.email, "member").await;
    let heir_user = json(app.get(&heir, "auth/current_user").await).await;
    let heir_id = heir_user["user_id"].as_str().unwrap();
    let transferred = app
        .call(&owner, "team/transfer_ownership", &[("user_id", heir_id)])
        .await;
    assert_eq!(transferred.status(), StatusCode::OK);
    assert_eq!(role_of(&app, &org.email).await.as_deref(), Some("admin"));
    assert_eq!(
        json(app.get(&heir, "auth/current_user").await).await["role"],
        "owner",
        "the new owner's open session has the new role at once"
    );
    let left = app.call(&owner, "team/leave", &[]).await;
    assert_eq!(left.status(), StatusCode::OK, "no longer the only owner");
    assert_eq!(
        app.dashboard(&owner).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn another_organizations_ids_are_not_found(db: PgPool) {
    let app = spawn_app(db).await;
    let (alice, _) = owner(&app, "Alice").await;
    let (bob, bob_org) = owner(&app, "Bob").await;
    let bob_id = user_id(&app, &bob_org.email).await;
    invite_ok(&app, &bob, &new_email("bobs"), "member").await;
    let bob_invitation = json(app.get(&bob, "team/invitations").await).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for response in [
        app.call(
            &alice,
            "team/members/role",
            &[("user_id", &bob_id), ("role", "member")],
        )
        .await,
        app.call(&alice, "team/members/remove", &[("user_id", &bob_id)])
            .await,
        app.call(&alice, "team/transfer_ownership", &[("user_id", &bob_id)])
            .await,
        app.call(
            &alice,
            "team/invitations/resend",
            &[("id", &bob_invitation)],
        )
        .await,
        app.call(
            &alice,
            "team/invitations/revoke",
            &[("id", &bob_invitation)],
        )
        .await,
    ] {
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{}",
            response.url()
        );
    }
    let listed = members(&app, &alice, "", 1).await;
    assert_eq!(listed["total"], 1);
    assert!(json(app.get(&alice, "team/invitations").await)
        .await
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        role_of(&app, &bob_org.email).await.as_deref(),
        Some("owner")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_role_change_reaches_the_members_open_session_on_its_next_request(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Demote").await;
    let admin = member_with_role(&app, &org.email, "admin").await;
    assert_eq!(
        app.get(&admin, "team/invitations").await.status(),
        StatusCode::OK,
        "cached as admin"
    );
    let admin_id = json(app.get(&admin, "auth/current_user").await).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let demoted = app
        .call(
            &owner,
            "team/members/role",
            &[("user_id", &admin_id), ("role", "member")],
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    assert_eq!(json(demoted).await, "member");

    assert_eq!(
        app.get(&admin, "team/invitations").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_removed_member_is_signed_out_at_once(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Remove").await;
    let gone = member_with_role(&app, &org.email, "member").await;
    assert_eq!(app.dashboard(&gone).await.status(), StatusCode::OK);
    let gone_id = json(app.get(&gone, "auth/current_user").await).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let removed = app
        .call(&owner, "team/members/remove", &[("user_id", &gone_id)])
        .await;
    assert_eq!(removed.status(), StatusCode::OK);

    assert_eq!(
        app.dashboard(&gone).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let audit: Value =
        sqlx::query_scalar!("select before from audit_log where action = 'member.removed'")
            .fetch_one(&app.db)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(audit["role"], "member");
}

#[sqlx::test(migrations = "../migrations")]
async fn members_are_searched_and_paged_on_the_server(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = owner(&app, "Big").await;
    sqlx::query!(
        r#"with org as (select m.organization_id as id from member m join app_user u on u.id = m.user_id where u.email = $1),
                users as (
                  insert into app_user (email, name, password_hash)
                  select format('person%s@big.example.com', n), format('Person %s', lpad(n::text, 3, '0')), 'x'
                  from generate_series(1, 60) n returning id)
           insert into member (organization_id, user_id, role) select org.id, users.id, 'member' from org, users"#,
        org.email,
    )
    .execute(&app.db)
    .await
    .unwrap();

    let first = members(&app, &owner, "", 1).await;
    assert_eq!(first["total"], 61);
    assert_eq!(first["members"].as_array().unwrap().len(), 25);
    assert_eq!(first["members"][0]["role"], "owner", "owners first");
    assert_eq!(first["members"][0]["is_you"], true);
    assert_eq!(first["members"][1]["name"], "Person 001");
    let last = members(&app, &owner, "", 3).await;
    assert_eq!(last["members"].as_array().unwrap().len(), 11);
    assert_eq!(last["members"][10]["name"], "Person 060");

    let found = members(&app, &owner, "PERSON 05", 1).await;
    assert_eq!(found["total"], 10, "case-insensitive, on names");
    let by_email = members(&app, &owner, "person6@big", 1).await;
    assert_eq!(by_email["members"][0]["email"], "person6@big.example.com");
    assert_eq!(by_email["total"], 1, "and on emails");
    let literal = members(&app, &owner, "%", 1).await;
    assert_eq!(literal["total"], 0, "% is a character, not a wildcard");
}

#[sqlx::test(migrations = "../migrations")]
async fn invitation_emails_are_queued_with_the_invitation_and_lose_their_token_once_sent(
    db: PgPool,
) {
    let app = spawn_app(db).await;
    let (owner, _) = owner(&app, "Outbox").await;
    let email = new_email("outbox");
    invite_ok(&app, &owner, &email, "member").await;
    let token = token_for(&app, &email).await;
    let stored: Vec<u8> = sqlx::query_scalar!("select token_hash from invitation")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        stored,
        backend::tokens::hash_token(&token),
        "only the hash is stored"
    );

    let id = sqlx::query_scalar!("select id from notification where template = 'invitation'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    backend::notifications::db::mark_sent(&mut conn, id)
        .await
        .unwrap();
    let data: Value = sqlx::query_scalar!("select data from notification where id = $1", id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(data.get("token").is_none(), "{data}");
    assert!(
        data["organization_name"]
            .as_str()
            .unwrap()
            .starts_with("Outbox"),
        "the rest stays"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn invitation_links_are_rate_limited_per_client(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.limits.invitation_links_per_ip = Rule::new(2, Duration::from_secs(3600))
    })
    .await;
    let (owner, _) = owner(&app, "Limited").await;
    let invited = new_email("limited");
    invite_ok(&app, &owner, &invited, "member").await;
    let token = token_for(&app, &invited).await;
    let stranger = browser();
    assert_eq!(
        preview(&app, &stranger, "guess").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        preview(&app, &stranger, &token).await.status(),
        StatusCode::OK
    );
    // Guessing costs the same as using a real link: the third try is refused,
    // even with the right token, and nothing is joined.
    assert_eq!(
        preview(&app, &stranger, &token).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let refused = accept(&app, &stranger, &token, "Lee", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(role_of(&app, &invited).await, None);
}
