//! The help center's pages: the front page and search on `/help`, one
//! article on `/help/:slug`. Search is a GET form and "was this helpful?" an
//! ActionForm, so both work without JavaScript.

use super::api::{get_article, search_help, AnswerArticle};
use crate::ui::form::action_error;
use crate::ui::style::{FILTER_INPUT, LINK, PANEL, SECONDARY_BUTTON};
use crate::ui::{EmptyState, ErrorView, FormAlert, Loading, PageHeader};
use domain::error::AppError;
use domain::help::{Article, ArticleSummary, HelpCategory, HelpIndex, Highlight, SEARCH_MAX_CHARS};
use domain::query;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/help`: every published article by category, or a search's results.
#[component]
pub fn HelpPage() -> impl IntoView {
    let params = use_query_map();
    let q = move || params.read().get("q").unwrap_or_default();
    let index = Resource::new(q, search_help);
    view! {
        <Title text="Help center · Portal"/>
        <div class="space-y-6">
            <PageHeader title="Help center">
                "Step-by-step answers to what customers ask us most. Can't find yours? "
                <A href="/support/new" attr:class=LINK>"Open a ticket"</A>"."
            </PageHeader>
            <HelpSearch/>
            <Transition fallback=|| view! { <Loading label="Loading articles…"/> }>
                {move || Suspend::new(async move {
                    match index.await {
                        Ok(index) if index.query.is_empty() => view! { <ArticlesByCategory articles=index.articles/> }.into_any(),
                        Ok(index) => view! { <SearchResults index/> }.into_any(),
                        Err(AppError::Validation(errors)) => view! {
                            <p role="alert" class="text-sm text-red-700 dark:text-red-400">
                                {errors.get("q").unwrap_or("Check your search.").to_owned()}
                            </p>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn HelpSearch() -> impl IntoView {
    let params = use_query_map();
    view! {
        <Form method="GET" action="/help" attr:role="search" attr:aria-label="Search the help center"
            attr:class="flex flex-wrap items-end gap-3">
            <div class="min-w-56 flex-1 sm:max-w-md">
                <label for="help-search" class="block text-sm font-medium">"Search the help center"</label>
                <input id="help-search" type="search" name="q" class=FILTER_INPUT maxlength=SEARCH_MAX_CHARS
                    placeholder="e.g. download an invoice"
                    value=move || params.read().get("q").unwrap_or_default()/>
            </div>
            <button type="submit" class=SECONDARY_BUTTON>"Search"</button>
        </Form>
    }
}

#[component]
fn ArticlesByCategory(articles: Vec<ArticleSummary>) -> impl IntoView {
    if articles.is_empty() {
        return view! {
            <EmptyState title="No articles yet">
                "Our team is writing them. Meanwhile, "<A href="/support/new" attr:class=LINK>"open a ticket"</A>"."
            </EmptyState>
        }
        .into_any();
    }
    let sections = HelpCategory::ALL.iter().filter_map(|category| {
        let in_category: Vec<_> = articles
            .iter()
            .filter(|a| a.category == *category)
            .cloned()
            .collect();
        (!in_category.is_empty()).then(|| {
            let heading = format!("help-category-{}", category.as_str());
            let labelled_by = heading.clone();
            view! {
                <section aria-labelledby=labelled_by class=PANEL>
                    <h2 id=heading class="mb-2 font-semibold">{category.label()}</h2>
                    <ul class="space-y-1.5">
                        {in_category.into_iter().map(|a| view! {
                            <li><A href=format!("/help/{}", a.slug) attr:class=LINK>{a.title}</A></li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    });
    view! { <div class="grid grid-cols-1 gap-4 md:grid-cols-2">{sections.collect_view()}</div> }
        .into_any()
}

#[component]
fn SearchResults(index: HelpIndex) -> impl IntoView {
    let HelpIndex { query: q, articles } = index;
    if articles.is_empty() {
        let ask = query::url("/support/new", &[("subject", q.as_str())]);
        return view! {
            <EmptyState title="No articles match">
                "Try other words, or "<A href=ask attr:class=LINK>"ask our support team"</A>"."
            </EmptyState>
        }
        .into_any();
    }
    let count = match articles.len() {
        1 => format!("1 article matches “{q}”"),
        n => format!("{n} articles match “{q}”"),
    };
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-300" role="status">{count}</p>
        <ol class="space-y-3" data-testid="help-results">
            {articles.into_iter().map(|a| view! {
                <li class=PANEL>
                    <A href=format!("/help/{}", a.slug) attr:class=LINK>{a.title}</A>
                    <span class="ml-2 text-xs text-slate-500 dark:text-slate-400">{a.category.label()}</span>
                    <p class="mt-1 text-sm text-slate-700 dark:text-slate-300"><Snippet pieces=a.snippet/></p>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// A search snippet; matched words are `<mark>`ed. Text only: nothing in a
/// snippet is ever HTML.
#[component]
pub fn Snippet(pieces: Vec<Highlight>) -> impl IntoView {
    pieces
        .into_iter()
        .map(|piece| {
            if piece.matched {
                view! { <mark class="rounded-sm bg-amber-100 px-0.5 text-inherit dark:bg-amber-900">{piece.text}</mark> }
                    .into_any()
            } else {
                piece.text.into_any()
            }
        })
        .collect_view()
}

// ------------------------------------------------------------ article

/// `/help/:slug`: the article, "was this helpful?" and a way to support.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let article = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("from").unwrap_or_default(),
            )
        },
        |(slug, from)| get_article(slug, from),
    );
    view! {
        <Title text="Help center · Portal"/>
        <div class="max-w-3xl space-y-6">
            <A href="/help" attr:class="text-sm text-indigo-700 underline dark:text-indigo-300">"← Help center"</A>
            <Transition fallback=|| view! { <Loading label="Loading the article…"/> }>
                {move || Suspend::new(async move {
                    match article.await {
                        Ok(article) => view! { <ArticleView article/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ArticleView(article: Article) -> impl IntoView {
    let Article {
        id,
        title,
        category,
        html,
        updated_on,
        your_answer,
        ..
    } = article;
    view! {
        <Title text=format!("{title} · Help center · Portal")/>
        <article class="space-y-4">
            <header>
                <p class="text-sm text-slate-600 dark:text-slate-300">{category.label()}</p>
                <h1 class="mt-1 break-words text-2xl font-semibold">{title}</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">{format!("Updated {updated_on}")}</p>
            </header>
            // Rendered from Markdown and sanitised on the server (ammonia).
            <div class="help-article" inner_html=html data-testid="article-body"></div>
        </article>
        <Helpful article_id=id.to_string() your_answer/>
        <p class="text-sm text-slate-600 dark:text-slate-300">
            "Still stuck? "<A href="/support/new" attr:class=LINK>"Open a ticket"</A>" and our team will answer."
        </p>
    }
}

/// "Was this helpful?" Yes or no, changeable; the thanks replaces the
/// question once answered (also after a no-JS post and reload).
#[component]
fn Helpful(article_id: String, your_answer: Option<bool>) -> impl IntoView {
    let answer = ServerAction::<AnswerArticle>::new();
    let error = action_error(answer);
    let answered = move || match answer.value().get() {
        Some(Ok(())) => true,
        _ => your_answer.is_some(),
    };
    view! {
        <section aria-labelledby="helpful-heading" class=PANEL data-testid="helpful">
            <Show when=answered fallback=move || {
                let article_id = article_id.clone();
                view! {
                    <h2 id="helpful-heading" class="font-semibold">"Was this article helpful?"</h2>
                    <ActionForm action=answer attr:class="mt-3 flex flex-wrap items-center gap-3">
                        <input type="hidden" name="article_id" value=article_id/>
                        <button type="submit" name="helpful" value="yes" class=SECONDARY_BUTTON>"Yes"</button>
                        <button type="submit" name="helpful" value="no" class=SECONDARY_BUTTON>"No"</button>
                        <FormAlert error/>
                    </ActionForm>
                }
            }>
                <h2 id="helpful-heading" class="font-semibold">"Thanks for telling us."</h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-300" role="status">
                    "Your answer helps us improve this article."
                </p>
            </Show>
        </section>
    }
}
