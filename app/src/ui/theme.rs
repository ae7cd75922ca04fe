use leptos::prelude::*;

/// Runs in <head> before the first paint, so a dark-mode user never sees a
/// white flash: the saved choice, else the operating system's preference.
pub const THEME_BOOT_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('theme');\
var d=t?t==='dark':window.matchMedia('(prefers-color-scheme: dark)').matches;\
document.documentElement.classList.toggle('dark',d);}catch(e){}})();";

/// Switches between light and dark and remembers the choice in this browser.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let (dark, set_dark) = signal(false);
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            set_dark.set(root.class_list().contains("dark"));
        }
    });
    let toggle = move |_| {
        let next = !dark.get_untracked();
        if let Some(root) = document().document_element() {
            let _ = root.class_list().toggle_with_force("dark", next);
        }
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item("theme", if next { "dark" } else { "light" });
        }
        set_dark.set(next);
    };
    view! {
        <button
            type="button"
            on:click=toggle
            aria-pressed=move || if dark.get() { "true" } else { "false" }
            class="rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 \
                   focus-visible:outline-indigo-600 dark:text-slate-200 dark:hover:bg-slate-800"
        >
            <span aria-hidden="true">{move || if dark.get() { "☾ " } else { "☀ " }}</span>
            "Dark mode"
        </button>
    }
}
