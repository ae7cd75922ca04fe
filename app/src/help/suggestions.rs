//! Articles suggested while a ticket subject is written: the cheapest ticket
//! is the one the customer never needs to open.

use super::api::suggest_articles;
use super::page::Snippet;
use crate::ui::style::LINK;
use leptos::prelude::*;
use leptos_router::components::A;

/// Up to three articles for `subject`, refreshed as it changes. Links carry
/// `from=ticket`, so an article opened from here counts towards deflection.
/// Says nothing while the subject is empty or matches nothing.
#[component]
pub fn SuggestedArticles(#[prop(into)] subject: Signal<String>) -> impl IntoView {
    let suggestions = Resource::new(move || subject.get(), suggest_articles);
    view! {
        <section aria-label="Suggested articles" aria-live="polite" data-testid="suggested-articles">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let articles = suggestions.await.unwrap_or_default();
                    (!articles.is_empty()).then(|| view! {
                        <div class="rounded-lg border border-indigo-200 bg-indigo-50 p-4 dark:border-indigo-900 dark:bg-indigo-950">
                            <h2 class="font-semibold">"These articles may answer it"</h2>
                            <ul class="mt-2 space-y-2">
                                {articles.into_iter().map(|a| view! {
                                    <li>
                                        <A href=format!("/help/{}?from=ticket", a.slug) attr:class=LINK>{a.title}</A>
                                        <p class="text-sm text-slate-700 dark:text-slate-300"><Snippet pieces=a.snippet/></p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </div>
                    })
                })}
            </Transition>
        </section>
    }
}
