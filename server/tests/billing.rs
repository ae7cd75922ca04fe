use crate::helpers::*;
use crate::notifications::{drain, Setup, BASE_URL};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

async fn org_id(db: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar(
        "select m.organization_id from member m join app_user u on u.id = m.user_id where u.email = $1",
    )
    .bind(email)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn period_end(db: &PgPool, org: Uuid) -> OffsetDateTime {
    sqlx::query_scalar("select current_period_end from subscription where organization_id = $1")
        .bind(org)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn plan_of(db: &PgPool, org: Uuid) -> String {
    sqlx::query_scalar("select plan_id from organization where id = $1")
        .bind(org)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn audit_count(db: &PgPool, org: Uuid, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where organization_id = $1 and action = $2")
        .bind(org)
        .bind(action)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn add_card(app: &TestApp, client: &Client, number: &str) -> reqwest::Response {
    app.save_card(client, number).await
}

async fn set_plan(db: &PgPool, org: Uuid, plan: &str) {
    sqlx::query("update organization set plan_id = $2 where id = $1")
        .bind(org)
        .bind(plan)
        .execute(db)
        .await
        .unwrap();
}

/// Signs up an organization and returns its owner's client, email and id.
async fn owner(app: &TestApp, label: &str) -> (Client, String, Uuid) {
    let client = browser();
    let org = Org::new(label);
    app.sign_up(&client, &org).await;
    let id = org_id(&app.db, &org.email).await;
    (client, org.email, id)
}

#[sqlx::test(migrations = "../migrations")]
async fn every_organization_has_a_subscription_for_the_current_month(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, _) = owner(&app, "Sub").await;
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["plan"]["id"], "free");
    assert_eq!(overview["status"], "active");
    assert!(overview["period_start"].as_str().unwrap().ends_with("-01"));
    assert_eq!(
        overview["next_billing"],
        Value::Null,
        "nothing to pay on Free"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn billing_email_is_validated_and_audited(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Email").await;

    let bad = app
        .call(
            &client,
            "account/billing_email",
            &[("billing_email", "not-an-email")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(bad).await.to_string().contains("billing_email"));
    assert_eq!(
        audit_count(&db, org, "organization.billing_email_changed").await,
        0
    );

    let ok = app
        .call(
            &client,
            "account/billing_email",
            &[("billing_email", " AP@Example.com ")],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK, "{:?}", ok.text().await);
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["billing_email"], "ap@example.com");
    assert_eq!(
        audit_count(&db, org, "organization.billing_email_changed").await,
        1
    );

    let details = app
        .call(
            &client,
            "billing/update_details",
            &[
                ("company_name", "Email GmbH"),
                ("address_line1", "Hauptstr. 1"),
                ("address_line2", ""),
                ("city", "Berlin"),
                ("postal_code", "10115"),
                ("country", "de"),
                ("tax_id", "DE123456789"),
            ],
        )
        .await;
    assert_eq!(
        details.status(),
        StatusCode::OK,
        "{:?}",
        details.text().await
    );
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["details"]["country"], "DE");
    assert_eq!(audit_count(&db, org, "billing.details_changed").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_and_members_see_billing_but_cannot_change_it(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (_, email, org) = owner(&app, "Roles").await;
    for role in ["member", "admin"] {
        let client = member_with_role(&app, &email, role).await;
        assert_eq!(
            app.get(&client, "billing/overview").await.status(),
            StatusCode::OK
        );
        assert_eq!(
            app.get(&client, "billing/invoices?page=1").await.status(),
            StatusCode::OK
        );
        let email_change = app
            .call(
                &client,
                "account/billing_email",
                &[("billing_email", "x@example.com")],
            )
            .await;
        assert_eq!(email_change.status(), StatusCode::FORBIDDEN, "{role}");
        assert_eq!(
            app.call(&client, "billing/change_plan", &[("plan", "pro")])
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            add_card(&app, &client, "4242424242424242").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let billing = member_with_role(&app, &email, "billing").await;
    let ok = app
        .call(
            &billing,
            "account/billing_email",
            &[("billing_email", "ap@example.com")],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        audit_count(&db, org, "organization.billing_email_changed").await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_declined_card_is_refused_clearly_and_changes_nothing(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Card").await;

    let declined = add_card(&app, &client, "4000 0000 0000 0002").await;
    assert_eq!(declined.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(declined).await.to_string();
    assert!(
        body.contains("card_number") && body.contains("declined"),
        "{body}"
    );
    let expired = json(add_card(&app, &client, "4000000000000069").await)
        .await
        .to_string();
    assert!(expired.contains("expired"), "{expired}");
    // A typo never reaches the portal: the processor's tokenizer refuses it.
    let typo = json(app.tokenize_card(&client, "4242424242424241").await)
        .await
        .to_string();
    assert!(typo.contains("not valid"), "{typo}");
    let cards: i64 = sqlx::query_scalar("select count(*) from payment_method")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(cards, 0);
    assert_eq!(
        audit_count(&db, org, "billing.payment_method_changed").await,
        0
    );

    let ok = add_card(&app, &client, "4242424242424242").await;
    assert_eq!(ok.status(), StatusCode::OK);
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["payment_method"]["brand"], "Visa");
    assert_eq!(overview["payment_method"]["last4"], "4242");
    // The full number is nowhere in the database.
    let dump: String = sqlx::query_scalar(
        "select (select coalesce(string_agg(p::text, ''), '') from payment_method p)
             || (select coalesce(string_agg(a::text, ''), '') from audit_log a)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(!dump.contains("4242424242424242"));
    assert!(dump.contains("4242"));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_upgrade_applies_now_with_a_paid_proration_invoice(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Up").await;

    let preview = json(
        app.get(&client, "billing/preview_plan_change?plan=pro")
            .await,
    )
    .await;
    assert_eq!(preview["kind"], "Upgrade");
    assert_eq!(preview["effective"], "now");
    let prorated = preview["prorated"]["minor"].as_i64().unwrap();
    assert!(prorated > 0 && prorated <= 4900, "{preview}");
    assert_eq!(preview["conflicts"], serde_json::json!([]));

    let no_card = app
        .call(&client, "billing/change_plan", &[("plan", "pro")])
        .await;
    assert_eq!(no_card.status(), StatusCode::CONFLICT);
    assert!(json(no_card).await.to_string().contains("payment method"));

    // A card that attaches but whose charges fail: refused, nothing changed.
    assert_eq!(
        add_card(&app, &client, "4000000000000341").await.status(),
        StatusCode::OK
    );
    let declined = app
        .call(&client, "billing/change_plan", &[("plan", "pro")])
        .await;
    assert_eq!(declined.status(), StatusCode::CONFLICT);
    assert!(json(declined).await.to_string().contains("declined"));
    assert_eq!(plan_of(&db, org).await, "free");
    let invoices: i64 = sqlx::query_scalar("select count(*) from invoice")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(invoices, 0);
    assert_eq!(audit_count(&db, org, "subscription.upgraded").await, 0);

    add_card(&app, &client, "4242424242424242").await;
    let upgraded = app
        .call(&client, "billing/change_plan", &[("plan", "pro")])
        .await;
    assert_eq!(
        upgraded.status(),
        StatusCode::OK,
        "{:?}",
        upgraded.text().await
    );
    assert_eq!(plan_of(&db, org).await, "pro");
    let (status, kind, subtotal, tax, total): (String, String, i64, i64, i64) = sqlx::query_as(
        "select status, kind, subtotal_cents, tax_cents, total_cents from invoice where organization_id = $1",
    )
    .bind(org)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((status.as_str(), kind.as_str()), ("paid", "proration"));
    let lines: (i64, String) =
        sqlx::query_as("select sum(amount_cents)::bigint, min(kind) from invoice_line")
            .fetch_one(&db)
            .await
            .unwrap();
    assert!(
        (subtotal - prorated).abs() <= 1,
        "seconds passed between preview and change"
    );
    assert_eq!(lines, (subtotal, "proration".to_owned()));
    assert_eq!(total, subtotal + tax);
    assert_eq!(audit_count(&db, org, "subscription.upgraded").await, 1);
    let page = json(app.get(&client, "billing/invoices?page=1").await).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["invoices"][0]["status"], "paid");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_downgrade_is_blocked_by_conflicts_then_scheduled_after_removing_members(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, email, org) = owner(&app, "Down").await;
    set_plan(&db, org, "pro").await;
    for role in ["member", "member", "admin"] {
        member_with_role(&app, &email, role).await;
    }

    let preview = json(
        app.get(&client, "billing/preview_plan_change?plan=free")
            .await,
    )
    .await;
    assert_eq!(preview["kind"], "Downgrade");
    assert_eq!(
        preview["conflicts"],
        serde_json::json!(["You have 4 members; Free allows 3."])
    );
    // The SaaS reports 1,200 MB in use; Free allows 1,000 MB.
    sqlx::query(
        "insert into storage_usage (organization_id, period_start, megabytes, as_of)
         values ($1, date_trunc('hour', now()), 1200, now())",
    )
    .bind(org)
    .execute(&db)
    .await
    .unwrap();
    let preview = json(
        app.get(&client, "billing/preview_plan_change?plan=free")
            .await,
    )
    .await;
    assert_eq!(preview["conflicts"].as_array().unwrap().len(), 2);
    assert!(
        preview["conflicts"][1]
            .as_str()
            .unwrap()
            .starts_with("Storage is 200 MB over the new limit"),
        "{preview}"
    );
    let refused = app
        .call(&client, "billing/change_plan", &[("plan", "free")])
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(json(refused)
        .await
        .to_string()
        .contains("You have 4 members; Free allows 3."));
    let scheduled: Option<String> =
        sqlx::query_scalar("select scheduled_plan_id from subscription where organization_id = $1")
            .bind(org)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(scheduled, None);

    sqlx::query(
        "delete from member where organization_id = $1
           and user_id = (select user_id from member where organization_id = $1 and role = 'admin')",
    )
    .bind(org)
    .execute(&db)
    .await
    .unwrap();
    let still_refused = app
        .call(&client, "billing/change_plan", &[("plan", "free")])
        .await;
    assert_eq!(
        still_refused.status(),
        StatusCode::CONFLICT,
        "storage is still over"
    );
    sqlx::query(
        "update storage_usage set megabytes = 900, as_of = now() where organization_id = $1",
    )
    .bind(org)
    .execute(&db)
    .await
    .unwrap();
    let allowed = app
        .call(&client, "billing/change_plan", &[("plan", "free")])
        .await;
    assert_eq!(
        allowed.status(),
        StatusCode::OK,
        "{:?}",
        allowed.text().await
    );
    assert_eq!(
        plan_of(&db, org).await,
        "pro",
        "a downgrade waits for the period end"
    );
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["scheduled_plan"]["id"], "free");
    assert_eq!(
        audit_count(&db, org, "subscription.downgrade_scheduled").await,
        1
    );

    // The period-end job applies it.
    let end = period_end(&db, org).await;
    server::workers::billing::process_due(
        &db,
        &Default::default(),
        end + time::Duration::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(plan_of(&db, org).await, "free");
    assert_eq!(audit_count(&db, org, "subscription.downgraded").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn cancel_at_period_end_and_resume(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Cancel").await;
    assert_eq!(
        app.call(&client, "billing/cancel", &[]).await.status(),
        StatusCode::CONFLICT,
        "nothing to cancel on Free"
    );
    set_plan(&db, org, "pro").await;
    assert_eq!(
        app.call(&client, "billing/cancel", &[]).await.status(),
        StatusCode::OK
    );
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["cancel_at_period_end"], true);
    assert_eq!(
        app.call(&client, "billing/resume", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&client, "billing/cancel", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(audit_count(&db, org, "subscription.canceled").await, 2);
    assert_eq!(audit_count(&db, org, "subscription.resumed").await, 1);

    let end = period_end(&db, org).await;
    server::workers::billing::process_due(&db, &Default::default(), end)
        .await
        .unwrap();
    assert_eq!(plan_of(&db, org).await, "free");
    let status: String =
        sqlx::query_scalar("select status from subscription where organization_id = $1")
            .bind(org)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(status, "canceled");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_period_job_issues_one_invoice_per_period_with_exact_totals(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Job").await;
    set_plan(&db, org, "pro").await;
    add_card(&app, &client, "4242424242424242").await;
    let start: OffsetDateTime = sqlx::query_scalar(
        "select current_period_start from subscription where organization_id = $1",
    )
    .bind(org)
    .fetch_one(&db)
    .await
    .unwrap();
    // 501,500 calls against Pro's 500,000: two started blocks of 1,000.
    sqlx::query(
        "insert into api_call_usage (organization_id, period_start, calls) values ($1, $2, 501500)",
    )
    .bind(org)
    .bind(start)
    .execute(&db)
    .await
    .unwrap();

    let end = period_end(&db, org).await;
    let at = end + time::Duration::hours(1);
    assert_eq!(
        server::workers::billing::process_due(
            &db,
            &Default::default(),
            end - time::Duration::seconds(1)
        )
        .await
        .unwrap(),
        0
    );
    assert_eq!(
        server::workers::billing::process_due(&db, &Default::default(), at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server::workers::billing::process_due(&db, &Default::default(), at)
            .await
            .unwrap(),
        0,
        "idempotent"
    );

    let rows: Vec<(String, i64, i64, i64, String)> = sqlx::query_as(
        "select l.kind, l.amount_cents, i.subtotal_cents, i.total_cents, i.status
         from invoice i join invoice_line l on l.invoice_id = i.id order by l.position",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("plan", 4900));
    assert_eq!((rows[1].0.as_str(), rows[1].1), ("overage", 200));
    assert_eq!(rows[0].2, 5100);
    assert_eq!(rows[0].3, 5100 + 510);
    assert_eq!(rows[0].4, "paid");

    // Three missed periods are caught up, one invoice each.
    let later = at + time::Duration::days(95);
    assert_eq!(
        server::workers::billing::process_due(&db, &Default::default(), later)
            .await
            .unwrap(),
        3
    );
    let count: i64 = sqlx::query_scalar("select count(*) from invoice where organization_id = $1")
        .bind(org)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 4);
    let drift: i64 = sqlx::query_scalar(
        "select count(*) from invoice i where subtotal_cents <> (select sum(amount_cents) from invoice_line where invoice_id = i.id)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(drift, 0);
}

/// Puts the organization on Pro with a good card and closes its period:
/// the paid invoice's id and number.
async fn paid_period_invoice(app: &TestApp, client: &Client, org: Uuid) -> (String, String) {
    set_plan(&app.db, org, "pro").await;
    add_card(app, client, "4242424242424242").await;
    let end = period_end(&app.db, org).await;
    server::workers::billing::process_due(&app.db, &Default::default(), end)
        .await
        .unwrap();
    let page = json(app.get(client, "billing/invoices?page=1").await).await;
    let invoice = &page["invoices"][0];
    (
        invoice["id"].as_str().unwrap().to_owned(),
        invoice["number"].as_str().unwrap().to_owned(),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn invoice_pdf_is_a_real_pdf_for_the_owning_organization_only(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, email, org) = owner(&app, "Pdf").await;
    let (id, number) = paid_period_invoice(&app, &client, org).await;
    let path = format!("/billing/invoices/{id}/pdf");

    let response = client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"invoice-{number}.pdf\"").as_str()
    );
    let bytes = response.bytes().await.unwrap();
    let document = lopdf::Document::load_mem(&bytes).expect("a PDF a reader can parse");
    let text = document.extract_text(&[1]).unwrap();
    assert!(text.contains(&number), "{text}");
    assert!(text.contains("53.90 USD"), "total with tax: {text}");
    assert!(text.contains("Paid"), "{text}");

    // Every role of the organization may view billing, so may download.
    let member = member_with_role(&app, &email, "member").await;
    assert_eq!(
        member.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK
    );

    // Another organization: 404, as if the invoice did not exist.
    let (stranger, _, _) = owner(&app, "Other").await;
    assert_eq!(
        stranger.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let missing = format!("/billing/invoices/{}/pdf", Uuid::new_v4());
    assert_eq!(
        client.get(app.url(&missing)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser().get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Sets the organization's billing address (the form's fields, valid).
async fn set_address(app: &TestApp, client: &Client, company: &str, street: &str, city: &str) {
    let response = app
        .call(
            client,
            "billing/update_details",
            &[
                ("company_name", company),
                ("address_line1", street),
                ("address_line2", ""),
                ("city", city),
                ("postal_code", "10115"),
                ("country", "DE"),
                ("tax_id", "DE123456789"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_issued_invoice_prints_what_it_was_issued_with_for_ever(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Kept").await;
    set_address(&app, &client, "Kept GmbH", "Hauptstr. 1", "Berlin").await;
    app.call(
        &client,
        "account/billing_email",
        &[("billing_email", "ap@kept.test")],
    )
    .await;
    let (id, number) = paid_period_invoice(&app, &client, org).await;

    // The customer moves and renames everything after the invoice was issued.
    set_address(&app, &client, "Moved AG", "Neue Allee 99", "Hamburg").await;
    app.call(
        &client,
        "account/billing_email",
        &[("billing_email", "new@moved.test")],
    )
    .await;
    let pdf = client
        .get(app.url(&format!("/billing/invoices/{id}/pdf")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = lopdf::Document::load_mem(&pdf)
        .unwrap()
        .extract_text(&[1])
        .unwrap();
    for issued in [
        "Kept GmbH",
        "Hauptstr. 1",
        "Berlin",
        "ap@kept.test",
        "Portal Cloud Inc.",
    ] {
        assert!(text.contains(issued), "{issued} missing from {text}");
    }
    for later in ["Moved AG", "Neue Allee", "Hamburg", "new@moved.test"] {
        assert!(
            !text.contains(later),
            "{later} reached an issued invoice: {text}"
        );
    }

    // Nobody, not even the server's own role, can edit or remove it.
    let runtime = server::startup::runtime_pool(db.connect_options().as_ref().clone())
        .await
        .unwrap();
    for edit in [
        "update invoice set total_cents = 1, subtotal_cents = 1, tax_cents = 0 where number = $1",
        "update invoice set bill_to = bill_to || '{\"city\": \"Hamburg\"}' where number = $1",
        "update invoice_line set description = 'Free' where invoice_id = (select id from invoice where number = $1)",
        "delete from invoice_line where invoice_id = (select id from invoice where number = $1)",
        "delete from invoice where number = $1",
    ] {
        let refused = sqlx::query(edit).bind(&number).execute(&runtime).await;
        let error = refused.expect_err(edit).to_string();
        assert!(error.contains("issued invoice") || error.contains("is issued"), "{edit}: {error}");
    }
    // Its payment state still moves, and it goes with its organization.
    sqlx::query("update invoice set status = 'open', paid_at = null where number = $1")
        .bind(&number)
        .execute(&runtime)
        .await
        .unwrap();
    sqlx::query("delete from organization where id = $1")
        .bind(org)
        .execute(&db)
        .await
        .unwrap();
}

/// Runs the period job at the organization's period end and sends what it
/// queued; returns the emails whose subject starts with `subject`.
async fn close_period_and_mail(
    app: &TestApp,
    setup: &Setup,
    org: Uuid,
    subject: &str,
) -> Vec<server::dev::smtp_sink::CapturedMail> {
    let end = period_end(&app.db, org).await;
    for _ in 0..2 {
        // Twice, as two instances might: still one invoice, one email each.
        server::workers::billing::process_due(&app.db, &Default::default(), end)
            .await
            .unwrap();
    }
    drain(&setup.live_worker(&app.db).await).await;
    let mut mails: Vec<_> = setup
        .sink
        .mails()
        .into_iter()
        .filter(|m| m.subject().starts_with(subject))
        .collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    mails
}

/// The path and query of the invoice link in an email's text.
fn invoice_link(mail: &server::dev::smtp_sink::CapturedMail) -> String {
    let text = mail.text();
    let start = text
        .find(&format!("{BASE_URL}/invoices/pdf?"))
        .unwrap_or_else(|| panic!("no invoice link in {text}"));
    let link = text[start + BASE_URL.len()..]
        .split_whitespace()
        .next()
        .unwrap();
    link.to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn invoices_are_emailed_once_to_billing_and_owners_with_a_link_to_that_pdf(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let (client, owner_email, org) = owner(&app, "Mailed").await;
    app.call(
        &client,
        "account/billing_email",
        &[("billing_email", "ap@mailed.test")],
    )
    .await;
    set_plan(&db, org, "pro").await;
    let to = |mails: &[server::dev::smtp_sink::CapturedMail]| {
        mails.iter().map(|m| m.to.join(",")).collect::<Vec<_>>()
    };

    // No card on file: the invoice, open, with its due date.
    let issued = close_period_and_mail(&app, &setup, org, "Invoice INV-").await;
    assert_eq!(
        to(&issued),
        ["ap@mailed.test".to_owned(), owner_email.clone()]
    );
    let subject = issued[0].subject();
    assert!(subject.contains("for $53.90, due "), "{subject}");
    let number = subject.split_whitespace().nth(1).unwrap().to_owned();

    // Its link opens that PDF without signing in, and nothing else.
    let link = invoice_link(&issued[0]);
    let pdf = browser().get(app.url(&link)).send().await.unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.headers()["referrer-policy"], "no-referrer");
    let text = lopdf::Document::load_mem(&pdf.bytes().await.unwrap())
        .unwrap()
        .extract_text(&[1])
        .unwrap();
    assert!(text.contains(&number), "{text}");
    for wrong in [
        format!("{link}x"),
        "/invoices/pdf?token=".into(),
        "/invoices/pdf".into(),
    ] {
        let response = browser().get(app.url(&wrong)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{wrong}");
    }

    // A card whose charges fail: why, and where to fix it.
    add_card(&app, &client, "4000000000000341").await;
    let mut failed = close_period_and_mail(&app, &setup, org, "Your payment of $53.90").await;
    // The same run retried the first invoice, which failed too: its own email.
    let (retried, new): (Vec<_>, Vec<_>) = failed
        .drain(..)
        .partition(|m| m.subject().contains(&number));
    assert_eq!(retried.len(), 2, "the retry's email, to each");
    let failed = new;
    assert_eq!(
        to(&failed),
        ["ap@mailed.test".to_owned(), owner_email.clone()]
    );
    assert!(
        failed[0].text().contains("declined"),
        "{}",
        failed[0].text()
    );
    assert!(failed[0].text().contains(&format!("{BASE_URL}/billing")));

    // A good card pays the two waiting invoices at once, then the next one
    // at issue: a receipt for each.
    add_card(&app, &client, "4242424242424242").await;
    let receipts = close_period_and_mail(&app, &setup, org, "Receipt for invoice").await;
    let each_thrice = ["ap@mailed.test", "ap@mailed.test", "ap@mailed.test"]
        .into_iter()
        .map(str::to_owned)
        .chain(std::iter::repeat_n(owner_email, 3))
        .collect::<Vec<_>>();
    assert_eq!(to(&receipts), each_thrice);
    assert!(receipts[0].subject().ends_with(": $53.90 paid"));
    let receipt_link = invoice_link(&receipts[0]);
    assert!(receipt_link.contains("document=receipt"), "{receipt_link}");
    let receipt = browser().get(app.url(&receipt_link)).send().await.unwrap();
    assert_eq!(receipt.status(), StatusCode::OK);
    assert!(receipt.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("receipt-"));
    let text = lopdf::Document::load_mem(&receipt.bytes().await.unwrap())
        .unwrap()
        .extract_text(&[1])
        .unwrap();
    assert!(
        text.contains("Receipt") && text.contains("Received 53.90 USD"),
        "{text}"
    );

    // The database keeps only the tokens' hashes, and links expire.
    let kept: i64 = sqlx::query_scalar(
        "select count(*) from notification where data::text like '%' || $1 || '%'",
    )
    .bind(receipt_link.rsplit('=').next().unwrap())
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(kept, 0, "a sent email's token is not kept");
    let expiry: OffsetDateTime = sqlx::query_scalar("select max(expires_at) from invoice_link")
        .fetch_one(&db)
        .await
        .unwrap();
    app.clock
        .advance(expiry - app.clock.now() + time::Duration::seconds(1));
    assert_eq!(
        browser()
            .get(app.url(&receipt_link))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// A page's server-rendered HTML, as a browser without JavaScript gets it.
async fn page_html(client: &Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The newest invoice's id, status and pay key, as the billing page lists it.
async fn newest_invoice(app: &TestApp, client: &Client) -> (String, String, Option<String>) {
    let page = json(app.get(client, "billing/invoices?page=1").await).await;
    let invoice = &page["invoices"][0];
    (
        invoice["id"].as_str().unwrap().to_owned(),
        invoice["status"].as_str().unwrap().to_owned(),
        invoice["pay_key"].as_str().map(str::to_owned),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn an_open_invoice_is_paid_from_the_portal_and_charged_once(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let (client, owner_email, org) = owner(&app, "Payer").await;
    set_plan(&db, org, "pro").await;
    let end = period_end(&db, org).await;
    server::workers::billing::process_due(&db, &Default::default(), end)
        .await
        .unwrap();
    let (id, status, key) = newest_invoice(&app, &client).await;
    assert_eq!(status, "open", "no card at period end");
    let pay = |key: String| {
        let (app, client, id) = (&app, &client, id.clone());
        async move {
            app.call(client, "billing/pay_invoice", &[("id", &id), ("key", &key)])
                .await
        }
    };

    // The page offers it, as a form that works without JavaScript.
    let html = page_html(&client, &app.url("/billing")).await;
    assert!(
        html.contains("action=\"/api/billing/pay_invoice\""),
        "no Pay now form"
    );
    assert!(html.contains(">Pay now<"));

    let receipt = |client: &Client| {
        let url = app.url(&format!("/billing/invoices/{id}/receipt"));
        let client = client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    assert_eq!(
        receipt(&client).await.status(),
        StatusCode::NOT_FOUND,
        "no receipt before it is paid"
    );

    let no_card = pay(key.unwrap()).await;
    assert_eq!(no_card.status(), StatusCode::CONFLICT);
    assert!(no_card.text().await.unwrap().contains("Add a card"));

    // A card whose charges are declined: the reason, and still open.
    add_card(&app, &client, "4000000000000341").await;
    let key = newest_invoice(&app, &client).await.2.unwrap();
    for _ in 0..2 {
        // The same attempt sent again is answered the same, not charged again.
        let declined = pay(key.clone()).await;
        assert_eq!(declined.status(), StatusCode::CONFLICT);
        assert!(declined.text().await.unwrap().contains("declined"));
    }
    assert_eq!(newest_invoice(&app, &client).await.1, "open");
    assert_eq!(
        audit_count(&db, org, "invoice.payment_failed").await,
        2,
        "saving the card tried it once, Pay now once"
    );

    // The bank now accepts the card on file (saving a new card would pay at
    // once); a double click and a second tab pay at the same moment.
    sqlx::query("update payment_method set provider_ref = 'sandbox_ok_bank_relented' where organization_id = $1")
        .bind(org)
        .execute(&db)
        .await
        .unwrap();
    let first_tab = newest_invoice(&app, &client).await.2.unwrap();
    let second_tab = newest_invoice(&app, &client).await.2.unwrap();
    assert_ne!(
        first_tab, second_tab,
        "every listing gives a new attempt key"
    );
    let answers =
        futures::future::join_all([pay(first_tab.clone()), pay(first_tab), pay(second_tab)]).await;
    for answer in answers {
        assert_eq!(answer.status(), StatusCode::OK);
    }
    let charges: i64 = sqlx::query_scalar(
        "select count(*) from invoice_payment where invoice_id = $1::uuid and status = 'succeeded'",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(charges, 1, "one charge, however often it was sent");
    let (_, status, key) = newest_invoice(&app, &client).await;
    assert_eq!((status.as_str(), key), ("paid", None));
    let html = page_html(&client, &app.url("/billing")).await;
    assert!(
        !html.contains(">Pay now<"),
        "a paid invoice offers no Pay now"
    );
    assert_eq!(audit_count(&db, org, "invoice.paid").await, 1);
    let paid = receipt(&client).await;
    assert_eq!(paid.headers()["content-type"], "application/pdf");
    let text = lopdf::Document::load_mem(&paid.bytes().await.unwrap())
        .unwrap()
        .extract_text(&[1])
        .unwrap();
    assert!(text.contains("Receipt") && text.contains("Paid "), "{text}");

    drain(&setup.live_worker(&db).await).await;
    let receipts: Vec<_> = setup
        .sink
        .mails()
        .into_iter()
        .filter(|m| m.subject().starts_with("Receipt for invoice"))
        .map(|m| m.to.join(","))
        .collect();
    assert_eq!(
        receipts,
        [owner_email],
        "one receipt, to the owner (no billing email set)"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_card_pays_every_waiting_invoice_at_once(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Waiting").await;
    set_plan(&db, org, "pro").await;
    for _ in 0..2 {
        let end = period_end(&db, org).await;
        server::workers::billing::process_due(&db, &Default::default(), end)
            .await
            .unwrap();
    }
    // The first is overdue by the second's issue.
    let open =
        "select count(*) from invoice where organization_id = $1 and status in ('open', 'overdue')";
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(org)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(open).await, 2);

    // A card whose charges fail is saved; the invoices stay open, declines audited.
    assert_eq!(
        add_card(&app, &client, "4000000000000341").await.status(),
        StatusCode::OK
    );
    assert_eq!(count(open).await, 2);
    assert_eq!(
        audit_count(&db, org, "invoice.payment_failed").await,
        3,
        "the first invoice's first retry (no card yet), then one decline each"
    );

    assert_eq!(
        add_card(&app, &client, "4242424242424242").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        count(open).await,
        0,
        "both paid as soon as the card was saved"
    );
    assert_eq!(audit_count(&db, org, "invoice.paid").await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_billing_page_renders_plan_card_and_invoices_on_the_server(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, email, org) = owner(&app, "Page").await;
    set_plan(&db, org, "pro").await;
    add_card(&app, &client, "4242424242424242").await;
    let end = period_end(&db, org).await;
    server::workers::billing::process_due(&db, &Default::default(), end)
        .await
        .unwrap();

    let html = client.get(app.url("/billing")).send().await.unwrap();
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    for expected in [
        "Current plan",
        "Visa ending in 4242",
        "INV-",
        "Paid",
        "Save card",
        "Preview change",
    ] {
        assert!(html.contains(expected), "{expected} missing");
    }
    let preview = client
        .get(app.url("/billing?change_to=enterprise"))
        .send()
        .await
        .unwrap();
    let preview = preview.text().await.unwrap();
    assert!(
        preview.contains("Upgrade from Pro to Enterprise now"),
        "the preview works without JavaScript"
    );

    // Read-only for a member: no forms.
    let member = member_with_role(&app, &email, "member").await;
    let html = member
        .get(app.url("/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("INV-") && !html.contains("Save card"));
}

#[sqlx::test(migrations = "../migrations")]
async fn demo_organizations_get_a_year_of_invoices_once(db: PgPool) {
    server::demo::seed(&db).await.unwrap();
    server::demo::seed(&db).await.unwrap();
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "select o.name, count(i.id) from organization o left join invoice i on i.organization_id = o.id
         group by o.name order by o.name",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let count = |name: &str| {
        counts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| *c)
            .unwrap()
    };
    assert!(count("Acme Analytics") >= 12, "{counts:?}");
    assert!(count("Globex Corporation") >= 12, "{counts:?}");
    assert_eq!(count("Initech"), 0, "free plans are not invoiced");
    let overage: i64 =
        sqlx::query_scalar("select count(*) from invoice_line where kind = 'overage'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(overage, 2);
}

async fn invite_member(app: &TestApp, client: &Client, email: &str) -> reqwest::Response {
    app.call(
        client,
        "team/invite",
        &[("email", email), ("role", "member")],
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_period_charge_is_retried_on_schedule_then_free_limits_apply_until_paid(
    db: PgPool,
) {
    use time::Duration;
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let (client, _, org) = owner(&app, "Dunned").await;
    set_plan(&db, org, "pro").await;
    // A card the bank accepts but whose charges it declines.
    add_card(&app, &client, "4000000000000341").await;
    let end = period_end(&db, org).await;
    let run = |at: OffsetDateTime| {
        let db = db.clone();
        async move {
            server::workers::billing::process_due(&db, &Default::default(), at)
                .await
                .unwrap();
        }
    };
    let status = || async {
        json(app.get(&client, "billing/overview").await).await["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let failure_mails = || async {
        drain(&setup.live_worker(&db).await).await;
        setup
            .sink
            .mails()
            .iter()
            .filter(|m| m.subject().starts_with("Your payment of"))
            .count()
    };
    let attempts = || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from invoice_payment p join invoice i on i.id = p.invoice_id
             where i.organization_id = $1 and p.idempotency_key like 'dunning-retry-%'",
        )
        .bind(org)
        .fetch_one(&db)
        .await
        .unwrap()
    };

    run(end).await;
    assert_eq!(status().await, "past_due");
    assert_eq!(failure_mails().await, 1, "the period charge's failure");
    let alert = json(app.get(&client, "billing/payment_alert").await).await;
    assert!(alert["failed_on"].is_string(), "{alert}");
    let html = page_html(&client, &app.url("/usage")).await;
    assert!(
        html.contains("Your payment failed on") && html.contains("Update your card"),
        "the banner is on every page"
    );

    run(end + Duration::hours(23)).await;
    assert_eq!(attempts().await, 0, "the first retry waits a day");
    for (done, day) in [1, 3, 5, 7].into_iter().enumerate() {
        for _ in 0..2 {
            // Twice, as two instances might: one attempt, one email.
            run(end + Duration::days(day)).await;
        }
        assert_eq!(attempts().await, done as i64 + 1, "retry on day {day}");
        assert_eq!(failure_mails().await, done + 2, "one email per retry");
    }
    assert_eq!(status().await, "unpaid", "every retry failed");
    run(end + Duration::days(20)).await;
    assert_eq!(attempts().await, 4, "no retry after the last");

    // Unpaid: the Free plan's 3 seats, though the plan is still Pro.
    for (n, email) in ["a@dunned.test", "b@dunned.test", "c@dunned.test"]
        .into_iter()
        .enumerate()
    {
        let invited = invite_member(&app, &client, email).await;
        let expected = if n < 2 {
            StatusCode::OK
        } else {
            StatusCode::CONFLICT
        };
        assert_eq!(invited.status(), expected, "invitation {email}");
    }
    assert_eq!(plan_of(&db, org).await, "pro", "the plan and data are kept");
    // The usage page measures against the limits that apply: Free's.
    let usage = json(app.get(&client, "usage/overview?days=30").await).await;
    assert_eq!(usage["limits"]["api_calls"], 10_000, "{usage}");
    assert!(usage["overage"].is_null(), "refused, not billed: {usage}");
    let dashboard = json(app.get(&client, "dashboard/summary").await).await;
    assert_eq!(
        dashboard["limits"]["api_calls"], 10_000,
        "the dashboard's gauges too: {dashboard}"
    );

    // A card that pays lifts it all at once.
    assert_eq!(
        add_card(&app, &client, "4242424242424242").await.status(),
        StatusCode::OK
    );
    assert_eq!(status().await, "active");
    assert_eq!(
        json(app.get(&client, "billing/payment_alert").await).await,
        Value::Null
    );
    let usage = json(app.get(&client, "usage/overview?days=30").await).await;
    assert_eq!(
        usage["limits"]["api_calls"], 500_000,
        "Pro's again: {usage}"
    );
    let html = page_html(&client, &app.url("/usage")).await;
    assert!(
        !html.contains("Your payment failed on"),
        "the banner is gone"
    );
    assert_eq!(
        audit_count(&db, org, "subscription.status_changed").await,
        3,
        "past_due, unpaid, active"
    );
    let dunned: i64 = sqlx::query_scalar("select count(*) from invoice_dunning")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(dunned, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn cancel_and_invites_respect_the_plan_in_force_after_a_scheduled_downgrade(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Shrinking").await;
    set_plan(&db, org, "pro").await;
    for email in ["a@shrinking.test", "b@shrinking.test", "c@shrinking.test"] {
        let invited = invite_member(&app, &client, email).await;
        assert_eq!(invited.status(), StatusCode::OK, "Pro has 50 seats");
    }
    // 1 member and 3 pending invitations: seats Free (3) would not have.
    sqlx::query("update subscription set cancel_at_period_end = true where organization_id = $1")
        .bind(org)
        .execute(&db)
        .await
        .unwrap();
    let fourth = invite_member(&app, &client, "d@shrinking.test").await;
    assert_eq!(fourth.status(), StatusCode::CONFLICT);
    assert!(fourth.text().await.unwrap().contains("Free"));

    // Cancel is a move to Free at the period end: refused while members exceed it.
    sqlx::query("update subscription set cancel_at_period_end = false where organization_id = $1")
        .bind(org)
        .execute(&db)
        .await
        .unwrap();
    for n in 0..3 {
        sqlx::query(
            "with u as (insert into app_user (email, name, password_hash)
                        values ($2, 'Extra', 'x') returning id)
             insert into member (organization_id, user_id, role) select $1, id, 'member' from u",
        )
        .bind(org)
        .bind(format!("extra{n}@shrinking.test"))
        .execute(&db)
        .await
        .unwrap();
    }
    let cancel = app.call(&client, "billing/cancel", &[]).await;
    assert_eq!(cancel.status(), StatusCode::CONFLICT);
    assert!(cancel
        .text()
        .await
        .unwrap()
        .contains("You can't cancel yet"));
}

#[sqlx::test(migrations = "../migrations")]
async fn invoices_are_searched_filtered_and_exported_as_csv(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Ledger").await;
    set_plan(&db, org, "pro").await;
    add_card(&app, &client, "4242424242424242").await;
    for _ in 0..3 {
        let end = period_end(&db, org).await;
        server::workers::billing::process_due(&db, &Default::default(), end)
            .await
            .unwrap();
    }
    let numbers: Vec<String> = sqlx::query_scalar(
        "select number from invoice where organization_id = $1 order by issued_on desc, number desc",
    )
    .bind(org)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(numbers.len(), 3);
    sqlx::query("update invoice set status = 'overdue' where number = $1")
        .bind(&numbers[1])
        .execute(&db)
        .await
        .unwrap();
    let listed = |query: String| {
        let (app, client) = (&app, &client);
        async move {
            let page = json(
                app.get(client, &format!("billing/invoices?page=1{query}"))
                    .await,
            )
            .await;
            page["invoices"]
                .as_array()
                .unwrap_or_else(|| panic!("{page}"))
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };

    assert_eq!(
        listed(String::new()).await,
        numbers,
        "no filter: all, newest first"
    );
    assert_eq!(listed("&status=overdue".into()).await, [numbers[1].clone()]);
    let tail = &numbers[2][numbers[2].len() - 4..];
    assert_eq!(
        listed(format!("&number={}", tail.to_lowercase())).await,
        [numbers[2].clone()],
        "part of a number, any case"
    );
    let years: Vec<i64> = json(app.get(&client, "billing/invoices?page=1").await).await["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y.as_i64().unwrap())
        .collect();
    let in_years: usize = {
        let mut n = 0;
        for year in &years {
            n += listed(format!("&year={year}")).await.len();
        }
        n
    };
    assert_eq!(
        in_years, 3,
        "each invoice in exactly one of the listed years"
    );
    assert!(listed("&year=2001".into()).await.is_empty());

    let bad = app
        .get(&client, "billing/invoices?page=1&status=late&number=%25")
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = bad.text().await.unwrap();
    assert!(
        errors.contains("status") && errors.contains("number"),
        "{errors}"
    );

    // The page: filters in a GET form, an empty result said so.
    let html = page_html(&client, &app.url("/billing?status=void")).await;
    assert!(html.contains("role=\"search\"") && html.contains("No invoices match"));

    // The CSV holds what the filter keeps, and only this organization's.
    let csv = client
        .get(app.url("/billing/invoices.csv?status=paid"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("number,status,issued_on"));
    assert_eq!(lines.len(), 3, "the header and two paid invoices: {csv}");
    assert!(lines[1].starts_with(&format!("{},paid,", numbers[0])));
    assert!(lines[1].contains(",USD,"), "{}", lines[1]);
    let (other, _, _) = owner(&app, "Stranger").await;
    let theirs = page_html(&other, &app.url("/billing/invoices.csv")).await;
    assert_eq!(theirs.lines().count(), 1, "only the header: {theirs}");
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_correct_an_issued_invoice_with_a_credit_note_never_above_it(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Credited").await;
    let (invoice, number) = paid_period_invoice(&app, &client, org).await;
    let ticket = crate::support::open_ticket(
        &app,
        &client,
        "Charged for a plan we did not use",
        "Please refund part of the last invoice.",
    )
    .await;
    let (staff, _) = crate::support::staff_client(&app, "Credit Clerk").await;
    let credit = |invoice: String, amount: &'static str, currency: &'static str| {
        let (app, staff, ticket) = (&app, &staff, ticket.clone());
        async move {
            app.call(
                staff,
                "staff/credit_note",
                &[
                    ("ticket_id", ticket.as_str()),
                    ("invoice_id", invoice.as_str()),
                    ("amount", amount),
                    ("currency", currency),
                    ("reason", "Plan unused for ten days"),
                ],
            )
            .await
        }
    };

    // Never more than the invoice ($53.90), never in another currency.
    let too_much = credit(invoice.clone(), "53.91", "USD").await;
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_much.text().await.unwrap().contains("At most $53.90"));
    let euros = credit(invoice.clone(), "10.00", "EUR").await;
    assert_eq!(euros.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(euros.text().await.unwrap().contains("credit it in USD"));
    // The organization comes from the ticket: another's invoice is not found.
    let (stranger, _, stranger_org) = owner(&app, "Stranger").await;
    let (theirs, _) = paid_period_invoice(&app, &stranger, stranger_org).await;
    assert_eq!(
        credit(theirs, "1.00", "USD").await.status(),
        StatusCode::NOT_FOUND
    );

    let issued = credit(invoice.clone(), "11.00", "USD").await;
    assert_eq!(issued.status(), StatusCode::OK);
    let credit_number = json(issued).await.as_str().unwrap().to_owned();
    assert!(credit_number.starts_with("CN-"), "{credit_number}");
    // Two at once for more than is left ($42.90): one is refused.
    let both = futures::future::join_all([
        credit(invoice.clone(), "30.00", "USD"),
        credit(invoice.clone(), "30.00", "USD"),
    ])
    .await;
    let mut statuses: Vec<u16> = both.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422]);

    // The customer sees both, each with its own PDF; the invoice names them.
    let notes = json(app.get(&client, "billing/credit_notes").await).await;
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 2);
    let first = notes
        .iter()
        .find(|n| n["number"] == credit_number.as_str())
        .unwrap();
    assert_eq!(
        (
            first["invoice_number"].as_str(),
            first["total"]["minor"].as_i64()
        ),
        (Some(number.as_str()), Some(1100))
    );
    let pdf_text = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let response = client.get(url).send().await.unwrap();
            assert_eq!(response.headers()["content-type"], "application/pdf");
            let bytes = response.bytes().await.unwrap();
            lopdf::Document::load_mem(&bytes)
                .unwrap()
                .extract_text(&[1])
                .unwrap()
        }
    };
    let note_pdf = pdf_text(format!(
        "/billing/credit-notes/{}/pdf",
        first["id"].as_str().unwrap()
    ))
    .await;
    for printed in [
        credit_number.as_str(),
        number.as_str(),
        "Plan unused for ten days",
        "11.00 USD",
        "Credit note",
    ] {
        assert!(
            note_pdf.contains(printed),
            "{printed} missing from {note_pdf}"
        );
    }
    let invoice_pdf = pdf_text(format!("/billing/invoices/{invoice}/pdf")).await;
    assert!(invoice_pdf.contains(&credit_number), "{invoice_pdf}");
    assert_eq!(
        stranger
            .get(app.url(&format!(
                "/billing/credit-notes/{}/pdf",
                first["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Staff see what was done on the ticket; nobody can edit a credit note.
    let view = json(app.get(&staff, &format!("staff/ticket?id={ticket}")).await).await;
    assert!(view
        .to_string()
        .contains(&format!("Credit note {credit_number} issued")));
    let runtime = server::startup::runtime_pool(db.connect_options().as_ref().clone())
        .await
        .unwrap();
    let edit = sqlx::query("update credit_note set reason = 'changed' where number = $1")
        .bind(&credit_number)
        .execute(&runtime)
        .await;
    assert!(edit.is_err(), "an issued credit note changed");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_card_goes_to_the_processor_and_only_its_single_use_token_to_the_portal(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Tokens").await;

    // The card form posts its fields to the processor, not to a server function.
    let html = page_html(&client, &app.url("/billing")).await;
    let card_form = html
        .split("<form")
        .find(|form| form.contains("name=\"card_number\""))
        .expect("a card form");
    assert!(
        card_form.contains("action=\"/sandbox/v1/tokens\""),
        "{card_form}"
    );
    // A server function does not take a card any more.
    let old_style = app
        .call(
            &client,
            "billing/update_payment_method",
            &[
                ("card_number", "4242424242424242"),
                ("exp_month", "12"),
                ("exp_year", "2040"),
                ("cvc", "123"),
            ],
        )
        .await;
    assert_ne!(old_style.status(), StatusCode::OK);

    let token = app.card_token(&client, "4242 4242 4242 4242").await;
    let saved = app.attach_card(&client, &token).await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(json(saved).await["last4"], "4242");
    // Used once: a replayed token (a shared link, a second tab) attaches nothing.
    let replayed = app.attach_card(&client, &token).await;
    assert_eq!(replayed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(replayed).await.to_string().contains("already used"));
    let forged = app
        .attach_card(&client, "tok_sandbox_0000000000000000")
        .await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stored: String = sqlx::query_scalar(
        "select (select row_to_json(p)::text from payment_method p where organization_id = $1)
             || (select string_agg(row_to_json(a)::text, '') from audit_log a where organization_id = $1)",
    )
    .bind(org)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(stored.contains("4242"), "{stored}");
    assert!(
        !stored.contains("4242424242424242") && !stored.contains(&token),
        "{stored}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_tokenizer_answers_each_bad_field_and_a_declined_card_fails_at_attach(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, _) = owner(&app, "Tokenizer").await;

    let typo = app.tokenize_card(&client, "4242424242424241").await;
    assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(typo).await["Validation"]["card_number"].is_string());
    let expired = client
        .post(app.url("/sandbox/v1/tokens"))
        .header("sec-fetch-site", "same-origin")
        .json(&serde_json::json!({
            "card_number": "4242424242424242", "exp_month": "1", "exp_year": "2020", "cvc": "12",
        }))
        .send()
        .await
        .unwrap();
    let errors = json(expired).await;
    assert!(errors["Validation"]["exp_month"].is_string(), "{errors}");
    assert!(errors["Validation"]["cvc"].is_string(), "{errors}");
    let huge = client
        .post(app.url("/sandbox/v1/tokens"))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(format!("{{\"card_number\": \"{}\"}}", "4".repeat(4096)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A declined card tokenizes (as at a real processor) and is refused when
    // attached, beside the card number.
    let declined = app.save_card(&client, "4000000000000002").await;
    assert_eq!(declined.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(declined).await["Validation"]["card_number"]
        .as_str()
        .unwrap()
        .contains("declined"));
}

#[sqlx::test(migrations = "../migrations")]
async fn without_javascript_the_card_goes_to_the_processor_then_back_to_confirm(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, _) = owner(&app, "Noscript").await;
    let post_card = |number: &'static str| {
        client
            .post(app.url("/sandbox/v1/tokens"))
            .header("sec-fetch-site", "same-origin")
            .header("referer", app.url("/billing"))
            .form(&[
                ("card_number", number),
                ("exp_month", "12"),
                ("exp_year", "2040"),
                ("cvc", "123"),
            ])
            .send()
    };

    let typo = post_card("4242424242424241").await.unwrap();
    assert_eq!(typo.status(), StatusCode::SEE_OTHER);
    let back = typo.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with("/billing?__err="), "{back}");
    let page = page_html(&client, &app.url(&back)).await;
    assert!(
        page.contains("not valid. Check it for typos"),
        "the error is beside the field"
    );

    let good = post_card("4242424242424242").await.unwrap();
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    let confirm = good.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        confirm.starts_with("/billing?__card_token=tok_"),
        "{confirm}"
    );
    let page = page_html(&client, &app.url(&confirm)).await;
    assert!(
        page.contains("Visa ending in 4242, expires 12/2040"),
        "{page}"
    );
    assert!(page.contains("Save this card"));

    let token = confirm
        .split(['?', '&', '#'])
        .find_map(|pair| pair.strip_prefix("__card_token="))
        .unwrap()
        .to_owned();
    let saved = client
        .post(app.url("/api/billing/update_payment_method"))
        .header("accept", "text/html")
        .header("referer", app.url(&confirm))
        .form(&[("card_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(saved.status().is_redirection(), "{}", saved.status());
    let after = saved.headers()["location"].to_str().unwrap();
    assert!(
        !after.contains("__card"),
        "the saved card is not offered again: {after}"
    );
    let overview = json(app.get(&client, "billing/overview").await).await;
    assert_eq!(overview["payment_method"]["last4"], "4242");
}

#[sqlx::test(migrations = "../migrations")]
async fn overage_shows_as_money_in_the_usage_forecast_and_the_plan_preview(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (client, _, org) = owner(&app, "Overage").await;
    set_plan(&db, org, "pro").await;
    // 501,500 calls against Pro's 500,000, all in the last hour: two started
    // blocks so far, and the 7-day rate runs far past them.
    sqlx::query(
        "insert into api_call_usage (organization_id, period_start, calls)
         values ($1, date_trunc('hour', $2::timestamptz), 501500)",
    )
    .bind(org)
    .bind(app.clock.now())
    .execute(&db)
    .await
    .unwrap();
    backend::usage::service::refresh(&app.state, &[org])
        .await
        .unwrap();

    let usage = json(app.get(&client, "usage/overview?days=30").await).await;
    assert_eq!(usage["overage"]["so_far"]["minor"], 200, "{usage}");
    let projected = usage["overage"]["projected"]["minor"].as_i64().unwrap();
    assert!(projected > 200, "{usage}");
    let page = page_html(&client, &app.url("/usage")).await;
    assert!(
        page.contains("Overage so far: $2.00"),
        "the usage page says it in money"
    );

    // Enterprise's limit absorbs this pace; Free refuses it instead of billing.
    let up = json(
        app.get(&client, "billing/preview_plan_change?plan=enterprise")
            .await,
    )
    .await;
    // Priced at the same pace (a second later: within a block).
    let from = up["overage"]["from"]["minor"].as_i64().unwrap();
    assert!((from - projected).abs() <= 100, "{up}");
    assert!(
        up["overage"]["to"]["minor"].as_i64().unwrap() < projected,
        "{up}"
    );
    let page = page_html(&client, &app.url("/billing?change_to=free")).await;
    assert!(
        page.contains("At this period&#x27;s pace") || page.contains("At this period's pace"),
        "the preview prices the pace"
    );
    assert!(
        page.contains("Free refuses calls over its 10,000 a month"),
        "free is hard-limited"
    );

    // A free organization is refused at its limit, never billed for overage.
    let (free, _, _) = owner(&app, "Freeplan").await;
    let usage = json(app.get(&free, "usage/overview?days=30").await).await;
    assert!(usage["overage"].is_null(), "{usage}");
}
