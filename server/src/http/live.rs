//! `GET /live`: the signed-in organization's live events as Server-Sent Events.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use backend::lifecycle::Lifecycle;
use backend::live::StreamSlot;
use backend::session::{customer, CustomerSession, Realm};
use backend::{AppState, AuthSession};
use domain::live::LiveEvent;
use domain::Role;
use futures::StreamExt;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;
use tokio::time::Instant;
use uuid::Uuid;

/// A stream ends after this long and the page reconnects, which checks the
/// session again from scratch.
const MAX_STREAM_AGE: Duration = Duration::from_secs(300);

/// How often an open stream checks that its session still stands, with the
/// same organization and role: a removed member, a demoted one or a revoked
/// session stops hearing events within this time.
const SESSION_CHECK: Duration = Duration::from_secs(2);

/// How soon a page reconnects when its instance drains.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Open streams allowed per session (a page holds one; ten tabs is plenty).
pub const MAX_STREAMS_PER_SESSION: usize = 10;

/// Only the session's organization is ever subscribed: the client names nothing.
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Option<Extension<AuthSession>>,
) -> Response {
    let (Some(Extension(session)), Some(token)) =
        (session, Realm::Customer.token(&state.settings, &headers))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if state.lifecycle.is_draining() {
        return unavailable_while_draining();
    }
    let Some(slot) = state
        .live
        .open_stream(session.session_id, MAX_STREAMS_PER_SESSION)
    else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many open pages for this session. Close some tabs and reload.",
        )
            .into_response();
    };
    let events = state.live.subscribe(session.organization_id);
    // Subscribed first, then the current totals: a page rendered before the
    // last refresh, or reconnecting after a gap, is right from the start.
    let current = backend::usage::service::current_totals(&state, session.organization_id)
        .await
        .ok()
        .map(LiveEvent::Usage);
    let deadline = Instant::now() + MAX_STREAM_AGE;
    let lifecycle = state.lifecycle.clone();
    let watch = SessionWatch {
        state,
        token,
        organization_id: session.organization_id,
        role: session.role,
        _slot: slot,
    };
    let later = futures::stream::unfold((events, watch), move |(mut events, watch)| async move {
        loop {
            let wake = deadline.min(Instant::now() + SESSION_CHECK);
            let next = tokio::select! {
                next = next_event(&mut events, wake) => next,
                () = watch.state.lifecycle.draining() => Next::End,
            };
            match next {
                Next::Event(event) => return Some((event, (events, watch))),
                Next::End => return None,
                Next::Wake if Instant::now() >= deadline => return None,
                Next::Wake if watch.still_stands().await => {}
                Next::Wake => return None,
            }
        }
    });
    let stream = futures::stream::iter(current)
        .chain(later)
        .filter_map(|event| async move { serde_json::to_string(&event).ok() })
        .map(|data| Ok::<_, Infallible>(Event::default().data(data)))
        .chain(
            futures::stream::once(async move { reconnect_soon(&lifecycle) })
                .filter_map(std::future::ready),
        );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// A draining instance's last word to a stream: reconnect in a second,
/// which the balancer sends to an instance that is staying.
fn reconnect_soon(lifecycle: &Lifecycle) -> Option<Result<Event, Infallible>> {
    lifecycle.is_draining().then(|| {
        Ok(Event::default()
            .retry(RECONNECT_AFTER)
            .comment("this instance is restarting; reconnect"))
    })
}

fn unavailable_while_draining() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "1")],
        "This instance is restarting. Reconnect.",
    )
        .into_response()
}

/// What an open stream needs to re-check its session (and its place among
/// the session's streams, given back when the stream ends).
struct SessionWatch {
    state: AppState,
    token: String,
    organization_id: Uuid,
    role: Role,
    _slot: StreamSlot,
}

impl SessionWatch {
    /// Still a member session of the same organization, with the same role.
    /// A Postgres or Redis hiccup keeps the stream (the next check decides).
    async fn still_stands(&self) -> bool {
        match customer::peek(&self.state, &self.token).await {
            Ok(Some(CustomerSession::Member(now))) => {
                now.organization_id == self.organization_id && now.role == self.role
            }
            Ok(_) => false,
            Err(_) => true,
        }
    }
}

#[derive(Debug, PartialEq)]
enum Next {
    Event(LiveEvent),
    /// Nothing happened before `wake`.
    Wake,
    End,
}

/// The next event before `wake`; `Resync` when this page fell behind and
/// skipped some, so it re-reads what it shows.
async fn next_event(events: &mut Receiver<LiveEvent>, wake: Instant) -> Next {
    match tokio::time::timeout_at(wake, events.recv()).await {
        Ok(Ok(event)) => Next::Event(event),
        Ok(Err(RecvError::Lagged(_))) => Next::Event(LiveEvent::Resync),
        Ok(Err(RecvError::Closed)) => Next::End,
        Err(_) => Next::Wake,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::broadcast;

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
            Next::Event(LiveEvent::Resync)
        );
        assert_eq!(
            next_event(&mut events, far()).await,
            Next::Event(tickets[1].clone())
        );
        assert_eq!(
            next_event(&mut events, far()).await,
            Next::Event(tickets[2].clone())
        );
    }

    #[tokio::test]
    async fn a_quiet_stream_wakes_up_to_check_its_session() {
        let (_sender, mut events) = broadcast::channel::<LiveEvent>(2);
        assert_eq!(next_event(&mut events, Instant::now()).await, Next::Wake);
    }
}
