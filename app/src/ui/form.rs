use domain::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

/// How many times `action` has succeeded. Resources that reload after a save
/// track this rather than `version()`: a refused submission must not reload
/// the data and re-render the form, which would wipe what the user typed
/// next to the error that explains it.
pub fn saved_count<S>(action: ServerAction<S>) -> Signal<usize>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let count = RwSignal::new(0usize);
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            count.update(|c| *c += 1);
        }
    });
    count.into()
}

/// Classes of every text input, select and textarea, so fields look alike.
const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm \
                     focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600/40 \
                     aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";

/// `"true"` while the field has an error, for `aria-invalid`.
fn invalid(error: Signal<Option<String>>) -> impl Fn() -> &'static str + Send + Sync + 'static {
    move || {
        if error.get().is_some() {
            "true"
        } else {
            "false"
        }
    }
}

/// A field's label, the control, and the line under it: the error when there
/// is one, else the hint. The line is linked with `aria-describedby` and the
/// control marked `aria-invalid`, so screen readers announce what to fix.
#[component]
fn Field(
    id: String,
    label: &'static str,
    hint: Option<&'static str>,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    let message_id = format!("{id}-message");
    view! {
        <div class="space-y-1">
            <label for=id class="block text-sm font-medium text-slate-800 dark:text-slate-200">{label}</label>
            {children()}
            <p id=message_id class="text-sm">
                {move || match error.get() {
                    Some(message) => view! { <span class="text-red-700 dark:text-red-400">{message}</span> }.into_any(),
                    None => view! { <span class="text-slate-500 dark:text-slate-400">{hint}</span> }.into_any(),
                }}
            </p>
        </div>
    }
}

/// A labelled input with its error message beside it.
#[component]
pub fn FormField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] minlength: Option<usize>,
    #[prop(optional)] maxlength: Option<usize>,
    /// The current value, for forms that edit something (settings, billing details).
    #[prop(optional, into)]
    value: Option<String>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <Field id=id.clone() label hint error>
            <input
                id=id.clone()
                name=name
                type=input_type
                value=value
                inputmode=inputmode
                autocomplete=autocomplete
                required=required
                minlength=minlength
                maxlength=maxlength
                aria-invalid=invalid(error)
                aria-describedby=format!("{id}-message")
                class=INPUT
            />
        </Field>
    }
}

/// A multi-line text field with its label and its error beside it.
#[component]
pub fn TextAreaField(
    label: &'static str,
    name: &'static str,
    /// Unique on the page (several forms may have a "body").
    id: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = 6)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
    /// The field may be left empty (a comment, not a message).
    #[prop(optional)]
    optional: bool,
    /// Holds the text across re-renders of the form (a thread that refetches
    /// must not wipe a half-written reply); the page clears it once sent.
    #[prop(optional)]
    draft: Option<RwSignal<String>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let draft = draft.unwrap_or_else(|| RwSignal::new(String::new()));
    // `prop:value` exists only in the browser; the server writes the text
    // that is already there (a form sent back to its page) as the element's
    // content, which tachys writes unescaped for a <textarea>.
    let initial = escape_textarea_text(&draft.get_untracked());
    view! {
        <Field id=id.to_owned() label hint error>
            <textarea id=id name=name rows=rows required=!optional maxlength=maxlength
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                aria-invalid=invalid(error)
                aria-describedby=format!("{id}-message")
                class=INPUT>{initial}</textarea>
        </Field>
    }
}

/// Text safe inside `<textarea>…</textarea>` (escapable raw text: only `&`
/// and `<` matter, `>` for good measure).
fn escape_textarea_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A labelled `<select>` of choices, with its error beside it.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    id: &'static str,
    /// (value, label) pairs.
    choices: Vec<(&'static str, &'static str)>,
    #[prop(optional, into)] selected: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let choices = choices
        .into_iter()
        .map(|(value, text)| (value.to_owned(), text.to_owned()))
        .collect();
    view! { <ListField label name id choices selected error/> }
}

/// A `<select>` whose choices are known only at run time (the time zones).
#[component]
pub fn ListField(
    label: &'static str,
    name: &'static str,
    id: &'static str,
    /// (value, label) pairs.
    choices: Vec<(String, String)>,
    #[prop(optional, into)] selected: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Field id=id.to_owned() label hint error>
            <select id=id name=name aria-describedby=format!("{id}-message")
                aria-invalid=invalid(error)
                class=INPUT>
                {choices.into_iter().map(|(value, text)| {
                    let chosen = value == selected;
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
        </Field>
    }
}

/// A filter's `<select>` in a GET form: "any" first, the current query's
/// value selected, so filtering works without JavaScript.
#[component]
pub fn FilterSelect(
    label: &'static str,
    name: &'static str,
    any: &'static str,
    /// (value, label) pairs, see `choices`.
    choices: Vec<(String, String)>,
) -> impl IntoView {
    let query = use_query_map();
    let current = move || query.read().get(name).unwrap_or_default();
    let id = format!("filter-{name}");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <select id=id name=name class=crate::ui::style::FILTER_INPUT>
                <option value="" selected=move || current().is_empty()>{any}</option>
                {choices.into_iter().map(|(value, text)| {
                    let selected = value.clone();
                    view! { <option value=value selected=move || current() == selected>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// `FilterSelect`'s choices from static (value, label) pairs.
pub fn choices<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(value, label)| (value.to_owned(), label.to_owned()))
        .collect()
}

/// Submit button that shows progress and blocks double submission.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=move || pending.get()
            aria-busy=move || if pending.get() { "true" } else { "false" }
            class="inline-flex w-full items-center justify-center rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white \
                   shadow-sm hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 \
                   focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70"
        >
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// A form-level error (anything that is not about one field).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| !matches!(e, AppError::Validation(_))).map(|e| {
            view! {
                <div role="alert" class="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 \
                                         dark:border-red-800 dark:bg-red-950 dark:text-red-200">
                    {e.to_string()}
                </div>
            }
        })
    }
}

/// The error of a form post made without JavaScript: the server redirects back
/// with the error in the `__err` query parameter, and the failing server
/// function's path in `__fn` (see server/src/http/server_fns.rs).
pub fn error_from_url() -> Signal<Option<AppError>> {
    url_error(None)
}

fn url_error(server_fn_path: Option<&'static str>) -> Signal<Option<AppError>> {
    let query = use_query_map();
    Signal::derive(move || {
        let query = query.read();
        let from_this_form = match (server_fn_path, query.get("__fn")) {
            (Some(expected), Some(failed)) => expected == failed,
            _ => true,
        };
        from_this_form
            .then(|| query.get("__err"))
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok())
    })
}

/// The latest error of `action`, or of the no-JS post to the same server
/// function that led to this page. For pages with several forms.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let from_url = url_error(Some(S::PATH));
    Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(_)) => None,
        None => from_url.get(),
    })
}

/// The no-JS error of the server function `S`, when the page shows it
/// somewhere other than beside the form (rows that each have a form).
pub fn url_error_of<S: ServerFn>() -> Signal<Option<AppError>> {
    url_error(Some(S::PATH))
}

/// The error of a plain form post to `path` (not a server function), which
/// the server sends back in `?__err` like a server function's.
pub fn url_error_for(path: &'static str) -> Signal<Option<AppError>> {
    url_error(Some(path))
}

/// The latest error of an action, or of the no-JS post that led to this page.
pub fn form_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let from_url = error_from_url();
    Signal::derive(move || match value.get() {
        Some(Err(error)) => Some(error),
        Some(Ok(_)) => None,
        None => from_url.get(),
    })
}

/// The message for one field of a form's error.
pub fn field_error(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field(field)))
}
