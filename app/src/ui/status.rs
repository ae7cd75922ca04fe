use domain::error::AppError;
use leptos::prelude::*;

#[component]
pub fn Card(#[prop(into)] title: String, children: Children) -> impl IntoView {
    let heading_id = format!("card-{}", title.to_lowercase().replace(' ', "-"));
    let labelled_by = heading_id.clone();
    view! {
        <section
            aria-labelledby=labelled_by
            class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900"
        >
            <h2 id=heading_id class="text-sm font-medium text-slate-600 dark:text-slate-300">{title}</h2>
            <div class="mt-2">{children()}</div>
        </section>
    }
}

/// Placeholder shown while data loads; announced politely to screen readers.
#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" class="flex items-center gap-3 py-8 text-slate-600 dark:text-slate-300">
            <span class="h-4 w-4 animate-spin rounded-full border-2 border-indigo-600 border-t-transparent" aria-hidden="true"></span>
            {label}
        </div>
    }
}

#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-600">
            <p class="font-medium text-slate-800 dark:text-slate-100">{title}</p>
            <div class="mt-1 text-sm text-slate-600 dark:text-slate-300">{children()}</div>
        </div>
    }
}

/// The one view for a failed load. Shows only `AppError`'s user-facing text.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    // A page about something that is not there (another organization's
    // ticket, a mistyped id) says so in its status too, for monitors and
    // crawlers. Other failures keep the status of the page around them.
    #[cfg(feature = "ssr")]
    if error == AppError::NotFound {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    // Rendered on the server, a fault names this request (in the browser it
    // already came back named, from `server::http::server_fns`).
    #[cfg(feature = "ssr")]
    let error = error.with_reference(crate::request::trace_reference);
    let signed_out = matches!(error, AppError::Unauthorized);
    view! {
        <div role="alert" class="rounded-lg border border-red-300 bg-red-50 p-5 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
            <p class="font-semibold">"We couldn't load this page."</p>
            <p class="mt-1 text-sm">{error.to_string()}</p>
            {signed_out.then(|| view! { <a class="mt-2 inline-block text-sm font-medium underline" href="/sign-in">"Sign in"</a> })}
        </div>
    }
}

/// Renders a server error caught by an `ErrorBoundary`.
pub fn render_errors(errors: ArcRwSignal<leptos::error::Errors>) -> impl IntoView {
    move || {
        errors
            .get()
            .into_iter()
            .next()
            .map(|(_, e)| {
                e.downcast_ref::<AppError>()
                    .cloned()
                    .unwrap_or(AppError::internal())
            })
            .map(|error| view! { <ErrorView error/> })
    }
}
