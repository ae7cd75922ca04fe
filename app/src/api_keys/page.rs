use super::api::{list_api_keys, CreateApiKey, RevokeApiKey, RotateApiKey};
use crate::auth::{use_permission, Permitted};
use crate::ui::form::{action_error, field_error};
use crate::ui::table::{CELL, ROW_HEADER};
use crate::ui::time::{when_or, When};
use crate::ui::{
    DataTable, EmptyState, ErrorView, FormAlert, FormField, Loading, PageHeader, SelectField,
    SubmitButton,
};
use domain::api_keys::{ApiKey, CreatedApiKey, GracePeriod, KeyLifetime};
use domain::Permission;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where the create and rotate forms post without JavaScript (the server
/// answers with the new secret, shown once; `server/src/http/api_keys.rs`).
/// With JavaScript they call the server functions and the page shows it.
pub const CREATE_PATH: &str = "/api-keys/create";
pub const ROTATE_PATH: &str = "/api-keys/rotate";

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let rotate = ServerAction::<RotateApiKey>::new();
    let keys = Resource::new(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                rotate.version().get(),
            )
        },
        |_| list_api_keys(),
    );
    // The secret of the key created or rotated last: shown once, never refetched.
    let fresh = Signal::derive(move || {
        let created = create.value().get().and_then(Result::ok);
        let rotated = rotate.value().get().and_then(Result::ok);
        rotated.or(created)
    });
    let can_manage = use_permission(Permission::ManageApiKeys);
    // A rotation or revocation that failed (the key was revoked meanwhile…).
    let (rotate_error, revoke_error) = (action_error(rotate), action_error(revoke));
    let key_error = Signal::derive(move || rotate_error.get().or_else(|| revoke_error.get()));
    view! {
        <Title text="API keys · Portal"/>
        <div class="space-y-6">
            <PageHeader title="API keys">
                "Keys let your code call our API. Send one in the "<code>"Authorization: Bearer"</code>
                " header; never put it in a URL."
            </PageHeader>
            <Permitted permission=Permission::ManageWebhooks>
                <p class="text-sm">
                    "To have events sent to your systems as they happen, "
                    <a href="/webhooks" class="font-medium text-indigo-700 underline dark:text-indigo-300">"add a webhook endpoint"</a>"."
                </p>
            </Permitted>
            {move || fresh.get().map(|created| view! { <SecretOnce created/> })}
            <Permitted permission=Permission::ManageApiKeys>
                <CreateKeyForm action=create/>
            </Permitted>
            <FormAlert error=key_error/>
            <Transition fallback=|| view! { <Loading label="Loading keys…"/> }>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(keys) if keys.is_empty() => view! {
                            <EmptyState title="No API keys yet">"Create one above to start calling the API."</EmptyState>
                        }
                        .into_any(),
                        Ok(keys) => view! { <KeyTable keys can_manage revoke rotate/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn CreateKeyForm(action: ServerAction<CreateApiKey>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section aria-labelledby="create-key" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="create-key" class="mb-3 font-semibold">"Create a key"</h2>
            <ActionForm action attr:class="grid grid-cols-1 gap-4 md:grid-cols-[2fr_1fr_1fr_auto] md:items-start">
                <FormField label="Key name" name="name" required=true maxlength=60 hint="e.g. Production server"
                    error=field_error(error, "name")/>
                <SelectField label="Access" name="scope" id="field-scope"
                    choices=vec![("full", "Full access"), ("read_only", "Read only")]
                    error=field_error(error, "scope")/>
                <SelectField label="Expires" name="expires_in" id="field-expires_in"
                    choices=KeyLifetime::CHOICES.to_vec() error=field_error(error, "expires_in")/>
                <div class="md:pt-6">
                    <SubmitButton label="Create key" pending_label="Creating…" pending=action.pending()
                        attr:formaction=CREATE_PATH/>
                </div>
                <div class="md:col-span-4"><FormAlert error/></div>
            </ActionForm>
        </section>
    }
}

/// The new key's secret, with a copy button. It exists only in this response.
#[component]
fn SecretOnce(created: CreatedApiKey) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let secret = created.secret.clone();
    let copy = move |_| {
        let clipboard = window().navigator().clipboard();
        let _ = clipboard.write_text(&secret);
        set_copied.set(true);
    };
    view! {
        <section role="status" aria-labelledby="new-key" class="rounded-lg border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950">
            <h2 id="new-key" class="font-semibold">{format!("Your new key \u{201c}{}\u{201d}", created.key.name)}</h2>
            <p class="mt-1 text-sm">"Copy it now: for your security we store only a fingerprint and cannot show it again."</p>
            <div class="mt-3 flex flex-wrap items-center gap-2">
                <code data-testid="new-key-secret" class="select-all break-all rounded bg-white px-3 py-2 font-mono text-sm dark:bg-slate-900">
                    {created.secret.clone()}
                </code>
                <button type="button" on:click=copy class="rounded-md border border-slate-300 px-3 py-2 text-sm font-medium dark:border-slate-600">
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </section>
    }
}

#[component]
fn KeyTable(
    keys: Vec<ApiKey>,
    can_manage: Signal<bool>,
    revoke: ServerAction<RevokeApiKey>,
    rotate: ServerAction<RotateApiKey>,
) -> impl IntoView {
    view! {
        <DataTable caption="Your organization's API keys"
            columns=&["Name", "Key", "Access", "Created", "Last used", "Expires", "Status", ""]>
            {keys.into_iter().map(|key| view! { <KeyRow key can_manage revoke rotate/> }).collect_view()}
        </DataTable>
    }
}

#[component]
fn KeyRow(
    key: ApiKey,
    can_manage: Signal<bool>,
    revoke: ServerAction<RevokeApiKey>,
    rotate: ServerAction<RotateApiKey>,
) -> impl IntoView {
    let usable = key.status.is_usable();
    let rotatable = usable && key.replaced_by.is_none();
    let created_by = key.created_by.clone().map(|by| format!(" by {by}"));
    let status = match &key.replaced_by {
        Some(successor) if usable => format!(
            "{} (replaced by \u{201c}{successor}\u{201d})",
            key.status.label()
        ),
        _ => key.status.label().to_owned(),
    };
    let id = key.id.to_string();
    let name = key.name.clone();
    let actions = move || {
        (can_manage.get() && usable).then(
            || view! { <KeyActions id=id.clone() name=name.clone() rotatable revoke rotate/> },
        )
    };
    view! {
        <tr>
            <th scope="row" class=ROW_HEADER>{key.name.clone()}</th>
            <td class=format!("{CELL} font-mono")>{format!("{}…", key.display_prefix)}</td>
            <td class=CELL>{key.scope.label()}</td>
            <td class=CELL><When moment=key.created_at.clone()/>{created_by}</td>
            <td class=CELL data-testid="last-used">{when_or(key.last_used_at.clone(), "Never")}</td>
            <td class=CELL>{when_or(key.expires_at.clone(), "Never")}</td>
            <td class=CELL>{status}</td>
            <td class=CELL>{actions}</td>
        </tr>
    }
}

/// Rotate and revoke, each behind a `<details>` confirmation that works
/// without JavaScript too.
#[component]
fn KeyActions(
    id: String,
    name: String,
    rotatable: bool,
    revoke: ServerAction<RevokeApiKey>,
    rotate: ServerAction<RotateApiKey>,
) -> impl IntoView {
    let rotate_form = rotatable.then(|| {
        let id = id.clone();
        view! {
            <details>
                <summary class="cursor-pointer text-indigo-700 dark:text-indigo-300">{format!("Rotate {name}…")}</summary>
                <ActionForm action=rotate attr:class="mt-2 flex flex-wrap items-end gap-2">
                    <input type="hidden" name="id" value=id/>
                    <label class="text-sm">
                        "Old key keeps working for "
                        <select name="grace_hours" class="ml-1 rounded border border-slate-300 px-2 py-1 dark:border-slate-600 dark:bg-slate-900">
                            {GracePeriod::CHOICES.iter().map(|(v, t)| view! { <option value=*v>{*t}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" formaction=ROTATE_PATH
                        class="rounded-md bg-indigo-600 px-3 py-1 text-sm font-semibold text-white">"Rotate key"</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <div class="flex flex-col gap-2">
            {rotate_form}
            <details>
                <summary class="cursor-pointer text-red-700 dark:text-red-400">{format!("Revoke {name}…")}</summary>
                <ActionForm action=revoke attr:class="mt-2 space-y-2">
                    <input type="hidden" name="id" value=id/>
                    <p class="text-sm">"Apps using this key stop working immediately. This cannot be undone."</p>
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white">"Revoke key"</button>
                </ActionForm>
            </details>
        </div>
    }
    .into_any()
}
