//! The help center in the staff console: `/staff/help` lists every article
//! with its "was this helpful?" answers and deflected tickets, beside a
//! weekly table of deflections and tickets opened (the number the portal is
//! judged by); `/staff/help/new` and `/staff/help/:id` edit an article with a
//! preview of exactly what readers will see.

use super::api::{get_article_draft, get_help_report, preview_article, SaveArticle};
use crate::ui::form::action_error;
use crate::ui::style::{LINK, PANEL, PRIMARY_LINK, SECONDARY_BUTTON};
use crate::ui::table::{CELL, CELL_NOWRAP, ROW_HEADER};
use crate::ui::{
    Badge, DataTable, EmptyState, ErrorView, FormAlert, FormField, HeaderActions, Loading,
    PageHeader, SelectField, SubmitButton, TextAreaField, Tone,
};
use domain::error::AppError;
use domain::help::{
    ArticleDraft, DeflectionWeek, HelpCategory, HelpReport, StaffArticle, BODY_MAX_CHARS,
    SLUG_MAX_CHARS, TITLE_MAX_CHARS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// `/staff/help`: deflections by week and every article with its numbers.
#[component]
pub fn StaffHelpPage() -> impl IntoView {
    let report = Resource::new(|| (), |_| get_help_report());
    view! {
        <Title text="Help center · Portal Support"/>
        <div class="space-y-6">
            <PageHeader title="Help center">
                <HeaderActions slot><A href="/staff/help/new" attr:class=PRIMARY_LINK>"New article"</A></HeaderActions>
                "Articles customers read before they write a ticket, and the tickets they saved."
            </PageHeader>
            <Transition fallback=|| view! { <Loading label="Loading the help center…"/> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(HelpReport { articles, weeks }) => view! {
                            <DeflectionTable weeks/>
                            <ArticleTable articles/>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DeflectionTable(weeks: Vec<DeflectionWeek>) -> impl IntoView {
    view! {
        <section aria-labelledby="deflection-heading" class="space-y-2">
            <h2 id="deflection-heading" class="font-semibold">"Deflected tickets by week"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "A deflection is a suggested article opened from the new-ticket form with no ticket from that reader in the hour after."
            </p>
            <DataTable caption="Suggestions opened, deflected tickets and tickets opened per week"
                columns=&["Week of", "Suggestions opened", "Deflected", "Tickets opened"]>
                {weeks.into_iter().map(|w| view! {
                    <tr data-testid="deflection-week">
                        <th scope="row" class=ROW_HEADER>{w.week_of}</th>
                        <td class=CELL>{w.suggestions_opened}</td>
                        <td class=CELL data-testid="deflections">{w.deflections}</td>
                        <td class=CELL>{w.tickets_opened}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>
    }
}

#[component]
fn ArticleTable(articles: Vec<StaffArticle>) -> impl IntoView {
    if articles.is_empty() {
        return view! {
            <EmptyState title="No articles yet">
                <A href="/staff/help/new" attr:class=LINK>"Write the first one"</A>"."
            </EmptyState>
        }
        .into_any();
    }
    view! {
        <section aria-labelledby="articles-heading" class="space-y-2">
            <h2 id="articles-heading" class="font-semibold">"Articles"</h2>
            <DataTable caption="Help articles with their answers and deflections"
                columns=&["Title", "Status", "Category", "Helpful", "Not helpful", "Deflected (30 days)", "Updated"]>
                {articles.into_iter().map(|a| view! {
                    <tr data-testid="staff-article-row">
                        <th scope="row" class=ROW_HEADER>
                            <A href=format!("/staff/help/{}", a.id) attr:class=LINK>{a.title}</A>
                            <span class="block text-xs font-normal text-slate-500 dark:text-slate-400">{format!("/help/{}", a.slug)}</span>
                        </th>
                        <td class=CELL>
                            {if a.published {
                                view! { <Badge tone=Tone::Success label="Published"/> }.into_any()
                            } else {
                                view! { <Badge tone=Tone::Neutral label="Draft"/> }.into_any()
                            }}
                        </td>
                        <td class=CELL_NOWRAP>{a.category.label()}</td>
                        <td class=CELL>{a.helpful_yes}</td>
                        <td class=CELL>{a.helpful_no}</td>
                        <td class=CELL>{a.deflections}</td>
                        <td class=CELL_NOWRAP>{a.updated_on}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>
    }
    .into_any()
}

// ------------------------------------------------------------ editor

/// `/staff/help/new`: a new article.
#[component]
pub fn NewArticlePage() -> impl IntoView {
    view! {
        <Title text="New article · Help center · Portal Support"/>
        <div class="max-w-3xl space-y-6">
            <PageHeader title="New article" back=("/staff/help", "← Help center")>
                "Write in Markdown. Readers see it once it is published."
            </PageHeader>
            <ArticleForm draft=None/>
        </div>
    }
}

/// `/staff/help/:id`: an existing article, published or not.
#[component]
pub fn EditArticlePage() -> impl IntoView {
    let params = use_params_map();
    let draft = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|id| id.parse::<Uuid>().ok())
        },
        |id| async move {
            match id {
                Some(id) => get_article_draft(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Edit article · Help center · Portal Support"/>
        <div class="max-w-3xl space-y-6">
            <PageHeader title="Edit article" back=("/staff/help", "← Help center")/>
            <Transition fallback=|| view! { <Loading label="Loading the article…"/> }>
                {move || Suspend::new(async move {
                    match draft.await {
                        Ok(draft) => view! { <ArticleForm draft=Some(draft)/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

fn category_choices() -> Vec<(&'static str, &'static str)> {
    HelpCategory::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect()
}

#[component]
fn ArticleForm(draft: Option<ArticleDraft>) -> impl IntoView {
    let save = ServerAction::<SaveArticle>::new();
    let error = action_error(save);
    let field = move |name: &'static str| crate::ui::form::field_error(error, name);
    let id = draft.as_ref().map(|d| d.id.to_string()).unwrap_or_default();
    let body = RwSignal::new(draft.as_ref().map(|d| d.body.clone()).unwrap_or_default());
    let published = draft.as_ref().is_some_and(|d| d.published);
    let category = draft
        .as_ref()
        .map_or(HelpCategory::Billing, |d| d.category)
        .as_str();
    view! {
        <ActionForm action=save attr:class=format!("space-y-4 {PANEL}") attr:novalidate=true attr:aria-label="Article">
            <input type="hidden" name="id" value=id/>
            <FormAlert error/>
            <FormField label="Title" name="title" required=true maxlength=TITLE_MAX_CHARS
                value=draft.as_ref().map(|d| d.title.clone()).unwrap_or_default() error=field("title")/>
            <div class="grid grid-cols-1 gap-4 sm:grid-cols-2">
                <FormField label="Address" name="slug" maxlength=SLUG_MAX_CHARS
                    value=draft.as_ref().map(|d| d.slug.clone()).unwrap_or_default()
                    hint="/help/… — leave empty to make it from the title." error=field("slug")/>
                <SelectField label="Category" name="category" id="article-category" choices=category_choices()
                    selected=category error=field("category")/>
            </div>
            <FormField label="Tags" name="tags"
                value=draft.as_ref().map(|d| d.tags.join(", ")).unwrap_or_default()
                hint="Comma-separated words customers use that the text may not, e.g. 2fa, declined." error=field("tags")/>
            <TextAreaField label="Body" name="body" id="article-body" rows=18 maxlength=BODY_MAX_CHARS draft=body
                hint="Markdown: ## headings, **bold**, lists, [links](/billing), tables. Raw HTML is removed." error=field("body")/>
            <div class="flex items-center gap-2">
                <input id="article-published" type="checkbox" name="published" checked=published
                    class="h-4 w-4 rounded border-slate-300"/>
                <label for="article-published" class="text-sm font-medium">"Published: customers can read and find it"</label>
            </div>
            <Preview body/>
            <div class="sm:w-48">
                <SubmitButton label="Save article" pending_label="Saving…" pending=save.pending()/>
            </div>
        </ActionForm>
    }
}

/// The rendered article, on demand. Needs JavaScript, so it appears only
/// once the page is interactive (a button that did nothing would mislead).
#[component]
fn Preview(body: RwSignal<String>) -> impl IntoView {
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let preview = Action::new(|body: &String| preview_article(body.clone()));
    view! {
        <Show when=move || interactive.get()>
            <div class="space-y-3">
                <button type="button" class=SECONDARY_BUTTON
                    on:click=move |_| { preview.dispatch(body.get_untracked()); }>
                    "Preview"
                </button>
                {move || preview.value().get().map(|rendered| match rendered {
                    Ok(html) => view! {
                        <div class="rounded-md border border-dashed border-slate-300 p-4 dark:border-slate-600"
                            aria-label="Preview" role="region" data-testid="article-preview">
                            <div class="help-article" inner_html=html></div>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <FormAlert error=Some(error)/> }.into_any(),
                })}
            </div>
        </Show>
    }
}
