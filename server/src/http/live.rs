//! `GET /live`: the signed-in organization's live events as Server-Sent Events.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use backend::{AppState, AuthSession};
use domain::live::LiveEvent;
use futures::StreamExt;
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
    // Subscribed first, then the current totals: a page rendered before the
    // last refresh, or reconnecting after a gap, is right from the start.
    let current = backend::usage::service::current_totals(&state, session.organization_id)
        .await
        .ok()
        .map(LiveEvent::Usage);
    let deadline = Instant::now() + MAX_STREAM_AGE;
    let later = futures::stream::unfold(events, move |mut events| async move {
        let event = next_event(&mut events, deadline).await?;
        Some((event, events))
    });
    let stream = futures::stream::iter(current)
        .chain(later)
        .filter_map(|event| async move { serde_json::to_string(&event).ok() })
        .map(|data| Ok::<_, Infallible>(Event::default().data(data)));
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The next event; `Resync` when this page fell behind and skipped some, so
/// it re-reads what it shows; `None` ends the stream.
async fn next_event(events: &mut Receiver<LiveEvent>, deadline: Instant) -> Option<LiveEvent> {
    match tokio::time::timeout_at(deadline, events.recv()).await {
        Ok(Ok(event)) => Some(event),
        Ok(Err(RecvError::Lagged(_))) => Some(LiveEvent::Resync),
        Ok(Err(RecvError::Closed)) | Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::broadcast;
    use uuid::Uuid;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[tokio::test]
    async fn a_page_that_fell_behind_is_told_to_resync_then_hears_the_rest() {
        let (sender, mut events) = broadcast::channel(2);
        let tickets: Vec<_> = (0..3)
            .map(|_| LiveEvent::TicketUpdated {
                ticket_id: Uuid::new_v4(),
            })
            .collect();
        for event in &tickets {
            sender.send(event.clone()).unwrap();
        }
        // The first update was dropped: the page must learn that it missed something.
        assert_eq!(
            next_event(&mut events, far()).await,
            Some(LiveEvent::Resync)
        );
        assert_eq!(
            next_event(&mut events, far()).await,
            Some(tickets[1].clone())
        );
        assert_eq!(
            next_event(&mut events, far()).await,
            Some(tickets[2].clone())
        );
    }

    #[tokio::test]
    async fn the_stream_ends_at_its_deadline() {
        let (_sender, mut events) = broadcast::channel::<LiveEvent>(2);
        assert_eq!(next_event(&mut events, Instant::now()).await, None);
    }
}
