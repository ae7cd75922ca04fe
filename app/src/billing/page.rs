use super::api::{
    get_billing_overview, list_credit_notes, list_invoices, preview_plan_change,
    CancelSubscription, ChangePlan, PayInvoice, ResumeSubscription, UpdateBillingDetails,
    UpdatePaymentMethod,
};
use super::card_entry::{tokenizer, CardTokenizer, SANDBOX_TOKENS_PATH};
use super::components::{CreditNoteTable, InvoiceTable, PreviewSummary};
use crate::auth::use_permission;
use crate::ui::form::{
    action_error, choices, field_error, form_error, saved_count, url_error_for, FilterSelect,
};
use crate::ui::style::{FILTER_INPUT, SECONDARY_BUTTON};
use crate::ui::{
    Card, EmptyState, ErrorView, FormAlert, FormField, Loading, PageHeader, SubmitButton,
};
use domain::billing::{BillingOverview, InvoiceStatus, PlanChangeKind};
use domain::card::{CardEntry, CardExpiry, CardFields, CardNumber};
use domain::error::AppError;
use domain::FieldErrors;
use domain::Permission;
// One server function owns the billing email; Settings shows it too.
use crate::account::api::UpdateBillingEmail;
use crate::auth::alert::PaymentAlertRefresh;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn BillingPage() -> impl IntoView {
    let update_email = ServerAction::<UpdateBillingEmail>::new();
    let update_details = ServerAction::<UpdateBillingDetails>::new();
    let update_card = ServerAction::<UpdatePaymentMethod>::new();
    let change = ServerAction::<ChangePlan>::new();
    let cancel = ServerAction::<CancelSubscription>::new();
    let resume = ServerAction::<ResumeSubscription>::new();
    let pay = ServerAction::<PayInvoice>::new();
    PaymentAlertRefresh::after(pay);
    PaymentAlertRefresh::after(update_card);
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let change_to = move || query.read().get("change_to").filter(|p| !p.is_empty());
    let saved_update_email = saved_count(update_email);
    let saved_update_details = saved_count(update_details);
    let saved_update_card = saved_count(update_card);
    let saved_change = saved_count(change);
    let saved_cancel = saved_count(cancel);
    let saved_resume = saved_count(resume);
    // A payment, declined or not, changes what can be paid and with which key.
    let attempted_pay = Signal::derive(move || pay.version().get());
    let overview = Resource::new(
        move || {
            (
                saved_update_email.get(),
                saved_update_details.get(),
                saved_update_card.get(),
                saved_change.get(),
                saved_cancel.get(),
                saved_resume.get(),
            )
        },
        |_| get_billing_overview(),
    );
    let filter_field = move |name: &str| query.read().get(name);
    let invoices = Resource::new(
        move || {
            (
                page(),
                [
                    filter_field("number"),
                    filter_field("status"),
                    filter_field("year"),
                ],
                saved_change.get(),
                saved_update_card.get(),
                attempted_pay.get(),
            )
        },
        |(page, [number, status, year], ..)| list_invoices(page, number, status, year),
    );
    let filtered = move || {
        ["number", "status", "year"]
            .iter()
            .any(|name| filter_field(name).is_some_and(|v| !v.is_empty()))
    };
    let credit_notes = Resource::new(|| (), |()| list_credit_notes());
    let can_manage = use_permission(Permission::ManageBilling);
    view! {
        <Title text="Billing · Portal"/>
        <div class="space-y-6">
            <PageHeader title="Billing">
                "Your plan, how you pay, and every invoice."
                <Transition fallback=|| ()>
                    {move || (!can_manage.get()).then_some(" Only owners and billing managers can change these; ask one of them.")}
                </Transition>
            </PageHeader>
            <Transition fallback=|| view! { <Loading label="Loading billing…"/> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <Overview overview=o.clone()/>
                            <Show when=move || can_manage.get()>
                                <PlanChange overview=o.clone() change_to=Signal::derive(change_to) change cancel resume/>
                                <PaymentMethodForm action=update_card/>
                                <BillingEmailForm current=o.billing_email.clone().unwrap_or_default() action=update_email/>
                                <DetailsForm overview=o.clone() action=update_details/>
                            </Show>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            <section id="invoices" aria-labelledby="invoices-heading" class="space-y-3">
                <h2 id="invoices-heading" class="text-lg font-semibold">"Invoices"</h2>
                <Transition fallback=|| view! { <Loading label="Loading invoices…"/> }>
                    {move || Suspend::new(async move {
                        match invoices.await {
                            Ok(page) if page.total == 0 && !filtered() => view! {
                                <EmptyState title="No invoices yet">"Your first invoice arrives at the end of a paid period."</EmptyState>
                            }
                            .into_any(),
                            Ok(page) if page.invoices.is_empty() => view! {
                                <InvoiceFilters years=page.years.clone() errors=None/>
                                <EmptyState title="No invoices match">
                                    "Change the filters, or "<a href="/billing#invoices" class="underline">"show every invoice"</a>"."
                                </EmptyState>
                            }
                            .into_any(),
                            Err(AppError::Validation(errors)) => view! {
                                <InvoiceFilters years=Vec::new() errors=Some(errors)/>
                            }
                            .into_any(),
                            Ok(page) => view! {
                                <InvoiceFilters years=page.years.clone() errors=None/>
                                <FormAlert error=form_error(pay.value())/>
                                {move || pay.value().get().and_then(Result::ok).map(|()| view! {
                                    <p role="status" class="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 \
                                                            dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                                        "Paid. The receipt is on its way to your billing email and the owners."
                                    </p>
                                })}
                                <InvoiceTable page pay=can_manage.get_untracked().then_some(pay)/>
                            }
                            .into_any(),
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match credit_notes.await {
                        Ok(notes) if notes.is_empty() => ().into_any(),
                        Ok(notes) => view! { <CreditNoteTable notes/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Overview(overview: BillingOverview) -> impl IntoView {
    let o = overview;
    let next = match (&o.next_billing, o.cancel_at_period_end) {
        (_, true) => format!("Ends on {}; you move to Free then.", o.period_end),
        (Some((date, amount)), false) => format!(
            "{} on {date} (with tax; usage over your limits is added)",
            amount.display()
        ),
        (None, false) => "Nothing to pay: you are on a free plan.".to_owned(),
    };
    let scheduled = o
        .scheduled_plan
        .as_ref()
        .map(|p| format!("Changes to {} on {}.", p.name, o.period_end));
    let standing = match o.status.as_str() {
        "past_due" => Some("Payment past due: we retry your card, or pay an invoice below."),
        "unpaid" => Some("Unpaid: the Free plan's limits apply until an invoice is paid."),
        _ => None,
    };
    let card = o.payment_method.as_ref().map_or_else(
        || "No card on file".to_owned(),
        |m| {
            format!(
                "{} ending in {} · expires {:02}/{}",
                m.brand, m.last4, m.exp_month, m.exp_year
            )
        },
    );
    let d = o.details.clone();
    let address: Vec<String> = [
        d.company_name.clone(),
        d.address_line1.clone(),
        d.address_line2.clone(),
        format!("{} {}", d.postal_code, d.city).trim().to_owned(),
        d.country.clone(),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .collect();
    view! {
        <div class="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-4">
            <Card title="Current plan">
                <p class="text-xl font-semibold" data-testid="current-plan">{o.plan.name.clone()}</p>
                <p class="text-sm">{format!("{} a month", o.plan.price.display())}</p>
                <p class="mt-1 text-xs text-slate-600 dark:text-slate-300">{format!("Current period: {} to {}", o.period_start, o.period_end)}</p>
                {scheduled.map(|s| view! { <p class="mt-1 text-sm font-medium text-amber-800 dark:text-amber-300" data-testid="scheduled-change">{s}</p> })}
                {standing.map(|s| view! { <p class="mt-1 text-sm font-medium text-red-700 dark:text-red-400" data-testid="subscription-standing">{s}</p> })}
            </Card>
            <Card title="Next payment">
                <p data-testid="next-payment">{next}</p>
            </Card>
            <Card title="Payment method">
                <p data-testid="payment-method">{card}</p>
            </Card>
            <Card title="Billing email">
                <p data-testid="billing-email" class="break-all">{o.billing_email.clone().unwrap_or_else(|| "Not set: invoices go to the owners".to_owned())}</p>
            </Card>
        </div>
        <Card title="Billing address">
            {if address.is_empty() {
                view! { <p class="text-sm">"No billing address yet."</p> }.into_any()
            } else {
                view! { <address class="not-italic text-sm">{address.into_iter().map(|l| view! { <span class="block">{l}</span> }).collect_view()}</address> }.into_any()
            }}
            {(!d.tax_id.is_empty()).then(|| view! { <p class="mt-1 text-sm">{format!("Tax ID: {}", d.tax_id)}</p> })}
        </Card>
    }
}

#[component]
fn PlanChange(
    overview: BillingOverview,
    change_to: Signal<Option<String>>,
    change: ServerAction<ChangePlan>,
    cancel: ServerAction<CancelSubscription>,
    resume: ServerAction<ResumeSubscription>,
) -> impl IntoView {
    let preview = Resource::new(
        move || (change_to.get(), change.version().get()),
        |(plan, _)| async move {
            match plan {
                Some(plan) => preview_plan_change(plan).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let change_error = form_error(change.value());
    let changed = move || {
        change
            .value()
            .get()
            .and_then(Result::ok)
            .map(|p| match p.kind {
                PlanChangeKind::Upgrade => format!("You are now on {}.", p.to.name),
                PlanChangeKind::Downgrade => format!("{} starts on {}.", p.to.name, p.effective),
                PlanChangeKind::KeepCurrent => format!("You stay on {}.", p.from.name),
            })
    };
    let current = overview.plan.id.clone();
    let paid = overview.plan.price.minor > 0;
    let canceling = overview.cancel_at_period_end;
    let period_end = overview.period_end.clone();
    view! {
        <section aria-labelledby="change-plan" class="space-y-4 rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="change-plan" class="font-semibold">"Change plan"</h2>
            // A GET form: the preview is a page of its own, so it works without JavaScript.
            <Form method="GET" action="/billing" attr:class="flex flex-wrap items-end gap-3">
                <div class="min-w-0 max-w-full space-y-1">
                    <label for="field-change_to" class="block text-sm font-medium">"New plan"</label>
                    <select id="field-change_to" name="change_to" class="w-full max-w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-900">
                        {overview.plans.iter().map(|p| {
                            let label = format!("{} ({} a month, {} members)", p.name, p.price.display(), p.seats_limit);
                            let selected = change_to.get_untracked().as_deref() == Some(p.id.as_str());
                            view! { <option value=p.id.clone() selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="rounded-md border border-indigo-600 px-4 py-2 font-semibold text-indigo-700 dark:text-indigo-300">"Preview change"</button>
            </Form>
            {move || changed().map(|message| view! { <p role="status" class="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">{message}</p> })}
            <FormAlert error=change_error/>
            <Transition fallback=|| view! { <Loading label="Working out the change…"/> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(Some(p)) => {
                            let blocked = !p.conflicts.is_empty();
                            let plan = p.to.id.clone();
                            let confirm = match p.kind {
                                PlanChangeKind::Upgrade => format!("Confirm: pay {} and upgrade", p.prorated_with_tax.display()),
                                PlanChangeKind::Downgrade => format!("Confirm: move to {} on {}", p.to.name, p.effective),
                                PlanChangeKind::KeepCurrent => format!("Confirm: stay on {}", p.from.name),
                            };
                            view! {
                                <PreviewSummary preview=p/>
                                {(!blocked).then(|| view! {
                                    <ActionForm action=change>
                                        <input type="hidden" name="plan" value=plan/>
                                        <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-500">{confirm}</button>
                                    </ActionForm>
                                })}
                            }
                            .into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(AppError::Validation(errors)) => view! {
                            <p role="status" class="text-sm">{errors.get("plan").unwrap_or_default().to_owned()}</p>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            {(paid && !canceling && current != "free").then(|| view! {
                <details>
                    <summary class="cursor-pointer text-sm text-red-700 dark:text-red-400">"Cancel subscription…"</summary>
                    <ActionForm action=cancel attr:class="mt-2 space-y-2">
                        <p class="text-sm">{format!("You keep your plan until {period_end}, then move to Free. You can resume until then.")}</p>
                        <button type="submit" class="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white">"Cancel at period end"</button>
                    </ActionForm>
                </details>
            })}
            {canceling.then(|| view! {
                <ActionForm action=resume>
                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-sm font-semibold dark:border-slate-600">"Resume subscription"</button>
                </ActionForm>
            })}
            <FormAlert error=form_error(cancel.value())/>
            <FormAlert error=form_error(resume.value())/>
        </section>
    }
}

#[component]
fn PaymentMethodForm(action: ServerAction<UpdatePaymentMethod>) -> impl IntoView {
    let query = use_query_map();
    let save_error = action_error(action);
    // Without JavaScript the processor's errors come back in the URL.
    let entry_error = url_error_for(SANDBOX_TOKENS_PATH);
    let (tokenize_error, set_tokenize_error) = signal(None::<AppError>);
    let (tokenizing, set_tokenizing) = signal(false);
    let error = Signal::derive(move || {
        tokenize_error
            .get()
            .or_else(|| save_error.get())
            .or_else(|| entry_error.get())
    });
    // A card the processor tokenized after a post without JavaScript: the
    // customer confirms saving it. Not once it was tried, saved or not.
    let returned_card = move || {
        let query = query.read();
        let token = query.get("__card_token")?;
        let tried = action.value().get().is_some() || save_error.get().is_some();
        (!tried).then(|| (token, query.get("__card").unwrap_or_default()))
    };
    let saved = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|m| format!("Saved: {} ending in {}.", m.brand, m.last4))
    };
    view! {
        <section id="card-form" aria-labelledby="card-form-heading" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="card-form-heading" class="font-semibold">"Card on file"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-300">
                "Your card goes straight to our payment processor, never to Portal; we keep only its brand, last four digits and expiry. \
                 Sandbox test cards: 4242 4242 4242 4242 works, 4000 0000 0000 0002 is declined."
            </p>
            {move || match returned_card() {
                Some((token, label)) => view! {
                    <div data-testid="card-confirm" class="space-y-3">
                        <p role="status" class="text-sm">"The processor checked your card: " <strong>{label}</strong> "."</p>
                        <ActionForm action attr:class="flex flex-wrap items-center gap-3">
                            <input type="hidden" name="card_token" value=token/>
                            <div class="w-48"><SubmitButton label="Save this card" pending_label="Saving card…" pending=action.pending()/></div>
                            <a href="/billing#card-form" class="text-sm underline">"Enter another card"</a>
                        </ActionForm>
                    </div>
                }.into_any(),
                None => view! {
                    <CardEntryForm action error set_tokenize_error tokenizing set_tokenizing/>
                }.into_any(),
            }}
            <p role="status" class="mt-2 text-sm">{saved}</p>
            <div class="mt-2"><FormAlert error/></div>
        </section>
    }
}

/// The card's four fields. With JavaScript they go to the processor's
/// tokenizer and only its token to `action`; without, the form posts them to
/// the processor, which redirects back to confirm.
#[component]
fn CardEntryForm(
    action: ServerAction<UpdatePaymentMethod>,
    error: Signal<Option<AppError>>,
    set_tokenize_error: WriteSignal<Option<AppError>>,
    tokenizing: ReadSignal<bool>,
    set_tokenizing: WriteSignal<bool>,
) -> impl IntoView {
    // The same rules as the processor, run as the customer leaves each field.
    let (local_number, set_local_number) = signal(None::<String>);
    let (local_expiry, set_local_expiry) = signal(None::<String>);
    let number_error = Signal::derive(move || {
        local_number
            .get()
            .or_else(|| field_error(error, "card_number").get())
    });
    let expiry_error = Signal::derive(move || {
        local_expiry
            .get()
            .or_else(|| field_error(error, "exp_month").get())
    });
    let number = NodeRef::<leptos::html::Input>::new();
    let month = NodeRef::<leptos::html::Input>::new();
    let year = NodeRef::<leptos::html::Input>::new();
    let cvc = NodeRef::<leptos::html::Input>::new();
    let check_number = move |ev: leptos::ev::FocusEvent| {
        let value = event_target_value(&ev);
        set_local_number.set(CardNumber::parse(&value).err().map(|e| e.to_string()));
    };
    let check_expiry = move |_: leptos::ev::FocusEvent| {
        let (Some(m), Some(y)) = (month.get_untracked(), year.get_untracked()) else {
            return;
        };
        if m.value().is_empty() || y.value().is_empty() {
            return;
        }
        set_local_expiry.set(
            CardExpiry::parse(&m.value(), &y.value(), js_sys_today())
                .err()
                .map(|e| e.to_string()),
        );
    };
    let value = |input: NodeRef<leptos::html::Input>| {
        input.get_untracked().map(|i| i.value()).unwrap_or_default()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = CardFields {
            card_number: value(number),
            exp_month: value(month),
            exp_year: value(year),
            cvc: value(cvc),
        };
        set_local_number.set(None);
        set_local_expiry.set(None);
        // Nothing leaves the browser while a field is wrong.
        let checked = CardEntry::parse(
            &fields.card_number,
            &fields.exp_month,
            &fields.exp_year,
            &fields.cvc,
            js_sys_today(),
        );
        if let Err(errors) = checked {
            set_tokenize_error.set(Some(AppError::Validation(errors)));
            return;
        }
        set_tokenize_error.set(None);
        set_tokenizing.set(true);
        leptos::task::spawn_local(async move {
            let tokenized = tokenizer().tokenize(&fields).await;
            set_tokenizing.set(false);
            match tokenized {
                Ok(card) => {
                    // The card is the processor's now; the form forgets it.
                    for input in [number, cvc] {
                        if let Some(input) = input.get_untracked() {
                            input.set_value("");
                        }
                    }
                    action.dispatch(UpdatePaymentMethod {
                        card_token: card.token.as_str().to_owned(),
                    });
                }
                Err(e) => set_tokenize_error.set(Some(e)),
            }
        });
    };
    let pending = Signal::derive(move || tokenizing.get() || action.pending().get());
    view! {
        <form method="post" action=tokenizer().form_action() on:submit=submit
            class="grid grid-cols-1 gap-4 md:grid-cols-[2fr_1fr_1fr_1fr]">
            <CardField label="Card number" name="card_number" input=number autocomplete="cc-number" maxlength=23
                error=number_error on_blur=Callback::new(check_number) monospace=true/>
            <CardField label="Expiry month" name="exp_month" input=month autocomplete="cc-exp-month" maxlength=2
                placeholder="MM" error=expiry_error on_blur=Callback::new(check_expiry)/>
            // The year's errors show under the month, which names them both.
            <CardField label="Expiry year" name="exp_year" input=year autocomplete="cc-exp-year" maxlength=4
                placeholder="YYYY" error=Signal::derive(|| None) on_blur=Callback::new(check_expiry)/>
            <CardField label="CVC" name="cvc" input=cvc autocomplete="cc-csc" maxlength=4
                error=field_error(error, "cvc") on_blur=Callback::new(|_| {})/>
            <div class="md:col-span-4 w-48"><SubmitButton label="Save card" pending_label="Checking card…" pending/></div>
        </form>
    }
}

/// One numeric field of the card form, with its message beneath.
#[component]
fn CardField(
    label: &'static str,
    name: &'static str,
    input: NodeRef<leptos::html::Input>,
    autocomplete: &'static str,
    maxlength: u32,
    #[prop(optional)] placeholder: &'static str,
    error: Signal<Option<String>>,
    on_blur: Callback<leptos::ev::FocusEvent>,
    #[prop(optional)] monospace: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message_id = format!("field-{name}-message");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <input id=id name=name node_ref=input inputmode="numeric" autocomplete=autocomplete required
                maxlength=maxlength placeholder=placeholder
                on:blur=move |ev| on_blur.run(ev)
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=message_id.clone()
                class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-900"
                class:font-mono=monospace/>
            <p id=message_id class="text-sm text-red-700 dark:text-red-400">{move || error.get()}</p>
        </div>
    }
}

/// (year, month) today, in the browser or on the server.
fn js_sys_today() -> (u16, u8) {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::new_0();
        (now.get_full_year() as u16, (now.get_month() + 1) as u8)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        (2000, 1)
    }
}

#[component]
fn BillingEmailForm(current: String, action: ServerAction<UpdateBillingEmail>) -> impl IntoView {
    let error = form_error(action.value());
    let saved = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|_| "Billing email saved.")
    };
    view! {
        <section aria-labelledby="email-form" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="email-form" class="mb-3 font-semibold">"Billing email"</h2>
            <ActionForm action attr:class="grid grid-cols-1 gap-4 md:grid-cols-[2fr_auto] md:items-start">
                <FormField label="Send invoices and receipts to" name="billing_email" input_type="email" autocomplete="email"
                    value=current required=true maxlength=254 error=field_error(error, "billing_email")/>
                <div class="md:pt-6"><SubmitButton label="Save email" pending_label="Saving…" pending=action.pending()/></div>
                <p role="status" class="text-sm md:col-span-2">{saved}</p>
                <div class="md:col-span-2"><FormAlert error/></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn DetailsForm(
    overview: BillingOverview,
    action: ServerAction<UpdateBillingDetails>,
) -> impl IntoView {
    let error = form_error(action.value());
    let d = overview.details;
    let saved = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|_| "Billing details saved.")
    };
    view! {
        <section aria-labelledby="details-form" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="details-form" class="mb-3 font-semibold">"Billing address and tax ID"</h2>
            <ActionForm action attr:class="grid grid-cols-1 gap-4 md:grid-cols-2">
                <FormField label="Company name" name="company_name" value=d.company_name autocomplete="organization" maxlength=100 error=field_error(error, "company_name")/>
                <FormField label="Tax ID" name="tax_id" value=d.tax_id maxlength=30 hint="e.g. DE123456789" error=field_error(error, "tax_id")/>
                <FormField label="Address line 1" name="address_line1" value=d.address_line1 autocomplete="address-line1" maxlength=100 error=field_error(error, "address_line1")/>
                <FormField label="Address line 2" name="address_line2" value=d.address_line2 autocomplete="address-line2" maxlength=100 error=field_error(error, "address_line2")/>
                <FormField label="City" name="city" value=d.city autocomplete="address-level2" maxlength=60 error=field_error(error, "city")/>
                <FormField label="Postal code" name="postal_code" value=d.postal_code autocomplete="postal-code" maxlength=20 error=field_error(error, "postal_code")/>
                <FormField label="Country code" name="country" value=d.country autocomplete="country" maxlength=2 hint="Two letters, e.g. US" error=field_error(error, "country")/>
                <div class="md:col-span-2 flex flex-wrap items-center gap-3">
                    <div class="w-48"><SubmitButton label="Save details" pending_label="Saving…" pending=action.pending()/></div>
                    <p role="status" class="text-sm">{saved}</p>
                </div>
                <div class="md:col-span-2"><FormAlert error/></div>
            </ActionForm>
        </section>
    }
}

/// Search by number, filter by status and year, and the CSV of what is
/// shown: a GET form, so it works without JavaScript and the URL can be shared.
#[component]
fn InvoiceFilters(years: Vec<i32>, errors: Option<FieldErrors>) -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &str| query.read().get(name).unwrap_or_default();
    let statuses = [
        InvoiceStatus::Open,
        InvoiceStatus::Overdue,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
    ]
    .map(|s| (s.as_str(), s.label()));
    let years = years
        .into_iter()
        .map(|y| (y.to_string(), y.to_string()))
        .collect();
    let error = move |field: &str| {
        errors
            .as_ref()
            .and_then(|e| e.get(field))
            .map(str::to_owned)
    };
    let (number_error, status_error, year_error) =
        (error("number"), error("status"), error("year"));
    let csv = move || {
        domain::query::url(
            "/billing/invoices.csv",
            &["number", "status", "year"].map(|name| (name, current(name))),
        )
    };
    view! {
        <Form method="GET" action="/billing" attr:role="search" attr:aria-label="Filter invoices"
            attr:class="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-5 lg:items-end">
            <div>
                <label for="filter-number" class="block text-sm font-medium">"Invoice number"</label>
                <input id="filter-number" type="search" name="number" placeholder="INV-2026-0001" maxlength=40
                    class=FILTER_INPUT value=move || current("number")
                    aria-invalid=number_error.is_some().then_some("true")
                    aria-describedby="filter-number-message"/>
                <p id="filter-number-message" class="text-sm text-red-700 dark:text-red-400">{number_error}</p>
            </div>
            <FilterSelect label="Status" name="status" any="Any status" choices=choices(statuses)/>
            <FilterSelect label="Year" name="year" any="Any year" choices=years/>
            <button type="submit" class=SECONDARY_BUTTON>"Apply filters"</button>
            <a href=csv download="" rel="external" class="self-center text-sm font-medium text-indigo-700 underline dark:text-indigo-300">
                "Download CSV"
            </a>
            {status_error.or(year_error).map(|e| view! { <p role="alert" class="text-sm text-red-700 dark:text-red-400 lg:col-span-5">{e}</p> })}
        </Form>
    }
}
