use super::api::{list_audit_entries, list_audit_people};
use crate::account::page::SettingsHeader;
use crate::ui::form::{choices, field_error, FilterSelect};
use crate::ui::style::FILTER_INPUT;
use crate::ui::time::When;
use crate::ui::{EmptyState, ErrorView, Loading};
use domain::audit::{AuditCategory, AuditFilterInput, AuditLogEntry, AuditPerson, FieldChange};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Owners and admins: the audit log with its filters, page by page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| AuditFilterInput {
            actor: q.get("actor"),
            category: q.get("category"),
            action: q.get("action"),
            target_type: q.get("target_type"),
            from: q.get("from"),
            to: q.get("to"),
            before: q.get("before").and_then(|b| b.parse().ok()),
        })
    });
    let page = Resource::new(move || filter.get(), list_audit_entries);
    let people = Resource::new(|| (), |_| list_audit_people());
    // Parsed here too (pure, same code as the server), so the date errors render
    // identically on the server and while hydrating.
    let error = Signal::derive(move || filter.get().parse().err());
    view! {
        <Title text="Audit log · Portal"/>
        <SettingsHeader current="/audit" show_audit=true/>
        <div class="space-y-4">
            <div>
                <h2 class="text-lg font-semibold">"Audit log"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "Every change in your organization, who made it and from where. Entries cannot be edited or deleted."
                </p>
            </div>
            {move || view! { <FilterForm input=filter.get() error people/> }.into_any()}
            <Transition fallback=|| view! { <Loading label="Loading the audit log…"/> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) if page.entries.is_empty() => view! {
                            <EmptyState title="No entries">"Nothing matches this filter."</EmptyState>
                        }
                        .into_any(),
                        Ok(page) => {
                            let input = filter.get_untracked();
                            let query = input.query_string();
                            let newer = input.before.map(|_| format!("/audit?{query}"));
                            let older = page.next_before.map(|id| {
                                let sep = if query.is_empty() { "" } else { "&" };
                                format!("/audit?{query}{sep}before={id}")
                            });
                            view! {
                                <AuditTable entries=page.entries/>
                                <nav aria-label="Audit log pages" class="flex justify-between text-sm font-medium">
                                    {newer.map(|href| view! { <a href=href class="text-indigo-700 underline dark:text-indigo-300">"← Newest entries"</a> })}
                                    <span></span>
                                    {older.map(|href| view! { <a href=href class="text-indigo-700 underline dark:text-indigo-300">"Older entries →"</a> })}
                                </nav>
                            }
                            .into_any()
                        }
                        Err(error) if error.field("from").is_some() || error.field("to").is_some() => ().into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A GET form: the filter lives in the URL, so it works without JavaScript,
/// survives a reload and can be shared.
#[component]
fn FilterForm(
    input: AuditFilterInput,
    error: Signal<Option<domain::error::AppError>>,
    people: Resource<Result<Vec<AuditPerson>, domain::AppError>>,
) -> impl IntoView {
    let query = input.query_string();
    let export = if query.is_empty() {
        "/audit/export.csv".to_owned()
    } else {
        format!("/audit/export.csv?{query}")
    };
    let actor = input.actor.clone().unwrap_or_default();
    let person = move |people: Vec<AuditPerson>| {
        let mut options: Vec<(String, String)> = people
            .into_iter()
            .map(|p| (p.email.clone(), format!("{} ({})", p.name, p.email)))
            .collect();
        // Someone no longer in the team (or an email a failed sign-in
        // tried) stays selectable once it is in the URL.
        if !actor.is_empty()
            && !options
                .iter()
                .any(|(email, _)| email.eq_ignore_ascii_case(&actor))
        {
            options.push((actor.clone(), actor.clone()));
        }
        view! { <FilterSelect label="Person" name="actor" any="Anyone" choices=options/> }
    };
    let people_select = move || {
        let person = person.clone();
        Suspend::new(async move { person(people.await.unwrap_or_default()).into_any() })
    };
    let categories = AuditCategory::ALL.map(|c| (c.as_str(), c.label()));
    let date = move |label: &'static str, name: &'static str, value: Option<String>| {
        let id = format!("audit-{name}");
        let message = field_error(error, name);
        view! {
            <div class="space-y-1">
                <label for=id.clone() class="block text-sm font-medium">{label}</label>
                <input id=id.clone() name=name type="date" value=value.unwrap_or_default() class=FILTER_INPUT
                    aria-describedby=format!("{id}-message")
                    aria-invalid=move || if message.get().is_some() { "true" } else { "false" }/>
                <p id=format!("{id}-message") class="text-sm text-red-700 dark:text-red-400">{move || message.get()}</p>
            </div>
        }
    };
    view! {
        <form method="get" action="/audit" role="search" aria-label="Filter the audit log"
              class="grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-3 lg:grid-cols-5 md:items-end \
                     dark:border-slate-700 dark:bg-slate-900">
            <Suspense fallback=|| view! { <FilterSelect label="Person" name="actor" any="Anyone" choices=Vec::new()/> }>
                {people_select}
            </Suspense>
            <FilterSelect label="Category" name="category" any="Everything" choices=choices(categories)/>
            {date("From", "from", input.from.clone())}
            {date("To", "to", input.to.clone())}
            <div class="flex gap-2 pb-6">
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 \
                                             focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                    "Filter"
                </button>
                <a href="/audit" class="rounded-md border border-slate-300 px-3 py-2 text-sm dark:border-slate-600">"Clear"</a>
            </div>
            <p class="text-sm md:col-span-3 lg:col-span-5">
                <a href=export rel="external" download="audit-log.csv" class="font-medium text-indigo-700 underline dark:text-indigo-300">
                    "Export these entries as CSV"
                </a>
            </p>
        </form>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditLogEntry>) -> impl IntoView {
    view! {
        <ol class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-700 \
                   dark:border-slate-700 dark:bg-slate-900" aria-label="Audit entries">
            {entries.into_iter().map(|entry| view! { <AuditItem entry/> }).collect_view()}
        </ol>
    }
}

#[component]
fn AuditItem(entry: AuditLogEntry) -> impl IntoView {
    let target = match (&entry.target_type, &entry.target_id) {
        (Some(kind), Some(id)) => format!("{kind} {id}"),
        (Some(kind), None) => kind.clone(),
        _ => "—".to_owned(),
    };
    let has_changes = !entry.changes.is_empty();
    view! {
        <li data-testid="audit-entry">
            <details class="group px-4 py-3">
                <summary class="flex cursor-pointer flex-col gap-0.5 text-sm sm:flex-row sm:gap-3">
                    <span class="shrink-0 font-mono text-xs leading-5 text-slate-600 dark:text-slate-300"><When moment=entry.at.clone() exact=true/></span>
                    <span class="font-medium break-words" data-testid="audit-sentence">{entry.sentence.clone()}</span>
                </summary>
                <div class="mt-3 space-y-2 text-sm">
                    <dl class="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-slate-600 dark:text-slate-300">
                        <dt>"By"</dt><dd class="break-all">{entry.actor.clone().unwrap_or_else(|| "the portal".into())}</dd>
                        <dt>"Action"</dt><dd class="font-mono text-xs leading-5">{entry.action.clone()}</dd>
                        <dt>"Target"</dt><dd class="break-all">{target}</dd>
                        <dt>"IP"</dt><dd>{entry.ip.clone().unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    {if has_changes {
                        view! { <ChangesTable changes=entry.changes/> }.into_any()
                    } else {
                        view! { <p class="text-slate-600 dark:text-slate-300">"No recorded values."</p> }.into_any()
                    }}
                </div>
            </details>
        </li>
    }
}

#[component]
fn ChangesTable(changes: Vec<FieldChange>) -> impl IntoView {
    view! {
        <table class="min-w-full text-left text-sm">
            <caption class="sr-only">"Before and after"</caption>
            <thead><tr>
                <th scope="col" class="py-1 pr-4 font-medium">"Field"</th>
                <th scope="col" class="py-1 pr-4 font-medium">"Before"</th>
                <th scope="col" class="py-1 font-medium">"After"</th>
            </tr></thead>
            <tbody>
                {changes.into_iter().map(|change| {
                    let changed = change.changed();
                    let cell = if changed { "py-1 pr-4 break-all bg-amber-50 dark:bg-amber-950" } else { "py-1 pr-4 break-all" };
                    view! {
                        <tr>
                            <th scope="row" class="py-1 pr-4 font-mono font-normal">{change.field}</th>
                            <td class=cell>{change.before.unwrap_or_else(|| "—".into())}</td>
                            <td class=cell>{change.after.unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
