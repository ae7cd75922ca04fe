//! `PageHeader`: every page's title, what the page is for, and its main
//! action, laid out the same way everywhere.

use leptos::prelude::*;
use leptos_router::components::A;

/// The page's main actions, right of the title (wrapping below on phones).
#[slot]
pub struct HeaderActions {
    children: Children,
}

#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    /// A link back up ("← All tickets"): (href, text).
    #[prop(optional)]
    back: Option<(&'static str, &'static str)>,
    /// A line above the title ("Organization").
    #[prop(optional)]
    eyebrow: Option<&'static str>,
    #[prop(optional)] header_actions: Option<HeaderActions>,
    /// What the page is for, under the title.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="flex flex-wrap items-start justify-between gap-3">
            <div class="min-w-0">
                {back.map(|(href, text)| view! {
                    <A href=href attr:class="text-sm text-indigo-700 underline dark:text-indigo-300">{text}</A>
                })}
                {eyebrow.map(|text| view! { <p class="text-sm text-slate-600 dark:text-slate-300">{text}</p> })}
                <h1 class="break-words text-2xl font-semibold" class:mt-2=back.is_some()>{title}</h1>
                {children.map(|describe| view! {
                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">{describe()}</p>
                })}
            </div>
            {header_actions.map(|actions| (actions.children)())}
        </div>
    }
}
