//! Support: tickets are an organization's own (others get 404, exactly as for
//! an id that does not exist), staff functions need a staff session, internal
//! notes never reach a customer, and the status model (a reply reopens a
//! resolved ticket).

use crate::helpers::*;
use backend::calendar::BusinessHours;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// Every staff server function with valid-looking arguments.
fn staff_calls(ticket: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "staff/reply",
            vec![("ticket_id", ticket.into()), ("body", "hi".into())],
        ),
        (
            "staff/note",
            vec![("ticket_id", ticket.into()), ("body", "hi".into())],
        ),
        (
            "staff/status",
            vec![("ticket_id", ticket.into()), ("status", "resolved".into())],
        ),
        (
            "staff/assign",
            vec![("ticket_id", ticket.into()), ("assignee", "me".into())],
        ),
    ]
}

fn staff_reads(ticket: &str) -> Vec<String> {
    vec!["staff/tickets".into(), format!("staff/ticket?id={ticket}")]
}

/// Creates a staff account directly (staff are provisioned by the company,
/// not by sign-up) and returns its email and user id.
pub async fn create_staff(app: &TestApp, name: &str) -> (String, String) {
    let email = format!("staff-{}@portal.example", Uuid::new_v4().simple());
    let hash = backend::password::hash_password(domain::Password::parse(PASSWORD).unwrap())
        .await
        .unwrap();
    // Staff must use two-factor: the account has it on, with a known secret.
    let user_id: Uuid = sqlx::query_scalar(
        "insert into app_user (email, name, password_hash, totp_secret, totp_enabled_at)
         values ($1, $2, $3, $4, now()) returning id",
    )
    .bind(&email)
    .bind(name)
    .bind(hash)
    .bind(STAFF_TOTP_SECRET)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into staff (user_id) values ($1)")
        .bind(user_id)
        .execute(&app.db)
        .await
        .unwrap();
    (email, user_id.to_string())
}

/// A new staff account and a client signed in to the console with it.
pub async fn staff_client(app: &TestApp, name: &str) -> (Client, String) {
    let (email, user_id) = create_staff(app, name).await;
    let client = browser();
    let response = staff_sign_in(app, &client, &email, PASSWORD, STAFF_TOTP_SECRET).await;
    assert!(
        response.status().is_success(),
        "staff sign-in: {:?}",
        response.text().await
    );
    (client, user_id)
}

pub(crate) async fn customer(app: &TestApp, label: &str) -> (Client, Org) {
    let client = browser();
    let org = Org::new(label);
    app.sign_up(&client, &org).await;
    (client, org)
}

pub(crate) async fn open_ticket(
    app: &TestApp,
    client: &Client,
    subject: &str,
    body: &str,
) -> String {
    let response = app
        .call(
            client,
            "support/open",
            &[
                ("subject", subject),
                ("category", "technical"),
                ("priority", "high"),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "open ticket: {:?}",
        response.text().await
    );
    json(response).await.as_str().unwrap().to_owned()
}

async fn ticket(app: &TestApp, client: &Client, id: &str) -> Response {
    app.get(client, &format!("support/ticket?id={id}")).await
}

async fn status_of(app: &TestApp, client: &Client, id: &str) -> String {
    let response = ticket(app, client, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["status"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_customer_opens_a_ticket_and_the_team_sees_its_thread(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = customer(&app, "Opener").await;
    let id = open_ticket(
        &app,
        &owner,
        "Export fails",
        "Line one\nhttps://example.com/x",
    )
    .await;

    // Any member of the organization sees it, with the first message.
    let member = member_with_role(&app, &org.email, "member").await;
    let thread = json(ok(ticket(&app, &member, &id).await).await).await;
    assert_eq!(thread["subject"], "Export fails");
    assert_eq!(thread["status"], "open");
    assert_eq!(thread["priority"], "high");
    assert_eq!(
        thread["messages"][0]["body"],
        "Line one\nhttps://example.com/x"
    );
    assert_eq!(thread["messages"][0]["author_kind"], "customer");

    let list = json(ok(app.get(&member, "support/tickets").await).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["tickets"][0]["id"], id.as_str());

    // The page renders it on the server too.
    let page = member
        .get(app.url(&format!("/support/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Export fails"), "{page}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_lists_the_newest_three_tickets(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _org) = customer(&app, "Asker").await;
    for subject in ["First", "Second", "Third", "Fourth"] {
        open_ticket(&app, &owner, subject, "A question.").await;
    }

    let summary = json(ok(app.dashboard(&owner).await).await).await;
    let subjects: Vec<&str> = summary["recent_tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["Fourth", "Third", "Second"],
        "newest activity first"
    );

    let page = ok_text(owner.get(app.url("/")).send().await.unwrap()).await;
    assert!(page.contains(">Fourth<"), "{page}");
    assert!(!page.contains(">First<"), "only three are listed");
}

#[sqlx::test(migrations = "../migrations")]
async fn another_organizations_ticket_is_not_found_and_its_existence_is_not_revealed(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (alice, _) = customer(&app, "Alpha").await;
    let (bob, _) = customer(&app, "Bravo").await;
    let secret = open_ticket(&app, &alice, "Alpha's secret", "confidential words").await;
    let missing = Uuid::new_v4().to_string();

    // Every customer function answers the same for "theirs" and "nobody's".
    let mut answers = Vec::new();
    for id in [&secret, &missing] {
        let read = ticket(&app, &bob, id).await;
        let reply = app
            .call(
                &bob,
                "support/reply",
                &[("ticket_id", id), ("body", "let me in")],
            )
            .await;
        let close = app.call(&bob, "support/close", &[("ticket_id", id)]).await;
        let reopen = app.call(&bob, "support/reopen", &[("ticket_id", id)]).await;
        let mut answer = Vec::new();
        for response in [read, reply, close, reopen] {
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
            answer.push(response.text().await.unwrap());
        }
        answers.push(answer);
    }
    assert_eq!(
        answers[0], answers[1],
        "foreign and missing ids answer alike"
    );

    let list = app.get(&bob, "support/tickets").await.text().await.unwrap();
    assert!(
        !list.contains(&secret) && !list.contains("Alpha's secret"),
        "{list}"
    );
    let page = bob
        .get(app.url(&format!("/support/{secret}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("Alpha's secret") && !page.contains("confidential"),
        "{page}"
    );

    // Nothing changed in Alpha's ticket.
    let messages: i64 = sqlx::query_scalar("select count(*) from ticket_message")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(messages, 1);
    assert_eq!(status_of(&app, &alice, &secret).await, "open");
}

#[sqlx::test(migrations = "../migrations")]
async fn customers_cannot_reach_the_staff_console_or_its_functions(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (owner, org) = customer(&app, "Curious").await;
    let id = open_ticket(&app, &owner, "Mine", "hello").await;
    let before: i64 = sqlx::query_scalar("select count(*) from ticket_message")
        .fetch_one(&db)
        .await
        .unwrap();

    for (client, expected) in [
        (&owner, StatusCode::FORBIDDEN),
        (&browser(), StatusCode::UNAUTHORIZED),
    ] {
        for (endpoint, args) in staff_calls(&id) {
            let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.call(client, endpoint, &form).await;
            assert_eq!(response.status(), expected, "{endpoint}");
        }
        for endpoint in staff_reads(&id) {
            let response = app.get(client, &endpoint).await;
            assert_eq!(response.status(), expected, "{endpoint}");
        }
        // The console page shows no ticket data, only the way to the staff sign-in.
        let page = client
            .get(app.url(&format!("/staff/tickets/{id}")))
            .send()
            .await
            .unwrap();
        let body = page.text().await.unwrap();
        assert!(
            !body.contains("hello") && !body.contains("Internal note"),
            "{body}"
        );
    }

    // A customer's correct password does not open the console.
    let response = app
        .call(
            &owner,
            "staff/sign_in",
            &[("email", &org.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get(&owner, "staff/me").await.text().await.unwrap(),
        "null"
    );
    assert_eq!(
        app.get(&owner, "staff/tickets").await.status(),
        StatusCode::FORBIDDEN
    );

    let after: i64 = sqlx::query_scalar("select count(*) from ticket_message")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing was written");
    assert_eq!(status_of(&app, &owner, &id).await, "open");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_staff_session_is_not_a_customer_session(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, _) = staff_client(&app, "Sam Staff").await;
    assert_eq!(
        app.get(&staff, "auth/current_user")
            .await
            .text()
            .await
            .unwrap(),
        "null"
    );
    assert_eq!(
        app.get(&staff, "support/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let me = json(app.get(&staff, "staff/me").await).await;
    assert_eq!(me["name"], "Sam Staff");

    // Signing out ends the console session.
    ok(app.call(&staff, "staff/sign_out", &[]).await).await;
    assert_eq!(
        app.get(&staff, "staff/tickets").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn internal_notes_never_appear_in_any_customer_facing_response(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (owner, _) = customer(&app, "Noted").await;
    let id = open_ticket(&app, &owner, "Invoice question", "Why two invoices?").await;
    let (staff, _) = staff_client(&app, "Nora Notes").await;
    let marker = format!("NOTE-{}", Uuid::new_v4().simple());
    ok(app
        .call(
            &staff,
            "staff/note",
            &[
                ("ticket_id", &id),
                ("body", &format!("customer is grumpy {marker}")),
            ],
        )
        .await)
    .await;
    ok(app
        .call(
            &staff,
            "staff/reply",
            &[("ticket_id", &id), ("body", "Looking into it.")],
        )
        .await)
    .await;

    // Staff see the note; it is marked internal.
    let view = json(ok(app.get(&staff, &format!("staff/ticket?id={id}")).await).await).await;
    let notes: Vec<&Value> = view["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["internal"] == true)
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["body"].as_str().unwrap().contains(&marker));

    // Every customer-facing response, serialized as sent: no trace of it.
    // Each must succeed: an error page would carry no note and prove nothing.
    let mut bodies = vec![
        ticket_text(&app, &owner, &id).await,
        ok_text(app.get(&owner, "support/tickets").await).await,
        ok_text(app.get(&owner, "dashboard/summary").await).await,
        ok_text(app.get(&owner, "audit/entries").await).await,
    ];
    for path in [
        format!("/support/{id}"),
        "/support".into(),
        "/".into(),
        "/audit".into(),
    ] {
        bodies.push(ok_text(owner.get(app.url(&path)).send().await.unwrap()).await);
    }
    for body in &bodies {
        assert!(!body.contains(&marker), "internal note leaked: {body}");
        assert!(!body.contains("grumpy"), "internal note leaked: {body}");
        assert!(
            !body.contains("\"internal\""),
            "internal flag leaked: {body}"
        );
    }
    // The reply is there, as a staff message.
    let thread = json(ticket(&app, &owner, &id).await).await;
    let messages = thread["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["author_kind"], "staff");
    assert_eq!(messages[1]["author_name"], "Nora Notes (Support)");

    // No email carries it either.
    let emails: Vec<String> = sqlx::query_scalar("select data::text from notification")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(emails.iter().all(|e| !e.contains(&marker)), "{emails:?}");

    // A note alone moves nothing the customer can see.
    let note_only = open_ticket(&app, &owner, "Quiet one", "hello").await;
    let before = json(ticket(&app, &owner, &note_only).await).await;
    ok(app
        .call(
            &staff,
            "staff/note",
            &[("ticket_id", &note_only), ("body", "just a note")],
        )
        .await)
    .await;
    let after = json(ticket(&app, &owner, &note_only).await).await;
    assert_eq!(before, after);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_staff_reply_waits_on_the_customer_and_emails_the_requester(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (owner, org) = customer(&app, "Mailed").await;
    let id = open_ticket(&app, &owner, "Need an export", "Please.").await;
    let (staff, _) = staff_client(&app, "Rita Reply").await;
    ok(app
        .call(
            &staff,
            "staff/reply",
            &[
                ("ticket_id", &id),
                ("body", "Done: https://example.com/export"),
            ],
        )
        .await)
    .await;
    assert_eq!(status_of(&app, &owner, &id).await, "pending");

    let (recipient, data): (String, Value) =
        sqlx::query_as("select recipient, data from notification where template = 'ticket_reply'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(recipient, org.email);
    assert_eq!(data["ticket_id"], id.as_str());
    assert_eq!(data["reply"], "Done: https://example.com/export");
    assert_eq!(data["staff_name"], "Rita Reply");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_customer_reply_reopens_a_resolved_ticket_and_a_closed_one_needs_reopening(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Reopen").await;
    let id = open_ticket(&app, &owner, "Flaky login", "Sometimes fails").await;
    let (staff, _) = staff_client(&app, "Sol Status").await;

    ok(app
        .call(
            &staff,
            "staff/status",
            &[("ticket_id", &id), ("status", "resolved")],
        )
        .await)
    .await;
    assert_eq!(status_of(&app, &owner, &id).await, "resolved");
    ok(app
        .call(
            &owner,
            "support/reply",
            &[("ticket_id", &id), ("body", "Still broken")],
        )
        .await)
    .await;
    assert_eq!(status_of(&app, &owner, &id).await, "open");

    // Closed: a reply is refused until the customer reopens it.
    ok(app
        .call(&owner, "support/close", &[("ticket_id", &id)])
        .await)
    .await;
    assert_eq!(status_of(&app, &owner, &id).await, "closed");
    let refused = app
        .call(
            &owner,
            "support/reply",
            &[("ticket_id", &id), ("body", "hello?")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    ok(app
        .call(&owner, "support/reopen", &[("ticket_id", &id)])
        .await)
    .await;
    assert_eq!(status_of(&app, &owner, &id).await, "open");
}

#[sqlx::test(migrations = "../migrations")]
async fn ticket_input_is_validated_field_by_field(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Valid").await;
    let long = "x".repeat(10_001);
    let response = app
        .call(
            &owner,
            "support/open",
            &[
                ("subject", "   "),
                ("category", "hardware"),
                ("priority", "whenever"),
                ("body", &long),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = json(response).await;
    for field in ["subject", "category", "priority", "body"] {
        assert!(error["Validation"][field].is_string(), "{field}: {error}");
    }
    let id = open_ticket(&app, &owner, "Fine", "ok").await;
    let empty = app
        .call(
            &owner,
            "support/reply",
            &[("ticket_id", &id), ("body", " \n ")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_filter = app.get(&owner, "support/tickets?status=escalated").await;
    assert_eq!(bad_filter.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_customer_list_filters_searches_and_pages_newest_activity_first(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Lister").await;
    let mut ids = Vec::new();
    for n in 0..22 {
        ids.push(open_ticket(&app, &owner, &format!("Ticket {n:02}"), "body").await);
    }
    let special = open_ticket(&app, &owner, "100% broken_thing", "body").await;
    ok(app
        .call(&owner, "support/close", &[("ticket_id", &ids[0])])
        .await)
    .await;

    let first = json(ok(app.get(&owner, "support/tickets").await).await).await;
    assert_eq!(first["total"], 23);
    assert_eq!(first["tickets"].as_array().unwrap().len(), 20);
    // Closing moved ticket 00 to the top; then the newest.
    assert_eq!(first["tickets"][0]["id"], ids[0].as_str());
    assert_eq!(first["tickets"][1]["id"], special.as_str());
    let second = json(ok(app.get(&owner, "support/tickets?page=2").await).await).await;
    assert_eq!(second["tickets"].as_array().unwrap().len(), 3);

    let closed = json(ok(app.get(&owner, "support/tickets?status=closed").await).await).await;
    assert_eq!(closed["total"], 1);
    // `%` and `_` are taken literally.
    let search = json(ok(app.get(&owner, "support/tickets?search=0%25%20b").await).await).await;
    assert_eq!(search["total"], 1, "{search}");
    assert_eq!(search["tickets"][0]["id"], special.as_str());
    let underscore = json(ok(app.get(&owner, "support/tickets?search=_").await).await).await;
    assert_eq!(underscore["total"], 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_see_every_organization_and_filter_by_assignment(db: PgPool) {
    let app = spawn_app(db).await;
    let (alice, alpha) = customer(&app, "Alpha").await;
    let (bob, _) = customer(&app, "Bravo").await;
    let a = open_ticket(&app, &alice, "Alpha billing", "a").await;
    let b = open_ticket(&app, &bob, "Bravo tech", "b").await;
    let (staff, staff_id) = staff_client(&app, "Quinn Queue").await;
    let (other_staff, other_id) = staff_client(&app, "Olga Other").await;

    let all = json(ok(app.get(&staff, "staff/tickets").await).await).await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["tickets"][0]["id"], b.as_str());

    ok(app
        .call(
            &staff,
            "staff/assign",
            &[("ticket_id", &a), ("assignee", "me")],
        )
        .await)
    .await;
    ok(app
        .call(
            &staff,
            "staff/assign",
            &[("ticket_id", &b), ("assignee", &other_id)],
        )
        .await)
    .await;
    let mine = json(ok(app.get(&staff, "staff/tickets?assignee=me").await).await).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["tickets"][0]["id"], a.as_str());
    assert_eq!(mine["tickets"][0]["assignee_name"], "Quinn Queue");
    let theirs = json(ok(app.get(&other_staff, "staff/tickets?assignee=me").await).await).await;
    assert_eq!(theirs["tickets"][0]["id"], b.as_str());
    ok(app
        .call(
            &staff,
            "staff/assign",
            &[("ticket_id", &b), ("assignee", "")],
        )
        .await)
    .await;
    let unassigned =
        json(ok(app.get(&staff, "staff/tickets?assignee=unassigned").await).await).await;
    assert_eq!(unassigned["tickets"][0]["id"], b.as_str());
    assert_eq!(unassigned["total"], 1);

    // A customer id is not a staff member.
    let customer_id = json(app.get(&alice, "auth/current_user").await).await["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .call(
            &staff,
            "staff/assign",
            &[("ticket_id", &a), ("assignee", &customer_id)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let by_org = json(
        ok(app
            .get(
                &staff,
                &format!("staff/tickets?search={}", alpha.name.replace(' ', "%20")),
            )
            .await)
        .await,
    )
    .await;
    assert_eq!(by_org["total"], 1);
    let technical = json(
        ok(app
            .get(&staff, "staff/tickets?category=technical&priority=high")
            .await)
        .await,
    )
    .await;
    assert_eq!(technical["total"], 2);

    // The ticket view carries the customer's context.
    let view = json(ok(app.get(&staff, &format!("staff/ticket?id={a}")).await).await).await;
    assert_eq!(view["customer"]["organization_name"], alpha.name.as_str());
    assert_eq!(view["customer"]["plan_name"], "Free");
    assert_eq!(view["customer"]["member_count"], 1);
    assert_eq!(view["assignee_id"], staff_id.as_str());
    assert!(view["customer"]["usage"].as_array().unwrap().len() >= 2);
    assert!(view["staff"].as_array().unwrap().len() >= 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn demo_data_has_a_staff_account_and_tickets_once(db: PgPool) {
    server::demo::seed(&db).await.unwrap();
    server::demo::seed(&db).await.unwrap();
    let tickets: i64 = sqlx::query_scalar("select count(*) from ticket")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(tickets, 4, "seeded once");
    let app = spawn_app(db).await;
    let staff = browser();
    ok(staff_sign_in(
        &app,
        &staff,
        server::demo::DEMO_STAFF_EMAIL,
        server::demo::DEMO_PASSWORD,
        server::demo::DEMO_STAFF_TOTP_SECRET,
    )
    .await)
    .await;
    let queue = json(ok(app.get(&staff, "staff/tickets").await).await).await;
    assert_eq!(queue["total"], 4);
    // Acme's billing contact sees Acme's two tickets, without the internal note.
    let acme = browser();
    ok(app
        .sign_in(&acme, "billing@acme.test", server::demo::DEMO_PASSWORD)
        .await)
    .await;
    let list = json(ok(app.get(&acme, "support/tickets").await).await).await;
    assert_eq!(list["total"], 2);
    for ticket in list["tickets"].as_array().unwrap() {
        let id = ticket["id"].as_str().unwrap();
        let thread = ticket_text(&app, &acme, id).await;
        assert!(
            !thread.contains("predates it") && !thread.contains("Loop in"),
            "{thread}"
        );
    }
}

async fn ticket_text(app: &TestApp, client: &Client, id: &str) -> String {
    ok_text(ticket(app, client, id).await).await
}

/// The console page is server-rendered with the ticket read once (server
/// rendering walks a page more than once before it writes it), knows who is
/// looking (no "Assign to me" on one's own ticket), and sends a visitor
/// without a staff session to the staff sign-in with a real redirect.
#[sqlx::test(migrations = "../migrations")]
async fn the_console_renders_a_ticket_once_and_redirects_the_signed_out(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Rendered").await;
    let id = open_ticket(&app, &owner, "Printer on fire", "smoke").await;
    let (staff, _) = staff_client(&app, "Rita Render").await;
    let page_of = |client: &Client| {
        client
            .get(app.url(&format!("/staff/tickets/{id}")))
            .header("accept", "text/html")
            .send()
    };

    let unassigned = page_of(&staff).await.unwrap();
    assert_eq!(unassigned.status(), StatusCode::OK);
    let html = unassigned.text().await.unwrap();
    assert!(
        html.contains("Printer on fire") && html.contains("Rita Render"),
        "{html}"
    );
    assert_eq!(
        html.matches(r#"\"requester_email\""#).count(),
        1,
        "the ticket is loaded once: {html}"
    );
    assert!(html.contains("Assign to me"), "{html}");

    ok(app
        .call(
            &staff,
            "staff/assign",
            &[("ticket_id", &id), ("assignee", "me")],
        )
        .await)
    .await;
    let mine = page_of(&staff).await.unwrap().text().await.unwrap();
    assert!(!mine.contains("Assign to me"), "{mine}");

    for visitor in [browser(), owner] {
        let response = page_of(&visitor).await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(response.headers()["location"], "/staff/sign-in");
    }
}

/// Staff alerts in the outbox: (recipient, data), oldest first.
async fn staff_alerts(app: &TestApp) -> Vec<(String, Value)> {
    sqlx::query_as(
        "select recipient, data from notification where template = 'staff_alert'
         order by created_at, recipient",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_hear_of_new_tickets_and_replies_and_an_assignee_alone(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = customer(&app, "Alerts").await;
    let (sam, sam_id) = staff_client(&app, "Sam Support").await;
    let (_kim, _) = staff_client(&app, "Kim Support").await;
    let sam_email: String = sqlx::query_scalar("select email from app_user where id = $1::uuid")
        .bind(&sam_id)
        .fetch_one(&app.db)
        .await
        .unwrap();

    // Unassigned: every staff member hears of the new ticket.
    let ticket = open_ticket(&app, &owner, "Invoice missing", "Where is March's invoice?").await;
    let alerts = staff_alerts(&app).await;
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    for (_, data) in &alerts {
        assert_eq!(data["new_ticket"], true);
        assert_eq!(data["organization_name"], org.name.as_str());
        assert_eq!(data["message"], "Where is March's invoice?");
        assert_eq!(data["ticket_id"], ticket.as_str());
    }

    // Assigned: only the assignee hears of the customer's reply.
    ok(app
        .call(
            &sam,
            "staff/assign",
            &[("ticket_id", &ticket), ("assignee", "me")],
        )
        .await)
    .await;
    ok(app
        .call(
            &owner,
            "support/reply",
            &[("ticket_id", &ticket), ("body", "Any news?")],
        )
        .await)
    .await;
    let alerts = staff_alerts(&app).await;
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    let (recipient, data) = &alerts[2];
    assert_eq!(recipient, &sam_email);
    assert_eq!(data["new_ticket"], false);
    assert_eq!(data["message"], "Any news?");

    // Internal notes and staff replies alert nobody.
    ok(app
        .call(
            &sam,
            "staff/note",
            &[("ticket_id", &ticket), ("body", "Checking.")],
        )
        .await)
    .await;
    ok(app
        .call(
            &sam,
            "staff/reply",
            &[("ticket_id", &ticket), ("body", "Found it.")],
        )
        .await)
    .await;
    assert_eq!(staff_alerts(&app).await.len(), 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_console_says_when_a_response_is_due_and_sorts_and_filters_by_it(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = customer(&app, "Due").await;
    let (staff, _) = staff_client(&app, "Sam Support").await;
    // High priority: a response is due 4 h after the customer wrote.
    let late = open_ticket(&app, &owner, "Waiting five hours", "Hello?").await;
    sqlx::query(
        "update ticket set response_due_at = now() - interval '1 hour' where id = $1::uuid",
    )
    .bind(&late)
    .execute(&app.db)
    .await
    .unwrap();
    let fresh = open_ticket(&app, &owner, "Just written", "Hi.").await;
    let answered = open_ticket(&app, &owner, "Answered", "Help.").await;
    ok(app
        .call(
            &staff,
            "staff/reply",
            &[("ticket_id", &answered), ("body", "Done.")],
        )
        .await)
    .await;

    let queue = |query: String| {
        let (app, staff) = (&app, &staff);
        async move {
            let page =
                json(ok(app.get(staff, &format!("staff/tickets?{query}")).await).await).await;
            page["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t["id"].as_str().unwrap().to_owned(),
                        t["response_due"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let search = format!("search={}", org.name.replace(' ', "%20"));
    let by_due = queue(format!("{search}&sort=due")).await;
    let ids: Vec<&str> = by_due.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [late.as_str(), fresh.as_str(), answered.as_str()]);
    assert_eq!(by_due[0].1["label"], "overdue by 1 h");
    assert_eq!(by_due[0].1["overdue"], true);
    assert_eq!(by_due[1].1["label"], "due in 3 h");
    assert_eq!(by_due[2].1, Value::Null);

    let overdue = queue(format!("{search}&due=overdue")).await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].0, late);
    let counted = json(
        ok(app
            .get(&staff, &format!("staff/tickets?{search}&due=overdue"))
            .await)
        .await,
    )
    .await;
    assert_eq!(counted["total"], 1);

    // The customer writes again: a response is due again, from now.
    ok(app
        .call(
            &owner,
            "support/reply",
            &[("ticket_id", &answered), ("body", "One more thing.")],
        )
        .await)
    .await;
    let again = queue(format!("{search}&sort=due")).await;
    assert_eq!(again[2].1["label"], "due in 3 h");

    // The ticket's page says which response is due.
    let view = |id: String| {
        let (app, staff) = (&app, &staff);
        async move { json(ok(app.get(staff, &format!("staff/ticket?id={id}")).await).await).await }
    };
    let first = view(late.clone()).await;
    assert_eq!(first["response_due"]["label"], "overdue by 1 h");
    assert_eq!(first["first_response"], true);
    let next = view(answered.clone()).await;
    assert_eq!(next["response_due"]["label"], "due in 3 h");
    assert_eq!(next["first_response"], false);

    // Answered and resolved, then reopened by the customer without a word:
    // it waits on staff again.
    for (who, call, args) in [
        (
            &staff,
            "staff/reply",
            vec![("ticket_id", fresh.as_str()), ("body", "Fixed.")],
        ),
        (
            &staff,
            "staff/status",
            vec![("ticket_id", fresh.as_str()), ("status", "resolved")],
        ),
    ] {
        ok(app.call(who, call, &args).await).await;
    }
    assert_eq!(view(fresh.clone()).await["response_due"], Value::Null);
    ok(app
        .call(&owner, "support/reopen", &[("ticket_id", &fresh)])
        .await)
    .await;
    let reopened = view(fresh.clone()).await;
    assert_eq!(reopened["response_due"]["label"], "due in 3 h");
    assert_eq!(reopened["first_response"], false);

    let refused = app
        .get(&staff, &format!("staff/tickets?{search}&due=soon"))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = "../migrations")]
async fn business_day_targets_count_only_the_desks_hours(db: PgPool) {
    // A desk open only on tomorrow's weekday, 10:00 to 12:00 UTC: a business
    // day is those two hours, and the weekdays between are skipped.
    let tomorrow = time::OffsetDateTime::now_utc().date().next_day().unwrap();
    let weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [usize::from(tomorrow.weekday().number_days_from_monday())];
    let desk = BusinessHours::parse(&format!("{weekday} 10:00-12:00 UTC")).unwrap();
    let app = spawn_app_with(db, |settings| settings.business_hours = desk).await;
    let opens = tomorrow.with_hms(10, 0, 0).unwrap().assume_utc();
    let owner = customer(&app, "Desk").await.0;
    let open = |subject: &'static str, priority: &'static str| {
        let (app, owner) = (&app, &owner);
        async move {
            let args = [
                ("subject", subject),
                ("category", "billing"),
                ("priority", priority),
                ("body", "Hello?"),
            ];
            let id = json(ok(app.call(owner, "support/open", &args).await).await).await;
            let due: time::OffsetDateTime =
                sqlx::query_scalar("select response_due_at from ticket where id = $1::uuid")
                    .bind(id.as_str().unwrap())
                    .fetch_one(&app.db)
                    .await
                    .unwrap();
            due
        }
    };
    let hours = time::Duration::hours;
    // Normal: one business day, from tomorrow's opening.
    assert_eq!(open("Invoice question", "normal").await, opens + hours(2));
    // Low: three business days, the third two weeks after tomorrow.
    assert_eq!(
        open("Old export", "low").await,
        opens + time::Duration::weeks(2) + hours(2)
    );
    // Urgent: an hour of calendar time, desk or no desk.
    let urgent = open("Site down", "urgent").await - time::OffsetDateTime::now_utc();
    assert!(
        (hours(1) - urgent).abs() < time::Duration::minutes(1),
        "{urgent}"
    );
}
