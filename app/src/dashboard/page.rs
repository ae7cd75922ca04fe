use super::api::get_dashboard;
use crate::billing::components::InvoiceStatusBadge;
use crate::live::{use_live_events, LiveEvent};
use crate::support::components::TicketStatusBadge;
use crate::ui::time::When;
use crate::ui::{Card, ErrorView, Loading, PageHeader};
use crate::usage::page::Gauge;
use domain::dashboard::{DashboardSummary, InvoiceBrief};
use domain::format_date;
use domain::format_money;
use domain::support::TicketSummary;
use domain::usage::{Metric, MetricUsage, UsageTotals};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    // Boxed: the resource moves its (large) future several times while spawning it.
    let summary = Resource::new(|| (), |_| Box::pin(get_dashboard()));
    let live = RwSignal::new(None::<UsageTotals>);
    use_live_events(move |event| {
        if let LiveEvent::Usage(totals) = event {
            live.set(Some(totals));
        }
    });
    // One Suspend, not a closure making one: the summary's source never
    // changes, and server rendering walks a Suspense's children twice before
    // writing them. A closure would build the whole summary on each walk; this
    // Suspend keeps the view it built on the walk that found the data loaded.
    view! {
        <Title text="Dashboard · Portal"/>
        <Transition fallback=|| view! { <Loading label="Loading your dashboard…"/> }>
            {Suspend::new(async move {
                match summary.await {
                    Ok(summary) => view! { <Summary summary live/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

const LINK: &str =
    "mt-3 inline-block text-sm font-medium text-indigo-700 underline dark:text-indigo-300";

#[component]
fn Summary(summary: DashboardSummary, live: RwSignal<Option<UsageTotals>>) -> impl IntoView {
    let loaded = summary.totals;
    let limits = summary.limits;
    let totals = Signal::derive(move || live.get().unwrap_or(loaded));
    view! {
        <div class="space-y-6">
            <PageHeader title=summary.organization_name.clone() eyebrow="Organization">
                "You are "{summary.your_role.label().to_lowercase()}" here."
            </PageHeader>
            <section aria-labelledby="usage-heading">
                <div class="mb-2 flex items-baseline justify-between">
                    <h2 id="usage-heading" class="text-lg font-semibold">"Usage this period"</h2>
                    <a href="/usage" class="text-sm font-medium text-indigo-700 underline dark:text-indigo-300">"Usage details"</a>
                </div>
                <div class="grid grid-cols-1 gap-4 md:grid-cols-3">
                    {Metric::ALL
                        .into_iter()
                        .map(|metric| {
                            let usage = Signal::derive(move || MetricUsage {
                                metric,
                                used: totals.get().get(metric),
                                limit: limits.get(metric),
                            });
                            view! { <Gauge usage/> }
                        })
                        .collect_view()}
                </div>
            </section>
            <div class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
                <PlanCard summary=summary.clone()/>
                <Card title="Recent invoices">
                    <RecentInvoices invoices=summary.recent_invoices.clone()/>
                    <a href="/billing#invoices" class=LINK>"All invoices"</a>
                </Card>
                <Card title="Team">
                    <p class="text-2xl font-semibold" data-testid="member-count">{summary.member_count}</p>
                    <p class="text-sm text-slate-600 dark:text-slate-300">
                        {format!("of {} seats on your plan", summary.limits.seats)}
                        {(summary.pending_invitations > 0).then(|| format!(" · {} pending invitation(s)", summary.pending_invitations))}
                    </p>
                    <a href="/team" class=LINK>"Manage team"</a>
                </Card>
                {summary.api_keys.clone().map(|keys| view! {
                    <Card title="API keys">
                        <p class="text-2xl font-semibold" data-testid="api-key-count">{keys.active}</p>
                        <p class="text-sm text-slate-600 dark:text-slate-300">
                            {match keys.last_used_at {
                                Some(at) => view! { "active · last used " <When moment=at/> }.into_any(),
                                None => "active · never used yet".into_any(),
                            }}
                        </p>
                        <a href="/api-keys" class=LINK>"Manage API keys"</a>
                    </Card>
                })}
                <Card title="Support">
                    <RecentTickets tickets=summary.recent_tickets.clone()/>
                    <a href="/support" class=LINK>"All tickets"</a>
                </Card>
            </div>
        </div>
    }
}

#[component]
fn PlanCard(summary: DashboardSummary) -> impl IntoView {
    let price = if summary.plan_price_cents == 0 {
        "Free of charge".to_owned()
    } else {
        format!(
            "{} / month",
            format_money(summary.plan_price_cents, &summary.currency)
        )
    };
    let renewal = if summary.cancel_at_period_end {
        format!(
            "Ends on {}; you then move to Free.",
            format_date(summary.period_end.date())
        )
    } else if let Some(next) = &summary.scheduled_plan_name {
        format!(
            "Moves to {next} on {}.",
            format_date(summary.period_end.date())
        )
    } else if summary.plan_price_cents > 0 {
        format!("Next bill on {}.", format_date(summary.period_end.date()))
    } else {
        format!(
            "Period renews on {}.",
            format_date(summary.period_end.date())
        )
    };
    view! {
        <Card title="Plan and billing">
            <p class="text-2xl font-semibold" data-testid="plan-name">{summary.plan_name.clone()}</p>
            <p class="text-sm text-slate-600 dark:text-slate-300">{price}</p>
            <p class="mt-2 text-sm">{renewal}</p>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                {summary.payment_method.clone().unwrap_or_else(|| "No card on file".to_owned())}
            </p>
            <a href="/billing" class=LINK>"Billing"</a>
        </Card>
    }
}

#[component]
fn RecentTickets(tickets: Vec<TicketSummary>) -> impl IntoView {
    if tickets.is_empty() {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "No tickets. Questions about your account, billing or the API? "
                <a class="underline" href="/support/new">"Open a ticket"</a>
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-700" data-testid="recent-tickets">
            {tickets
                .into_iter()
                .map(|ticket| view! {
                    <li class="flex items-center justify-between gap-2 py-2">
                        <a class="min-w-0 truncate font-medium underline" href=format!("/support/{}", ticket.id)>
                            {ticket.subject.clone()}
                        </a>
                        <TicketStatusBadge status=ticket.status/>
                    </li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn RecentInvoices(invoices: Vec<InvoiceBrief>) -> impl IntoView {
    if invoices.is_empty() {
        return view! { <p class="text-sm text-slate-600 dark:text-slate-300">"No invoices yet."</p> }.into_any();
    }
    view! {
        <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-700">
            {invoices
                .into_iter()
                .map(|invoice| view! {
                    <li class="flex items-center justify-between gap-2 py-2">
                        <a class="font-medium underline" href=format!("/billing/invoices/{}/pdf", invoice.id)>
                            {invoice.number.clone()}<span class="sr-only">" (PDF)"</span>
                        </a>
                        <span>{format_date(invoice.issued_on)}</span>
                        <span>{format_money(invoice.total_cents, &invoice.currency)}</span>
                        <InvoiceStatusBadge status=invoice.status/>
                    </li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
