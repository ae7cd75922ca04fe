//! The signed-in customer frame, and the session gate every signed-in frame
//! (customer and staff) uses.

use super::frame::{Frame, FrameAccount, FrameContext, FrameNav, NavLinks, SignOutButton};
use super::{render_errors_boundary, Badge, Tone};
use crate::auth::AuthContext;
use domain::auth::CurrentUser;
use domain::AppError;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};

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

/// A frame's session, loaded once per page: `Ok(None)` is a visitor without one.
pub type Session<T> = Resource<Result<Option<T>, AppError>>;

/// Sends a visitor without a session to `sign_in` (a 302 when
/// server-rendered), and says so when the session could not be checked.
#[component]
pub fn SessionGate<T>(session: Session<T>, sign_in: &'static str) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(_)) => ().into_any(),
                    Ok(None) => view! { <Redirect path=sign_in/> }.into_any(),
                    Err(error) => view! { <div class="mb-6"><super::ErrorView error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `render` of whoever holds the session once it is known; nothing before.
#[component]
pub fn WithSession<T>(session: Session<T>, render: fn(T) -> AnyView) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                session.await.ok().flatten().map(render)
            })}
        </Transition>
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
