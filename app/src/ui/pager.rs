//! `Pager`: "Page 2 of 5 · 93 tickets" with previous and next links that keep
//! the page's other query parameters. Plain links, so paging works without
//! JavaScript; `domain::query::url` builds them.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Links to the pages of `path` that keep the current query's `keep`
/// parameters (the filters) and change only `page`.
pub fn page_links(path: &'static str, keep: &'static [&'static str]) -> Callback<u32, String> {
    let query = use_query_map();
    Callback::new(move |page: u32| {
        let query = query.read();
        let mut pairs: Vec<(&str, String)> = keep
            .iter()
            .map(|key| (*key, query.get(key).unwrap_or_default()))
            .collect();
        pairs.push(("page", page.to_string()));
        domain::query::url(path, &pairs)
    })
}

#[component]
pub fn Pager(
    current: u32,
    page_count: u32,
    total: i64,
    /// The link of a page number (the same query, another page).
    href: Callback<u32, String>,
    /// What the pages hold, plural ("tickets").
    items: &'static str,
    /// The navigation's accessible name ("Ticket pages").
    label: &'static str,
    #[prop(default = "Previous")] previous: &'static str,
    #[prop(default = "Next")] next: &'static str,
) -> impl IntoView {
    let link = "rounded-md border border-slate-300 px-3 py-1 font-medium hover:bg-slate-50 \
                dark:border-slate-600 dark:hover:bg-slate-800";
    view! {
        <nav aria-label=label class="flex items-center justify-between text-sm">
            <p>{format!("Page {current} of {page_count} · {total} {items}")}</p>
            <div class="flex gap-2">
                {(current > 1).then(|| view! { <A href=href.run(current - 1) attr:class=link>{previous}</A> })}
                {(current < page_count).then(|| view! { <A href=href.run(current + 1) attr:class=link>{next}</A> })}
            </div>
        </nav>
    }
}
