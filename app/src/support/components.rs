//! Widgets shared by the customer pages and the staff console.

use crate::ui::{Badge, Tone};
use domain::support::{linkify, Segment, TicketPriority, TicketStatus};
use leptos::prelude::*;

/// Message text, safely: each line is split into text and `http(s)` links,
/// and every piece becomes a text node (or an `<a>` whose `href` is set as an
/// attribute value). Nothing is ever parsed as HTML, so markup a user typed
/// shows as the characters they typed.
#[component]
pub fn MessageBody(body: String) -> impl IntoView {
    let lines: Vec<String> = body.split('\n').map(str::to_owned).collect();
    let count = lines.len();
    view! {
        <div class="whitespace-pre-wrap break-words text-sm leading-6" data-testid="message-body">
            {lines
                .into_iter()
                .enumerate()
                .map(|(i, line)| {
                    let pieces = linkify(&line)
                        .into_iter()
                        .map(|segment| match segment {
                            Segment::Text(text) => text.to_owned().into_any(),
                            Segment::Link(url) => {
                                let (href, text) = (url.to_owned(), url.to_owned());
                                view! {
                                    <a href=href rel="noopener noreferrer nofollow ugc" target="_blank"
                                        class="font-medium text-indigo-700 underline dark:text-indigo-300">{text}</a>
                                }
                                    .into_any()
                            }
                        })
                        .collect_view();
                    view! { {pieces}{(i + 1 < count).then(|| view! { <br/> })} }
                })
                .collect_view()}
        </div>
    }
}

/// A ticket's status as a badge; staff see their own wording ("Waiting on
/// customer").
#[component]
pub fn TicketStatusBadge(status: TicketStatus, #[prop(optional)] staff: bool) -> impl IntoView {
    let tone = match status {
        TicketStatus::Open => Tone::Info,
        TicketStatus::Pending => Tone::Warning,
        TicketStatus::Resolved => Tone::Success,
        TicketStatus::Closed => Tone::Neutral,
    };
    let label = if staff {
        status.staff_label()
    } else {
        status.label()
    };
    view! { <Badge tone label testid="ticket-status"/> }
}

#[component]
pub fn PriorityLabel(priority: TicketPriority) -> impl IntoView {
    let colours = match priority {
        TicketPriority::Urgent => "font-semibold text-red-700 dark:text-red-400",
        TicketPriority::High => "font-medium text-orange-700 dark:text-orange-300",
        _ => "text-slate-700 dark:text-slate-300",
    };
    view! { <span class=colours>{priority.label()}</span> }
}
