//! The signed-in customer frame: navigation, the organization and the user
//! around every customer page.

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
    view! {
        <Frame brand="Portal" home="/">
            <FrameNav slot><NavLinks label="Main" links=NAV/></FrameNav>
            <FrameContext slot><WithSession session=user render=organization_name/></FrameContext>
            <FrameAccount slot>
                <WithSession session=user render=user_badge/>
                <ActionForm action=auth.sign_out><SignOutButton/></ActionForm>
            </FrameAccount>
            <SessionGate session=user sign_in="/sign-in"/>
            <ErrorBoundary fallback=render_errors_boundary>
                <Outlet/>
            </ErrorBoundary>
        </Frame>
    }
}

fn organization_name(user: CurrentUser) -> AnyView {
    let name = user.organization_name;
    let title = name.clone();
    view! {
        <p class="truncate text-sm text-slate-600 md:mt-1 dark:text-slate-300" title=title>
            {name}
        </p>
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
