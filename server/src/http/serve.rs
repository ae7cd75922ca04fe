//! Accepting connections. `axum::serve` gives hyper no timer, so a client
//! could take as long as it liked to send its headers or keep a connection
//! idle forever, and it accepts every connection it is offered, so a flood of
//! connections grew the server's memory with each one (scripts/bench-abuse).
//! Here hyper has a timer, cutting off slow and idle clients, and a slot must
//! be free before a connection is served: beyond the cap, clients wait in
//! the kernel's accept queue, which costs the server nothing, while
//! kept-alive connections make room (see [`serve`]).

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulConnection;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once (`PORTAL_MAX_CONNECTIONS`); live dashboards
    /// hold one each.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, counted from the
    /// connection's start or the end of its previous response: also how long
    /// a kept-alive connection may sit idle (`PORTAL_HEADER_READ_TIMEOUT_SECONDS`).
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 256,
            header_read_timeout: Duration::from_secs(20),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets open
/// requests finish.
///
/// When every slot is taken, kept-alive connections make room, as nginx's
/// do: one busy with a request answers it with `Connection: close`, so its
/// client knows not to reuse it, and one idle for a second closes at once.
/// Otherwise the idle connections a client keeps in its pool would hold the
/// slots until their idle limit while new clients wait. A connection still
/// waiting for its first request is left alone.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let (make_room, _) = watch::channel(());
    let builder = http_builder(limits);
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &slots, &make_room) => accepted,
        };
        let Some((slot, tcp, peer)) = accepted else {
            continue;
        };
        // Server-rendered pages stream in several writes; with Nagle's
        // algorithm on, a write waiting for the client's delayed ACK stalled
        // one page in a hundred by ~40 ms (scripts/bench-team's p99).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY");
        }
        let state = Arc::new(ConnectionState::default());
        let service = router
            .clone()
            .map_request({
                let state = state.clone();
                move |mut request: Request<Incoming>| {
                    state.request_started(request.version());
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request.map(Body::new)
                }
            })
            .map_response({
                let state = state.clone();
                move |mut response: Response| {
                    if state.answered() {
                        response
                            .headers_mut()
                            .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    }
                    response
                }
            });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service))
            .into_owned();
        let asked = make_room.subscribe();
        tokio::spawn(async move {
            run_connection(connection, asked, &state).await;
            drop(slot);
        });
    }
    drop(listener);
    // Stopping: every connection finishes its request in flight and closes
    // (its receiver sees the sender gone).
    drop(make_room);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway");
    }
}

/// How long requests in flight may take to finish once the listener closed:
/// with the drain before it (10 s by default), an instance exits within the
/// 30 s an orchestrator usually allows between SIGTERM and SIGKILL.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);

/// What the connection task needs to know of its requests to make room
/// without cutting one off.
#[derive(Default)]
struct ConnectionState {
    /// Requests whose answer has not started yet.
    in_flight: AtomicUsize,
    served: AtomicBool,
    /// HTTP/2 has no `Connection` header (and no pool of idle connections).
    http2: AtomicBool,
    /// The next answer carries `Connection: close`.
    close_after_answer: AtomicBool,
    /// When the last answer started.
    last_answer: std::sync::Mutex<Option<Instant>>,
}

impl ConnectionState {
    fn request_started(&self, version: http::Version) {
        self.served.store(true, Ordering::Relaxed);
        self.http2
            .store(version == http::Version::HTTP_2, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// An answer starts; whether it must close the connection.
    fn answered(&self) -> bool {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        *self.last_answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        self.close_after_answer.load(Ordering::Relaxed) && !self.http2.load(Ordering::Relaxed)
    }

    /// Idle long enough that its client is unlikely to be reusing it now
    /// (closing a kept-alive connection always races a client's next
    /// request; a second of silence makes that rare).
    fn idle_for_a_second(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
            && self
                .last_answer
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|at| at.elapsed() >= Duration::from_secs(1))
    }
}

/// Drives one connection to its end. Asked to make room: closes now if idle
/// for a second, else marks its next answer `Connection: close`. Stopping:
/// finishes the request in flight and closes.
async fn run_connection<C>(connection: C, mut asked: watch::Receiver<()>, state: &ConnectionState)
where
    C: GracefulConnection<Error = Box<dyn std::error::Error + Send + Sync>>,
{
    let mut connection = pin!(connection);
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = asked.changed() => {
                let stopping = changed.is_err();
                if !stopping && !state.served.load(Ordering::Relaxed) {
                    continue;
                }
                if stopping || state.http2.load(Ordering::Relaxed) || state.idle_for_a_second() {
                    connection.as_mut().graceful_shutdown();
                    if let Err(e) = connection.await {
                        tracing::trace!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                state.close_after_answer.store(true, Ordering::Relaxed);
            }
        }
    }
}

fn http_builder(limits: ConnectionLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // HTTP/2 has no header timeout; pings find peers that went away.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header_read_timeout)
        .keep_alive_timeout(limits.header_read_timeout);
    builder
}

/// Takes the next connection, then waits for a free slot for it: while
/// there is none, kept-alive connections are asked to make room, again each
/// second (one idle then may have become idle long enough to close). Only
/// this one accepted connection waits here; the rest wait in the kernel's
/// accept queue.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    make_room: &watch::Sender<()>,
) -> Option<(OwnedSemaphorePermit, TcpStream, SocketAddr)> {
    let (tcp, peer) = match listener.accept().await {
        Ok(accepted) => accepted,
        Err(e) => {
            handle_accept_error(e).await;
            return None;
        }
    };
    let slot = match slots.clone().try_acquire_owned() {
        Ok(slot) => slot,
        Err(_) => loop {
            make_room.send_replace(());
            let waited =
                tokio::time::timeout(Duration::from_secs(1), slots.clone().acquire_owned()).await;
            if let Ok(slot) = waited {
                break slot.ok()?;
            }
        },
    };
    Some((slot, tcp, peer))
}

/// As hyper 0.14 and axum do: a reset connection is the client's business;
/// anything else (out of file descriptors) gets a pause before the next try.
async fn handle_accept_error(e: io::Error) {
    let client_gone = matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    );
    if !client_gone {
        tracing::error!(error = %e, "accept failed");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
