//! The audit log: every mutating server function records an entry; the
//! audit page filters and pages within the caller's organization only; the
//! CSV export streams exactly the filtered rows, safely escaped; and no
//! server function can change or delete an entry.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::BTreeSet;
use uuid::Uuid;

// ------------------------------------------------------------ completeness

/// Server functions that change nothing. Add a new endpoint here only if it
/// writes nothing; otherwise add it to `mutations()` with a valid call.
const READ_ONLY: &[&str] = &[
    "/api/auth/current_user",
    "/api/dashboard/summary",
    "/api/team/members",
    "/api/team/invitations",
    "/api/invitations/preview",
    "/api/api_keys/list",
    "/api/webhooks/list",
    "/api/webhooks/endpoint",
    "/api/account/settings",
    "/api/account/email_change/check",
    "/api/account/sessions",
    "/api/account/notifications",
    "/api/audit/entries",
    "/api/audit/people",
    "/api/billing/overview",
    "/api/billing/payment_alert",
    "/api/billing/credit_notes",
    "/api/billing/invoices",
    "/api/billing/preview_plan_change",
    "/api/usage/overview",
    "/api/support/tickets",
    "/api/support/ticket",
    "/api/staff/me",
    "/api/staff/tickets",
    "/api/staff/ticket",
    "/api/staff/satisfaction",
    "/api/staff/canned",
    "/api/staff/canned/fill",
    "/api/staff/members",
    // Counted against the client's limit, but stores nothing.
    "/api/staff/invitation",
    "/api/support/rating_link",
    "/api/notifications/unsubscribe/check",
    "/api/auth/account",
    "/api/auth/verify_email/check",
    "/api/auth/password_reset/check",
    "/api/auth/two_factor/challenge",
    "/api/two_factor/status",
    // Opening an article from a ticket's suggestions is counted, not audited.
    "/api/help/articles",
    "/api/help/suggest",
    "/api/help/article",
    "/api/help/console/report",
    "/api/help/console/article",
    // A POST only for the body's size: it renders, it stores nothing.
    "/api/help/console/preview",
];

/// Who makes a call: the fixture organization's owner, one of its members,
/// a support staff member signed in to the console, or a browser with no session.
#[derive(Clone, Copy, PartialEq)]
enum Caller {
    Owner,
    Member,
    Staff,
    Anonymous,
    /// Signed in to an account whose email is not verified yet.
    Unverified,
    /// Halfway through signing in: the password was right, a code is next.
    Challenged,
    /// Staff halfway through signing in, setting two-factor up (two of them).
    StaffEnrolling,
    StaffEnrollingToo,
}

/// One valid call of a mutating server function. `args` reads ids and tokens
/// the fixture prepared. Calls run in this order; sign-out comes last.
struct Mutation {
    path: &'static str,
    caller: Caller,
    args: fn(&Fixture) -> Vec<(&'static str, String)>,
}

fn mutations() -> Vec<Mutation> {
    use Caller::*;
    let m = |path, caller, args| Mutation { path, caller, args };
    vec![
        m("/api/auth/sign_up", Anonymous, |_| {
            let org = Org::new("Completeness");
            vec![
                ("organization_name", org.name),
                ("name", "New Owner".into()),
                ("email", org.email),
                ("password", PASSWORD.into()),
            ]
        }),
        m("/api/auth/sign_in", Anonymous, |f| {
            vec![
                ("email", f.other_owner_email.clone()),
                ("password", PASSWORD.into()),
            ]
        }),
        m("/api/auth/verify_email/resend", Unverified, |_| vec![]),
        m("/api/auth/verify_email/change_address", Unverified, |f| {
            vec![(
                "email",
                format!("corrected-{}", f.identity.unverified_email),
            )]
        }),
        m("/api/auth/verify_email", Anonymous, |f| {
            vec![("token", f.identity.verification_token.clone())]
        }),
        m("/api/auth/two_factor/verify", Challenged, |f| {
            vec![("code", f.fresh_code(STAFF_TOTP_SECRET))]
        }),
        m("/api/auth/password_reset", Anonymous, |f| {
            vec![
                ("token", f.identity.reset_token.clone()),
                ("new_password", "a brand new passphrase".into()),
            ]
        }),
        m("/api/auth/password_reset/request", Anonymous, |f| {
            vec![("email", f.other_owner_email.clone())]
        }),
        m("/api/staff/two_factor/begin", StaffEnrollingToo, |_| vec![]),
        m("/api/staff/two_factor/confirm", StaffEnrolling, |f| {
            vec![("code", f.fresh_code(&f.identity.enrolling_staff_secret))]
        }),
        m("/api/two_factor/begin", Member, |_| vec![]),
        m("/api/two_factor/confirm", Owner, |f| {
            vec![("code", f.fresh_code(&f.identity.owner_secret))]
        }),
        m("/api/two_factor/recovery_codes", Owner, |f| {
            vec![("code", f.fresh_code(&f.identity.owner_secret))]
        }),
        m("/api/api_keys/create", Owner, |_| {
            vec![
                ("name", "Audited".into()),
                ("scope", "full".into()),
                ("expires_in", "never".into()),
            ]
        }),
        m("/api/webhooks/create", Owner, |_| {
            vec![
                ("url", "https://audited.example.com/in".into()),
                ("event_types[]", "member.added".into()),
            ]
        }),
        m("/api/webhooks/update", Owner, |f| {
            vec![
                ("id", f.webhook.0.clone()),
                ("url", "https://audited.example.com/moved".into()),
                ("event_types[]", "member.removed".into()),
                ("enabled", "on".into()),
            ]
        }),
        m("/api/webhooks/rotate", Owner, |f| {
            vec![("id", f.webhook.0.clone())]
        }),
        m("/api/webhooks/test", Owner, |f| {
            vec![("id", f.webhook.0.clone())]
        }),
        m("/api/webhooks/resend", Owner, |f| {
            vec![("id", f.webhook.1.clone())]
        }),
        m("/api/webhooks/delete", Owner, |f| {
            vec![("id", f.webhook.0.clone())]
        }),
        m("/api/api_keys/revoke", Owner, |f| {
            vec![("id", f.key_to_revoke.clone())]
        }),
        m("/api/api_keys/rotate", Owner, |f| {
            vec![
                ("id", f.key_to_rotate.clone()),
                ("grace_hours", "24".into()),
            ]
        }),
        m("/api/account/organization_name", Owner, |_| {
            vec![("organization_name", "Renamed For Audit".into())]
        }),
        m("/api/account/billing_email", Owner, |_| {
            vec![("billing_email", "billing-audit@example.com".into())]
        }),
        m("/api/account/name", Owner, |_| {
            vec![("name", "Renamed Owner".into())]
        }),
        m("/api/account/notifications/save", Owner, |_| {
            vec![("tickets", "on".into())]
        }),
        m("/api/account/notifications/defaults", Owner, |_| {
            vec![("tickets", "on".into())]
        }),
        m("/api/account/time_zone", Owner, |_| {
            vec![("time_zone", "Pacific/Auckland".into())]
        }),
        m("/api/account/email_change", Owner, |f| {
            vec![
                ("new_email", format!("moved-{}", f.owner_email)),
                ("password", PASSWORD.into()),
            ]
        }),
        m("/api/account/email_change/confirm", Anonymous, |f| {
            vec![("token", f.other_owner_email_token.clone())]
        }),
        m("/api/account/sessions/revoke", Owner, |f| {
            vec![("id", f.owner_other_session.clone())]
        }),
        m("/api/account/sessions/revoke_others", Owner, |_| vec![]),
        m("/api/account/password", Owner, |_| {
            vec![
                ("current_password", PASSWORD.into()),
                ("new_password", "another long passphrase".into()),
            ]
        }),
        m("/api/team/invite", Owner, |_| {
            vec![
                ("email", format!("invited-{}@example.com", Uuid::new_v4())),
                ("role", "member".into()),
            ]
        }),
        m("/api/team/invitations/resend", Owner, |f| {
            vec![("id", f.team.invitation_to_resend.clone())]
        }),
        m("/api/team/invitations/revoke", Owner, |f| {
            vec![("id", f.team.invitation_to_revoke.clone())]
        }),
        m("/api/invitations/accept", Anonymous, |f| {
            vec![
                ("token", f.team.invitation_token.clone()),
                ("name", "Invited Person".into()),
                ("password", PASSWORD.into()),
            ]
        }),
        m("/api/team/members/role", Owner, |f| {
            vec![
                ("user_id", f.team.member_to_promote.clone()),
                ("role", "admin".into()),
            ]
        }),
        m("/api/team/members/remove", Owner, |f| {
            vec![("user_id", f.team.member_to_remove.clone())]
        }),
        m("/api/team/leave", Member, |_| vec![]),
        m("/api/billing/update_details", Owner, |_| {
            vec![
                ("company_name", "Audited GmbH".into()),
                ("address_line1", "Hauptstr. 1".into()),
                ("address_line2", String::new()),
                ("city", "Berlin".into()),
                ("postal_code", "10115".into()),
                ("country", "DE".into()),
                ("tax_id", "DE123456789".into()),
            ]
        }),
        m("/api/billing/pay_invoice", Owner, |f| {
            vec![
                ("id", f.open_invoice.0.clone()),
                ("key", f.open_invoice.1.clone()),
            ]
        }),
        m("/api/billing/update_payment_method", Owner, |f| {
            vec![("card_token", f.card_token.clone())]
        }),
        m("/api/billing/change_plan", Owner, |_| {
            vec![("plan", "enterprise".into())]
        }),
        m("/api/billing/cancel", Owner, |_| vec![]),
        m("/api/billing/resume", Owner, |_| vec![]),
        m("/api/support/open", Owner, |_| {
            vec![
                ("subject", "Audited ticket".into()),
                ("category", "billing".into()),
                ("priority", "normal".into()),
                ("body", "Please audit me.".into()),
            ]
        }),
        m("/api/support/reply", Owner, |f| {
            vec![
                ("ticket_id", f.support.ticket.clone()),
                ("body", "More detail.".into()),
            ]
        }),
        m("/api/help/answer", Owner, |f| {
            vec![
                ("article_id", f.help_article.clone()),
                ("helpful", "yes".into()),
            ]
        }),
        m("/api/staff/reply", Staff, |f| {
            vec![
                ("ticket_id", f.support.ticket.clone()),
                ("body", "On it.".into()),
            ]
        }),
        m("/api/staff/note", Staff, |f| {
            vec![
                ("ticket_id", f.support.ticket.clone()),
                ("body", "Internal.".into()),
            ]
        }),
        m("/api/staff/credit_note", Staff, |f| {
            vec![
                ("ticket_id", f.support.ticket.clone()),
                ("invoice_id", f.open_invoice.0.clone()),
                ("amount", "1.00".into()),
                ("currency", "USD".into()),
                ("reason", "Audited credit.".into()),
            ]
        }),
        m("/api/staff/status", Staff, |f| {
            vec![
                ("ticket_id", f.support.ticket.clone()),
                ("status", "resolved".into()),
            ]
        }),
        m("/api/staff/assign", Staff, |f| {
            vec![
                ("ticket_id", f.support.ticket.clone()),
                ("assignee", "me".into()),
            ]
        }),
        m("/api/support/close", Owner, |f| {
            vec![("ticket_id", f.support.ticket.clone())]
        }),
        m("/api/support/reopen", Owner, |f| {
            vec![("ticket_id", f.support.ticket.clone())]
        }),
        m("/api/staff/canned/save", Staff, |_| {
            vec![
                ("title", "Audited reply".into()),
                ("body", "Thanks, {{agent_name}}".into()),
            ]
        }),
        m("/api/staff/canned/delete", Staff, |f| {
            vec![("id", f.support.canned.clone())]
        }),
        m("/api/support/rate", Owner, |f| {
            vec![
                ("ticket_id", f.support.resolved.clone()),
                ("rating", "good".into()),
            ]
        }),
        m("/api/notifications/unsubscribe", Anonymous, |f| {
            f.unsubscribe.clone()
        }),
        m("/api/support/rate_by_link", Anonymous, |f| {
            vec![
                ("token", f.support.rating_token.clone()),
                ("rating", "bad".into()),
                ("comment", "Changed my mind.".into()),
            ]
        }),
        m("/api/staff/members/invite", Staff, |_| {
            vec![
                ("email", "audited.invite@portal.example".into()),
                ("admin", "on".into()),
            ]
        }),
        m("/api/staff/members/revoke_invitation", Staff, |f| {
            vec![("id", f.support.staff_invitation_to_revoke.clone())]
        }),
        m("/api/staff/members/change", Staff, |f| {
            vec![
                ("user_id", f.support.staff_to_deactivate.clone()),
                ("change", "deactivate".into()),
            ]
        }),
        m("/api/staff/invitation/accept", Anonymous, |f| {
            vec![
                ("token", f.support.staff_invitation_token.clone()),
                ("name", "Joining Agent".into()),
                ("password", "a long staff passphrase".into()),
            ]
        }),
        m("/api/staff/sign_in", Anonymous, |f| {
            vec![
                ("email", f.support.staff_email.clone()),
                ("password", PASSWORD.into()),
            ]
        }),
        m("/api/help/console/save", Staff, |_| {
            vec![
                ("title", "Audited article".into()),
                ("category", "team".into()),
                ("body", "Written in the console.".into()),
            ]
        }),
        m("/api/staff/sign_out", Staff, |_| vec![]),
        // Late: members without two-factor are held at setup afterwards.
        m("/api/account/require_two_factor", Owner, |_| {
            vec![("required", "true".into())]
        }),
        // Late: the owner is an admin afterwards.
        m("/api/team/transfer_ownership", Owner, |f| {
            vec![("user_id", f.team.heir.clone())]
        }),
        m("/api/two_factor/disable", Owner, |f| {
            vec![
                // Changed by /api/account/password above.
                ("password", "another long passphrase".into()),
                ("code", f.fresh_code(&f.identity.owner_secret)),
            ]
        }),
        m("/api/auth/create_organization", Owner, |_| {
            vec![("organization_name", "Second Of Mine".into())]
        }),
        m("/api/auth/switch_organization", Owner, |f| {
            vec![("organization_id", f.identity.owner_organization.clone())]
        }),
        m("/api/auth/sign_out_everywhere", Unverified, |_| vec![]),
        m("/api/auth/sign_out", Owner, |_| vec![]),
    ]
}

/// What the calls need: an owner signed in (plus a second session of theirs),
/// two API keys, and a second organization whose owner has a pending email change.
struct Fixture {
    clock: backend::clock::Clock,
    identity: IdentityFixture,
    owner: Client,
    owner_email: String,
    owner_other_session: String,
    key_to_revoke: String,
    key_to_rotate: String,
    other_owner_email: String,
    other_owner_email_token: String,
    /// An open invoice of the owner's organization and a key to pay it.
    open_invoice: (String, String),
    /// A sandbox processor's token, for saving a card.
    card_token: String,
    team: TeamFixture,
    support: SupportFixture,
    /// A published help article's id.
    help_article: String,
    /// The owner's signed link that stops their ticket emails.
    unsubscribe: Vec<(&'static str, String)>,
    /// A webhook endpoint of the owner's, and one delivery to it.
    webhook: (String, String),
}

/// The owner's unsubscribe link for ticket emails, as its form posts it.
async fn unsubscribe_link(
    app: &TestApp,
    email: &str,
    organization: &str,
) -> Vec<(&'static str, String)> {
    let user: uuid::Uuid = sqlx::query_scalar("select id from app_user where email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let organization = uuid::Uuid::parse_str(organization).unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    let query = backend::notifications::unsubscribe::query_for(
        &mut conn,
        user,
        organization,
        domain::notifications::NotificationCategory::Tickets,
    )
    .await
    .unwrap();
    ["user", "organization", "category", "signature"]
        .into_iter()
        .zip(
            query
                .split('&')
                .map(|pair| pair.split_once('=').unwrap().1.to_owned()),
        )
        .collect()
}

impl Fixture {
    /// A code of `secret` for a step never used yet: the clock moves on a
    /// step each time, so codes stay one-time while the calls go by.
    fn fresh_code(&self, secret: &str) -> String {
        self.clock.advance(time::Duration::seconds(30));
        let now = u64::try_from(self.clock.now().unix_timestamp()).unwrap();
        backend::two_factor::totp::code_at(secret, now).unwrap()
    }
}

/// Accounts halfway through identity flows.
struct IdentityFixture {
    owner_organization: String,
    /// The owner's two-factor setup, started and not confirmed yet.
    owner_secret: String,
    unverified: Client,
    unverified_email: String,
    /// Of another unverified account.
    verification_token: String,
    reset_token: String,
    challenged: Client,
    enrolling_staff: Client,
    enrolling_staff_secret: String,
    enrolling_staff_too: Client,
}

async fn identity_fixture(
    app: &TestApp,
    owner: &Client,
    owner_email: &str,
    reset_for: &str,
) -> IdentityFixture {
    let owner_organization = json(ok(app.get(owner, "auth/current_user").await).await).await
        ["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app.call(owner, "two_factor/begin", &[]).await).await;
    let status = json(ok(app.get(owner, "two_factor/status").await).await).await;
    let owner_secret = status["pending"]["secret"].as_str().unwrap().to_owned();
    let _ = owner_email;

    let sign_up = |label: &'static str| async move {
        let org = Org::new(label);
        ok(app
            .call(
                &browser(),
                "auth/sign_up",
                &[
                    ("organization_name", org.name.as_str()),
                    ("name", "Not Yet"),
                    ("email", org.email.as_str()),
                    ("password", PASSWORD),
                ],
            )
            .await)
        .await;
        org.email
    };
    let unverified_email = sign_up("Unverified").await;
    let unverified = browser();
    ok(app.sign_in(&unverified, &unverified_email, PASSWORD).await).await;
    let verification_token = app.verification_token(&sign_up("Verifying").await).await;

    ok(app
        .call(
            &browser(),
            "auth/password_reset/request",
            &[("email", reset_for)],
        )
        .await)
    .await;
    let reset_token = app.mailed_token(reset_for, "password_reset").await;

    // An account with two-factor on, between password and code.
    let challenged_org = Org::new("Challenged");
    app.sign_up(&browser(), &challenged_org).await;
    sqlx::query("update app_user set totp_secret = $2, totp_enabled_at = now() where email = $1")
        .bind(&challenged_org.email)
        .bind(STAFF_TOTP_SECRET)
        .execute(&app.db)
        .await
        .unwrap();
    let challenged = browser();
    ok(app
        .sign_in(&challenged, &challenged_org.email, PASSWORD)
        .await)
    .await;

    // Staff without two-factor, between password and setup.
    let enrolling = |name: &'static str| async move {
        let email = format!("enrolling-{}@portal.example", uuid::Uuid::new_v4().simple());
        let hash = backend::password::hash_password(domain::Password::parse(PASSWORD).unwrap())
            .await
            .unwrap();
        sqlx::query(
            "with u as (insert into app_user (email, name, password_hash) values ($1, $2, $3) returning id)
             insert into staff (user_id) select id from u",
        )
        .bind(&email)
        .bind(name)
        .bind(hash)
        .execute(&app.db)
        .await
        .unwrap();
        let client = browser();
        ok(app
            .call(
                &client,
                "staff/sign_in",
                &[("email", email.as_str()), ("password", PASSWORD)],
            )
            .await)
        .await;
        client
    };
    let enrolling_staff = enrolling("Enrolling Staff").await;
    let enrollment = json(
        ok(app
            .call(&enrolling_staff, "staff/two_factor/begin", &[])
            .await)
        .await,
    )
    .await;
    let enrolling_staff_secret = enrollment["secret"].as_str().unwrap().to_owned();
    let enrolling_staff_too = enrolling("Enrolling Too").await;

    IdentityFixture {
        owner_organization,
        owner_secret,
        unverified,
        unverified_email,
        verification_token,
        reset_token,
        challenged,
        enrolling_staff,
        enrolling_staff_secret,
        enrolling_staff_too,
    }
}

/// A support staff member signed in to the console, and a ticket of the owner's.
struct SupportFixture {
    staff: Client,
    staff_email: String,
    ticket: String,
    /// A second ticket, resolved, and its emailed rating link's token.
    resolved: String,
    rating_token: String,
    /// A canned reply to delete.
    canned: String,
    /// The signed-in staff member is an admin: these are for the team calls.
    staff_invitation_to_revoke: String,
    staff_invitation_token: String,
    staff_to_deactivate: String,
}

async fn support_fixture(app: &TestApp, owner: &Client) -> SupportFixture {
    let (staff_email, staff_id) = crate::support::create_staff(app, "Audit Staff").await;
    sqlx::query("update staff set is_admin = true where user_id = $1::uuid")
        .bind(&staff_id)
        .execute(&app.db)
        .await
        .unwrap();
    let staff = browser();
    let response = staff_sign_in(app, &staff, &staff_email, PASSWORD, STAFF_TOTP_SECRET).await;
    assert!(response.status().is_success());
    let response = app
        .call(
            owner,
            "support/open",
            &[
                ("subject", "Fixture ticket"),
                ("category", "technical"),
                ("priority", "low"),
                ("body", "Hello"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let ticket = json(response).await.as_str().unwrap().to_owned();
    let resolved = crate::support::open_ticket(app, owner, "Resolved fixture", "Hi").await;
    ok(app
        .call(
            &staff,
            "staff/status",
            &[("ticket_id", &resolved), ("status", "resolved")],
        )
        .await)
    .await;
    let rating_token = sqlx::query_scalar(
        "select data->>'token' from notification where template = 'ticket_resolved'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let canned = app
        .call(
            &staff,
            "staff/canned/save",
            &[("title", "Fixture reply"), ("body", "Hello {{first_name}}")],
        )
        .await;
    let canned = json(ok(canned).await).await.as_str().unwrap().to_owned();
    let invite = |email: &'static str| {
        let staff = &staff;
        async move {
            ok(app
                .call(staff, "staff/members/invite", &[("email", email)])
                .await)
            .await;
        }
    };
    invite("withdrawn@portal.example").await;
    invite("joining@portal.example").await;
    let staff_invitation_to_revoke = sqlx::query_scalar::<_, uuid::Uuid>(
        "select id from staff_invitation where email = 'withdrawn@portal.example'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
    .to_string();
    let staff_invitation_token = app
        .mailed_token("joining@portal.example", "staff_invitation")
        .await;
    let (_, staff_to_deactivate) = crate::support::create_staff(app, "Leaving Staff").await;
    SupportFixture {
        staff_invitation_to_revoke,
        staff_invitation_token,
        staff_to_deactivate,
        staff,
        staff_email,
        ticket,
        resolved,
        rating_token,
        canned,
    }
}

/// Members and invitations of the owner's organization (moved to Pro for seats).
struct TeamFixture {
    member: Client,
    member_to_promote: String,
    member_to_remove: String,
    heir: String,
    invitation_to_resend: String,
    invitation_to_revoke: String,
    invitation_token: String,
}

async fn team_fixture(app: &TestApp, owner: &Client, owner_email: &str) -> TeamFixture {
    sqlx::query("update organization set plan_id = 'pro'")
        .execute(&app.db)
        .await
        .unwrap();
    // Canceling moves to Free at the period end, refused while the team is
    // larger than Free allows; this test is about the audit entry, not seats.
    sqlx::query("update plan set seats_limit = 100 where id = 'free'")
        .execute(&app.db)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let client = member_with_role(app, owner_email, "member").await;
        let user = json(app.get(&client, "auth/current_user").await).await;
        ids.push(user["user_id"].as_str().unwrap().to_owned());
    }
    let mut emails = Vec::new();
    for label in ["resend", "revoke", "accept"] {
        let email = format!("{label}-{}@example.com", Uuid::new_v4());
        let response = app
            .call(
                owner,
                "team/invite",
                &[("email", &email), ("role", "member")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        emails.push(email);
    }
    let invitations = json(app.get(owner, "team/invitations").await).await;
    let id_of = |email: &str| {
        invitations
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let invitation_token = sqlx::query_scalar::<_, String>(
        "select data->>'token' from notification where recipient = $1 and template = 'invitation'",
    )
    .bind(&emails[2])
    .fetch_one(&app.db)
    .await
    .unwrap();
    TeamFixture {
        member: member_with_role(app, owner_email, "member").await,
        member_to_promote: ids[0].clone(),
        member_to_remove: ids[1].clone(),
        heir: ids[2].clone(),
        invitation_to_resend: id_of(&emails[0]),
        invitation_to_revoke: id_of(&emails[1]),
        invitation_token,
    }
}

async fn fixture(app: &TestApp) -> Fixture {
    let owner = browser();
    let org = Org::new("Audited");
    app.sign_up(&owner, &org).await;
    let second = browser();
    assert_eq!(
        app.sign_in(&second, &org.email, PASSWORD).await.status(),
        StatusCode::OK
    );
    let sessions = json(app.get(&owner, "account/sessions").await).await;
    let owner_other_session = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut keys = Vec::new();
    for name in ["To revoke", "To rotate"] {
        let response = app
            .call(
                &owner,
                "api_keys/create",
                &[("name", name), ("scope", "full"), ("expires_in", "never")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        keys.push(
            json(response).await["key"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let other = browser();
    let other_org = Org::new("Other");
    app.sign_up(&other, &other_org).await;
    let target = format!("confirmed-{}", other_org.email);
    let response = app
        .call(
            &other,
            "account/email_change",
            &[("new_email", &target), ("password", PASSWORD)],
        )
        .await;
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
    let token = sqlx::query_scalar::<_, String>(
        "select data->>'token' from notification where recipient = $1 and template = 'confirm_email_change'",
    )
    .bind(&target)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let team = team_fixture(app, &owner, &org.email).await;
    let support = support_fixture(app, &owner).await;
    let identity = identity_fixture(app, &owner, &org.email, &other_org.email).await;
    let open_invoice = open_invoice(app, &owner).await;
    let card_token = app.card_token(&owner, "4242424242424242").await;
    backend::help::builtin::install(&app.db).await.unwrap();
    let help_article = sqlx::query_scalar::<_, uuid::Uuid>("select id from help_article limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string();
    let unsubscribe = unsubscribe_link(app, &org.email, &identity.owner_organization).await;
    let webhook = webhook_endpoint(app, &owner).await;
    Fixture {
        unsubscribe,
        webhook,
        open_invoice,
        card_token,
        help_article,
        clock: app.clock.clone(),
        identity,
        owner,
        team,
        support,
        owner_email: org.email,
        owner_other_session,
        key_to_revoke: keys[0].clone(),
        key_to_rotate: keys[1].clone(),
        other_owner_email: other_org.email,
        other_owner_email_token: token,
    }
}

/// A webhook endpoint and the id of one delivery to it (a test event).
async fn webhook_endpoint(app: &TestApp, owner: &Client) -> (String, String) {
    let created = app
        .call(
            owner,
            "webhooks/create",
            &[
                ("url", "https://fixture.example.com/in"),
                ("event_types[]", "invoice.paid"),
            ],
        )
        .await;
    let endpoint = json(ok(created).await).await["endpoint_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app.call(owner, "webhooks/test", &[("id", &endpoint)]).await).await;
    let delivery: uuid::Uuid =
        sqlx::query_scalar("select id from webhook_delivery where endpoint_id = $1::uuid")
            .bind(&endpoint)
            .fetch_one(&app.db)
            .await
            .unwrap();
    (endpoint, delivery.to_string())
}

/// A Pro period ends with its card declined: its invoice stays open.
async fn open_invoice(app: &TestApp, owner: &Client) -> (String, String) {
    let organization = json(app.get(owner, "auth/current_user").await).await["organization_id"]
        .as_str()
        .unwrap()
        .parse::<Uuid>()
        .unwrap();
    sqlx::query("update organization set plan_id = 'pro' where id = $1")
        .bind(organization)
        .execute(&app.db)
        .await
        .unwrap();
    let end: time::OffsetDateTime = sqlx::query_scalar(
        "select current_period_end from subscription where organization_id = $1",
    )
    .bind(organization)
    .fetch_one(&app.db)
    .await
    .unwrap();
    // Its card is declined at period end, then accepted (a new card would pay at once).
    let card = app.save_card(owner, "4000000000000341").await;
    assert_eq!(card.status(), StatusCode::OK);
    server::workers::billing::process_due(&app.db, &Default::default(), end)
        .await
        .unwrap();
    sqlx::query(
        "update payment_method set provider_ref = 'sandbox_ok_fixture' where organization_id = $1",
    )
    .bind(organization)
    .execute(&app.db)
    .await
    .unwrap();
    let page = json(app.get(owner, "billing/invoices?page=1").await).await;
    let invoice = &page["invoices"][0];
    (
        invoice["id"].as_str().unwrap().to_owned(),
        invoice["pay_key"].as_str().unwrap().to_owned(),
    )
}

async fn audit_count_except_refusals(db: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action <> 'access.denied'")
        .fetch_one(db)
        .await
        .unwrap()
}

async fn audit_count(db: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Every row of the log as text, to prove that earlier entries never change.
async fn snapshot(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar("select row_to_json(a)::text from audit_log a order by id")
        .fetch_all(db)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_mutating_server_function_writes_an_audit_entry(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let table = mutations();

    // 1. The tables cover exactly the registered server functions.
    let registered: BTreeSet<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    let known: BTreeSet<String> = READ_ONLY
        .iter()
        .copied()
        .chain(table.iter().map(|m| m.path))
        .map(str::to_owned)
        .collect();
    let unclassified: Vec<_> = registered.difference(&known).collect();
    assert!(
        unclassified.is_empty(),
        "server functions in neither READ_ONLY nor mutations() of server/tests/audit.rs: {unclassified:?}"
    );
    let stale: Vec<_> = known.difference(&registered).collect();
    assert!(stale.is_empty(), "listed but not registered: {stale:?}");

    let f = fixture(&app).await;
    let history = snapshot(&db).await;

    // 2. Read-only endpoints write nothing, except the record of a refusal
    //    (the owner is no staff member: the console's endpoints answer 403).
    for path in READ_ONLY {
        let before = audit_count_except_refusals(&db).await;
        let status = f.owner.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(
            audit_count_except_refusals(&db).await,
            before,
            "{path} is read-only but wrote to the audit log"
        );
        let refusals = sqlx::query_scalar::<_, i64>(
            "select count(*) from audit_log where action = 'access.denied' and after->>'path' = $1",
        )
        .bind(path)
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(
            refusals > 0,
            status == StatusCode::FORBIDDEN,
            "{path}: {status}"
        );
    }

    // 3. Each mutating call succeeds and adds at least one entry.
    for mutation in &table {
        let args = (mutation.args)(&f);
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let client = match mutation.caller {
            Caller::Owner => f.owner.clone(),
            Caller::Member => f.team.member.clone(),
            Caller::Staff => f.support.staff.clone(),
            Caller::Anonymous => browser(),
            Caller::Unverified => f.identity.unverified.clone(),
            Caller::Challenged => f.identity.challenged.clone(),
            Caller::StaffEnrolling => f.identity.enrolling_staff.clone(),
            Caller::StaffEnrollingToo => f.identity.enrolling_staff_too.clone(),
        };
        let before = audit_count(&db).await;
        let response = client
            .post(app.url(mutation.path))
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(
            status.is_success() || status.is_redirection(),
            "{} failed ({status}): {:?}",
            mutation.path,
            response.text().await
        );
        assert!(
            audit_count(&db).await > before,
            "{} changed data without an audit entry",
            mutation.path
        );
    }

    // 4. Append-only: none of those calls changed or removed an earlier entry.
    let after = snapshot(&db).await;
    assert_eq!(
        &after[..history.len()],
        &history[..],
        "an earlier audit entry changed"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_refuses_to_change_or_delete_audit_entries(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    app.sign_up(&browser(), &Org::new("Append")).await;
    // The role the server connects with (the same pool) cannot rewrite history.
    for statement in [
        "update audit_log set action = 'forged'",
        "delete from audit_log",
        "update audit_log set before = null where id = (select min(id) from audit_log)",
    ] {
        let error = sqlx::query(statement).execute(&app.db).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let forged: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'forged'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(forged, 0);
    assert!(audit_count(&db).await > 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_server_role_cannot_empty_the_log_or_remove_its_guards(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    app.sign_up(&browser(), &Org::new("Guarded")).await;
    let before = audit_count(&db).await;
    assert!(before > 0);

    // What the server itself connects as (portal_runtime).
    for statement in [
        "truncate audit_log",
        "delete from audit_log",
        "update audit_log set action = 'forged'",
        "drop trigger audit_log_no_delete on audit_log",
        "alter table audit_log disable trigger all",
        "drop table audit_log",
        "reset role; truncate audit_log",
    ] {
        let refused = sqlx::raw_sql(statement).execute(&app.state.db).await;
        assert!(refused.is_err(), "the runtime role could: {statement}");
    }
    // Even the owner (migrations) cannot truncate it: a statement trigger.
    let error = sqlx::query("truncate audit_log")
        .execute(&db)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    assert_eq!(audit_count(&db).await, before);
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_an_organization_keeps_its_audit_log(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let org = Org::new("Departed");
    app.sign_up(&browser(), &org).await;
    let organization_id = organization_of(&db, &org.email).await;
    let entries = |db: PgPool| async move {
        sqlx::query_scalar::<_, i64>("select count(*) from audit_log where organization_id = $1")
            .bind(organization_id)
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let before = entries(db.clone()).await;
    assert!(before > 0);

    sqlx::query("delete from organization where id = $1")
        .bind(organization_id)
        .execute(&db)
        .await
        .unwrap();

    assert_eq!(
        entries(db.clone()).await,
        before,
        "the log outlives the organization"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_request_is_in_the_organizations_log(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let org = Org::new("Probed");
    app.sign_up(&browser(), &org).await;
    let member = member_with_role(&app, &org.email, "member").await;

    let refused = app.get(&member, "audit/entries").await;

    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let (path, role): (String, String) = sqlx::query_as(
        "select after->>'path', after->>'role' from audit_log where action = 'access.denied'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        (path.as_str(), role.as_str()),
        ("/api/audit/entries", "member")
    );
}

// ------------------------------------------------------------- the page

async fn organization_of(db: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar(
        "select m.organization_id from member m join app_user u on u.id = m.user_id where u.email = $1",
    )
    .bind(email)
    .fetch_one(db)
    .await
    .unwrap()
}

/// `count` synthetic entries, one second apart from `start`.
async fn insert_entries(
    db: &PgPool,
    org: Uuid,
    count: i32,
    action: &str,
    actor: &str,
    start: &str,
) {
    sqlx::query(
        "insert into audit_log (organization_id, actor_email, action, target_type, target_id, before, after, created_at)
         select $1, $2, $3, 'widget', g::text, jsonb_build_object('n', g), jsonb_build_object('n', g + 1),
                $4::timestamptz + g * interval '1 second'
         from generate_series(1, $5) g",
    )
    .bind(org)
    .bind(actor)
    .bind(action)
    .bind(start)
    .bind(count)
    .execute(db)
    .await
    .unwrap();
}

/// Every page of the filter (raw query string like `filter[action]=x`).
async fn all_pages(app: &TestApp, client: &Client, filter: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let mut url = format!("/api/audit/entries?{filter}");
        if let Some(id) = before {
            url.push_str(&format!("&filter[before]={id}"));
        }
        let response = client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let page = json(response).await;
        let batch = page["entries"].as_array().unwrap();
        assert!(batch.len() <= 50);
        entries.extend(batch.iter().cloned());
        match page["next_before"].as_i64() {
            Some(id) => before = Some(id),
            None => return entries,
        }
    }
}

fn ids(entries: &[Value]) -> Vec<i64> {
    entries.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn filters_and_keyset_pages_return_each_matching_entry_once(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Filters");
    app.sign_up(&owner, &org).await;
    let org_id = organization_of(&db, &org.email).await;
    insert_entries(
        &db,
        org_id,
        120,
        "widget.made",
        "ada@example.com",
        "2026-01-10T00:00:00Z",
    )
    .await;
    insert_entries(
        &db,
        org_id,
        30,
        "widget.broken",
        "bob@example.com",
        "2026-02-10T00:00:00Z",
    )
    .await;
    insert_entries(
        &db,
        org_id,
        7,
        "widget.made",
        "bob@example.com",
        "2026-03-10T00:00:00Z",
    )
    .await;

    let made = all_pages(&app, &owner, "filter[action]=widget.made").await;
    assert_eq!(made.len(), 127);
    let made_ids = ids(&made);
    let mut sorted = made_ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(
        made_ids, sorted,
        "newest first, no entry twice across pages"
    );

    let bob = all_pages(&app, &owner, "filter[actor]=Bob@Example.com").await;
    assert_eq!(bob.len(), 37);
    let both = all_pages(
        &app,
        &owner,
        "filter[actor]=bob@example.com&filter[action]=widget.made",
    )
    .await;
    assert_eq!(both.len(), 7);
    let february = all_pages(
        &app,
        &owner,
        "filter[from]=2026-02-01&filter[to]=2026-02-28",
    )
    .await;
    assert_eq!(february.len(), 30);
    assert!(february.iter().all(|e| e["action"] == "widget.broken"));
    let one_day = all_pages(
        &app,
        &owner,
        "filter[from]=2026-03-10&filter[to]=2026-03-10",
    )
    .await;
    assert_eq!(one_day.len(), 7, "the end date is included");
    let widgets = all_pages(&app, &owner, "filter[target_type]=widget").await;
    assert_eq!(widgets.len(), 157);
    let organizations = all_pages(&app, &owner, "filter[target_type]=organization").await;
    assert_eq!(organizations.len(), 1, "organization.created at sign-up");

    // Each entry carries its before/after difference.
    let change = &made[0]["changes"][0];
    assert_eq!(change["field"], "n");
    assert_ne!(change["before"], change["after"]);

    let bad = owner
        .get(app.url("/api/audit/entries?filter[from]=2026-02-30"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let reversed = owner
        .get(app.url("/api/audit/entries?filter[from]=2026-03-01&filter[to]=2026-02-01"))
        .send()
        .await
        .unwrap();
    assert!(json(reversed).await["Validation"]["to"].is_string());
}

#[sqlx::test(migrations = "../migrations")]
async fn only_owners_and_admins_read_the_audit_log(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Roles");
    app.sign_up(&owner, &org).await;
    for (role, allowed) in [("admin", true), ("billing", false), ("member", false)] {
        let client = member_with_role(&app, &org.email, role).await;
        let list = app.get(&client, "audit/entries").await.status();
        let csv = client
            .get(app.url("/audit/export.csv"))
            .send()
            .await
            .unwrap()
            .status();
        let expected = if allowed {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!((list, csv), (expected, expected), "{role}");
    }
    let anonymous = browser();
    assert_eq!(
        anonymous
            .get(app.url("/audit/export.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Parses the export with a minimal RFC 4180 reader (quotes, doubled quotes,
/// commas and newlines inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[sqlx::test(migrations = "../migrations")]
async fn csv_export_has_exactly_the_filtered_rows_escaped(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Export");
    app.sign_up(&owner, &org).await;
    let org_id = organization_of(&db, &org.email).await;
    insert_entries(
        &db,
        org_id,
        75,
        "widget.made",
        "ada@example.com",
        "2026-01-10T00:00:00Z",
    )
    .await;
    insert_entries(
        &db,
        org_id,
        5,
        "widget.other",
        "ada@example.com",
        "2026-01-10T00:00:00Z",
    )
    .await;
    // Hostile text: a formula, a quote, a comma and a newline.
    sqlx::query(
        "insert into audit_log (organization_id, actor_email, action, target_type, target_id, after)
         values ($1, '=HYPERLINK(\"http://evil\")', 'widget.made', 'widget', 'a,\"b\"\nc', '{\"note\": \"-1+2\"}')",
    )
    .bind(org_id)
    .execute(&db)
    .await
    .unwrap();

    let response = owner
        .get(app.url("/audit/export.csv?action=widget.made"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let rows = parse_csv(&response.text().await.unwrap());
    assert_eq!(rows[0][0], "id");
    let exported: Vec<i64> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    let listed = ids(&all_pages(&app, &owner, "filter[action]=widget.made").await);
    assert_eq!(
        exported, listed,
        "the export is the filtered list, in the same order"
    );
    assert_eq!(exported.len(), 76);

    let hostile = rows.iter().find(|r| r[5].starts_with("a,")).unwrap();
    assert_eq!(
        hostile[2], "'=HYPERLINK(\"http://evil\")",
        "formula neutralised"
    );
    assert_eq!(
        hostile[5], "a,\"b\"\nc",
        "quotes, commas and newlines survive"
    );
    assert!(
        rows.iter().all(|r| r.len() == 11),
        "every row has every column"
    );
    assert_eq!(rows[0][10], "description");
    let oldest = rows.last().unwrap();
    assert_eq!(
        oldest[10], "ada@example.com: widget.made",
        "an unknown action reads as itself"
    );
    assert_eq!(
        hostile[10], "'=HYPERLINK(\"http://evil\"): widget.made",
        "the description is neutralised too"
    );
}

/// The entries of `filter` (one page) as their sentences.
async fn sentences(app: &TestApp, client: &Client, filter: &str) -> Vec<String> {
    all_pages(app, client, filter)
        .await
        .iter()
        .map(|e| e["sentence"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn entries_read_as_sentences_and_filter_by_person_and_category(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Sentences");
    app.sign_up(&owner, &org).await;
    sqlx::query!(
        "update app_user set name = 'Olivia Owens' where email = $1",
        org.email
    )
    .execute(&db)
    .await
    .unwrap();
    let _member = member_with_role(&app, &org.email, "member").await;
    let (member_id, member_email): (Uuid, String) = sqlx::query_as(
        "update app_user set name = 'Max Moreau' where name = 'Test member' returning id, email",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let role = app
        .call(
            &owner,
            "team/members/role",
            &[("user_id", &member_id.to_string()), ("role", "admin")],
        )
        .await;
    assert_eq!(role.status(), StatusCode::OK);
    let key = app
        .call(
            &owner,
            "api_keys/create",
            &[
                ("name", "CI deploys"),
                ("scope", "full"),
                ("expires_in", "never"),
            ],
        )
        .await;
    assert_eq!(
        key.status(),
        StatusCode::OK,
        "{}",
        key.text().await.unwrap()
    );

    let team = sentences(&app, &owner, "filter[category]=team").await;
    assert_eq!(
        team,
        ["Olivia Owens changed Max Moreau's role from Member to Admin"]
    );
    let keys = sentences(&app, &owner, "filter[category]=api_keys").await;
    assert_eq!(keys, ["Olivia Owens created the API key “CI deploys”"]);
    let everything = sentences(&app, &owner, "").await;
    assert!(
        everything.contains(&"Max Moreau signed in".to_owned()),
        "{everything:?}"
    );
    let created = format!("Olivia Owens created the organization {}", org.name);
    assert!(everything.contains(&created), "{everything:?}");

    // By person: only what Max did.
    let max = sentences(&app, &owner, &format!("filter[actor]={member_email}")).await;
    assert_eq!(max, ["Max Moreau signed in"]);
    let people = json(app.get(&owner, "audit/people").await).await;
    let names: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Max Moreau", "Olivia Owens"]);

    // A renamed person is named as they are called now; one who left, by
    // the email the entry recorded.
    sqlx::query!(
        "update app_user set name = 'Max M. Moreau' where id = $1",
        member_id
    )
    .execute(&db)
    .await
    .unwrap();
    let team = sentences(&app, &owner, "filter[category]=team").await;
    assert_eq!(
        team,
        ["Olivia Owens changed Max M. Moreau's role from Member to Admin"]
    );
    sqlx::query!("delete from app_user where id = $1", member_id)
        .execute(&db)
        .await
        .unwrap();
    let team = sentences(&app, &owner, "filter[category]=team").await;
    assert_eq!(
        team,
        [format!(
            "Olivia Owens changed {member_email}'s role from Member to Admin"
        )]
    );

    let unknown = owner
        .get(app.url("/api/audit/entries?filter[category]=widgets"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json(unknown).await["Validation"]["category"],
        "Choose a category from the list."
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn another_organizations_entries_never_appear(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let alice = browser();
    let alice_org = Org::new("Alice");
    app.sign_up(&alice, &alice_org).await;
    let mallory = browser();
    let mallory_org = Org::new("Mallory");
    app.sign_up(&mallory, &mallory_org).await;
    let alice_id = organization_of(&db, &alice_org.email).await;
    insert_entries(
        &db,
        alice_id,
        60,
        "secret.thing",
        "alice-secret@example.com",
        "2026-01-10T00:00:00Z",
    )
    .await;
    let alice_entry: i64 =
        sqlx::query_scalar("select max(id) from audit_log where organization_id = $1")
            .bind(alice_id)
            .fetch_one(&db)
            .await
            .unwrap();

    // Server function, with and without filters, and with Alice's entry as the cursor.
    for filter in [
        "filter[action]=",
        "filter[action]=secret.thing",
        "filter[actor]=alice-secret@example.com",
        &format!("filter[before]={}", alice_entry + 1),
    ] {
        let entries = all_pages(&app, &mallory, filter).await;
        assert!(
            entries.iter().all(|e| e["action"] != "secret.thing"),
            "{filter} leaked another organization's entries"
        );
    }
    let own = all_pages(&app, &mallory, "filter[action]=").await;
    assert!(!own.is_empty(), "Mallory sees her own entries");
    // The page, rendered on the server.
    let html = mallory
        .get(app.url("/audit?action=secret.thing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("alice-secret"));
    let html = mallory
        .get(app.url("/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&mallory_org.email) && !html.contains(&alice_org.email));
    // The CSV export: the organization comes from the session only.
    let csv = mallory
        .get(app.url(&format!("/audit/export.csv?organization_id={alice_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!csv.contains("secret.thing") && !csv.contains(&alice_org.email));
    assert!(csv.contains(&mallory_org.email));
}
