use crate::helpers::*;
use backend::notifications::Email;
use domain::EmailAddress;
use fred::prelude::*;
use server::dev::smtp_sink::{Refusal, SmtpSink};
use server::mail::Mailer;
use server::startup::{connect_redis, sink_smtp_config};
use server::workers::notifications::{Delivery, NotificationWorker, WorkerConfig};
use sqlx::PgPool;
use std::time::Duration;

pub(crate) const BASE_URL: &str = "https://portal.test";

pub(crate) struct Setup {
    pub(crate) sink: SmtpSink,
    prefix: String,
}

impl Setup {
    pub(crate) async fn new() -> Self {
        let sink = SmtpSink::start("127.0.0.1:0").await.unwrap();
        Self {
            sink,
            prefix: format!("test:{}", uuid::Uuid::new_v4()),
        }
    }

    async fn worker(
        &self,
        db: &PgPool,
        redis_url: &str,
        tweak: impl FnOnce(&mut WorkerConfig),
    ) -> NotificationWorker {
        let mut config = WorkerConfig::new(&self.prefix, BASE_URL);
        config.backoff_base = Duration::ZERO;
        tweak(&mut config);
        let mailer = Mailer::new(&sink_smtp_config(&self.sink)).unwrap();
        NotificationWorker::new(
            db.clone(),
            connect_redis(redis_url).await.unwrap(),
            mailer,
            config,
        )
    }

    pub(crate) async fn live_worker(&self, db: &PgPool) -> NotificationWorker {
        self.worker(db, &redis_url(), |_| {}).await
    }

    /// Reads one stream entry as a consumer that then "crashes": the entry
    /// stays pending, owned by it.
    async fn read_as_crashed_consumer(&self) {
        let redis = connect_redis(&redis_url()).await.unwrap();
        let stream = format!("{}:notifications:stream", self.prefix);
        let _: Result<fred::types::Value, _> =
            redis.xgroup_create(&stream, "senders", "0", true).await;
        let read: fred::types::Value = redis
            .xreadgroup("senders", "crashed", Some(1), None, false, &stream, ">")
            .await
            .unwrap();
        assert!(!read.is_null(), "the crashed consumer got an entry");
    }

    fn mails_to(&self, email: &str) -> usize {
        self.sink
            .mails()
            .iter()
            .filter(|m| m.to.iter().any(|to| to == email))
            .count()
    }
}

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap()
}

async fn queue_welcome(db: &PgPool, key: &str, to: &str) {
    let mut tx = db.begin().await.unwrap();
    let email = Email::Welcome {
        name: "Ada".into(),
        organization_name: "Acme".into(),
    };
    backend::notifications::service::notify(
        &mut tx,
        key,
        None,
        &EmailAddress::parse(to).unwrap(),
        &email,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

pub(crate) async fn drain(worker: &NotificationWorker) -> Vec<Delivery> {
    worker.relay_once().await.unwrap();
    let mut deliveries = Vec::new();
    while let Some(delivery) = worker.process_one().await.unwrap() {
        deliveries.push(delivery);
    }
    deliveries
}

async fn status(db: &PgPool, key: &str) -> (String, i32, Option<String>) {
    let row = backend::notifications::db::find_status(db, key)
        .await
        .unwrap()
        .expect("notification row");
    (row.status, row.attempts, row.last_error)
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_sends_a_welcome_email_over_smtp(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let org = Org::new("Mail");
    app.sign_up(&browser(), &org).await;

    drain(&setup.live_worker(&db).await).await;

    let mails = setup.sink.mails();
    assert_eq!(mails.len(), 2, "the verification link, then the welcome");
    assert_eq!(mails[0].subject(), "Verify your email for Portal");
    let mail = mails
        .iter()
        .find(|m| m.subject().starts_with("Welcome"))
        .expect("a welcome email");
    assert_eq!(mail.to, vec![org.email.clone()]);
    assert_eq!(mail.subject(), format!("Welcome to Portal, {}", org.name));
    assert!(
        mail.text().contains("https://portal.test/"),
        "absolute link in text: {}",
        mail.text()
    );
    assert!(
        mail.html().contains("href=\"https://portal.test/\""),
        "absolute link in html"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_same_idempotency_key_is_queued_once(db: PgPool) {
    let setup = Setup::new().await;
    queue_welcome(&db, "welcome:retried", "ada@example.com").await;
    queue_welcome(&db, "welcome:retried", "ada@example.com").await;

    drain(&setup.live_worker(&db).await).await;

    assert_eq!(setup.mails_to("ada@example.com"), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rolled_back_change_sends_nothing(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let org = Org::new("Rollback");
    // Two sign-ups for one address at once: the loser's transaction (its
    // organization and its verification email) rolls back, or it finds the
    // account and only tells its owner. Either way one link goes out.
    let sign_up = |organization_name: &'static str| {
        let (app, email) = (&app, org.email.clone());
        async move {
            app.call(
                &browser(),
                "auth/sign_up",
                &[
                    ("organization_name", organization_name),
                    ("name", "X"),
                    ("email", &email),
                    ("password", PASSWORD),
                ],
            )
            .await
        }
    };
    let (first, second) = tokio::join!(sign_up("First"), sign_up("Second"));
    assert_eq!(first.status(), reqwest::StatusCode::OK);
    assert_eq!(second.status(), reqwest::StatusCode::OK);

    drain(&setup.live_worker(&db).await).await;

    let verifications: i64 =
        sqlx::query_scalar!("select count(*) from notification where template = 'verify_email'")
            .fetch_one(&db)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        verifications, 1,
        "one verification link, from the sign-up that won"
    );
    let organizations: i64 = sqlx::query_scalar!("select count(*) from organization")
        .fetch_one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(organizations, 1, "the other organization was rolled back");
    assert!(setup.mails_to(&org.email) >= 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_entry_read_by_a_crashed_worker_is_reclaimed_and_sent_once(db: PgPool) {
    let setup = Setup::new().await;
    let worker = setup
        .worker(&db, &redis_url(), |c| {
            c.reclaim_after = Duration::from_millis(300)
        })
        .await;
    queue_welcome(&db, "welcome:crash", "crash@example.com").await;
    worker.relay_once().await.unwrap();
    // Another consumer reads the entry and dies before sending or acknowledging.
    setup.read_as_crashed_consumer().await;
    queue_welcome(&db, "welcome:other", "other@example.com").await;
    drain(&worker).await; // unrelated traffic flows meanwhile
    assert_eq!(
        setup.mails_to("crash@example.com"),
        0,
        "not reclaimed before the timeout"
    );

    tokio::time::sleep(Duration::from_millis(400)).await;
    let deliveries = drain(&worker).await;

    assert_eq!(deliveries.len(), 1);
    assert_eq!(setup.mails_to("crash@example.com"), 1);
    assert_eq!(status(&db, "welcome:crash").await.0, "sent");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_worker_that_crashed_after_sending_does_not_cause_a_second_email(db: PgPool) {
    let setup = Setup::new().await;
    let worker = setup
        .worker(&db, &redis_url(), |c| {
            c.reclaim_after = Duration::from_millis(200)
        })
        .await;
    queue_welcome(&db, "welcome:sent-then-crash", "once@example.com").await;
    worker.relay_once().await.unwrap();
    setup.read_as_crashed_consumer().await;
    let id: uuid::Uuid = sqlx::query_scalar!("select id from notification")
        .fetch_one(&db)
        .await
        .unwrap();
    // The crashed worker had sent and committed, but never acknowledged.
    assert!(matches!(
        worker.deliver(id).await.unwrap(),
        Delivery::Sent(_)
    ));

    tokio::time::sleep(Duration::from_millis(300)).await;
    let deliveries = drain(&worker).await;

    assert_eq!(deliveries, [Delivery::AlreadyHandled]);
    assert_eq!(setup.mails_to("once@example.com"), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_email_postgres_failed_to_record_as_sent_is_recorded_not_sent_again(db: PgPool) {
    let setup = Setup::new().await;
    let worker = setup.live_worker(&db).await;
    queue_welcome(&db, "welcome:unrecorded", "unrecorded@example.com").await;
    // The first "sent" record fails after the SMTP server accepted the
    // message, as when Postgres restarts in between. (A sequence, because
    // it counts even in the transaction that fails.)
    sqlx::raw_sql(
        r#"create sequence sent_records;
           create function refuse_first_sent_record() returns trigger language plpgsql as $$
           begin
               if new.status = 'sent' and nextval('sent_records') = 1 then
                   raise exception 'the server restarted';
               end if;
               return new;
           end $$;
           create trigger refuse_first_sent_record before update on notification
               for each row execute function refuse_first_sent_record();"#,
    )
    .execute(&db)
    .await
    .unwrap();

    let deliveries = drain(&worker).await;

    assert!(
        matches!(deliveries[..], [Delivery::Sent(_)]),
        "{deliveries:?}"
    );
    assert_eq!(status(&db, "welcome:unrecorded").await.0, "sent");
    let records: i64 = sqlx::query_scalar("select last_value from sent_records")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(records, 2, "refused once, then recorded");
    assert!(drain(&worker).await.is_empty(), "nothing left to send");
    assert_eq!(setup.mails_to("unrecorded@example.com"), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn notifications_flow_through_postgres_while_redis_is_unreachable(db: PgPool) {
    let setup = Setup::new().await;
    for n in 0..3 {
        queue_welcome(
            &db,
            &format!("welcome:outage-{n}"),
            &format!("outage{n}@example.com"),
        )
        .await;
    }
    let without_redis = setup.worker(&db, "redis://127.0.0.1:1", |_| {}).await;

    assert!(without_redis.relay_once().await.is_err());
    let mut sent = 0;
    while let Some(delivery) = without_redis.process_one().await.unwrap() {
        assert!(matches!(delivery, Delivery::Sent(_)));
        sent += 1;
    }
    assert_eq!(sent, 3);

    // Redis is back: nothing is left to send and nothing is sent twice.
    let deliveries = drain(&setup.live_worker(&db).await).await;
    assert!(deliveries.is_empty(), "{deliveries:?}");
    for n in 0..3 {
        assert_eq!(setup.mails_to(&format!("outage{n}@example.com")), 1);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn transient_smtp_failures_are_retried_until_delivered_once(db: PgPool) {
    let setup = Setup::new().await;
    let worker = setup.live_worker(&db).await;
    queue_welcome(&db, "welcome:flaky", "flaky@example.com").await;
    setup.sink.refuse_next(2, Refusal::Transient);

    let mut outcomes = Vec::new();
    for _ in 0..3 {
        outcomes.extend(drain(&worker).await);
    }

    assert!(
        matches!(
            outcomes[..],
            [
                Delivery::RetryLater(_),
                Delivery::RetryLater(_),
                Delivery::Sent(_)
            ]
        ),
        "{outcomes:?}"
    );
    assert_eq!(setup.mails_to("flaky@example.com"), 1);
    let (state, attempts, _) = status(&db, "welcome:flaky").await;
    assert_eq!((state.as_str(), attempts), ("sent", 3));
}

#[sqlx::test(migrations = "../migrations")]
async fn permanent_failures_end_in_the_dead_letter_state(db: PgPool) {
    let setup = Setup::new().await;
    let worker = setup
        .worker(&db, &redis_url(), |c| c.max_attempts = 2)
        .await;
    queue_welcome(&db, "welcome:rejected", "rejected@example.com").await;
    queue_welcome(&db, "welcome:never", "never@example.com").await;
    setup.sink.refuse_next(1, Refusal::Permanent);
    setup.sink.refuse_next(10, Refusal::Transient);

    for _ in 0..4 {
        drain(&worker).await;
    }

    let (state, attempts, error) = status(&db, "welcome:rejected").await;
    assert_eq!(
        (state.as_str(), attempts),
        ("dead", 1),
        "a 5xx is not retried"
    );
    assert!(error.unwrap().contains("550"));
    let (state, attempts, error) = status(&db, "welcome:never").await;
    assert_eq!(
        (state.as_str(), attempts),
        ("dead", 2),
        "transient failures stop after max_attempts"
    );
    assert!(error.unwrap().contains("451"));
    assert!(setup.sink.mails().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn dev_mailbox_shows_sent_email_to_this_machine_only_and_is_absent_without_a_sink(
    db: PgPool,
) {
    let setup = Setup::new().await;
    queue_welcome(&db, "welcome:mailbox", "box@example.com").await;
    drain(&setup.live_worker(&db).await).await;
    let with_sink = spawn_app_with_mailbox(db.clone(), setup.sink.clone()).await;
    let without_sink = spawn_app(db).await;

    let list = browser()
        .get(with_sink.url("/dev/mailbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Welcome to Portal, Acme") && list.contains("box@example.com"),
        "{list}"
    );
    let id = setup.sink.mails()[0].id;
    let policy = browser()
        .get(with_sink.url("/dev/mailbox"))
        .send()
        .await
        .unwrap()
        .headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.starts_with("default-src 'none'"),
        "no script: {policy}"
    );
    let detail = browser()
        .get(with_sink.url(&format!("/dev/mailbox/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        detail.contains("<a href=\"https://portal.test/\">"),
        "clickable link: {detail}"
    );
    // Through a proxy, even one on this machine, anyone could be asking.
    let proxied = browser()
        .get(with_sink.url("/dev/mailbox"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), reqwest::StatusCode::NOT_FOUND);
    let absent = browser()
        .get(without_sink.url("/dev/mailbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        absent.status(),
        reqwest::StatusCode::NOT_FOUND,
        "no sink (production): no mailbox"
    );
}

async fn queue(db: &PgPool, key: &str, organization_id: uuid::Uuid, to: &str, email: &Email) {
    let mut tx = db.begin().await.unwrap();
    backend::notifications::service::notify(
        &mut tx,
        key,
        Some(organization_id),
        &EmailAddress::parse(to).unwrap(),
        email,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A new organization's owner, signed in, with the organization's id.
async fn new_owner(app: &TestApp, label: &str) -> (reqwest::Client, Org, uuid::Uuid) {
    let org = Org::new(label);
    let owner = browser();
    app.sign_up(&owner, &org).await;
    let organization_id = sqlx::query_scalar(
        "select m.organization_id from member m join app_user u on u.id = m.user_id where u.email = $1",
    )
    .bind(&org.email)
    .fetch_one(&app.db)
    .await
    .unwrap();
    (owner, org, organization_id)
}

fn usage_alert() -> Email {
    Email::UsageAlert {
        organization_name: "Acme".into(),
        metric: "API calls".into(),
        threshold: 80,
        used: "8,000 calls".into(),
        limit: "10,000 calls".into(),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_category_turned_off_stops_its_emails_even_queued_ones_but_never_security(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let worker = setup.live_worker(&db).await;
    let (owner, org, organization_id) = new_owner(&app, "Prefs").await;
    drain(&worker).await;
    // Queued while usage alerts were still on.
    queue(
        &db,
        "alert:owner:1",
        organization_id,
        &org.email,
        &usage_alert(),
    )
    .await;

    let saved = app
        .call(
            &owner,
            "account/notifications/save",
            // Usage alerts unchecked; security "unchecked" too, which cannot be.
            &[("billing", "on"), ("tickets", "on")],
        )
        .await;
    assert!(saved.status().is_success(), "{:?}", saved.text().await);
    let shown = json(app.get(&owner, "account/notifications").await).await;
    let on = |category: &str| {
        shown
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["category"] == category)
            .unwrap()["email"]
            .clone()
    };
    assert_eq!(on("usage_alerts"), false);
    assert_eq!(on("billing"), true);
    assert_eq!(on("security"), true, "security emails cannot be turned off");
    let (before, after): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "select before, after from audit_log where action = 'user.notifications_changed'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(before["usage_alerts"], true);
    assert_eq!(after["usage_alerts"], false);

    queue(
        &db,
        "alert:billing",
        organization_id,
        "billing@prefs.example.com",
        &usage_alert(),
    )
    .await;
    let security = Email::SecurityNotice {
        name: "Test Owner".into(),
        event: "Two-factor authentication was turned off".into(),
    };
    queue(
        &db,
        "security:owner",
        organization_id,
        &org.email,
        &security,
    )
    .await;
    let deliveries = drain(&worker).await;
    assert_eq!(deliveries.len(), 3, "{deliveries:?}");

    assert_eq!(status(&db, "alert:owner:1").await.0, "suppressed");
    let mails = setup.sink.mails();
    let to = |address: &str| {
        mails
            .iter()
            .filter(|m| m.to == vec![address.to_owned()])
            .count()
    };
    assert_eq!(
        to(&org.email),
        3,
        "verification, welcome and the security notice; no alert"
    );
    assert!(mails.iter().any(|m| m.to == vec![org.email.clone()]
        && m.subject().contains("Security")
        || m.text()
            .contains("Two-factor authentication was turned off")));
    let billing = mails
        .iter()
        .find(|m| m.to == vec!["billing@prefs.example.com".to_owned()])
        .expect("an address that is no user's still gets the alert");
    assert!(billing
        .text()
        .contains("https://portal.test/settings/notifications"));

    // Turned back on: the next one is sent.
    let saved = app
        .call(
            &owner,
            "account/notifications/save",
            &[("usage_alerts", "on"), ("billing", "on"), ("tickets", "on")],
        )
        .await;
    assert!(saved.status().is_success());
    queue(
        &db,
        "alert:owner:2",
        organization_id,
        &org.email,
        &usage_alert(),
    )
    .await;
    drain(&worker).await;
    assert_eq!(status(&db, "alert:owner:2").await.0, "sent");
}

#[sqlx::test(migrations = "../migrations")]
async fn members_follow_the_owners_defaults_until_they_choose_themselves(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let worker = setup.live_worker(&db).await;
    let (owner, org, organization_id) = new_owner(&app, "Defaults").await;
    let follower = member_with_role(&app, &org.email, "admin").await;
    let chooser = member_with_role(&app, &org.email, "member").await;
    // The chooser turns usage alerts off and on again: on is now their own.
    for form in [vec![], vec![("usage_alerts", "on")]] {
        let saved = app
            .call(&chooser, "account/notifications/save", &form)
            .await;
        assert!(saved.status().is_success(), "{:?}", saved.text().await);
    }
    drain(&worker).await;

    let forbidden = app
        .call(&follower, "account/notifications/defaults", &[])
        .await;
    assert_eq!(
        forbidden.status(),
        reqwest::StatusCode::FORBIDDEN,
        "admins cannot"
    );
    let saved = app
        .call(
            &owner,
            "account/notifications/defaults",
            &[("billing", "on"), ("tickets", "on")],
        )
        .await;
    assert!(saved.status().is_success(), "{:?}", saved.text().await);

    let usage = |shown: &serde_json::Value| {
        shown
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["category"] == "usage_alerts")
            .unwrap()
            .clone()
    };
    let follows = usage(&json(app.get(&follower, "account/notifications").await).await);
    assert_eq!(follows["email"], false, "{follows}");
    assert_eq!(follows["organization_default"], false);
    assert_eq!(follows["own_choice"], false);
    let chose = usage(&json(app.get(&chooser, "account/notifications").await).await);
    assert_eq!(chose["email"], true, "their own choice wins: {chose}");
    assert_eq!(chose["own_choice"], true);
    let (before, after): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "select before, after from audit_log where action = 'organization.notification_defaults_changed'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        (&before["usage_alerts"], &after["usage_alerts"]),
        (&true.into(), &false.into())
    );

    let email_of = |role: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select u.email from member m join app_user u on u.id = m.user_id
                 where m.organization_id = $1 and m.role = $2",
            )
            .bind(organization_id)
            .bind(role)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let (admin, member) = (email_of("admin").await, email_of("member").await);
    queue(
        &db,
        "alert:follower",
        organization_id,
        &admin,
        &usage_alert(),
    )
    .await;
    queue(
        &db,
        "alert:chooser",
        organization_id,
        &member,
        &usage_alert(),
    )
    .await;
    drain(&worker).await;
    assert_eq!(status(&db, "alert:follower").await.0, "suppressed");
    assert_eq!(status(&db, "alert:chooser").await.0, "sent");
    assert_eq!(setup.mails_to(&admin), 0);
    assert_eq!(setup.mails_to(&member), 1);
}

/// The `List-Unsubscribe` address of a captured email, if it has one.
fn list_unsubscribe(raw: &str) -> Option<String> {
    let unfolded = raw.replace("\r\n ", " ").replace("\r\n\t", " ");
    let start = unfolded.find("List-Unsubscribe: <")? + "List-Unsubscribe: <".len();
    let end = unfolded[start..].find('>')?;
    Some(unfolded[start..start + end].to_owned())
}

/// What a mail client does when its reader presses its own Unsubscribe
/// button: a POST with no cookies and no browser headers.
async fn one_click(app: &TestApp, query: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(app.url(&format!("/unsubscribe/one-click?{query}")))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap()
        .status()
}

/// What the footer link's page reads (no session, as a mail reader opens it).
async fn check_link(app: &TestApp, query: &str) -> serde_json::Value {
    json(
        app.get(
            &browser(),
            &format!("notifications/unsubscribe/check?{query}"),
        )
        .await,
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_mail_clients_one_click_turns_off_that_category_and_a_forged_link_nothing(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let setup = Setup::new().await;
    let worker = setup.live_worker(&db).await;
    let (owner, org, organization_id) = new_owner(&app, "OneClick").await;
    queue(
        &db,
        "alert:owner",
        organization_id,
        &org.email,
        &usage_alert(),
    )
    .await;
    queue(
        &db,
        "alert:billing",
        organization_id,
        "billing@oneclick.example.com",
        &usage_alert(),
    )
    .await;
    drain(&worker).await;
    let mails = setup.sink.mails();
    let alert = mails
        .iter()
        .find(|m| m.to == vec![org.email.clone()] && m.text().contains("Usage alerts"))
        .expect("the owner's alert");
    assert!(
        alert
            .raw
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        alert.raw
    );
    let url = list_unsubscribe(&alert.raw).expect("a List-Unsubscribe header");
    let (address, query) = url.split_once('?').unwrap();
    assert_eq!(address, "https://portal.test/unsubscribe/one-click");
    assert!(alert
        .text()
        .contains(&format!("https://portal.test/unsubscribe?{query}")));
    let billing = mails
        .iter()
        .find(|m| m.to == vec!["billing@oneclick.example.com".to_owned()])
        .unwrap();
    assert_eq!(
        list_unsubscribe(&billing.raw),
        None,
        "no member to unsubscribe"
    );

    // Edited into another category, or another person: refused, nothing changed.
    let other_category = query.replace("category=usage_alerts", "category=billing");
    assert_eq!(
        one_click(&app, &other_category).await,
        reqwest::StatusCode::NOT_FOUND
    );
    let security = query.replace("category=usage_alerts", "category=security");
    assert_eq!(
        one_click(&app, &security).await,
        reqwest::StatusCode::NOT_FOUND
    );
    let user = query.split('&').next().unwrap();
    let other_user = query.replace(user, &format!("user={}", uuid::Uuid::new_v4()));
    assert_eq!(
        one_click(&app, &other_user).await,
        reqwest::StatusCode::NOT_FOUND
    );
    let all_on = json(app.get(&owner, "account/notifications").await).await;
    assert!(
        all_on
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["email"] == true),
        "{all_on}"
    );

    // Opening the link only reads; the genuine post turns that one category off.
    let check = check_link(&app, query).await;
    assert_eq!(check["category"], "usage_alerts");
    assert_eq!(check["organization_name"], org.name.as_str());
    assert_eq!(check["unsubscribed"], false);
    assert_eq!(one_click(&app, query).await, reqwest::StatusCode::OK);
    assert_eq!(
        one_click(&app, query).await,
        reqwest::StatusCode::OK,
        "again is fine"
    );
    let now = json(app.get(&owner, "account/notifications").await).await;
    let off: Vec<&str> = now
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["email"] == false)
        .map(|p| p["category"].as_str().unwrap())
        .collect();
    assert_eq!(off, ["usage_alerts"]);
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action = 'user.unsubscribed' and organization_id = $1",
    )
    .bind(organization_id)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(actions.len(), 2);
    let check = check_link(&app, query).await;
    assert_eq!(check["unsubscribed"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn guessing_unsubscribe_links_is_limited_per_client(db: PgPool) {
    let app = spawn_app_with(db, |s| {
        s.limits.unsubscribe_links_per_ip =
            backend::rate_limit::Rule::new(2, Duration::from_secs(3600));
    })
    .await;
    let forged = format!(
        "user={}&organization={}&category=billing&signature={}",
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        "00".repeat(32)
    );
    assert_eq!(
        one_click(&app, &forged).await,
        reqwest::StatusCode::NOT_FOUND
    );
    assert_eq!(
        one_click(&app, &forged).await,
        reqwest::StatusCode::NOT_FOUND
    );
    assert_eq!(
        one_click(&app, &forged).await,
        reqwest::StatusCode::TOO_MANY_REQUESTS
    );
}
