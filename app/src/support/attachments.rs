//! Files in a ticket's thread, for customers and staff alike: the list under
//! a message (image previews and downloads) and the form that attaches files
//! as a reply. The form is a plain `multipart/form-data` post that works
//! without JavaScript; with it, files are checked before sending and the
//! upload shows its progress.

use crate::ui::style::{LINK, PANEL};
use crate::ui::SubmitButton;
use domain::attachments::{AttachmentInfo, Refusal, ACCEPT, ACCEPTED_HINT};
use domain::support::MESSAGE_MAX_CHARS;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The files of one message. `base` is where they are served
/// (`/support/attachments` or `/staff/attachments`).
#[component]
pub fn AttachmentList(files: Vec<AttachmentInfo>, base: &'static str) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="mt-3 flex flex-wrap gap-3" aria-label="Attached files">
                {files.into_iter().map(|file| {
                    let href = format!("{base}/{}", file.id);
                    let preview = file.thumbnail.then(|| {
                        let src = format!("{base}/{}/preview", file.id);
                        view! {
                            <img src=src alt="" loading="lazy" data-testid="attachment-preview"
                                class="mb-1 h-24 max-w-48 rounded border border-slate-200 object-contain dark:border-slate-700"/>
                        }
                    });
                    view! {
                        <li class="text-sm" data-testid="attachment">
                            <a href=href download=file.name.clone() class="block">
                                {preview}
                                <span class=LINK>{file.name.clone()}</span>
                                <span class="ml-1 text-slate-600 dark:text-slate-300">{format!("({})", file.size)}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// "Attach files": up to five files and an optional message, sent as a
/// reply to `upload_url`. `on_uploaded` runs after a successful upload with
/// JavaScript (without it, the server redirects back to the thread).
#[component]
pub fn AttachForm(
    upload_url: String,
    #[prop(default = None)] hint: Option<&'static str>,
    on_uploaded: Callback<()>,
) -> impl IntoView {
    let query = use_query_map();
    // A refusal after a post without JavaScript comes back as a code.
    let from_url = query
        .read_untracked()
        .get("attach_error")
        .and_then(|code| Refusal::from_code(&code))
        .map(|refusal| refusal.message().to_owned());
    let error = RwSignal::new(from_url);
    let progress = RwSignal::new(None::<f64>);
    let pending = Signal::derive(move || progress.get().is_some());
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = form_ref.get_untracked() else {
            return;
        };
        ev.prevent_default();
        upload::start(form, error, progress, on_uploaded);
    };
    view! {
        <section id="attach" aria-labelledby="attach-heading" class=PANEL>
            <h2 id="attach-heading" class="mb-3 font-semibold">"Attach files"</h2>
            <form node_ref=form_ref method="post" action=upload_url enctype="multipart/form-data"
                class="space-y-3" on:submit=on_submit>
                <FilePicker id="attach-files" label="Files" error hint on_change=Callback::new(move |()| error.set(None))/>
                <div>
                    <label for="attach-body" class="block text-sm font-medium">"Message (optional)"</label>
                    <textarea id="attach-body" name="body" rows=2 maxlength=MESSAGE_MAX_CHARS
                        class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm \
                               dark:border-slate-600 dark:bg-slate-900"></textarea>
                </div>
                <UploadProgress progress/>
                <div class="sm:w-48">
                    <SubmitButton label="Upload files" pending_label="Uploading…" pending/>
                </div>
            </form>
        </section>
    }
}

/// The `files` input of an upload form (up to five, of the accepted kinds),
/// with its hint and its error.
#[component]
pub fn FilePicker(
    id: &'static str,
    label: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = None)] hint: Option<&'static str>,
    on_change: Callback<()>,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    view! {
        <div>
            <label for=id class="block text-sm font-medium">{label}</label>
            <input id=id type="file" name="files" multiple=true accept=ACCEPT
                aria-describedby=format!("{hint_id} {error_id}")
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                on:change=move |_| on_change.run(())
                class="mt-1 block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 \
                       file:bg-white file:px-3 file:py-2 file:text-sm file:font-medium dark:file:border-slate-600 \
                       dark:file:bg-slate-800 dark:file:text-slate-100"/>
            <p id=hint_id class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                {ACCEPTED_HINT}{hint.map(|h| format!(" {h}"))}
            </p>
            <p id=error_id role="alert" class="mt-1 text-sm text-red-700 dark:text-red-300">
                {move || error.get()}
            </p>
        </div>
    }
}

/// How much of an upload has been sent, while it is under way.
#[component]
pub fn UploadProgress(progress: RwSignal<Option<f64>>) -> impl IntoView {
    move || {
        progress.get().map(|done| {
            view! {
                <div class="flex items-center gap-3 text-sm">
                    <progress max="1" value=done.to_string() aria-label="Upload progress" class="w-48"></progress>
                    <span>{format!("{:.0} %", done * 100.0)}</span>
                </div>
            }
        })
    }
}

#[cfg(feature = "hydrate")]
pub(crate) mod upload {
    use super::*;
    use domain::attachments::{MAX_FILES, MAX_FILE_BYTES};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlFormElement, HtmlInputElement, ProgressEvent, XmlHttpRequest};

    /// Checks the chosen files, then sends the form with progress reports.
    pub fn start(
        form: HtmlFormElement,
        error: RwSignal<Option<String>>,
        progress: RwSignal<Option<f64>>,
        on_uploaded: Callback<()>,
    ) {
        if progress.get_untracked().is_some() {
            return;
        }
        if let Some(refusal) = check_files(&form) {
            error.set(Some(refusal.message().to_owned()));
            return;
        }
        error.set(None);
        if send(&form, error, progress, on_uploaded).is_err() {
            error.set(Some("The upload could not start. Please try again.".into()));
            progress.set(None);
        }
    }

    /// How many files the form's picker holds.
    pub fn chosen(form: &HtmlFormElement) -> u32 {
        picked(form).map_or(0, |files| files.length())
    }

    fn picked(form: &HtmlFormElement) -> Option<web_sys::FileList> {
        let input = form
            .elements()
            .named_item("files")?
            .dyn_into::<HtmlInputElement>()
            .ok()?;
        input.files()
    }

    /// What the server would refuse, said before sending megabytes to it.
    pub fn check_files(form: &HtmlFormElement) -> Option<Refusal> {
        let files = picked(form)?;
        if files.length() == 0 {
            return Some(Refusal::NoFiles);
        }
        if files.length() as usize > MAX_FILES {
            return Some(Refusal::TooMany);
        }
        (0..files.length())
            .filter_map(|i| files.get(i))
            .any(|file| file.size() > MAX_FILE_BYTES as f64)
            .then_some(Refusal::TooLarge)
    }

    fn send(
        form: &HtmlFormElement,
        error: RwSignal<Option<String>>,
        progress: RwSignal<Option<f64>>,
        on_uploaded: Callback<()>,
    ) -> Result<(), wasm_bindgen::JsValue> {
        let sent = form.clone();
        post(form, progress, move |status, text| match status {
            200..=299 => {
                sent.reset();
                on_uploaded.run(());
            }
            0 => error.set(Some(Refusal::Interrupted.message().to_owned())),
            _ => error.set(Some(
                Some(text)
                    .filter(|text| !text.is_empty() && text.len() < 500)
                    .unwrap_or_else(|| "The upload failed. Please try again.".into()),
            )),
        })
    }

    /// Posts `form` as it is (`multipart/form-data`) to its action, asking
    /// for JSON and reporting progress; `on_end` gets the status (0: the
    /// upload broke off) and the answer's text.
    pub fn post(
        form: &HtmlFormElement,
        progress: RwSignal<Option<f64>>,
        on_end: impl FnOnce(u16, String) + 'static,
    ) -> Result<(), wasm_bindgen::JsValue> {
        let data = FormData::new_with_form(form)?;
        let request = XmlHttpRequest::new()?;
        request.open("POST", &form.action())?;
        request.set_request_header("Accept", "application/json")?;
        let on_progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                progress.set(Some(event.loaded() / event.total()));
            }
        });
        request
            .upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        // One small handler per upload, freed with the request.
        on_progress.forget();
        let finished = request.clone();
        let on_loadend = Closure::once_into_js(move || {
            progress.set(None);
            let text = finished.response_text().ok().flatten().unwrap_or_default();
            on_end(finished.status().unwrap_or(0), text);
        });
        request.set_onloadend(Some(on_loadend.unchecked_ref()));
        progress.set(Some(0.0));
        request.send_with_opt_form_data(Some(&data))
    }
}

#[cfg(not(feature = "hydrate"))]
mod upload {
    use super::*;

    /// Only the browser uploads; on the server the form is plain HTML.
    pub fn start(
        _form: web_sys::HtmlFormElement,
        _error: RwSignal<Option<String>>,
        _progress: RwSignal<Option<f64>>,
        _on_uploaded: Callback<()>,
    ) {
    }
}
