//! The address a mail client posts to when its reader presses the client's
//! own "Unsubscribe" button (RFC 8058 one-click: `List-Unsubscribe` names it,
//! `List-Unsubscribe-Post` says a POST is enough). No session and no page:
//! the signed link is the authority (`backend::notifications::unsubscribe`).
//! People who open the link from the email's footer get the confirmation
//! page instead (`app::account::unsubscribe`).

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use backend::notifications::unsubscribe::{self, UnsubscribeLink};
use backend::{AppState, ClientMeta};
use std::net::SocketAddr;

pub async fn one_click(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(link): Query<UnsubscribeLink>,
) -> Result<Response, backend::Error> {
    let client =
        ClientMeta::from_headers(&headers, Some(peer.ip()), state.settings.trusted_proxy_hops);
    let target = unsubscribe::unsubscribe(&state, &client, &link).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        format!(
            "Unsubscribed: no more \u{201c}{}\u{201d} emails for {}.\n",
            target.category.label(),
            target.organization_name
        ),
    )
        .into_response())
}
