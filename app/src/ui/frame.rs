//! `Frame`: the one page frame of the portal — skip link, brand, theme switch
//! and the `<main>` landmark. Signed-in frames (customer, staff) fill its
//! slots: a navigation (a sidebar from `md` up), something beside the brand
//! (the organization's name), and the account controls in the top bar.
//! Without a navigation it is the centered card of the signed-out pages
//! (`CardFrame`).

use super::theme::ThemeToggle;
use leptos::prelude::*;
use leptos_meta::Title;

/// The frame's navigation (the links of a signed-in area).
#[slot]
pub struct FrameNav {
    children: Children,
}

/// Shown beside the brand (the organization's name).
#[slot]
pub struct FrameContext {
    children: Children,
}

/// The account controls at the end of the top bar (who is signed in, sign out).
#[slot]
pub struct FrameAccount {
    children: Children,
}

#[component]
pub fn Frame(
    /// "Portal", "Portal Support".
    brand: &'static str,
    /// Where the brand links to.
    home: &'static str,
    #[prop(optional)] frame_nav: Option<FrameNav>,
    #[prop(optional)] frame_context: Option<FrameContext>,
    #[prop(optional)] frame_account: Option<FrameAccount>,
    /// The main column's width (a Tailwind `max-w-*`).
    #[prop(default = "max-w-6xl")]
    width: &'static str,
    children: Children,
) -> impl IntoView {
    let skip_link = view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded \
                             focus:bg-white focus:px-3 focus:py-2 focus:text-indigo-700">
            "Skip to content"
        </a>
    };
    let Some(nav) = frame_nav else {
        return view! {
            {skip_link}
            <div class="flex min-h-screen flex-col items-center justify-center px-4 py-12">
                <div class="absolute right-4 top-4"><ThemeToggle/></div>
                <main id="main" tabindex="-1" class="w-full max-w-md">
                    <p class="mb-6 text-center text-2xl font-bold text-indigo-700 dark:text-indigo-300">
                        <a href=home>{brand}</a>
                    </p>
                    {children()}
                </main>
            </div>
        }
        .into_any();
    };
    // Below `md` the navigation folds behind "Menu": a checkbox and its
    // label, so it opens without JavaScript too; with it, Escape and
    // following a link close it again.
    let open = RwSignal::new(false);
    let toggle = NodeRef::<leptos::html::Input>::new();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(toggle) = toggle.get_untracked() {
                let _ = toggle.focus();
            }
        }
    };
    view! {
        {skip_link}
        <div class="min-h-screen md:flex">
            <aside on:keydown=on_keydown
                class="group border-b border-slate-200 bg-white md:w-60 md:shrink-0 md:border-b-0 md:border-r \
                       dark:border-slate-800 dark:bg-slate-900">
                <input type="checkbox" id="frame-menu" node_ref=toggle aria-controls="frame-nav"
                    class="peer sr-only md:hidden" prop:checked=move || open.get()
                    on:change=move |ev| open.set(event_target_checked(&ev))/>
                <div class="flex items-center justify-between gap-3 px-4 py-4 md:block">
                    <a href=home class="text-lg font-bold text-indigo-700 dark:text-indigo-300">{brand}</a>
                    <div class="flex min-w-0 items-center gap-3">
                        {frame_context.map(|context| (context.children)())}
                        <label for="frame-menu"
                            class="cursor-pointer select-none rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium \
                                   group-has-[#frame-menu:focus-visible]:outline group-has-[#frame-menu:focus-visible]:outline-2 \
                                   group-has-[#frame-menu:focus-visible]:outline-indigo-600 md:hidden dark:border-slate-600">
                            "Menu"
                        </label>
                    </div>
                </div>
                <div id="frame-nav" class="hidden peer-checked:block md:block"
                    on:click=move |ev| {
                        // A followed link: the menu closes behind it.
                        if event_target::<web_sys::Element>(&ev).closest("a").ok().flatten().is_some() {
                            open.set(false);
                        }
                    }>
                    {(nav.children)()}
                </div>
            </aside>
            <div class="flex min-w-0 flex-1 flex-col">
                <header class="flex flex-wrap items-center justify-end gap-3 border-b border-slate-200 bg-white px-4 py-3 \
                               dark:border-slate-800 dark:bg-slate-900">
                    <ThemeToggle/>
                    {frame_account.map(|account| (account.children)())}
                </header>
                <main id="main" tabindex="-1" class=format!("mx-auto w-full {width} flex-1 px-4 py-6 md:px-8")>
                    {children()}
                </main>
            </div>
        </div>
    }
    .into_any()
}

/// The signed-out pages' frame: a titled card in the middle of the screen.
#[component]
pub fn CardFrame(
    /// The page's `<h1>`, also its document title.
    title: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Portal")/>
        <Frame brand="Portal" home="/">
            <div class="rounded-lg border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-700 dark:bg-slate-900">
                <h1 class="mb-6 text-xl font-semibold">{title}</h1>
                {children()}
            </div>
        </Frame>
    }
}

/// A link list for `FrameNav`: the current page is marked `aria-current`.
#[component]
pub fn NavLinks(
    /// The navigation's accessible name ("Main", "Console").
    label: &'static str,
    /// (href, text) pairs.
    links: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    // Plain links: the router already turns every same-origin `<a>` click into
    // client-side navigation, and one shared location read replaces the
    // resolved-path memos `<A>` would build on every server render.
    let pathname = leptos_router::hooks::use_location().pathname;
    view! {
        <nav aria-label=label class="px-2 pb-2 md:pb-4">
            <ul class="flex flex-col gap-1">
                {links
                    .iter()
                    .map(|(href, text)| {
                        let href = *href;
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
                                    {*text}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// The "Sign out" button of an `ActionForm` (so it works without JavaScript).
#[component]
pub fn SignOutButton() -> impl IntoView {
    view! {
        <button
            type="submit"
            class="rounded-md border border-slate-300 px-3 py-1 text-sm font-medium text-slate-800 hover:bg-slate-50 \
                   focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 \
                   dark:border-slate-600 dark:text-slate-100 dark:hover:bg-slate-800"
        >
            "Sign out"
        </button>
    }
}
