use super::{render_errors_boundary, ThemeToggle};
use crate::auth::AuthContext;
use domain::auth::CurrentUser;
use domain::error::AppError;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;

const NAV: [(&str, &str); 7] = [
    ("/", "Dashboard"),
    ("/usage", "Usage"),
    ("/billing", "Billing"),
    ("/team", "Team"),
    ("/api-keys", "API keys"),
    ("/support", "Support"),
    ("/settings", "Settings"),
];

/// The signed-in frame: header, navigation, and the page in `<main>`.
/// Signed-out visitors are sent to the sign-in page.
///
/// Only the parts that show the user wait for the session. The page itself
/// must stay outside every `Suspend`: while rendering on the server, a
/// `Suspense` builds its children up to three times (two dry runs and the
/// render), so a page built inside one started its data loads three times.
#[component]
pub fn AppLayout() -> impl IntoView {
    let user = expect_context::<AuthContext>().user;
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded \
                             focus:bg-white focus:px-3 focus:py-2 focus:text-indigo-700">
            "Skip to content"
        </a>
        <div class="min-h-screen md:flex">
            <aside class="border-b border-slate-200 bg-white md:w-60 md:shrink-0 md:border-b-0 md:border-r \
                          dark:border-slate-800 dark:bg-slate-900">
                <div class="flex items-center justify-between px-4 py-4 md:block">
                    <a href="/" class="text-lg font-bold text-indigo-700 dark:text-indigo-300">"Portal"</a>
                    <WithSession session=user render=organization_name/>
                </div>
                <MainNav/>
            </aside>
            <div class="flex min-w-0 flex-1 flex-col">
                <TopBar/>
                <main id="main" tabindex="-1" class="mx-auto w-full max-w-6xl flex-1 px-4 py-6 md:px-8">
                    <SessionGate session=user sign_in="/sign-in"/>
                    <ErrorBoundary fallback=render_errors_boundary>
                        <Outlet/>
                    </ErrorBoundary>
                </main>
            </div>
        </div>
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
        <span class="text-sm text-slate-700 dark:text-slate-200">
            <span class="font-medium">{user.name}</span>
            <span class="ml-2 rounded bg-slate-100 px-2 py-0.5 text-xs dark:bg-slate-800">{user.role.label()}</span>
        </span>
    }
    .into_any()
}

/// Plain links: the router already turns every same-origin `<a>` click into
/// client-side navigation, and one shared location read replaces the seven
/// resolved-path memos `<A>` would build on every server render.
#[component]
fn MainNav() -> impl IntoView {
    let pathname = use_location().pathname;
    view! {
                <nav aria-label="Main" class="overflow-x-auto px-2 pb-2 md:pb-4">
                    <ul class="flex gap-1 md:flex-col">
                        {NAV
                            .into_iter()
                            .map(|(href, label)| {
                                view! {
                                    <li>
                                        <a
                                            href=href
                                            aria-current=move || pathname.with(|path| path == href).then_some("page")
                                            class="block whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium text-slate-700 \
                                                   hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-800 \
                                                   dark:text-slate-200 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 \
                                                   dark:aria-[current=page]:text-indigo-200"
                                        >
                                            {label}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
    }
    .into_any()
}

#[component]
fn TopBar() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    view! {
                <header class="flex flex-wrap items-center justify-end gap-3 border-b border-slate-200 bg-white px-4 py-3 \
                               dark:border-slate-800 dark:bg-slate-900">
                    <ThemeToggle/>
                    <WithSession session=auth.user render=user_badge/>
                    <ActionForm action=auth.sign_out>
                        <button
                            type="submit"
                            class="rounded-md border border-slate-300 px-3 py-1 text-sm font-medium text-slate-800 hover:bg-slate-50 \
                                   focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 \
                                   dark:border-slate-600 dark:text-slate-100 dark:hover:bg-slate-800"
                        >
                            "Sign out"
                        </button>
                    </ActionForm>
                </header>
    }
    .into_any()
}
