use super::api::{
    get_endpoint, list_endpoints, CreateEndpoint, DeleteEndpoint, ResendDelivery,
    RotateEndpointSecret, SendTestEvent, UpdateEndpoint,
};
use crate::account::page::succeeded;
use crate::ui::form::{action_error, field_error};
use crate::ui::style::{LINK, PANEL, SECONDARY_BUTTON};
use crate::ui::table::{CELL, ROW_HEADER};
use crate::ui::{
    Badge, DataTable, EmptyState, ErrorView, FormAlert, FormField, Loading, PageHeader,
    SubmitButton, Tone, When,
};
use domain::webhooks::{
    AttemptView, DeliveryStatus, DeliveryView, EndpointView, EventType, NewSecret,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

/// Where the add and rotate forms post without JavaScript (the server
/// answers with the secret, shown once; `server/src/http/webhooks.rs`).
pub const CREATE_PATH: &str = "/webhooks/create";
pub const ROTATE_PATH: &str = "/webhooks/rotate";

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateEndpoint>::new();
    let endpoints = Resource::new(move || create.version().get(), |_| list_endpoints());
    let fresh = Signal::derive(move || create.value().get().and_then(Result::ok));
    view! {
        <Title text="Webhooks · Portal"/>
        <div class="space-y-6">
            <PageHeader title="Webhooks">
                "Send events to your own systems as they happen: each one signed, retried for three days, and logged. "
                <a href="#verify" class=LINK>"How to verify a delivery"</a>
            </PageHeader>
            {move || fresh.get().map(|secret| view! {
                <SecretOnce secret title="Endpoint added"/>
            })}
            <AddEndpointForm action=create/>
            <Transition fallback=|| view! { <Loading label="Loading endpoints…"/> }>
                {move || Suspend::new(async move {
                    match endpoints.await {
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState title="No endpoints yet">
                                "Add one above: we send it the events you choose, signed with its secret."
                            </EmptyState>
                        }.into_any(),
                        Ok(list) => view! { <EndpointTable endpoints=list/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            <VerifyGuide/>
        </div>
    }
}

const NODE_SNIPPET: &str = r#"import { Webhook } from "standardwebhooks"; // npm i standardwebhooks

const wh = new Webhook(process.env.PORTAL_WEBHOOK_SECRET); // "whsec_…"
// body: the raw request body, exactly as received (before JSON.parse)
const event = wh.verify(body, {
  "webhook-id": req.headers["webhook-id"],
  "webhook-timestamp": req.headers["webhook-timestamp"],
  "webhook-signature": req.headers["webhook-signature"],
});"#;

const PYTHON_SNIPPET: &str = r#"from standardwebhooks.webhooks import Webhook  # pip install standardwebhooks

wh = Webhook(os.environ["PORTAL_WEBHOOK_SECRET"])  # "whsec_…"
# the raw body, exactly as received, and the request's headers
event = wh.verify(request.get_data(), dict(request.headers))"#;

const RUST_SNIPPET: &str = r#"// cargo add standardwebhooks
let wh = standardwebhooks::Webhook::new(&std::env::var("PORTAL_WEBHOOK_SECRET")?)?;
// body: the raw bytes received; headers: the request's http::HeaderMap
wh.verify(&body, &headers)?;
let event: serde_json::Value = serde_json::from_slice(&body)?;"#;

/// How a receiver checks that a delivery is ours, in three languages.
#[component]
fn VerifyGuide() -> impl IntoView {
    view! {
        <section id="verify" aria-labelledby="verify-heading" class=format!("{PANEL} space-y-3")>
            <h2 id="verify-heading" class="font-semibold">"Verifying deliveries"</h2>
            <p class="text-sm">
                "Every delivery follows the "<a href="https://www.standardwebhooks.com" class=LINK>"Standard Webhooks"</a>
                " format: a JSON body "<code>"{\"type\", \"timestamp\", \"data\"}"</code>" and the headers "
                <code>"webhook-id"</code>", "<code>"webhook-timestamp"</code>" and "<code>"webhook-signature"</code>
                ". Check the signature with the endpoint's secret before trusting the body, answer with any 2xx within 10 seconds, "
                "and use "<code>"webhook-id"</code>" to ignore a delivery you already handled: a retry carries the same id."
            </p>
            <p class="text-sm">
                "Failed deliveries are retried after 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, then every 10 hours for about three days. "
                "An endpoint that answers 410 Gone, or fails for five days, is turned off and its owners are emailed."
            </p>
            {[("Node.js", NODE_SNIPPET), ("Python", PYTHON_SNIPPET), ("Rust", RUST_SNIPPET)].into_iter().map(|(language, code)| view! {
                <details>
                    <summary class="cursor-pointer text-sm font-medium">{language}</summary>
                    <pre class="mt-2 overflow-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-800"><code>{code}</code></pre>
                </details>
            }).collect_view()}
        </section>
    }
}

#[component]
fn AddEndpointForm(action: ServerAction<CreateEndpoint>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section aria-labelledby="add-endpoint" class=PANEL>
            <h2 id="add-endpoint" class="mb-3 font-semibold">"Add an endpoint"</h2>
            <ActionForm action attr:class="space-y-4">
                <EndpointFields error/>
                <FormAlert error/>
                <div class="w-48">
                    <SubmitButton label="Add endpoint" pending_label="Adding…" pending=action.pending()
                        attr:formaction=CREATE_PATH/>
                </div>
            </ActionForm>
        </section>
    }
}

/// URL, description and events: the add form's fields, and the edit form's
/// with the endpoint's values.
#[component]
fn EndpointFields(
    error: Signal<Option<domain::AppError>>,
    #[prop(optional)] endpoint: Option<EndpointView>,
) -> impl IntoView {
    let chosen = endpoint
        .as_ref()
        .map(|e| e.event_types.clone())
        .unwrap_or_default();
    let events_error = field_error(error, "event_types");
    view! {
        <div class="grid grid-cols-1 gap-4 md:grid-cols-2">
            <FormField label="Endpoint URL" name="url" input_type="url" required=true maxlength=2048
                hint="https:// only; we never follow redirects." value=endpoint.as_ref().map(|e| e.url.clone()).unwrap_or_default()
                error=field_error(error, "url")/>
            <FormField label="Description (optional)" name="description" maxlength=200
                hint="e.g. Billing sync in production" value=endpoint.as_ref().map(|e| e.description.clone()).unwrap_or_default()
                error=field_error(error, "description")/>
        </div>
        <fieldset aria-describedby="event-types-error">
            <legend class="text-sm font-medium">"Events to send"</legend>
            <div class="mt-2 grid grid-cols-1 gap-2 md:grid-cols-2">
                {EventType::ALL.into_iter().map(|event| {
                    let id = format!("event-{}", event.as_str().replace('.', "-"));
                    let checked = chosen.iter().any(|c| c == event.as_str());
                    view! {
                        <div class="flex items-start gap-2">
                            <input type="checkbox" id=id.clone() name="event_types[]" value=event.as_str() checked=checked
                                class="mt-1 h-4 w-4 rounded border-slate-300 text-indigo-600 dark:border-slate-600"/>
                            <label for=id class="text-sm">
                                <code class="font-mono">{event.as_str()}</code>
                                <span class="block text-slate-600 dark:text-slate-300">{event.description()}</span>
                            </label>
                        </div>
                    }
                }).collect_view()}
            </div>
            <p id="event-types-error" class="mt-1 text-sm text-red-700 dark:text-red-400">{move || events_error.get()}</p>
        </fieldset>
    }
}

/// A new signing secret, with a copy button. It exists only in this response.
#[component]
fn SecretOnce(secret: NewSecret, title: &'static str) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let value = secret.secret.clone();
    let copy = move |_| {
        let _ = window().navigator().clipboard().write_text(&value);
        set_copied.set(true);
    };
    let href = format!("/webhooks/{}", secret.endpoint_id);
    view! {
        <section role="status" aria-labelledby="new-secret" class="rounded-lg border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950">
            <h2 id="new-secret" class="font-semibold">{title}</h2>
            <p class="mt-1 text-sm">"Copy the signing secret now and store it with your receiver: it is not shown again."</p>
            <div class="mt-3 flex flex-wrap items-center gap-2">
                <code data-testid="new-webhook-secret" class="select-all break-all rounded bg-white px-3 py-2 font-mono text-sm dark:bg-slate-900">
                    {secret.secret.clone()}
                </code>
                <button type="button" on:click=copy class=SECONDARY_BUTTON>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <p class="mt-3 text-sm"><a href=href class=LINK>"Open the endpoint"</a></p>
        </section>
    }
}

#[component]
fn EndpointTable(endpoints: Vec<EndpointView>) -> impl IntoView {
    view! {
        <DataTable caption="Your organization's webhook endpoints"
            columns=&["Endpoint", "Events", "Status", "Failures (24 h)", "Added"]>
            {endpoints.into_iter().map(|e| {
                let href = format!("/webhooks/{}", e.id);
                let events = e.event_types.len();
                let url = e.url.clone();
                view! {
                    <tr>
                        <th scope="row" class=ROW_HEADER>
                            <A href=href attr:class=format!("{LINK} break-all")>{url}</A>
                            {(!e.description.is_empty()).then(|| view! {
                                <span class="block text-sm font-normal text-slate-600 dark:text-slate-300">{e.description.clone()}</span>
                            })}
                        </th>
                        <td class=CELL>{if events == 1 { "1 event".to_owned() } else { format!("{events} events") }}</td>
                        <td class=CELL><EndpointBadge endpoint=e.clone()/></td>
                        <td class=CELL>{e.failing}</td>
                        <td class=CELL><When moment=e.created.clone()/></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

#[component]
fn EndpointBadge(endpoint: EndpointView) -> impl IntoView {
    match (endpoint.enabled, endpoint.disabled_reason.is_some()) {
        (true, _) => view! { <Badge tone=Tone::Success label="Enabled"/> },
        (false, true) => view! { <Badge tone=Tone::Danger label="Turned off by Portal"/> },
        (false, false) => view! { <Badge tone=Tone::Neutral label="Disabled"/> },
    }
}

/// One endpoint: its settings, secret and delivery log.
#[component]
pub fn EndpointPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let update = ServerAction::<UpdateEndpoint>::new();
    let rotate = ServerAction::<RotateEndpointSecret>::new();
    let test = ServerAction::<SendTestEvent>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let delete = ServerAction::<DeleteEndpoint>::new();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<Uuid>().ok())
    };
    let status = move || query.read().get("status").unwrap_or_default();
    let detail = Resource::new(
        move || {
            (
                id(),
                status(),
                update.version().get(),
                rotate.version().get(),
                test.version().get(),
                resend.version().get(),
            )
        },
        |(id, status, ..)| async move {
            match id {
                Some(id) => get_endpoint(id, status).await,
                None => Err(domain::AppError::NotFound),
            }
        },
    );
    let fresh = Signal::derive(move || rotate.value().get().and_then(Result::ok));
    view! {
        <Title text="Webhook endpoint · Portal"/>
        <div class="space-y-6">
            {move || fresh.get().map(|secret| view! { <SecretOnce secret title="Secret rotated"/> })}
            <Transition fallback=|| view! { <Loading label="Loading the endpoint…"/> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => {
                            let description = detail.endpoint.description.clone();
                            view! {
                            <PageHeader title=detail.endpoint.url.clone() back=("/webhooks", "← All endpoints")>
                                {description}
                            </PageHeader>
                            <EndpointStatus endpoint=detail.endpoint.clone() test rotate delete/>
                            <EditEndpoint endpoint=detail.endpoint.clone() action=update/>
                            <DeliveryLog endpoint_id=detail.endpoint.id deliveries=detail.deliveries resend/>
                        }.into_any()
                        }
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Whether it is on, why not, and the actions: test, rotate, delete.
#[component]
fn EndpointStatus(
    endpoint: EndpointView,
    test: ServerAction<SendTestEvent>,
    rotate: ServerAction<RotateEndpointSecret>,
    delete: ServerAction<DeleteEndpoint>,
) -> impl IntoView {
    let id = endpoint.id.to_string();
    let (test_id, rotate_id) = (id.clone(), id.clone());
    let test_error = action_error(test);
    let sent = succeeded(test.value());
    view! {
        <section aria-labelledby="endpoint-status" class=format!("{PANEL} space-y-3")>
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="endpoint-status" class="font-semibold">"Status"</h2>
                <EndpointBadge endpoint=endpoint.clone()/>
            </div>
            {endpoint.disabled_reason.clone().map(|reason| view! {
                <p role="alert" class="text-sm text-red-800 dark:text-red-300">
                    {format!("Portal turned this endpoint off: {reason} Fix the receiver, then turn it back on below.")}
                </p>
            })}
            {endpoint.previous_secret_until.clone().map(|until| view! {
                <p class="text-sm">"The previous secret also signs until "<When moment=until/>"."</p>
            })}
            <div class="flex flex-wrap items-start gap-3">
                <ActionForm action=test>
                    <input type="hidden" name="id" value=test_id/>
                    <button type="submit" class=SECONDARY_BUTTON disabled=!endpoint.enabled>"Send test event"</button>
                </ActionForm>
                <details>
                    <summary class="cursor-pointer py-2 text-sm text-indigo-700 dark:text-indigo-300">"Rotate secret…"</summary>
                    <ActionForm action=rotate attr:class="mt-2 max-w-sm space-y-2">
                        <input type="hidden" name="id" value=rotate_id/>
                        <p class="text-sm">"The old secret keeps signing for 24 hours beside the new one, so your receiver can switch without missing an event."</p>
                        <button type="submit" formaction=ROTATE_PATH
                            class="rounded-md bg-indigo-600 px-3 py-1 text-sm font-semibold text-white">"Rotate secret"</button>
                    </ActionForm>
                </details>
                <details>
                    <summary class="cursor-pointer py-2 text-sm text-red-700 dark:text-red-400">"Delete endpoint…"</summary>
                    <ActionForm action=delete attr:class="mt-2 max-w-sm space-y-2">
                        <input type="hidden" name="id" value=id/>
                        <p class="text-sm">"No more events go to it, and its delivery log is deleted. This cannot be undone."</p>
                        <button type="submit" class="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white">"Delete endpoint"</button>
                    </ActionForm>
                </details>
            </div>
            <p role="status" class="text-sm text-emerald-800 dark:text-emerald-300">
                {move || sent.get().then_some("Test event queued: it shows in the log below within seconds.")}
            </p>
            <FormAlert error=test_error/>
        </section>
    }
}

#[component]
fn EditEndpoint(endpoint: EndpointView, action: ServerAction<UpdateEndpoint>) -> impl IntoView {
    let error = action_error(action);
    let id = endpoint.id.to_string();
    let enabled = endpoint.enabled;
    view! {
        <details class=PANEL>
            <summary class="cursor-pointer font-semibold">"Edit endpoint"</summary>
            <ActionForm action attr:class="mt-4 space-y-4">
                <input type="hidden" name="id" value=id/>
                <EndpointFields error endpoint/>
                <div class="flex items-center gap-2">
                    <input type="checkbox" id="endpoint-enabled" name="enabled" value="on" checked=enabled
                        class="h-4 w-4 rounded border-slate-300 text-indigo-600 dark:border-slate-600"/>
                    <label for="endpoint-enabled" class="text-sm font-medium">"Send events to this endpoint"</label>
                </div>
                <FormAlert error/>
                <div class="w-48"><SubmitButton label="Save endpoint" pending_label="Saving…" pending=action.pending()/></div>
            </ActionForm>
        </details>
    }
}

/// The newest deliveries, filterable by status with plain links.
#[component]
fn DeliveryLog(
    endpoint_id: Uuid,
    deliveries: Vec<DeliveryView>,
    resend: ServerAction<ResendDelivery>,
) -> impl IntoView {
    let query = use_query_map();
    let current = move || query.read().get("status").unwrap_or_default();
    let base = format!("/webhooks/{endpoint_id}");
    let filters: Vec<(String, &'static str, String)> =
        std::iter::once((base.clone(), "All", String::new()))
            .chain(DeliveryStatus::ALL.into_iter().map(|s| {
                (
                    format!("{base}?status={}", s.as_str()),
                    s.label(),
                    s.as_str().to_owned(),
                )
            }))
            .collect();
    let resend_error = action_error(resend);
    view! {
        <section aria-labelledby="delivery-log" class="space-y-3">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 id="delivery-log" class="text-lg font-semibold">"Deliveries"</h2>
                <nav aria-label="Filter deliveries" class="flex flex-wrap gap-2 text-sm">
                    {filters.into_iter().map(|(href, label, value)| {
                        let value2 = value.clone();
                        view! {
                            <A href=href attr:class="rounded-md border border-slate-300 px-2 py-1 dark:border-slate-600"
                                attr:aria-current=move || (current() == value2).then_some("page")>{label}</A>
                        }
                    }).collect_view()}
                </nav>
            </div>
            <FormAlert error=resend_error/>
            {if deliveries.is_empty() {
                view! {
                    <EmptyState title="No deliveries here">
                        "Events this endpoint subscribes to show here as they are sent, kept for 30 days. Send a test event to try it."
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <ul class="space-y-2">
                        {deliveries.into_iter().map(|d| view! { <DeliveryItem delivery=d resend/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn DeliveryItem(delivery: DeliveryView, resend: ServerAction<ResendDelivery>) -> impl IntoView {
    let tone = match delivery.status {
        DeliveryStatus::Delivered => Tone::Success,
        DeliveryStatus::Pending => Tone::Warning,
        DeliveryStatus::Failed => Tone::Danger,
    };
    let attempts = delivery.attempts.len();
    let label = match delivery.status {
        DeliveryStatus::Pending if attempts == 0 => "Queued",
        status => status.label(),
    };
    let id = delivery.id.to_string();
    view! {
        <li class="rounded-lg border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900" data-testid="delivery">
            <details>
                <summary class="flex cursor-pointer flex-wrap items-center gap-3 px-4 py-3 text-sm">
                    <code class="font-mono font-medium">{delivery.event_type.clone()}</code>
                    <Badge tone label/>
                    <span class="text-slate-600 dark:text-slate-300"><When moment=delivery.created.clone()/></span>
                    <span class="text-slate-600 dark:text-slate-300">
                        {if attempts == 1 { "1 attempt".to_owned() } else { format!("{attempts} attempts") }}
                    </span>
                    {delivery.next_attempt.clone().map(|next| view! {
                        <span class="text-slate-600 dark:text-slate-300">"next "<When moment=next/></span>
                    })}
                </summary>
                <div class="space-y-3 border-t border-slate-200 px-4 py-3 dark:border-slate-700">
                    <p class="text-sm">"webhook-id "<code class="font-mono">{delivery.message_id.clone()}</code></p>
                    {(!delivery.attempts.is_empty()).then(|| view! { <AttemptTable attempts=delivery.attempts.clone()/> })}
                    <div>
                        <h3 class="text-sm font-medium">"Payload"</h3>
                        <pre class="mt-1 max-h-64 overflow-auto rounded bg-slate-100 p-3 text-xs dark:bg-slate-800"><code>{delivery.payload.clone()}</code></pre>
                    </div>
                    <ActionForm action=resend>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class=SECONDARY_BUTTON>"Resend"</button>
                    </ActionForm>
                </div>
            </details>
        </li>
    }
}

#[component]
fn AttemptTable(attempts: Vec<AttemptView>) -> impl IntoView {
    view! {
        <DataTable caption="Attempts" columns=&["When", "Response", "Duration", "Body or error"]>
            {attempts.into_iter().map(|a| view! {
                <tr>
                    <th scope="row" class=ROW_HEADER><When moment=a.at.clone()/></th>
                    <td class=CELL>{a.status_code.map_or_else(|| "None".to_owned(), |c| c.to_string())}</td>
                    <td class=CELL>{format!("{} ms", a.duration_ms)}</td>
                    <td class=format!("{CELL} max-w-md break-words font-mono text-xs")>
                        {a.error.clone().unwrap_or_else(|| a.response_body.clone())}
                    </td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
}
