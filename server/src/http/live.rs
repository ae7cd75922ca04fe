//! `GET /live`: the signed-in organization's live events as Server-Sent Events.

use app::live::LiveEvent;
use app::server::{AppState, AuthSession};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;
use tokio::time::Instant;

/// A stream ends after this long and the page reconnects, which checks the
/// session again: a revoked session stops hearing events within this time.
const MAX_STREAM_AGE: Duration = Duration::from_secs(300);

/// Only the session's organization is ever subscribed: the client names nothing.
pub async fn stream(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
) -> Response {
    let Some(Extension(session)) = session else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let events = state.live.subscribe(session.organization_id);
    let deadline = Instant::now() + MAX_STREAM_AGE;
    let stream = futures::stream::unfold(events, move |mut events| async move {
        let event = next_event(&mut events, deadline).await?;
        let data = serde_json::to_string(&event).ok()?;
        Some((Ok::<_, Infallible>(Event::default().data(data)), events))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The next event, skipping ahead if this page fell behind (only the newest
/// totals matter); `None` ends the stream.
async fn next_event(events: &mut Receiver<LiveEvent>, deadline: Instant) -> Option<LiveEvent> {
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) => return Some(event),
            Ok(Err(RecvError::Lagged(_))) => continue,
            Ok(Err(RecvError::Closed)) | Err(_) => return None,
        }
    }
}
