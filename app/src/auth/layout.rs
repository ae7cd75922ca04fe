//! The signed-in customer frame: navigation, the organization and the user
//! around every customer page.

use super::alert::{PaymentAlertBanner, PaymentAlertRefresh};
use super::AuthContext;
use crate::ui::layout::{SessionGate, WithSession};
use crate::ui::{
    render_errors_boundary, Badge, Frame, FrameAccount, FrameContext, FrameNav, NavLinks,
    SignOutButton, Tone,
};
use domain::auth::CurrentUser;
use leptos::prelude::*;
use leptos_router::components::Outlet;

const NAV: &[(&str, &str)] = &[
    ("/", "Dashboard"),
    ("/usage", "Usage"),
    ("/billing", "Billing"),
    ("/team", "Team"),
    ("/api-keys", "API keys"),
    ("/support", "Support"),
    ("/help", "Help"),
    ("/settings", "Settings"),
];

/// The signed-in frame: navigation, the organization and the user, and the
/// page in `<main>`. Signed-out visitors are sent to the sign-in page.
///
/// Only the parts that show the user wait for the session. The page itself
/// must stay outside every `Suspend`: while rendering on the server, a
/// `Suspense` builds its children up to three times (two dry runs and the
/// render), so a page built inside one started its data loads three times.
#[component]
pub fn AppLayout() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let user = auth.user;
    let payment_alert = PaymentAlertRefresh::provide();
    view! {
        <Frame brand="Portal" home="/">
            <FrameNav slot><NavLinks label="Main" links=NAV/></FrameNav>
            <FrameContext slot><WithSession session=user render=organization_name/></FrameContext>
            <FrameAccount slot>
                <WithSession session=user render=user_badge/>
                <ActionForm action=auth.sign_out><SignOutButton/></ActionForm>
            </FrameAccount>
            <SessionGate session=user sign_in="/sign-in"/>
            <PaymentAlertBanner refresh=payment_alert/>
            <ErrorBoundary fallback=render_errors_boundary>
                <Outlet/>
            </ErrorBoundary>
        </Frame>
    }
}

/// The current organization, and a disclosure that lists the user's other
/// organizations, each a form that switches to it (works without JavaScript).
fn organization_name(user: CurrentUser) -> AnyView {
    let name = user.organization_name.clone();
    let title = name.clone();
    let others: Vec<_> = user
        .memberships
        .into_iter()
        .filter(|m| m.organization_id != user.organization_id)
        .collect();
    view! {
        <details class="relative min-w-0 md:mt-1" data-testid="organization-switcher">
            <summary class="cursor-pointer truncate text-sm text-slate-600 dark:text-slate-300" title=title>
                <span class="sr-only">"Organization: "</span>{name}
            </summary>
            <div class="absolute z-20 mt-1 w-64 max-w-[calc(100vw-2rem)] rounded-md border border-slate-200 bg-white p-2 shadow-lg                         dark:border-slate-700 dark:bg-slate-900">
                <p class="px-2 pb-1 text-xs text-slate-500 dark:text-slate-400">"Switch organization"</p>
                <ul>
                    {others.into_iter().map(|m| view! {
                        <li>
                            <form method="post" action="/api/auth/switch_organization">
                                <input type="hidden" name="organization_id" value=m.organization_id.to_string()/>
                                <button type="submit" class="w-full rounded px-2 py-1.5 text-left text-sm hover:bg-slate-100                                                              dark:hover:bg-slate-800">
                                    <span class="block font-medium break-words">{m.organization_name}</span>
                                    <span class="block text-xs text-slate-500 dark:text-slate-400">
                                        {format!("{} · {} plan", m.role.label(), m.plan_name)}
                                    </span>
                                </button>
                            </form>
                        </li>
                    }).collect_view()}
                </ul>
                <a href="/organizations/new" class="mt-1 block rounded px-2 py-1.5 text-sm font-medium text-indigo-700                                                    hover:bg-slate-100 dark:text-indigo-300 dark:hover:bg-slate-800">
                    "Create an organization"
                </a>
            </div>
        </details>
    }
    .into_any()
}

fn user_badge(user: CurrentUser) -> AnyView {
    view! {
        <span class="flex items-center gap-2 text-sm text-slate-700 dark:text-slate-200">
            <span class="font-medium">{user.name}</span>
            <Badge tone=Tone::Neutral label=user.role.label()/>
        </span>
    }
    .into_any()
}
