use leptos::prelude::*;
use leptos_meta::Title;

/// A section of the navigation whose feature is not in the portal yet. It says
/// so plainly, and how to get the thing done meanwhile, rather than pretending.
#[component]
pub fn UpcomingSection(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Portal")/>
        <h1 class="mb-4 text-2xl font-semibold">{title}</h1>
        <super::EmptyState title="Not available in the portal yet">
            {what}" For now, write to your account manager and we will do it for you."
        </super::EmptyState>
    }
}
