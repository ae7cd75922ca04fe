//! The staff console: its own sign-in, its own frame (no customer
//! navigation, no organization), the ticket queue across organizations and a
//! ticket with the customer's context beside the thread.

use super::api::{
    fill_canned_reply, get_current_staff, get_staff_ticket, list_canned_replies,
    list_staff_tickets, AddInternalNote, AssignTicket, IssueCreditNote, QueueOrder,
    SetTicketStatus, StaffReply, StaffSignIn, StaffSignOut,
};
use super::canned::{query_id, CannedPicker};
use crate::support::attachments::{AttachForm, AttachmentList};
use crate::support::components::{MessageBody, PriorityLabel, TicketStatusBadge};
use crate::support::page::ticket_id_param;
use crate::ui::form::{action_error, choices, field_error, form_error, saved_count, FilterSelect};
use crate::ui::layout::{Session, SessionGate, WithSession};
use crate::ui::style::{FILTER_INPUT, LINK, SECONDARY_BUTTON};
use crate::ui::table::{CELL, CELL_NOWRAP, ROW_HEADER};
use crate::ui::time::When;
use crate::ui::{
    page_links, render_errors_boundary, Badge, CardFrame, DataTable, EmptyState, ErrorView,
    FormAlert, FormField, Frame, FrameAccount, FrameNav, Loading, NavLinks, PageHeader, Pager,
    SignOutButton, SubmitButton, TextAreaField, Tone,
};
use domain::canned::CannedReply;
use domain::error::AppError;
use domain::support::{
    AuthorKind, CustomerContext, InvoiceLine, ResponseDue, StaffMember, StaffTicketPage,
    StaffTicketView, TicketCategory, TicketPriority, TicketStatus, MESSAGE_MAX_CHARS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, Outlet, Redirect, A};
use leptos_router::hooks::use_query_map;

/// `/staff/sign-in`: staff accounts only; customers' passwords do not open it.
#[component]
pub fn StaffSignInPage() -> impl IntoView {
    let action = ServerAction::<StaffSignIn>::new();
    let error = form_error(action.value());
    let joined = use_query_map().read_untracked().get("joined").is_some();
    view! {
        <CardFrame title="Support console sign-in">
            {joined.then(|| view! {
                <p role="status" class="mb-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
                    "You joined the support team. Sign in to set up two-factor authentication."
                </p>
            })}
            <ActionForm action attr:class="space-y-4" attr:novalidate=true>
                <FormAlert error/>
                <FormField label="Email" name="email" input_type="email" autocomplete="username" required=true
                    error=field_error(error, "email")/>
                <FormField label="Password" name="password" input_type="password" autocomplete="current-password"
                    required=true error=field_error(error, "password")/>
                <SubmitButton label="Sign in to the console" pending_label="Signing in…" pending=action.pending()/>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-300">
                "A customer? "<a href="/sign-in" class=LINK>"Sign in to your portal"</a>
            </p>
        </CardFrame>
    }
}

/// The signed-in staff member, loaded once per page by `StaffLayout`.
#[derive(Clone, Copy)]
struct StaffSession(Session<StaffMember>);

/// The console's frame. Signed-out visitors (and customers, who have no
/// staff session) are sent to the staff sign-in.
///
/// As in the customer frame (`ui::layout`), only the parts that show the staff
/// member wait for the session; the page stays outside every `Suspend`, which
/// server rendering would otherwise build (and load) up to three times.
#[component]
pub fn StaffLayout() -> impl IntoView {
    let staff = Resource::new(|| (), |_| get_current_staff());
    provide_context(StaffSession(staff));
    let sign_out = ServerAction::<StaffSignOut>::new();
    view! {
        <Frame brand="Portal Support" home="/staff/tickets" width="max-w-7xl">
            <FrameNav slot><NavLinks label="Console" links=&[("/staff/tickets", "Tickets"), ("/staff/canned-replies", "Canned replies"), ("/staff/satisfaction", "Satisfaction"), ("/staff/help", "Help center"), ("/staff/members", "Staff")]/></FrameNav>
            <FrameAccount slot>
                <WithSession session=staff render=staff_badge/>
                <ActionForm action=sign_out><SignOutButton/></ActionForm>
            </FrameAccount>
            <SessionGate session=staff sign_in="/staff/sign-in"/>
            <ErrorBoundary fallback=render_errors_boundary>
                <Outlet/>
            </ErrorBoundary>
        </Frame>
    }
}

fn staff_badge(me: StaffMember) -> AnyView {
    view! {
        <span class="flex items-center gap-2 text-sm">
            <span class="font-medium">{me.name}</span>
            <Badge tone=Tone::Accent label="Staff"/>
        </span>
    }
    .into_any()
}

/// `/staff`: the queue is the console's home.
#[component]
pub fn StaffHome() -> impl IntoView {
    view! { <Redirect path="/staff/tickets"/> }
}

// ------------------------------------------------------------ queue

/// `/staff/tickets`: every organization's tickets with filters.
#[component]
pub fn StaffTicketsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let tickets = Resource::new(
        move || {
            (
                param("status"),
                param("priority"),
                param("category"),
                param("assignee"),
                param("q"),
                QueueOrder {
                    due: param("due"),
                    sort: param("sort"),
                },
                param("page").parse::<u32>().unwrap_or(1),
            )
        },
        |(status, priority, category, assignee, search, order, page)| {
            list_staff_tickets(status, priority, category, assignee, search, order, page)
        },
    );
    view! {
        <Title text="Tickets · Support console"/>
        <div class="space-y-6">
            <PageHeader title="Tickets"/>
            <QueueFilters/>
            <Transition fallback=|| view! { <Loading label="Loading tickets…"/> }>
                {move || Suspend::new(async move {
                    match tickets.await {
                        Ok(page) => view! { <Queue page/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A `<select>` of a GET filter form, showing the current query value.
#[component]
fn QueueFilters() -> impl IntoView {
    let query = use_query_map();
    let statuses = TicketStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.staff_label()));
    let priorities = TicketPriority::ALL.iter().map(|p| (p.as_str(), p.label()));
    let categories = TicketCategory::ALL.iter().map(|c| (c.as_str(), c.label()));
    view! {
        <Form method="GET" action="/staff/tickets" attr:role="search" attr:aria-label="Filter tickets"
            attr:class="grid grid-cols-1 gap-3 sm:grid-cols-3 lg:grid-cols-4 lg:items-end">
            <FilterSelect label="Status" name="status" any="Any status" choices=choices(statuses)/>
            <FilterSelect label="Priority" name="priority" any="Any priority" choices=choices(priorities)/>
            <FilterSelect label="Category" name="category" any="Any category" choices=choices(categories)/>
            <FilterSelect label="Assignee" name="assignee" any="Anyone"
                choices=choices([("unassigned", "Unassigned"), ("me", "Assigned to me")])/>
            <FilterSelect label="Response" name="due" any="Due or not" choices=choices([("overdue", "Overdue")])/>
            <FilterSelect label="Sort by" name="sort" any="Newest activity"
                choices=choices([("due", "Response due first")])/>
            <div>
                <label for="filter-q" class="block text-sm font-medium">"Search"</label>
                <input id="filter-q" type="search" name="q" placeholder="Subject or organization" class=FILTER_INPUT
                    value=move || query.read().get("q").unwrap_or_default()/>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Apply filters"</button>
        </Form>
    }
}

#[component]
fn Queue(page: StaffTicketPage) -> impl IntoView {
    if page.tickets.is_empty() {
        return view! {
            <EmptyState title="No tickets match">"Change or clear the filters."</EmptyState>
        }
        .into_any();
    }
    let href = page_links(
        "/staff/tickets",
        &[
            "status", "priority", "category", "assignee", "q", "due", "sort",
        ],
    );
    let (current, page_count, total) = (page.page, page.page_count(), page.total);
    view! {
        <DataTable caption="Tickets of every organization"
            columns=&["Subject", "Organization", "Status", "Response", "Priority", "Category", "Assignee", "Last activity"]>
            {page.tickets.into_iter().map(|t| view! {
                <tr data-testid="staff-ticket-row">
                    <th scope="row" class=ROW_HEADER>
                        <A href=format!("/staff/tickets/{}", t.id) attr:class=LINK>{t.subject.clone()}</A>
                    </th>
                    <td class=CELL>{t.organization_name.clone()}</td>
                    <td class=CELL><TicketStatusBadge status=t.status staff=true/></td>
                    <td class=CELL_NOWRAP data-testid="response-due"><DueLabel due=t.response_due.clone()/></td>
                    <td class=CELL><PriorityLabel priority=t.priority/></td>
                    <td class=CELL>{t.category.label()}</td>
                    <td class=CELL>{t.assignee_name.clone().unwrap_or_else(|| "Unassigned".into())}</td>
                    <td class=CELL_NOWRAP><When moment=t.last_activity_at.clone()/></td>
                </tr>
            }).collect_view()}
        </DataTable>
        <Pager current page_count total href items="tickets" label="Ticket pages"/>
    }
    .into_any()
}

/// "due in 2 h", or "overdue by 30 min" in red; a dash when nothing is due.
#[component]
fn DueLabel(due: Option<ResponseDue>) -> impl IntoView {
    match due {
        Some(due) if due.overdue => view! {
            <span class="font-medium text-red-700 dark:text-red-300">{due.label}</span>
        }
        .into_any(),
        Some(due) => view! { <span>{due.label}</span> }.into_any(),
        None => view! { <span aria-label="Nothing due">"—"</span> }.into_any(),
    }
}

// ------------------------------------------------------------ one ticket

#[derive(Clone, Copy)]
struct ConsoleActions {
    reply: ServerAction<StaffReply>,
    note: ServerAction<AddInternalNote>,
    status: ServerAction<SetTicketStatus>,
    assign: ServerAction<AssignTicket>,
    credit: ServerAction<IssueCreditNote>,
    /// Texts being written; they survive the refetch after another action.
    reply_draft: RwSignal<String>,
    note_draft: RwSignal<String>,
    /// Bumped when files were attached (an upload is not a server function).
    uploads: RwSignal<u32>,
}

/// `/staff/tickets/:id`: thread with internal notes, reply, note, status,
/// assignment, and the customer's context.
#[component]
pub fn StaffTicketPage() -> impl IntoView {
    let StaffSession(staff) = expect_context();
    let id = ticket_id_param();
    let actions = ConsoleActions {
        reply: ServerAction::new(),
        note: ServerAction::new(),
        status: ServerAction::new(),
        assign: ServerAction::new(),
        credit: ServerAction::new(),
        reply_draft: RwSignal::new(String::new()),
        note_draft: RwSignal::new(String::new()),
        uploads: RwSignal::new(0),
    };
    Effect::new(move |_| {
        if matches!(actions.reply.value().get(), Some(Ok(()))) {
            actions.reply_draft.set(String::new());
        }
    });
    Effect::new(move |_| {
        if matches!(actions.note.value().get(), Some(Ok(()))) {
            actions.note_draft.set(String::new());
        }
    });
    // Reload after successful actions only (see `ui::form::saved_count`).
    let saved = [
        saved_count(actions.reply),
        saved_count(actions.note),
        saved_count(actions.status),
        saved_count(actions.assign),
        saved_count(actions.credit),
    ];
    let ticket = Resource::new(
        move || {
            (
                id.get(),
                saved.map(|count| count.get()),
                actions.uploads.get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_staff_ticket(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let canned_replies = Resource::new(|| (), |_| list_canned_replies());
    let canned = query_id("canned");
    let filled = Resource::new(
        move || (id.get(), canned.get()),
        |ids| async move {
            match ids {
                (Some(ticket), Some(canned)) => fill_canned_reply(ticket, canned).await.ok(),
                _ => None,
            }
        },
    );
    // A canned reply goes into the reply once per choice: a thread that
    // refetches (live updates, a note saved) must not insert it again.
    let inserted = StoredValue::new(None::<(uuid::Uuid, uuid::Uuid)>);
    view! {
        <Title text="Ticket · Support console"/>
        <div class="space-y-4">
            <A href="/staff/tickets" attr:class="text-sm text-indigo-700 underline dark:text-indigo-300">"← All tickets"</A>
            <Transition fallback=|| view! { <Loading label="Loading the ticket…"/> }>
                {move || Suspend::new(async move {
                    let me = staff.await.ok().flatten();
                    let canned_replies = canned_replies.await.unwrap_or_default();
                    let choice = id.get_untracked().zip(canned.get_untracked());
                    if let (Some(text), Some(choice)) = (filled.await, choice) {
                        if inserted.get_value() != Some(choice) {
                            inserted.set_value(Some(choice));
                            // After what was written already, never over it.
                            actions.reply_draft.update(|draft| {
                                *draft = match draft.trim_end() {
                                    "" => text,
                                    written => format!("{written}\n\n{text}"),
                                };
                            });
                        }
                    }
                    match ticket.await {
                        Ok(view) => view! { <ConsoleTicket ticket=view actions me canned_replies/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ConsoleTicket(
    ticket: StaffTicketView,
    actions: ConsoleActions,
    me: Option<StaffMember>,
    canned_replies: Vec<CannedReply>,
) -> impl IntoView {
    let id = ticket.id.to_string();
    let requester = match (&ticket.requester_name, &ticket.requester_email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        _ => "Former member".to_owned(),
    };
    view! {
        <Title text=format!("{} · Support console", ticket.subject)/>
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
            <div class="space-y-4">
                <header class="space-y-2">
                    <h1 class="text-2xl font-semibold break-words">{ticket.subject.clone()}</h1>
                    <p class="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-600 dark:text-slate-300">
                        <TicketStatusBadge status=ticket.status staff=true/>
                        <span>"Priority: "<PriorityLabel priority=ticket.priority/></span>
                        <span>{format!("Category: {}", ticket.category.label())}</span>
                        <span>"Opened " <When moment=ticket.created_at.clone()/> {format!(" by {requester}")}</span>
                        {ticket.response_due.clone().map(|due| {
                            let which = if ticket.first_response { "First response" } else { "Next response" };
                            view! {
                                <span data-testid="ticket-response-due">{which}" "<DueLabel due=Some(due)/></span>
                            }
                        })}
                    </p>
                    {ticket.rating.map(|r| {
                        let comment = (!r.comment.is_empty()).then(|| format!("“{}”", r.comment));
                        view! {
                            <p class="text-sm" data-testid="staff-rating">
                                <span class="font-medium">{format!("Rated {} on {}", r.rating.label().to_lowercase(), r.rated_on)}</span>
                                " "<span class="whitespace-pre-line break-words text-slate-600 dark:text-slate-300">{comment}</span>
                            </p>
                        }
                    })}
                </header>
                <section aria-labelledby="thread-heading">
                    <h2 id="thread-heading" class="sr-only">"Thread"</h2>
                    <ol class="space-y-3">
                        {ticket.messages.into_iter().map(|m| {
                            let testid = if m.internal { "internal-note" } else { "message" };
                            let (frame, tag) = if m.internal {
                                ("rounded-lg border border-dashed border-amber-400 bg-amber-50 p-4 dark:border-amber-700 dark:bg-amber-950", Some("Internal note"))
                            } else if m.author_kind == AuthorKind::Staff {
                                ("rounded-lg border border-indigo-200 bg-indigo-50 p-4 dark:border-indigo-900 dark:bg-indigo-950", Some("Staff reply"))
                            } else {
                                ("rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900", None)
                            };
                            view! {
                                <li class=frame data-testid=testid>
                                    <article>
                                        <header class="mb-2 flex flex-wrap justify-between gap-2 text-sm">
                                            <span class="font-medium">
                                                {m.author_name.clone()}
                                                {tag.map(|t| view! { <span class="ml-2 rounded bg-white/60 px-2 py-0.5 text-xs dark:bg-black/30">{t}</span> })}
                                            </span>
                                            <span class="text-slate-600 dark:text-slate-300"><When moment=m.created_at.clone()/></span>
                                        </header>
                                        <MessageBody body=m.body/>
                                        <AttachmentList files=m.attachments base="/staff/attachments"/>
                                    </article>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
                <ConsoleReply ticket_id=id.clone() actions canned_replies/>
                <AttachForm upload_url=format!("/staff/tickets/{id}/attachments")
                    hint=Some("They are sent to the customer as a reply.")
                    on_uploaded=Callback::new(move |()| actions.uploads.update(|n| *n += 1))/>
            </div>
            <aside class="space-y-4" aria-label="Ticket details">
                <TicketControls ticket_id=id status=ticket.status assignee=ticket.assignee_id staff=ticket.staff actions me/>
                <CreditNoteForm ticket_id=ticket.id.to_string() invoices=ticket.customer.invoices.clone() action=actions.credit/>
                <CustomerPanel customer=ticket.customer/>
            </aside>
        </div>
    }
}

/// Reply to the customer and internal note: two forms, clearly apart.
#[component]
fn ConsoleReply(
    ticket_id: String,
    actions: ConsoleActions,
    canned_replies: Vec<CannedReply>,
) -> impl IntoView {
    let reply_error = action_error(actions.reply);
    let note_error = action_error(actions.note);
    let reply_ticket_id = ticket_id.clone();
    view! {
        <section aria-labelledby="console-reply-heading" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="console-reply-heading" class="mb-3 font-semibold">"Reply to the customer"</h2>
            <div class="mb-3"><CannedPicker ticket_id=reply_ticket_id.clone() replies=canned_replies/></div>
            <ActionForm action=actions.reply attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="ticket_id" value=reply_ticket_id/>
                <FormAlert error=reply_error/>
                <TextAreaField label="Reply" name="body" id="staff-reply-body" rows=5 maxlength=MESSAGE_MAX_CHARS
                    hint="Emailed to the requester. The ticket becomes pending." draft=actions.reply_draft error=field_error(reply_error, "body")/>
                <div class="sm:w-48">
                    <SubmitButton label="Send reply" pending_label="Sending…" pending=actions.reply.pending()/>
                </div>
            </ActionForm>
        </section>
        <section aria-labelledby="console-note-heading" class="rounded-lg border border-dashed border-amber-400 bg-amber-50 p-5 dark:border-amber-700 dark:bg-amber-950">
            <h2 id="console-note-heading" class="mb-3 font-semibold">"Internal note"</h2>
            <ActionForm action=actions.note attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="ticket_id" value=ticket_id/>
                <FormAlert error=note_error/>
                <TextAreaField label="Note" name="body" id="staff-note-body" rows=3 maxlength=MESSAGE_MAX_CHARS
                    hint="Only staff see notes. The customer is not told." draft=actions.note_draft error=field_error(note_error, "body")/>
                <div class="sm:w-48">
                    <SubmitButton label="Add note" pending_label="Saving…" pending=actions.note.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn TicketControls(
    ticket_id: String,
    status: TicketStatus,
    assignee: Option<uuid::Uuid>,
    staff: Vec<StaffMember>,
    actions: ConsoleActions,
    me: Option<StaffMember>,
) -> impl IntoView {
    let status_error = action_error(actions.status);
    let assign_error = action_error(actions.assign);
    let assignee_value = assignee.map(|a| a.to_string()).unwrap_or_default();
    let assigned_to_me = me.as_ref().is_some_and(|m| Some(m.user_id) == assignee);
    let status_id = ticket_id.clone();
    let assign_id = ticket_id.clone();
    let assign_me_id = ticket_id.clone();
    view! {
        <section aria-labelledby="controls-heading" class="space-y-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="controls-heading" class="font-semibold">"Ticket"</h2>
            <ActionForm action=actions.status attr:class="flex items-end gap-2">
                <input type="hidden" name="ticket_id" value=status_id/>
                <div class="flex-1">
                    <label for="console-status" class="block text-sm font-medium">"Status"</label>
                    <select id="console-status" name="status" class=FILTER_INPUT>
                        {TicketStatus::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected=*s == status>{s.staff_label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class=SECONDARY_BUTTON>"Set status"</button>
            </ActionForm>
            <FormAlert error=status_error/>
            <ActionForm action=actions.assign attr:class="flex items-end gap-2">
                <input type="hidden" name="ticket_id" value=assign_id/>
                <div class="flex-1">
                    <label for="console-assignee" class="block text-sm font-medium">"Assignee"</label>
                    <select id="console-assignee" name="assignee" class=FILTER_INPUT>
                        <option value="" selected=assignee_value.is_empty()>"Unassigned"</option>
                        {staff.into_iter().map(|s| {
                            let value = s.user_id.to_string();
                            let selected = value == assignee_value;
                            view! { <option value=value selected=selected>{s.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class=SECONDARY_BUTTON>"Assign"</button>
            </ActionForm>
            {(!assigned_to_me).then(|| view! {
                <ActionForm action=actions.assign>
                    <input type="hidden" name="ticket_id" value=assign_me_id.clone()/>
                    <input type="hidden" name="assignee" value="me"/>
                    <button type="submit" class=SECONDARY_BUTTON>"Assign to me"</button>
                </ActionForm>
            })}
            <FormAlert error=assign_error/>
        </section>
    }
}

/// Credits part or all of one of the customer's invoices: the correction
/// of an issued invoice, which the customer finds on their billing page.
#[component]
fn CreditNoteForm(
    ticket_id: String,
    invoices: Vec<InvoiceLine>,
    action: ServerAction<IssueCreditNote>,
) -> impl IntoView {
    if invoices.is_empty() {
        return ().into_any();
    }
    let error = action_error(action);
    let currency = invoices[0].currency.clone();
    view! {
        <section aria-labelledby="credit-heading" data-testid="credit-note"
            class="space-y-3 rounded-lg border border-slate-200 bg-white p-5 text-sm dark:border-slate-700 dark:bg-slate-900">
            <h2 id="credit-heading" class="font-semibold">"Credit note"</h2>
            {move || action.value().get().and_then(Result::ok).map(|number| view! {
                <p role="status" class="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-emerald-900 \
                                        dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                    {format!("Credit note {number} issued. The customer finds it on their billing page.")}
                </p>
            })}
            <ActionForm action attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="ticket_id" value=ticket_id/>
                <FormAlert error/>
                <div>
                    <label for="credit-invoice" class="block text-sm font-medium">"Invoice"</label>
                    <select id="credit-invoice" name="invoice_id" class=FILTER_INPUT>
                        {invoices.into_iter().map(|i| view! {
                            <option value=i.id.to_string()>
                                {format!("{} · {} · {} left to credit", i.number, i.total, i.creditable)}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
                <FormField label="Amount, tax included" name="amount" inputmode="decimal"
                    hint="Such as 12.50. At most what is left to credit." error=field_error(error, "amount")/>
                <div>
                    <label for="credit-currency" class="block text-sm font-medium">"Currency"</label>
                    <select id="credit-currency" name="currency" class=FILTER_INPUT>
                        {["USD", "EUR", "GBP"].into_iter().map(|c| view! { <option value=c selected=c == currency>{c}</option> }).collect_view()}
                    </select>
                    <p class="text-sm text-red-700 dark:text-red-400">{move || field_error(error, "currency").get()}</p>
                </div>
                <FormField label="Reason" name="reason" maxlength=500
                    hint="Printed on the credit note for the customer." error=field_error(error, "reason")/>
                <SubmitButton label="Issue credit note" pending_label="Issuing…" pending=action.pending()/>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn CustomerPanel(customer: CustomerContext) -> impl IntoView {
    let seats = format!(
        "{} of {} seats",
        customer.member_count, customer.seats_limit
    );
    view! {
        <section aria-labelledby="customer-heading" data-testid="customer-context"
            class="space-y-4 rounded-lg border border-slate-200 bg-white p-5 text-sm dark:border-slate-700 dark:bg-slate-900">
            <h2 id="customer-heading" class="font-semibold">"Customer"</h2>
            <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
                <dt class="text-slate-600 dark:text-slate-300">"Organization"</dt>
                <dd class="font-medium" data-testid="context-organization">{customer.organization_name.clone()}</dd>
                <dt class="text-slate-600 dark:text-slate-300">"Plan"</dt>
                <dd data-testid="context-plan">{customer.plan_name.clone()}</dd>
                <dt class="text-slate-600 dark:text-slate-300">"Members"</dt>
                <dd data-testid="context-members">{seats}</dd>
                <dt class="text-slate-600 dark:text-slate-300">"Last invoice"</dt>
                <dd data-testid="context-invoice">
                    {match customer.invoices.first() {
                        Some(i) => format!("{} · {} · {} · {}", i.number, i.issued_on, i.total, i.status),
                        None => "No invoices yet".to_owned(),
                    }}
                </dd>
            </dl>
            <div>
                <h3 class="mb-2 font-medium">"Usage"</h3>
                {if customer.usage.is_empty() {
                    view! { <p class="text-slate-600 dark:text-slate-300">"No usage data."</p> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-2" data-testid="context-usage">
                            {customer.usage.into_iter().map(|u| {
                                let width = format!("width: {}%", u.percent.min(100));
                                let over = u.percent >= 100;
                                view! {
                                    <li>
                                        <div class="flex justify-between">
                                            <span>{u.label.clone()}</span>
                                            <span class:text-red-700=over class:font-semibold=over>{format!("{}%", u.percent)}</span>
                                        </div>
                                        <div class="mt-1 h-2 rounded bg-slate-200 dark:bg-slate-700" role="meter"
                                            aria-label=u.label.clone() aria-valuemin="0" aria-valuemax="100"
                                            aria-valuenow=u.percent.min(100).to_string()>
                                            <div class="h-2 rounded bg-indigo-600" style=width></div>
                                        </div>
                                        <p class="text-xs text-slate-600 dark:text-slate-300">{u.detail.clone()}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
            <div>
                <h3 class="mb-2 font-medium">"Recent tickets"</h3>
                {if customer.recent_tickets.is_empty() {
                    view! { <p class="text-slate-600 dark:text-slate-300">"No other tickets."</p> }.into_any()
                } else {
                    view! {
                        <ul class="space-y-1">
                            {customer.recent_tickets.into_iter().map(|t| view! {
                                <li class="flex items-center justify-between gap-2">
                                    <A href=format!("/staff/tickets/{}", t.id) attr:class=LINK>{t.subject.clone()}</A>
                                    <TicketStatusBadge status=t.status staff=true/>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        </section>
    }
}
