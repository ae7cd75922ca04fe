//! Widgets shared by the customer pages and the staff console.

use domain::support::{linkify, Segment, TicketPriority, TicketStatus};
use leptos::prelude::*;
use leptos_router::components::A;

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

/// A ticket's status as a coloured badge with its text (never colour alone).
#[component]
pub fn StatusBadge(status: TicketStatus, #[prop(optional)] staff: bool) -> impl IntoView {
    let colours = match status {
        TicketStatus::Open => "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
        TicketStatus::Pending => {
            "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
        TicketStatus::Resolved => {
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        TicketStatus::Closed => "bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
    };
    let label = if staff {
        status.staff_label()
    } else {
        status.label()
    };
    view! {
        <span class=format!("inline-block whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium {colours}")
            data-testid="ticket-status">
            {label}
        </span>
    }
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

/// A multi-line text field with its label and its error beside it.
#[component]
pub fn TextAreaField(
    label: &'static str,
    name: &'static str,
    /// Unique on the page (several forms may have a "body").
    id: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = 6)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
    /// Holds the text across re-renders of the form (a thread that refetches
    /// must not wipe a half-written reply); the page clears it once sent.
    #[prop(optional)]
    draft: Option<RwSignal<String>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let message_id = format!("{id}-message");
    let draft = draft.unwrap_or_else(|| RwSignal::new(String::new()));
    view! {
        <div class="space-y-1">
            <label for=id class="block text-sm font-medium text-slate-800 dark:text-slate-200">{label}</label>
            <textarea id=id name=name rows=rows required=true maxlength=maxlength
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=message_id.clone()
                class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm \
                       focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600/40 \
                       aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"></textarea>
            <p id=message_id class="text-sm">
                {move || match error.get() {
                    Some(message) => view! { <span class="text-red-700 dark:text-red-400">{message}</span> }.into_any(),
                    None => view! { <span class="text-slate-500 dark:text-slate-400">{hint}</span> }.into_any(),
                }}
            </p>
        </div>
    }
}

/// A labelled `<select>` of choices, with its error beside it.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    id: &'static str,
    /// (value, label) pairs.
    choices: Vec<(&'static str, &'static str)>,
    #[prop(optional, into)] selected: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let message_id = format!("{id}-message");
    view! {
        <div class="space-y-1">
            <label for=id class="block text-sm font-medium text-slate-800 dark:text-slate-200">{label}</label>
            <select id=id name=name aria-describedby=message_id.clone()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-900">
                {choices.into_iter().map(|(value, text)| {
                    view! { <option value=value selected=value == selected>{text}</option> }
                }).collect_view()}
            </select>
            <p id=message_id class="text-sm text-red-700 dark:text-red-400">{move || error.get()}</p>
        </div>
    }
}

/// "Previous / Next" links that keep the page's other query parameters.
#[component]
pub fn Pager(
    current: u32,
    page_count: u32,
    total: i64,
    /// Builds the link of a page number.
    href: Callback<u32, String>,
    label: &'static str,
) -> impl IntoView {
    let link = "rounded-md border border-slate-300 px-3 py-1 font-medium hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800";
    view! {
        <nav aria-label=label class="flex items-center justify-between text-sm">
            <p>{format!("Page {current} of {page_count} · {total} tickets")}</p>
            <div class="flex gap-2">
                {(current > 1).then(|| view! { <A href=href.run(current - 1) attr:class=link>"Previous"</A> })}
                {(current < page_count).then(|| view! { <A href=href.run(current + 1) attr:class=link>"Next"</A> })}
            </div>
        </nav>
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path?k=v&…` with the empty values left out.
pub fn query_url(path: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_urls_leave_out_empty_values_and_encode_the_rest() {
        assert_eq!(
            query_url("/support", &[("status", String::new())]),
            "/support"
        );
        assert_eq!(
            query_url(
                "/support",
                &[("status", "open".into()), ("q", "a&b c".into())]
            ),
            "/support?status=open&q=a%26b%20c"
        );
    }
}
