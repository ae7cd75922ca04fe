//! Canned replies in the console. `/staff/canned-replies` lists them with a
//! form to write one (`?edit=<id>` edits one, `?delete=<id>` asks before
//! deleting); a ticket's reply form inserts one, filled in for that ticket
//! (`CannedPicker`). Everything works without JavaScript.

use super::api::{list_canned_replies, DeleteCannedReply, SaveCannedReply};
use crate::ui::form::{action_error, field_error, saved_count};
use crate::ui::style::{FILTER_INPUT, LINK, PANEL, SECONDARY_BUTTON};
use crate::ui::table::{CELL, CELL_NOWRAP, ROW_HEADER};
use crate::ui::{
    DataTable, EmptyState, ErrorView, FormAlert, FormField, Loading, PageHeader, SubmitButton,
    TextAreaField,
};
use domain::canned::{CannedReply, PLACEHOLDERS, TITLE_MAX_CHARS};
use domain::support::MESSAGE_MAX_CHARS;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

const PAGE: &str = "/staff/canned-replies";

/// The query parameter `name` as an id, if it is one.
pub(crate) fn query_id(name: &'static str) -> Memo<Option<Uuid>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(name).and_then(|id| id.parse().ok()))
}

#[component]
pub fn CannedRepliesPage() -> impl IntoView {
    let save = ServerAction::<SaveCannedReply>::new();
    let delete = ServerAction::<DeleteCannedReply>::new();
    let (saved, deleted) = (saved_count(save), saved_count(delete));
    let replies = Resource::new(
        move || (saved.get(), deleted.get()),
        |_| list_canned_replies(),
    );
    let (editing, deleting) = (query_id("edit"), query_id("delete"));
    view! {
        <Title text="Canned replies · Portal Support"/>
        <div class="space-y-6">
            <PageHeader title="Canned replies">
                "Answers written once and inserted into any ticket's reply, with the customer's details filled in."
            </PageHeader>
            <Transition fallback=|| view! { <Loading label="Loading canned replies…"/> }>
                {move || Suspend::new(async move {
                    match replies.await {
                        Ok(replies) => {
                            let find = |id: Option<Uuid>| id.and_then(|id| replies.iter().find(|r| r.id == id).cloned());
                            let (edit, confirm) = (find(editing.get()), find(deleting.get()));
                            view! {
                                {confirm.map(|reply| view! { <ConfirmDelete reply delete/> })}
                                <CannedForm reply=edit save/>
                                <CannedTable replies/>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn CannedForm(reply: Option<CannedReply>, save: ServerAction<SaveCannedReply>) -> impl IntoView {
    let error = action_error(save);
    let heading = match &reply {
        Some(reply) => format!("Edit “{}”", reply.title),
        None => "New canned reply".to_owned(),
    };
    let (id, title, body) = reply
        .map(|r| (r.id.to_string(), r.title, r.body))
        .unwrap_or_default();
    let editing = !id.is_empty();
    let placeholders = PLACEHOLDERS
        .iter()
        .map(|(name, meaning)| format!("{{{{{name}}}}} {meaning}"))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <section aria-labelledby="canned-form-heading" class=PANEL>
            <h2 id="canned-form-heading" class="mb-3 font-semibold">{heading}</h2>
            <ActionForm action=save attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="id" value=id/>
                <FormAlert error/>
                <FormField label="Title" name="title" value=title maxlength=TITLE_MAX_CHARS required=true
                    hint="Staff pick replies by title." error=field_error(error, "title")/>
                <TextAreaField label="Reply" name="body" id="canned-body" rows=6 maxlength=MESSAGE_MAX_CHARS
                    draft=RwSignal::new(body) error=field_error(error, "body")/>
                <p class="text-sm text-slate-600 dark:text-slate-300">"Placeholders: "{placeholders}</p>
                <div class="flex flex-wrap items-center gap-3">
                    <div class="sm:w-48">
                        <SubmitButton label="Save canned reply" pending_label="Saving…" pending=save.pending()/>
                    </div>
                    {editing.then(|| view! { <A href=PAGE attr:class=LINK>"Cancel"</A> })}
                </div>
            </ActionForm>
        </section>
    }
}

/// Deleting asks first, on the page itself (so it works without JavaScript).
#[component]
fn ConfirmDelete(reply: CannedReply, delete: ServerAction<DeleteCannedReply>) -> impl IntoView {
    let error = action_error(delete);
    view! {
        <section role="alertdialog" aria-labelledby="confirm-delete-heading"
            class="space-y-3 rounded-lg border border-red-300 bg-red-50 p-5 dark:border-red-800 dark:bg-red-950">
            <h2 id="confirm-delete-heading" class="font-semibold">{format!("Delete “{}”?", reply.title)}</h2>
            <p class="text-sm">"Staff can no longer insert it. Replies already sent are not changed."</p>
            <FormAlert error/>
            <div class="flex flex-wrap items-center gap-3">
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=reply.id.to_string()/>
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-2 text-sm font-semibold text-white hover:bg-red-800">
                        "Delete canned reply"
                    </button>
                </ActionForm>
                <A href=PAGE attr:class=LINK>"Keep it"</A>
            </div>
        </section>
    }
}

#[component]
fn CannedTable(replies: Vec<CannedReply>) -> impl IntoView {
    if replies.is_empty() {
        return view! {
            <EmptyState title="No canned replies yet">
                "Write the answers you give most often above; they appear in every ticket's reply form."
            </EmptyState>
        }
        .into_any();
    }
    view! {
        <DataTable caption="Canned replies" columns=&["Title", "Reply", "Updated", "Actions"]>
            {replies.into_iter().map(|r| {
                let preview: String = r.body.chars().take(140).collect();
                view! {
                    <tr data-testid="canned-row">
                        <th scope="row" class=ROW_HEADER>{r.title.clone()}</th>
                        <td class=CELL><span class="line-clamp-2 whitespace-pre-line">{preview}</span></td>
                        <td class=CELL_NOWRAP>{r.updated_on}</td>
                        <td class=CELL_NOWRAP>
                            <span class="flex gap-3">
                                <a href=format!("{PAGE}?edit={}", r.id) class=LINK
                                    aria-label=format!("Edit {}", r.title)>"Edit"</a>
                                <a href=format!("{PAGE}?delete={}", r.id) class=LINK
                                    aria-label=format!("Delete {}", r.title)>"Delete"</a>
                            </span>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

/// Above a ticket's reply form: choose a canned reply and insert it. A GET
/// form (`?canned=<id>`): the ticket page fills the reply with it, in the
/// browser or, without JavaScript, on the server.
#[component]
pub fn CannedPicker(ticket_id: String, replies: Vec<CannedReply>) -> impl IntoView {
    if replies.is_empty() {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "No canned replies yet. "<A href=PAGE attr:class=LINK>"Write one"</A>"."
            </p>
        }
        .into_any();
    }
    view! {
        <Form method="GET" action=format!("/staff/tickets/{ticket_id}") attr:class="flex flex-wrap items-end gap-2">
            <div class="min-w-48 flex-1">
                <label for="canned-choice" class="block text-sm font-medium">"Canned reply"</label>
                <select id="canned-choice" name="canned" class=FILTER_INPUT required=true>
                    <option value="">"Choose a canned reply…"</option>
                    {replies.into_iter().map(|r| view! {
                        <option value=r.id.to_string()>{r.title}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Insert"</button>
        </Form>
    }
    .into_any()
}
