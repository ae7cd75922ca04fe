//! The composition root: connects to Postgres and Redis, runs migrations, and
//! builds the router. `build_router` is public so tests serve the real app.

use crate::config::Config;
use crate::dev::smtp_sink::SmtpSink;
use crate::http::{self, paths};
use crate::mail::{Mailer, SmtpConfig, SmtpTls};
use crate::workers::notifications::{NotificationWorker, WorkerConfig};
use crate::workers::webhooks::WebhookWorker;
use anyhow::Context;
use app::{shell, App};
use axum::extract::FromRef;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use backend::{AppState, Ctx};
use fred::prelude::*;
use leptos::config::LeptosOptions;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Executor;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long an instance trusts a cached API key record without hearing of a
/// change: the safety net for a missed revocation message.
pub const API_KEY_CACHE_TTL: Duration = Duration::from_secs(10);

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// What the router holds: the backend's state and the options the Leptos
/// integration reads (site root, output name). Handlers extract either.
#[derive(Clone, FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub leptos_options: LeptosOptions,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    worker: Option<NotificationWorker>,
    connections: http::serve::ConnectionLimits,
    metrics: Option<TcpListener>,
    shutdown_drain: Duration,
    /// Where the Postgres breaker's probe connects.
    postgres: PgConnectOptions,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (state, worker, sink) = build_parts(&config).await?;
        let addr = config.leptos_options.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        tracing::info!("Portal listening on http://{}", listener.local_addr()?);
        let metrics = bind_metrics(config.metrics_addr).await?;
        if let Some(sink) = &sink {
            tracing::info!(
                "development mail sink on {}; read it at http://{addr}/dev/mailbox",
                sink.addr
            );
        }
        Ok(Self {
            listener,
            router: build_router(state.clone(), config.leptos_options.clone(), sink),
            state,
            worker: config.inline_worker.then_some(worker),
            connections: config.connections,
            metrics,
            shutdown_drain: config.shutdown_drain,
            postgres: config
                .database_url
                .expose_secret()
                .parse()
                .context("parsing DATABASE_URL")?,
        })
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let (stop_worker, stopped) = watch::channel(false);
        let flusher = tokio::spawn(crate::workers::usage::run(
            self.state.clone(),
            self.state.settings.api_key_flush_interval,
            stopped.clone(),
        ));
        let billing = tokio::spawn(crate::workers::billing::run(
            self.state.db.clone(),
            self.state.settings.dunning.clone(),
            stopped.clone(),
        ));
        let housekeeping = tokio::spawn(crate::workers::housekeeping::run(
            self.state.db.clone(),
            stopped.clone(),
        ));
        let upkeep = tokio::spawn(crate::metrics::upkeep(stopped.clone()));
        let probes = tokio::spawn(crate::workers::breakers::run(
            self.state.ctx.clone(),
            self.postgres,
            stopped.clone(),
        ));
        let metrics = self
            .metrics
            .map(|listener| serve_metrics(listener, self.state.clone(), stopped.clone()));
        let webhooks = match self.worker {
            Some(_) => Some(tokio::spawn(
                WebhookWorker::new(self.state.db.clone(), self.state.settings.webhooks.clone())?
                    .run(stopped.clone()),
            )),
            None => None,
        };
        let worker = self.worker.map(|worker| tokio::spawn(worker.run(stopped)));
        http::serve::serve(
            self.listener,
            self.router,
            self.connections,
            drain_on_signal(self.state.lifecycle.clone(), self.shutdown_drain),
        )
        .await;
        let _ = stop_worker.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(webhooks) = webhooks {
            let _ = webhooks.await;
        }
        let _ = flusher.await;
        let _ = billing.await;
        let _ = housekeeping.await;
        let _ = upkeep.await;
        let _ = probes.await;
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        Ok(())
    }
}

/// `server --worker`: only the background workers, for deployments where
/// several web instances share separate worker processes.
pub async fn run_worker_only(config: Config) -> anyhow::Result<()> {
    // Installed before the worker records anything.
    crate::metrics::handle();
    let (state, worker, _) = build_parts(&config).await?;
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(worker.run(stopped.clone()));
    let webhooks = WebhookWorker::new(state.db.clone(), state.settings.webhooks.clone())?;
    let webhooks = tokio::spawn(webhooks.run(stopped.clone()));
    // The worker's own series (emails sent, outbox depth) on its own port.
    let metrics = bind_metrics(config.metrics_addr)
        .await?
        .map(|listener| serve_metrics(listener, state, stopped.clone()));
    let upkeep = tokio::spawn(crate::metrics::upkeep(stopped));
    shutdown_signal().await;
    let _ = stop.send(true);
    let _ = upkeep.await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    webhooks.await.context("webhook worker task")?;
    running.await.context("worker task")
}

async fn bind_metrics(addr: Option<SocketAddr>) -> anyhow::Result<Option<TcpListener>> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding PORTAL_METRICS_ADDR {addr}"))?;
    tracing::info!(
        "metrics on http://{}{}",
        listener.local_addr()?,
        crate::metrics::PATH
    );
    Ok(Some(listener))
}

/// `/metrics` on its own listener until `stopped`; a scraper or two needs
/// few connections.
fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    mut stopped: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let limits = http::serve::ConnectionLimits {
        max_connections: 16,
        ..Default::default()
    };
    tokio::spawn(http::serve::serve(
        listener,
        crate::metrics::router(state),
        limits,
        async move {
            let _ = stopped.changed().await;
        },
    ))
}

async fn build_parts(
    config: &Config,
) -> anyhow::Result<(AppState, NotificationWorker, Option<SmtpSink>)> {
    let owner = connect_postgres(config.database_url.expose_secret()).await?;
    MIGRATOR.run(&owner).await.context("running migrations")?;
    backend::help::builtin::install(&owner)
        .await
        .context("installing the built-in help articles")?;
    http::server_fns::use_shared_key(&owner).await?;
    owner.close().await;
    let db = connect_runtime(config.database_url.expose_secret()).await?;
    let redis = connect_redis(config.redis_url.expose_secret()).await?;
    if config.demo_data {
        crate::demo::seed(&db).await.context("seeding demo data")?;
    }
    let (mailer, sink) = match &config.smtp {
        Some(smtp) => (Mailer::new(smtp)?, None),
        None => {
            let sink = SmtpSink::start(&config.dev_mail_sink_addr.to_string())
                .await
                .context("starting the development mail sink")?;
            (Mailer::new(&sink_smtp_config(&sink))?, Some(sink))
        }
    };
    let worker_config = WorkerConfig::new(&config.settings.redis_prefix, &config.base_url);
    let worker = NotificationWorker::new(db.clone(), redis.clone(), mailer, worker_config);
    let state = AppState::new(
        Ctx::new(db, redis, config.settings.clone()),
        API_KEY_CACHE_TTL,
        config.attachment_store.open()?,
    );
    crate::workers::api_keys::subscribe_to_invalidations(&state, config.redis_url.expose_secret())
        .await?;
    crate::workers::live::subscribe(&state, config.redis_url.expose_secret()).await?;
    if config.demo_data {
        crate::demo::record_usage_alerts(&state)
            .await
            .context("recording the demo's usage alerts")?;
    }
    Ok((state, worker, sink))
}

/// SMTP settings that point at a development sink.
pub fn sink_smtp_config(sink: &SmtpSink) -> SmtpConfig {
    SmtpConfig {
        host: sink.addr.ip().to_string(),
        port: sink.addr.port(),
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: crate::config::DEFAULT_FROM.to_owned(),
    }
}

/// A pool as the role in `url` (the owner: migrations, scripts, benches).
pub async fn connect_postgres(url: &str) -> anyhow::Result<PgPool> {
    pool_options()
        .connect(url)
        .await
        .context("connecting to Postgres")
}

/// The pool the server runs on: every connection as `portal_runtime`, which
/// may write the audit log but never rewrite, empty or alter it (see the
/// migration `harden_audit_log`).
pub async fn connect_runtime(url: &str) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("parsing DATABASE_URL")?;
    runtime_pool(options).await
}

pub async fn runtime_pool(options: PgConnectOptions) -> anyhow::Result<PgPool> {
    pool_options()
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("set role portal_runtime").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .context("connecting to Postgres as portal_runtime")
}

fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(5))
        // An event per checkout, for `portal_db_acquire_seconds`; the log's
        // filter keeps it out of the log unless RUST_LOG asks.
        .acquire_time_level(log::LevelFilter::Debug)
}

/// Redis is a cache and a message bus, never the record: the portal starts and
/// serves without it (slower, less live), so a failed first connection is only
/// a warning and the client keeps reconnecting in the background.
pub async fn connect_redis(url: &str) -> anyhow::Result<fred::clients::Pool> {
    let config = fred::types::config::Config::from_url(url).context("parsing REDIS_URL")?;
    let pool = fred::types::Builder::from_config(config)
        .with_connection_config(|c| {
            c.connection_timeout = Duration::from_secs(2);
            c.max_command_attempts = 1;
        })
        .with_performance_config(|p| {
            // Fail fast so a Redis outage degrades a request instead of hanging it.
            p.default_command_timeout = Duration::from_millis(500);
        })
        .set_policy(fred::types::config::ReconnectPolicy::new_exponential(
            0, 100, 5_000, 2,
        ))
        .build_pool(4)
        .context("building the Redis pool")?;
    crate::metrics::watch_redis(&pool);
    pool.connect();
    if tokio::time::timeout(Duration::from_secs(3), pool.wait_for_connect())
        .await
        .is_err()
    {
        tracing::warn!(
            "Redis is not reachable yet; continuing without it and reconnecting in the background"
        );
    }
    Ok(pool)
}

/// The app's routes, listed once per process.
///
/// Listing them renders the app with resource loading switched off through a
/// flag global to the process (leptos_server's `SuppressResourceLoad`): a page
/// that another router in the same process starts rendering meanwhile parks its
/// first data load forever, and with `SsrMode::Async` that request never
/// answers (leptos-rs/leptos#4773). One listing before anything serves means no
/// request can overlap it, however many routers a process builds (tests build
/// one per test, and two instances share one process in some of them).
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// Every page's path as the router mounts it (`/support/{id}`), for the
/// access-matrix test.
pub fn page_paths() -> Vec<String> {
    ROUTES.iter().map(|route| route.path().to_owned()).collect()
}

/// The whole HTTP surface. `dev_mailbox` is `Some` only outside production.
pub fn build_router(
    state: AppState,
    leptos_options: LeptosOptions,
    dev_mailbox: Option<SmtpSink>,
) -> Router {
    // Installed before the first request so no early sample is lost.
    crate::metrics::handle();
    let routes = ROUTES.clone();
    let hashed_names = leptos_options.hash_files;
    let server_state = ServerState {
        app: state.clone(),
        leptos_options: leptos_options.clone(),
    };
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            // The nonce the headers middleware chose for this request's
            // policy, in place of one Leptos would make up.
            let nonce = use_context::<axum::http::request::Parts>().and_then(|parts| {
                parts
                    .extensions
                    .get::<http::headers::ScriptNonce>()
                    .cloned()
            });
            if let Some(http::headers::ScriptNonce(nonce)) = nonce {
                provide_context(leptos::nonce::Nonce::from_value(nonce));
            }
        }
    };
    let dev_routes = dev_mailbox
        .map(crate::dev::mailbox::routes)
        .unwrap_or_default();
    // leptos_routes_with_context also mounts every #[server] function at its path.
    Router::new()
        .leptos_routes_with_context(&server_state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .route(paths::AUDIT_EXPORT, get(http::audit_export::export_csv))
        .route(paths::LIVE, get(http::live::stream))
        .route(
            paths::TWO_FACTOR_CONFIRM,
            axum::routing::post(http::two_factor::confirm),
        )
        .route(
            paths::RECOVERY_CODES,
            axum::routing::post(http::two_factor::regenerate),
        )
        .route(
            paths::API_KEY_CREATE,
            axum::routing::post(http::api_keys::create),
        )
        .route(
            paths::API_KEY_ROTATE,
            axum::routing::post(http::api_keys::rotate),
        )
        .route(
            paths::WEBHOOK_CREATE,
            axum::routing::post(http::webhooks::create),
        )
        .route(
            paths::WEBHOOK_ROTATE,
            axum::routing::post(http::webhooks::rotate),
        )
        .route(
            paths::STAFF_TWO_FACTOR_CONFIRM,
            axum::routing::post(http::two_factor::confirm_staff),
        )
        .route(paths::INVOICE_PDF, get(http::invoices::download_invoice))
        .route(paths::INVOICES_CSV, get(http::invoices::export_csv))
        .route(paths::RECEIPT_PDF, get(http::invoices::download_receipt))
        .route(
            paths::CREDIT_NOTE_PDF,
            get(http::invoices::download_credit_note),
        )
        .merge(http::attachments::routes())
        // Inside the session layer: it needs the session to know whose data changed.
        .route_layer(from_fn_with_state(
            state.clone(),
            http::writes::after_member_writes,
        ))
        // Only the app's own routes resolve sessions; static files do not pay for it.
        .route_layer(from_fn_with_state(
            state.clone(),
            http::session::resolve_session,
        ))
        .route(paths::INVOICE_LINK, get(http::invoices::download_by_link))
        .route(
            paths::UNSUBSCRIBE_ONE_CLICK,
            axum::routing::post(http::unsubscribe::one_click),
        )
        .route(
            paths::SANDBOX_CARD_TOKENS,
            axum::routing::post(http::sandbox::create_token).layer(
                axum::extract::DefaultBodyLimit::max(http::sandbox::MAX_BODY_BYTES),
            ),
        )
        .route(paths::HEALTH, get(http::health::health))
        .route(paths::READY, get(http::health::ready))
        .route(paths::API_PING, get(http::api_v1::ping))
        .route(
            paths::API_VERIFY_KEY,
            axum::routing::post(http::api_v1::verify_key),
        )
        .route(
            paths::API_USAGE_EVENTS,
            axum::routing::post(http::api_v1::record_usage_events),
        )
        .merge(dev_routes)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(context, shell))
        .layer(from_fn_with_state(
            state.clone(),
            http::outage::shed_while_postgres_is_down,
        ))
        .layer(from_fn(http::server_fns::map_errors))
        .layer(from_fn(http::server_fns::drop_forged_errors))
        .layer(from_fn_with_state(
            state.clone(),
            http::csrf::reject_cross_site_writes,
        ))
        .layer(from_fn(move |request, next| {
            http::assets::cache_static_files(hashed_names, request, next)
        }))
        .layer(from_fn_with_state(
            http::headers::HeaderState::new(state.clone(), &leptos_options),
            http::headers::security_headers,
        ))
        .layer(http::assets::compression())
        .layer(http::trace_layer())
        .layer(from_fn(crate::metrics::track_requests))
        .layer(from_fn(http::trace_context::propagate))
        .with_state(server_state)
}

/// Resolves when the listener should close: a drain after the signal, in
/// which `/ready` already answers 503 and live streams are told to reconnect,
/// but requests are still served (a balancer may send some until it notices).
async fn drain_on_signal(lifecycle: backend::lifecycle::Lifecycle, drain: Duration) {
    shutdown_signal().await;
    lifecycle.begin_draining();
    tracing::info!(
        ?drain,
        "draining: /ready answers 503; closing the listener after the drain"
    );
    tokio::time::sleep(drain).await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
