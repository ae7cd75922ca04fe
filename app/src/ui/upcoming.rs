use crate::app::AuthContext;
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

#[component]
pub fn UsagePage() -> impl IntoView {
    view! { <UpcomingSection title="Usage" what="Live usage against your plan limits is coming to this page."/> }
}

#[component]
pub fn SupportPage() -> impl IntoView {
    view! { <UpcomingSection title="Support" what="Opening and following support tickets is coming to this page."/> }
}

/// Settings: today the account as it is; editing arrives with the Account issue.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    view! {
        <Title text="Settings · Portal"/>
        <h1 class="mb-4 text-2xl font-semibold">"Settings"</h1>
        <Suspense fallback=|| view! { <super::Loading/> }>
            {move || Suspend::new(async move {
                auth.user.await.ok().flatten().map(|user| view! {
                    <dl class="grid max-w-xl grid-cols-[auto_1fr] gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-5 \
                               text-sm dark:border-slate-700 dark:bg-slate-900">
                        <dt class="font-medium">"Organization"</dt><dd>{user.organization_name}</dd>
                        <dt class="font-medium">"Your name"</dt><dd>{user.name}</dd>
                        <dt class="font-medium">"Login email"</dt><dd>{user.email}</dd>
                        <dt class="font-medium">"Role"</dt><dd>{user.role.label()}</dd>
                    </dl>
                })
            })}
        </Suspense>
    }
}
