use backend::api_keys::verifier::ApiKeyVerifier;
use backend::clock::Clock;
use backend::{AppState, Ctx, Settings};
use leptos::config::LeptosOptions;
use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use server::http::serve::ConnectionLimits;
use sqlx::PgPool;
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    /// This instance's API key cache (to flush it).
    pub verifier: ApiKeyVerifier,
    pub db: PgPool,
    pub settings: Arc<Settings>,
    /// The served app's one clock: tests move it to reach expiries.
    pub clock: Clock,
    /// The served app's state (its usage meter, live hub, Redis pool).
    pub state: AppState,
    /// The circuit breakers' probes; a test that sets a breaker by hand
    /// stops them first, or the next probe would undo it.
    pub probes: tokio::task::AbortHandle,
    /// Where this app stores ticket attachments.
    pub attachments_dir: std::path::PathBuf,
    /// The `application_name` of this app's own Postgres connections.
    connections: String,
}

/// sqlx drops a test's database as soon as the test returns, but this app's
/// pools live on until the test's runtime stops, and Postgres waits 5 s for
/// them before refusing the drop: every test paid those 5 s (half the suite's
/// time) and left its database behind. Ending this app's connections when it
/// is dropped lets the drop go through at once. Other apps of the same test
/// (a second instance) keep theirs.
impl Drop for TestApp {
    fn drop(&mut self) {
        let options = self.db.connect_options().as_ref().clone();
        let name = std::mem::take(&mut self.connections);
        // Drop is not async, and the test's own runtime may be single-threaded.
        let ended = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect_with(&options).await?;
                sqlx::query(
                    "select pg_terminate_backend(pid) from pg_stat_activity \
                     where application_name = $1",
                )
                .bind(&name)
                .execute(&mut conn)
                .await?;
                conn.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if let Ok(Err(error)) = ended {
            eprintln!("could not end the test app's connections: {error}");
        }
    }
}

/// The server's statement and pool timings (`server::metrics::sqlx_timings`),
/// as `telemetry::init` installs them; once per test process.
fn install_sqlx_timings() {
    use tracing_subscriber::prelude::*;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(server::metrics::sqlx_timings());
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

pub async fn spawn_app(db: PgPool) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Serves the real router on a free port. `customize` adjusts settings
/// (timeouts, limits) for the test at hand.
/// The app with a development mailbox over `sink` (as outside production).
pub async fn spawn_app_with_mailbox(db: PgPool, sink: server::dev::smtp_sink::SmtpSink) -> TestApp {
    let redis_url =
        std::env::var("REDIS_URL").expect("REDIS_URL must be set for integration tests");
    serve(db, &redis_url, Some(sink), None, None, |_| {}).await
}

pub async fn spawn_app_with(db: PgPool, customize: impl FnOnce(&mut Settings)) -> TestApp {
    let redis_url =
        std::env::var("REDIS_URL").expect("REDIS_URL must be set for integration tests");
    serve(db, &redis_url, None, None, None, customize).await
}

/// The app storing ticket attachments in `store` (a bucket) rather than in a
/// folder of its own.
pub async fn spawn_app_with_attachments(
    db: PgPool,
    store: backend::support::attachments::AttachmentStore,
) -> TestApp {
    let redis_url =
        std::env::var("REDIS_URL").expect("REDIS_URL must be set for integration tests");
    serve(db, &redis_url, None, None, Some(store), |_| {}).await
}

/// The app serving the static files of `site_root` as a release build's
/// (asset names with content hashes).
pub async fn spawn_app_with_site(db: PgPool, site_root: &str) -> TestApp {
    let redis_url =
        std::env::var("REDIS_URL").expect("REDIS_URL must be set for integration tests");
    serve(db, &redis_url, None, Some(site_root), None, |_| {}).await
}

/// The app on a Redis of the test's choosing (one it may stop and restart).
pub async fn spawn_app_on_redis(
    db: PgPool,
    redis_url: &str,
    customize: impl FnOnce(&mut Settings),
) -> TestApp {
    serve(db, redis_url, None, None, None, customize).await
}

/// The app with its Redis unreachable (nothing listens on port 1), as during
/// a Redis outage.
pub async fn spawn_app_without_redis(db: PgPool) -> TestApp {
    serve(db, "redis://127.0.0.1:1", None, None, None, |_| {}).await
}

/// `spawn_app_without_redis` with settings of the test's choosing.
pub async fn spawn_app_without_redis_with(
    db: PgPool,
    customize: impl FnOnce(&mut Settings),
) -> TestApp {
    serve(db, "redis://127.0.0.1:1", None, None, None, customize).await
}

async fn serve(
    db: PgPool,
    redis_url: &str,
    mailbox: Option<server::dev::smtp_sink::SmtpSink>,
    site_root: Option<&str>,
    attachments: Option<backend::support::attachments::AttachmentStore>,
    customize: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings {
        redis_prefix: format!("test:{}", uuid::Uuid::new_v4()),
        ..Settings::default()
    };
    // Webhook receivers in tests listen on loopback, as in development.
    settings.webhooks.allowed_networks = vec!["127.0.0.0/8".parse().unwrap()];
    customize(&mut settings);
    install_sqlx_timings();
    let redis = server::startup::connect_redis(redis_url)
        .await
        .expect("redis pool");
    // The server's own role (as in production), so every test also proves
    // the runtime role's grants are enough; `TestApp::db` stays the owner's.
    let connections = format!("portal-test-{}", uuid::Uuid::new_v4().simple());
    let app_options = db
        .connect_options()
        .as_ref()
        .clone()
        .application_name(&connections);
    let runtime = server::startup::runtime_pool(app_options.clone())
        .await
        .expect("runtime pool");
    // Each app its own folder, so a test can count what was stored.
    let attachments_dir = std::env::temp_dir()
        .join("portal-test-attachments")
        .join(uuid::Uuid::new_v4().to_string());
    let attachments = attachments.unwrap_or_else(|| {
        backend::support::attachments::AttachmentStore::local(&attachments_dir)
            .expect("attachment folder")
    });
    let state = AppState::new(
        Ctx::new(runtime, redis, settings),
        server::startup::API_KEY_CACHE_TTL,
        attachments,
    );
    let settings = state.settings.clone();
    server::workers::api_keys::subscribe_to_invalidations(&state, redis_url)
        .await
        .expect("subscriber");
    server::workers::live::subscribe(&state, redis_url)
        .await
        .expect("live subscriber");
    // The breakers' probes, as the server runs them (for the test's life).
    let probes = tokio::spawn({
        let (ctx, options) = (state.ctx.clone(), app_options);
        async move {
            let (_running, stopped) = tokio::sync::watch::channel(false);
            server::workers::breakers::run(ctx, options, stopped).await;
        }
    })
    .abort_handle();
    let state_for_test = state.clone();
    let verifier = state.api_keys.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let leptos_options = match site_root {
        // A release build's site: hashed asset names.
        Some(root) => LeptosOptions::builder()
            .output_name("portal")
            .site_root(root)
            .hash_files(true)
            .build(),
        None => LeptosOptions::builder().output_name("portal").build(),
    };
    let router = server::startup::build_router(state, leptos_options, mailbox);
    let db_for_test = db.clone();
    tokio::spawn(async move {
        server::http::serve::serve(
            listener,
            router,
            ConnectionLimits::default(),
            std::future::pending(),
        )
        .await;
    });
    TestApp {
        address,
        clock: state_for_test.clock.clone(),
        settings,
        verifier,
        db: db_for_test,
        state: state_for_test,
        probes,
        attachments_dir,
        connections,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects, and gives
/// up on a server that goes silent (a hang fails its test, not the whole run;
/// live streams send a keep-alive every 15 s).
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .read_timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

pub struct Org {
    pub name: String,
    pub email: String,
}

impl Org {
    pub fn new(label: &str) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            name: format!("{label} {}", &id[..6]),
            email: format!("owner-{}@{}.example.com", &id[..8], label.to_lowercase()),
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Calls a server function the way the hydrated app does (form-encoded POST).
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// What the card form's script does: the card to the sandbox processor's
    /// tokenizer, expiring 12/2040 with CVC 123. Its answer as sent.
    pub async fn tokenize_card(&self, client: &Client, number: &str) -> Response {
        client
            .post(self.url("/sandbox/v1/tokens"))
            .header("sec-fetch-site", "same-origin")
            .json(&serde_json::json!({
                "card_number": number, "exp_month": "12", "exp_year": "2040", "cvc": "123",
            }))
            .send()
            .await
            .expect("request")
    }

    /// A single-use token of the sandbox processor for `number`.
    pub async fn card_token(&self, client: &Client, number: &str) -> String {
        let response = self.tokenize_card(client, number).await;
        assert_eq!(
            response.status(),
            reqwest::StatusCode::OK,
            "tokenizing {number}"
        );
        let card: serde_json::Value = response.json().await.expect("json");
        card["token"].as_str().expect("a token").to_owned()
    }

    /// Saves `number` as the card on file, as the billing page does: the
    /// card to the processor, its token to `billing/update_payment_method`.
    pub async fn save_card(&self, client: &Client, number: &str) -> Response {
        let token = self.card_token(client, number).await;
        self.attach_card(client, &token).await
    }

    /// Sends a processor's token to `billing/update_payment_method`.
    pub async fn attach_card(&self, client: &Client, token: &str) -> Response {
        self.call(
            client,
            "billing/update_payment_method",
            &[("card_token", token)],
        )
        .await
    }

    pub async fn get(&self, client: &Client, endpoint: &str) -> Response {
        client
            .get(self.url(&format!("/api/{endpoint}")))
            .send()
            .await
            .expect("request")
    }

    /// Signs up through the form, then opens the verification link the
    /// way the email's reader would: the answer carries the new session.
    /// The sign-up form posted, whatever it answers.
    pub async fn try_sign_up(&self, client: &Client, org: &Org) -> Response {
        self.call(
            client,
            "auth/sign_up",
            &[
                ("organization_name", &org.name),
                ("name", "Test Owner"),
                ("email", &org.email),
                ("password", PASSWORD),
            ],
        )
        .await
    }

    pub async fn sign_up(&self, client: &Client, org: &Org) -> Response {
        let response = self.try_sign_up(client, org).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "sign-up failed: {:?}",
            response.text().await
        );
        self.verify_email(client, &org.email).await
    }

    /// The token of the latest verification link mailed to `email` (the
    /// outbox keeps it until the email is sent; tests run no sender).
    pub async fn verification_token(&self, email: &str) -> String {
        self.mailed_token(email, "verify_email").await
    }

    /// The secret token of the latest `template` email to `email`.
    pub async fn mailed_token(&self, email: &str, template: &str) -> String {
        sqlx::query_scalar::<_, String>(
            "select data->>'token' from notification
             where recipient = $1 and template = $2 order by created_at desc limit 1",
        )
        .bind(email)
        .bind(template)
        .fetch_one(&self.db)
        .await
        .unwrap_or_else(|e| panic!("no {template} email to {email}: {e}"))
    }

    /// Opens the verification link of `email`: verified, and signed in.
    pub async fn verify_email(&self, client: &Client, email: &str) -> Response {
        let token = self.verification_token(email).await;
        let response = self
            .call(client, "auth/verify_email", &[("token", &token)])
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "verification failed: {:?}",
            response.text().await
        );
        response
    }

    pub async fn sign_in(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call(
            client,
            "auth/sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn dashboard(&self, client: &Client) -> Response {
        self.get(client, "dashboard/summary").await
    }
}

/// The session token a response set, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v: &HeaderValue| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("portal_session=")
                .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
        .filter(|t| !t.is_empty())
}

pub async fn json(response: Response) -> Value {
    response.json().await.expect("json body")
}

/// Adds a member with `role` to the organization `owner_email` belongs to, and
/// returns a client signed in as them.
pub async fn member_with_role(app: &TestApp, owner_email: &str, role: &str) -> Client {
    let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = domain::Password::parse(PASSWORD).unwrap();
    let hash = backend::password::hash_password(password).await.unwrap();
    sqlx::query!(
        r#"with new_user as (
               insert into app_user (email, name, password_hash) values ($1, $2, $3) returning id)
           insert into member (organization_id, user_id, role)
           select m.organization_id, (select id from new_user), $4
           from member m join app_user u on u.id = m.user_id where u.email = $5"#,
        email,
        format!("Test {role}"),
        hash,
        role,
        owner_email,
    )
    .execute(&app.db)
    .await
    .unwrap();
    let client = browser();
    let response = app.sign_in(&client, &email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK, "{role} signs in");
    client
}

/// The TOTP secret of the staff accounts tests create (base32 of 20 bytes).
pub const STAFF_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// A code of `secret` that the server will accept now: the next 30-second
/// step after the last one it accepted (a code works once), within the
/// window of one step before and after now.
pub async fn next_totp_code(app: &TestApp, user_email: &str, secret: &str) -> String {
    let last: Option<i64> =
        sqlx::query_scalar("select totp_last_step from app_user where email = $1")
            .bind(user_email)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let now = u64::try_from(app.clock.now().unix_timestamp()).unwrap();
    let current = now / 30;
    let step = match last {
        Some(last) => (u64::try_from(last).unwrap() + 1).max(current - 1),
        None => current - 1,
    };
    assert!(
        step <= current + 1,
        "no unused TOTP step left in the window: advance the clock"
    );
    backend::two_factor::totp::code_at(secret, step * 30).unwrap()
}

/// Signs a staff member in to the console: password, then a TOTP code.
pub async fn staff_sign_in(
    app: &TestApp,
    client: &Client,
    email: &str,
    password: &str,
    secret: &str,
) -> Response {
    let first = app
        .call(
            client,
            "staff/sign_in",
            &[("email", email), ("password", password)],
        )
        .await;
    if !first.status().is_success() {
        return first;
    }
    let code = next_totp_code(app, email, secret).await;
    app.call(client, "auth/two_factor/verify", &[("code", &code)])
        .await
}

/// A response that must have succeeded; a failure names the status and URL.
/// The body of a response that must have succeeded.
pub async fn ok_text(response: Response) -> String {
    ok(response).await.text().await.unwrap()
}

pub async fn ok(response: Response) -> Response {
    let status = response.status();
    assert!(status.is_success(), "{status} from {}", response.url());
    response
}
