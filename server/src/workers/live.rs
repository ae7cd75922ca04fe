//! Fans live events out to this instance's open pages: one Redis subscription
//! (a pattern over every organization's channel) per instance.

use super::subscriber::{self, Listener, Topic};
use backend::live::{channel_pattern, organization_of_channel};
use backend::AppState;
use domain::live::LiveEvent;
use fred::types::Message;
use std::sync::Arc;

/// Subscribes to every organization's live channel (see [`subscriber::subscribe`]
/// for when it returns). Without Redis, events reach only the instance that
/// published them until Redis is back.
pub async fn subscribe(state: &AppState, redis_url: &str) -> anyhow::Result<()> {
    let topic = Topic::Pattern(channel_pattern(&state.settings));
    let listener = Arc::new(LivePages {
        state: state.clone(),
    });
    subscriber::subscribe(redis_url, topic, listener).await
}

struct LivePages {
    state: AppState,
}

impl Listener for LivePages {
    fn message(&self, message: Message) {
        let hub = &self.state.live;
        let Some(organization_id) = organization_of_channel(&self.state.settings, &message.channel)
        else {
            return;
        };
        // Every instance hears every organization: most have no page open here.
        if hub.listeners(organization_id) == 0 {
            return;
        }
        let event = message
            .value
            .as_str()
            .and_then(|json| serde_json::from_str::<LiveEvent>(&json).ok());
        if let Some(event) = event {
            hub.deliver(organization_id, event);
        }
    }

    /// Events may have been missed: open pages are told to re-read what they
    /// show (a ticket thread), and get the usage totals again from the ledger.
    fn gap(&self) {
        let state = self.state.clone();
        tokio::spawn(async move {
            let listening = state.live.organizations();
            if listening.is_empty() {
                return;
            }
            for organization_id in &listening {
                state.live.deliver(*organization_id, LiveEvent::Resync);
            }
            match backend::usage::service::current_totals_of(&state, &listening).await {
                Ok(totals) => {
                    for (organization_id, totals) in totals {
                        state
                            .live
                            .deliver(organization_id, LiveEvent::Usage(totals));
                    }
                }
                Err(e) => tracing::warn!(error = ?e, "could not resynchronise live pages"),
            }
        });
    }
}
