//! The connection layer (`server::http::serve`): slow, idle and surplus
//! connections cannot pile up in the server.

use axum::routing::get;
use axum::Router;
use server::http::serve::{serve, ConnectionLimits};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HEALTH_REQUEST: &[u8] = b"GET /health HTTP/1.1\r\nHost: portal.test\r\n\r\n";

/// A server with a single cheap route, served with `limits`.
async fn serve_with(limits: ConnectionLimits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = Router::new().route(server::http::paths::HEALTH, get(|| async { "ok" }));
    tokio::spawn(serve(listener, router, limits, std::future::pending()));
    address
}

/// Reads until the server closes the connection; `None` if it has not within
/// `patience`.
async fn read_until_closed(tcp: &mut TcpStream, patience: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(patience, async {
        let mut buffer = [0u8; 4096];
        loop {
            match tcp.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&answer).into_owned())
}

/// Reads one answer's first bytes; `None` if nothing came within `patience`.
async fn read_some(tcp: &mut TcpStream, patience: Duration) -> Option<String> {
    let mut buffer = [0u8; 4096];
    match tokio::time::timeout(patience, tcp.read(&mut buffer)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buffer[..n]).into_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn a_client_that_sends_its_headers_slowly_is_cut_off() {
    let address = serve_with(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;
    let mut slowloris = TcpStream::connect(address).await.unwrap();
    slowloris
        .write_all(b"GET /health HTTP/1.1\r\n")
        .await
        .unwrap();

    let closed = read_until_closed(&mut slowloris, Duration::from_secs(10)).await;
    assert!(
        closed.is_some(),
        "a connection whose headers never finish must be closed by the server"
    );
    assert!(!closed.unwrap().contains("200 OK"));
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_its_answer() {
    let address = serve_with(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;
    let mut idle = TcpStream::connect(address).await.unwrap();
    idle.write_all(HEALTH_REQUEST).await.unwrap();

    let answer = read_until_closed(&mut idle, Duration::from_secs(10)).await;
    let answer = answer.expect("an idle kept-alive connection must not be kept forever");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let address = serve_with(ConnectionLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(60),
    })
    .await;
    // Two clients connect and are still to send their first request.
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(TcpStream::connect(address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut third = TcpStream::connect(address).await.unwrap();
    third.write_all(HEALTH_REQUEST).await.unwrap();
    assert_eq!(
        read_some(&mut third, Duration::from_millis(500)).await,
        None,
        "a third connection is not served while two are open"
    );

    drop(held.pop());
    let answer = read_some(&mut third, Duration::from_secs(10)).await;
    assert!(
        answer.is_some_and(|a| a.starts_with("HTTP/1.1 200 OK")),
        "once one closes, the waiting connection is served"
    );
}

#[tokio::test]
async fn idle_kept_alive_connections_give_way_when_every_slot_is_taken() {
    let address = serve_with(ConnectionLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(60),
    })
    .await;
    // A client's pool: two connections, each served once, now idle.
    let mut pooled = Vec::new();
    for _ in 0..2 {
        let mut tcp = TcpStream::connect(address).await.unwrap();
        tcp.write_all(HEALTH_REQUEST).await.unwrap();
        assert!(read_some(&mut tcp, Duration::from_secs(10)).await.is_some());
        pooled.push(tcp);
    }
    // Idle long enough that closing cannot cut off a request being sent.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let mut newcomer = TcpStream::connect(address).await.unwrap();
    newcomer.write_all(HEALTH_REQUEST).await.unwrap();
    let answer = read_some(&mut newcomer, Duration::from_secs(5)).await;
    assert!(
        answer.is_some_and(|a| a.starts_with("HTTP/1.1 200 OK")),
        "a new client is served without waiting for the idle limit"
    );
    for mut idle in pooled {
        assert!(
            read_until_closed(&mut idle, Duration::from_secs(5))
                .await
                .is_some(),
            "the idle connections were closed to make room"
        );
    }
}

#[tokio::test]
async fn a_busy_kept_alive_connection_is_told_to_close_when_every_slot_is_taken() {
    let address = serve_with(ConnectionLimits {
        max_connections: 1,
        header_read_timeout: Duration::from_secs(60),
    })
    .await;
    let mut pooled = TcpStream::connect(address).await.unwrap();
    pooled.write_all(HEALTH_REQUEST).await.unwrap();
    let first = read_some(&mut pooled, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        !first.to_ascii_lowercase().contains("connection: close"),
        "{first}"
    );

    // A newcomer waits for the only slot; the pooled connection, reused at
    // once, is answered and told to close, so no request of its client is cut off.
    let mut newcomer = TcpStream::connect(address).await.unwrap();
    newcomer.write_all(HEALTH_REQUEST).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    pooled.write_all(HEALTH_REQUEST).await.unwrap();
    let second = read_until_closed(&mut pooled, Duration::from_secs(5))
        .await
        .expect("closed after its answer");
    assert!(second.starts_with("HTTP/1.1 200 OK"), "{second}");
    assert!(
        second.to_ascii_lowercase().contains("connection: close"),
        "{second}"
    );
    let answer = read_some(&mut newcomer, Duration::from_secs(5)).await;
    assert!(answer.is_some_and(|a| a.starts_with("HTTP/1.1 200 OK")));
}
