//! The customer's support pages: the ticket list, the new-ticket form and a
//! ticket's thread. Every form works without JavaScript (ActionForm posts,
//! or a multipart post where files go along, and the server redirects
//! back); with it, the thread also updates live.

use super::api::{
    get_ticket, list_tickets, CloseTicket, OpenTicket, RateTicket, ReopenTicket, ReplyToTicket,
};
use super::attachments::{AttachForm, AttachmentList, FilePicker, UploadProgress};
use super::components::{MessageBody, PriorityLabel, TicketStatusBadge};
use super::rating::RatingSection;
use crate::help::SuggestedArticles;
use crate::ui::form::{action_error, field_error, saved_count};
use crate::ui::style::{FILTER_INPUT, LINK, PRIMARY_LINK, SECONDARY_BUTTON};
use crate::ui::table::{CELL, CELL_NOWRAP, ROW_HEADER};
use crate::ui::time::When;
use crate::ui::{
    page_links, DataTable, EmptyState, ErrorView, FormAlert, FormField, HeaderActions, Loading,
    PageHeader, Pager, SelectField, SubmitButton, TextAreaField,
};
use domain::error::AppError;
use domain::live::LiveEvent;
use domain::support::{
    AuthorKind, TicketCategory, TicketPage as TicketListPage, TicketPriority, TicketStatus,
    TicketThread, MESSAGE_MAX_CHARS, SUBJECT_MAX_CHARS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

// ------------------------------------------------------------ list

/// `/support`: the organization's tickets, newest activity first, with a
/// status filter, a subject search and pages.
#[component]
pub fn SupportPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let page = move || param("page").parse::<u32>().unwrap_or(1);
    let tickets = Resource::new(
        move || (param("status"), param("q"), page()),
        |(status, search, page)| list_tickets(status, search, page),
    );
    view! {
        <Title text="Support · Portal"/>
        <div class="space-y-6">
            <PageHeader title="Support">
                <HeaderActions slot><A href="/support/new" attr:class=PRIMARY_LINK>"New ticket"</A></HeaderActions>
                "Your organization's tickets. Everyone on your team can follow and answer them."
            </PageHeader>
            <TicketFilters/>
            <Transition fallback=|| view! { <Loading label="Loading tickets…"/> }>
                {move || Suspend::new(async move {
                    let filtered = !param("status").is_empty() || !param("q").is_empty();
                    match tickets.await {
                        Ok(page) => view! { <TicketList page filtered/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn TicketFilters() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_default();
    view! {
        <Form method="GET" action="/support" attr:role="search" attr:aria-label="Filter tickets"
            attr:class="flex flex-wrap items-end gap-3">
            <div>
                <label for="ticket-status-filter" class="block text-sm font-medium">"Status"</label>
                <select id="ticket-status-filter" name="status"
                    class="mt-1 block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-900">
                    <option value="" selected=move || status().is_empty()>"All statuses"</option>
                    {TicketStatus::ALL.iter().map(|s| {
                        let value = s.as_str();
                        view! { <option value=value selected=move || status() == value>{s.label()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="min-w-56 flex-1 sm:max-w-xs">
                <label for="ticket-search" class="block text-sm font-medium">"Search subjects"</label>
                <input id="ticket-search" type="search" name="q" class=FILTER_INPUT
                    value=move || query.read().get("q").unwrap_or_default()/>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Apply filters"</button>
        </Form>
    }
}

#[component]
fn TicketList(page: TicketListPage, filtered: bool) -> impl IntoView {
    if page.tickets.is_empty() {
        return if filtered {
            view! { <EmptyState title="No tickets match">"Try another status or search, or clear the filters."</EmptyState> }
                .into_any()
        } else {
            view! {
                <EmptyState title="No tickets yet">
                    "When something can't be done in the portal, "
                    <A href="/support/new" attr:class=LINK>"open a ticket"</A>
                    " and we'll answer here and by email."
                </EmptyState>
            }
            .into_any()
        };
    }
    let href = page_links("/support", &["status", "q"]);
    let (current, page_count, total) = (page.page, page.page_count(), page.total);
    view! {
        <DataTable caption="Your organization's support tickets"
            columns=&["Subject", "Status", "Priority", "Category", "Last activity"]>
            {page.tickets.into_iter().map(|t| view! {
                <tr data-testid="ticket-row">
                    <th scope="row" class=ROW_HEADER>
                        <A href=format!("/support/{}", t.id) attr:class=LINK>{t.subject.clone()}</A>
                    </th>
                    <td class=CELL><TicketStatusBadge status=t.status/></td>
                    <td class=CELL><PriorityLabel priority=t.priority/></td>
                    <td class=CELL>{t.category.label()}</td>
                    <td class=CELL_NOWRAP><When moment=t.last_activity_at.clone()/></td>
                </tr>
            }).collect_view()}
        </DataTable>
        <Pager current page_count total href items="tickets" label="Ticket pages"/>
    }
    .into_any()
}

// ------------------------------------------------------------ new ticket

pub(crate) fn category_choices() -> Vec<(&'static str, &'static str)> {
    TicketCategory::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect()
}

pub(crate) fn priority_choices() -> Vec<(&'static str, &'static str)> {
    TicketPriority::ALL
        .iter()
        .map(|p| (p.as_str(), p.label()))
        .collect()
}

/// `/support/new`: subject, category, priority and the first message, with
/// help articles suggested while the subject is written. Without
/// JavaScript, "Find answers first" reloads the page with the form filled in
/// (a GET to this page) and the suggestions for its subject.
#[component]
pub fn NewTicketPage() -> impl IntoView {
    let action = ServerAction::<OpenTicket>::new();
    // With files the form goes to `/support/open` instead (see `opening`).
    let upload_error = RwSignal::new(None::<AppError>);
    let progress = RwSignal::new(None::<f64>);
    let action_error = action_error(action);
    let error = Signal::derive(move || upload_error.get().or_else(|| action_error.get()));
    let pending = Signal::derive(move || action.pending().get() || progress.get().is_some());
    let query = use_query_map();
    let typed = move |name: &str| query.read_untracked().get(name).unwrap_or_default();
    let subject = RwSignal::new(typed("subject"));
    let body = RwSignal::new(typed("body"));
    let (category, priority) = (typed("category"), typed("priority"));
    // The subject as typed right now; `subject` follows it after a pause.
    let latest = StoredValue::new(subject.get_untracked());
    let on_subject_input = debounced(subject, SUGGEST_AFTER);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let to_ticket = opening::to_ticket();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = form_ref.get_untracked() else {
            return;
        };
        ev.prevent_default();
        if !pending.get_untracked() {
            upload_error.set(None);
            opening::submit(form, action, upload_error, progress, to_ticket);
        }
    };
    let files_error = Signal::derive(move || error.get().and_then(|e| e.field("files")));
    view! {
        <Title text="New ticket · Support · Portal"/>
        <div class="max-w-2xl space-y-6">
            <PageHeader title="New ticket" back=("/support", "← All tickets")>
                "Tell us what you need. Our support team answers here and by email."
            </PageHeader>
            // A plain multipart form, so that it carries files without
            // JavaScript too; with it, a ticket without files goes through
            // the `OpenTicket` server function.
            <form node_ref=form_ref method="post" action=TICKET_OPEN enctype="multipart/form-data"
                on:submit=on_submit novalidate=true aria-label="New ticket"
                class="space-y-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
                <FormAlert error/>
                <div on:input=move |ev| {
                    let value = event_target_value(&ev);
                    latest.set_value(value.clone());
                    on_subject_input(value);
                }>
                    <FormField label="Subject" name="subject" required=true maxlength=SUBJECT_MAX_CHARS
                        value=subject.get_untracked()
                        hint="One line that sums it up. We suggest answers as you type." error=field_error(error, "subject")/>
                </div>
                <SuggestedArticles subject/>
                <div class="grid grid-cols-1 gap-4 sm:grid-cols-2">
                    <SelectField label="Category" name="category" id="ticket-category" choices=category_choices()
                        selected=or(category, "technical") error=field_error(error, "category")/>
                    <SelectField label="Priority" name="priority" id="ticket-priority" choices=priority_choices()
                        selected=or(priority, "normal") error=field_error(error, "priority")/>
                </div>
                <TextAreaField label="Message" name="body" id="ticket-body" rows=8 maxlength=MESSAGE_MAX_CHARS draft=body
                    hint="Plain text. Links work; HTML is shown as typed." error=field_error(error, "body")/>
                <FilePicker id="ticket-files" label="Files (optional)" error=files_error
                    hint=Some("Screenshots and logs help us answer faster.")
                    on_change=Callback::new(move |()| upload_error.set(None))/>
                <UploadProgress progress/>
                <div class="flex flex-wrap items-center gap-3">
                    <div class="sm:w-48">
                        <SubmitButton label="Open ticket" pending_label="Opening…" pending/>
                    </div>
                    // With JavaScript the suggestions are already live; the
                    // click only skips the typing delay instead of submitting.
                    <button type="submit" formaction="/support/new" formmethod="get" formnovalidate=true
                        class=SECONDARY_BUTTON on:click=move |ev| {
                            ev.prevent_default();
                            subject.set(latest.get_value());
                        }>
                        "Find answers first"
                    </button>
                </div>
            </form>
        </div>
    }
}

/// Where the new-ticket form posts without JavaScript, or with files.
const TICKET_OPEN: &str = "/support/open";

/// Sending the new-ticket form from the browser.
#[cfg(feature = "hydrate")]
mod opening {
    use super::super::attachments::upload;
    use super::*;
    use domain::attachments::Refusal;
    use domain::error::FieldErrors;
    use web_sys::{FormData, HtmlFormElement};

    /// Without files: the server function, as the form was. With files: the
    /// whole form to `/support/open`, checked first, with progress.
    pub fn submit(
        form: HtmlFormElement,
        action: ServerAction<OpenTicket>,
        error: RwSignal<Option<AppError>>,
        progress: RwSignal<Option<f64>>,
        to_ticket: Callback<Uuid>,
    ) {
        if upload::chosen(&form) == 0 {
            if let Some(input) = typed(&form) {
                action.dispatch(input);
            }
            return;
        }
        if let Some(refusal) = upload::check_files(&form) {
            error.set(Some(files_refused(refusal)));
            return;
        }
        let sent = upload::post(&form, progress, move |status, text| match status {
            200..=299 => match serde_json::from_str::<Opened>(&text) {
                Ok(opened) => to_ticket.run(opened.id),
                Err(_) => error.set(Some(AppError::BadRequest)),
            },
            0 => error.set(Some(files_refused(Refusal::Interrupted))),
            _ => error.set(Some(
                serde_json::from_str(&text).unwrap_or(AppError::Unavailable),
            )),
        });
        if sent.is_err() {
            progress.set(None);
            error.set(Some(AppError::Network));
        }
    }

    /// Goes to a ticket's page (the router's navigation, kept in a local
    /// store: it is not `Send`, and in the browser nothing needs it to be).
    pub fn to_ticket() -> Callback<Uuid> {
        let navigate = StoredValue::new_local(leptos_router::hooks::use_navigate());
        Callback::new(move |id: Uuid| {
            navigate.with_value(|go| go(&format!("/support/{id}"), Default::default()))
        })
    }

    #[derive(serde::Deserialize)]
    struct Opened {
        id: Uuid,
    }

    fn typed(form: &HtmlFormElement) -> Option<OpenTicket> {
        let data = FormData::new_with_form(form).ok()?;
        let field = |name: &str| data.get(name).as_string().unwrap_or_default();
        Some(OpenTicket {
            subject: field("subject"),
            category: field("category"),
            priority: field("priority"),
            body: field("body"),
        })
    }

    fn files_refused(refusal: Refusal) -> AppError {
        AppError::Validation(FieldErrors::single("files", refusal.message()))
    }
}

#[cfg(not(feature = "hydrate"))]
mod opening {
    use super::*;

    /// On the server nothing navigates (and a local store would be dropped
    /// on another thread).
    pub fn to_ticket() -> Callback<Uuid> {
        Callback::new(|_| ())
    }

    /// Only the browser sends the form this way; on the server it is HTML.
    pub fn submit(
        _form: web_sys::HtmlFormElement,
        _action: ServerAction<OpenTicket>,
        _error: RwSignal<Option<AppError>>,
        _progress: RwSignal<Option<f64>>,
        _to_ticket: Callback<Uuid>,
    ) {
    }
}

/// How long typing must pause before suggestions are looked up.
const SUGGEST_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

/// A handler that sets `target` once input has paused for `delay`.
fn debounced(target: RwSignal<String>, delay: std::time::Duration) -> impl Fn(String) + Copy {
    let pending = StoredValue::new(None::<TimeoutHandle>);
    move |value: String| {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        // The page may be gone (the ticket was opened) when the timer fires.
        let handle = set_timeout_with_handle(move || drop(target.try_set(value)), delay).ok();
        pending.set_value(handle);
    }
}

fn or(value: String, default: &str) -> String {
    if value.is_empty() {
        default.to_owned()
    } else {
        value
    }
}

// ------------------------------------------------------------ thread

/// The route's `:id`, or `None` when it is not a ticket id.
pub(crate) fn ticket_id_param() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

/// `/support/:id`: the thread, the reply form, close and reopen.
#[component]
pub fn TicketPage() -> impl IntoView {
    let id = ticket_id_param();
    let reply = ServerAction::<ReplyToTicket>::new();
    let close = ServerAction::<CloseTicket>::new();
    let reopen = ServerAction::<ReopenTicket>::new();
    let rate = ServerAction::<RateTicket>::new();
    // Bumped by live events for this ticket (staff replied or changed it).
    let live = RwSignal::new(0u32);
    follow_ticket_updates(id, live);
    // Bumped when files were attached (an upload is not a server function).
    let uploads = RwSignal::new(0u32);
    // Reload after successful actions only: a refused reply must not
    // re-render the thread and its form (see `ui::form::saved_count`).
    let (replied, closed, reopened) = (saved_count(reply), saved_count(close), saved_count(reopen));
    let rated = saved_count(rate);
    let ticket = Resource::new(
        move || {
            (
                id.get(),
                replied.get(),
                closed.get(),
                reopened.get(),
                rated.get(),
                live.get(),
                uploads.get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_ticket(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // The reply being written survives refetches (live updates) and is
    // cleared only when it was sent.
    let draft = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(reply.value().get(), Some(Ok(()))) {
            draft.set(String::new());
        }
    });
    let actions = ThreadActions {
        reply,
        close,
        reopen,
        rate,
        draft,
        uploads,
    };
    view! {
        <Title text="Ticket · Support · Portal"/>
        <div class="space-y-6">
            <A href="/support" attr:class="text-sm text-indigo-700 underline dark:text-indigo-300">"← All tickets"</A>
            <Transition fallback=|| view! { <Loading label="Loading the ticket…"/> }>
                {move || Suspend::new(async move {
                    match ticket.await {
                        Ok(thread) => view! { <Thread thread actions/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Refetches the open thread when the server announces a change to it (a
/// staff reply, a status change, a teammate's reply), or that the page may
/// have missed one, without a reload.
fn follow_ticket_updates(id: Memo<Option<Uuid>>, live: RwSignal<u32>) {
    crate::live::use_live_events(move |event| {
        let concerns_this_thread = match event {
            LiveEvent::TicketUpdated { ticket_id } => id.get_untracked() == Some(ticket_id),
            LiveEvent::Resync => true,
            LiveEvent::Usage(_) => false,
        };
        if concerns_this_thread {
            live.update(|n| *n = n.wrapping_add(1));
        }
    });
}

#[derive(Clone, Copy)]
struct ThreadActions {
    reply: ServerAction<ReplyToTicket>,
    close: ServerAction<CloseTicket>,
    reopen: ServerAction<ReopenTicket>,
    rate: ServerAction<RateTicket>,
    draft: RwSignal<String>,
    uploads: RwSignal<u32>,
}

#[component]
fn Thread(thread: TicketThread, actions: ThreadActions) -> impl IntoView {
    let status = thread.status;
    let id = thread.id.to_string();
    let opened = view! {
        "Opened " <When moment=thread.created_at.clone()/>
        {thread.requester_name.clone().map(|name| format!(" by {name}"))}
    };
    view! {
        <Title text=format!("{} · Support · Portal", thread.subject)/>
        <header class="space-y-2">
            <h1 class="text-2xl font-semibold break-words">{thread.subject.clone()}</h1>
            <p class="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-600 dark:text-slate-300">
                <TicketStatusBadge status/>
                <span>"Priority: "<PriorityLabel priority=thread.priority/></span>
                <span>{format!("Category: {}", thread.category.label())}</span>
                <span>{opened}</span>
            </p>
            {(status == TicketStatus::Pending).then(|| view! {
                <p class="text-sm text-amber-800 dark:text-amber-200">"Support answered and is waiting for your reply."</p>
            })}
        </header>
        <section aria-labelledby="messages-heading" class="space-y-3">
            <h2 id="messages-heading" class="sr-only">"Messages"</h2>
            <ol class="space-y-3" aria-live="polite">
                {thread.messages.into_iter().map(|m| {
                    let staff = m.author_kind == AuthorKind::Staff;
                    let frame = if staff {
                        "rounded-lg border border-indigo-200 bg-indigo-50 p-4 dark:border-indigo-900 dark:bg-indigo-950"
                    } else {
                        "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900"
                    };
                    view! {
                        <li class=frame data-testid="message">
                            <article>
                                <header class="mb-2 flex flex-wrap justify-between gap-2 text-sm">
                                    <span class="font-medium">{m.author_name.clone()}</span>
                                    <span class="text-slate-600 dark:text-slate-300"><When moment=m.created_at.clone()/></span>
                                </header>
                                <MessageBody body=m.body/>
                                <AttachmentList files=m.attachments base="/support/attachments"/>
                            </article>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        {thread.satisfaction.map(|satisfaction| view! {
            <RatingSection ticket_id=id.clone() satisfaction rate=actions.rate/>
        })}
        <ReplyForm ticket_id=id.clone() status actions/>
        {status.accepts_customer_reply().then(|| {
            let uploads = actions.uploads;
            let hint = (status == TicketStatus::Resolved).then_some("Attaching reopens this ticket.");
            view! {
                <AttachForm upload_url=format!("/support/{id}/attachments") hint
                    on_uploaded=Callback::new(move |()| uploads.update(|n| *n += 1))/>
            }
        })}
        <StatusActions ticket_id=id status actions/>
    }
}

#[component]
fn ReplyForm(ticket_id: String, status: TicketStatus, actions: ThreadActions) -> impl IntoView {
    let reply = actions.reply;
    let error = action_error(reply);
    if !status.accepts_customer_reply() {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">"This ticket is closed. Reopen it to write again."</p>
        }
        .into_any();
    }
    let hint = if status == TicketStatus::Resolved {
        "Replying reopens this ticket."
    } else {
        "Plain text. Links work; HTML is shown as typed."
    };
    view! {
        <section aria-labelledby="reply-heading" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="reply-heading" class="mb-3 font-semibold">"Reply"</h2>
            <ActionForm action=reply attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="ticket_id" value=ticket_id/>
                <FormAlert error/>
                <TextAreaField label="Your reply" name="body" id="reply-body" rows=5 maxlength=MESSAGE_MAX_CHARS
                    hint draft=actions.draft error=field_error(error, "body")/>
                <div class="sm:w-48">
                    <SubmitButton label="Send reply" pending_label="Sending…" pending=reply.pending()/>
                </div>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn StatusActions(ticket_id: String, status: TicketStatus, actions: ThreadActions) -> impl IntoView {
    let (close_error, reopen_error) = (action_error(actions.close), action_error(actions.reopen));
    let error = Signal::derive(move || close_error.get().or_else(|| reopen_error.get()));
    let close = (status != TicketStatus::Closed).then(|| {
        let id = ticket_id.clone();
        view! {
            <ActionForm action=actions.close>
                <input type="hidden" name="ticket_id" value=id/>
                <button type="submit" class=SECONDARY_BUTTON>"Close ticket"</button>
            </ActionForm>
        }
    });
    let reopen = status.can_reopen().then(|| {
        view! {
            <ActionForm action=actions.reopen>
                <input type="hidden" name="ticket_id" value=ticket_id.clone()/>
                <button type="submit" class=SECONDARY_BUTTON>"Reopen ticket"</button>
            </ActionForm>
        }
    });
    view! {
        <div class="flex flex-wrap items-center gap-3">
            {close}
            {reopen}
            <FormAlert error/>
        </div>
    }
}
