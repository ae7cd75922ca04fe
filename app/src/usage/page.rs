use super::api::get_usage_overview;
use super::chart::{HistoryChart, RunningTotalChart};
use crate::live::{use_live_events, LiveEvent};
use crate::ui::time::When;
use crate::ui::{Card, EmptyState, ErrorView, Loading, PageHeader};
use domain::format_date;
use domain::group_thousands;
use domain::usage::{
    change_percent, DailyUsage, Metric, MetricUsage, UsageAlert, UsageLevel, UsageOverview,
    UsageTotals,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UsagePage() -> impl IntoView {
    let query = use_query_map();
    let days = move || match query.read().get("days").and_then(|d| d.parse::<u32>().ok()) {
        Some(90) => 90,
        _ => 30,
    };
    let overview = Resource::new(days, get_usage_overview);
    // Totals pushed by the server since the page loaded; they win over the
    // loaded ones until the next load.
    let live = RwSignal::new(None::<UsageTotals>);
    use_live_events(move |event| {
        if let LiveEvent::Usage(totals) = event {
            live.set(Some(totals));
        }
    });
    view! {
        <Title text="Usage · Portal"/>
        <div class="mb-1"><PageHeader title="Usage"/></div>
        <Transition fallback=|| view! { <Loading label="Loading usage…"/> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview live days=days()/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(
    overview: UsageOverview,
    live: RwSignal<Option<UsageTotals>>,
    days: u32,
) -> impl IntoView {
    let loaded = overview.totals;
    let limits = overview.limits;
    let totals = Signal::derive(move || live.get().unwrap_or(loaded));
    // A sum's limit per day: what an even pace through the period allows.
    let period_days = (overview.period_end - overview.period_start)
        .whole_days()
        .max(1);
    let daily_share = limits.api_calls / period_days;
    let period = format!(
        "{} \u{2013} {} · {} plan",
        format_date(overview.period_start.date()),
        format_date(overview.period_end.date()),
        overview.plan_name
    );
    view! {
        <p class="mb-6 text-sm text-slate-600 dark:text-slate-300" data-testid="usage-period">
            "Current billing period: "{period}
        </p>
        <div class="grid grid-cols-1 gap-4 md:grid-cols-3">
            {domain::usage::Metric::ALL
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
        <p class="sr-only" aria-live="polite">
            {move || {
                live.get()
                    .map(|t| format!("Usage updated: {} API calls.", group_thousands(t.api_calls.max(0) as u64)))
            }}
        </p>
        <div class="mt-6 grid gap-4 lg:grid-cols-2">
            <Card title="Forecast">
                <p data-testid="usage-forecast">{overview.forecast.describe()}</p>
                {overview.overage.map(|overage| view! {
                    <p data-testid="usage-overage" class="mt-2 text-sm">{overage.describe()}</p>
                })}
                <Comparison current=loaded.api_calls previous=overview.previous_period_api_calls/>
            </Card>
            <Card title="Alerts">
                <AlertHistory alerts=overview.alerts.clone()/>
            </Card>
        </div>
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900" aria-labelledby="history-heading">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 id="history-heading" class="text-sm font-medium text-slate-600 dark:text-slate-300">"Daily history"</h2>
                <nav aria-label="History range" class="flex gap-1 text-sm">
                    <RangeLink days=30 current=days/>
                    <RangeLink days=90 current=days/>
                </nav>
            </div>
            <HistoryChart
                title="API calls per day"
                daily=overview.daily.clone()
                value=|d: &DailyUsage| Some(d.api_calls)
                metric=Metric::ApiCalls
                limit=Some(daily_share)
                limit_label="Daily share of the plan"
            />
            <HistoryChart
                title="Storage at the end of each day"
                daily=overview.daily.clone()
                value=|d: &DailyUsage| d.storage_mb
                metric=Metric::StorageMb
                limit=Some(limits.storage_mb)
                limit_label="Plan limit"
            />
            <RunningTotalChart
                totals=overview.period_to_date.clone()
                period_start=overview.period_start.date()
                period_end=overview.period_end.date()
                limit=limits.api_calls
            />
        </section>
    }
}

#[component]
fn RangeLink(days: u32, current: u32) -> impl IntoView {
    let active = days == current;
    let class = if active {
        "rounded-md bg-indigo-600 px-3 py-1 font-medium text-white"
    } else {
        "rounded-md px-3 py-1 font-medium text-indigo-700 underline dark:text-indigo-300"
    };
    view! {
        <a href=format!("?days={days}") class=class aria-current=active.then_some("page")>
            {format!("{days} days")}
        </a>
    }
}

/// One metric against its limit. The level is said in words as well as
/// colour, and the bar is a `meter` for screen readers.
#[component]
pub fn Gauge(#[prop(into)] usage: Signal<MetricUsage>) -> impl IntoView {
    let metric = usage.get_untracked().metric;
    let level = move || usage.get().level();
    let bar_class = move || {
        let colour = match level() {
            UsageLevel::Normal => "bg-indigo-600",
            UsageLevel::Warning80 => "bg-amber-500",
            UsageLevel::Warning90 => "bg-orange-600",
            UsageLevel::Reached => "bg-red-600",
        };
        format!("h-full rounded-full transition-all {colour}")
    };
    let width = move || format!("width: {}%", usage.get().percent().min(100));
    let state_class = move || {
        let colour = match level() {
            UsageLevel::Normal => "",
            UsageLevel::Warning80 => "text-amber-800 dark:text-amber-300",
            UsageLevel::Warning90 => "text-orange-800 dark:text-orange-300",
            UsageLevel::Reached => "text-red-700 dark:text-red-300",
        };
        format!("mt-2 min-h-5 text-sm font-medium {colour}")
    };
    let label_id = format!("gauge-label-{}", metric.as_str());
    let (section_label, heading_id) = (label_id.clone(), label_id.clone());
    view! {
        <section
            class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900"
            data-testid=format!("gauge-{}", metric.as_str())
            data-level=move || format!("{:?}", level()).to_lowercase()
            aria-labelledby=section_label
        >
            <div class="flex items-baseline justify-between gap-2">
                <h2 id=heading_id class="text-sm font-medium text-slate-600 dark:text-slate-300">{metric.label()}</h2>
                <span class="text-sm font-semibold" data-testid="gauge-percent">{move || format!("{}%", usage.get().percent())}</span>
            </div>
            <p class="mt-2 text-xl font-semibold" data-testid="gauge-used">
                {move || metric.format(usage.get().used)}
            </p>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                {move || format!("of {}", metric.format(usage.get().limit))}
            </p>
            <div
                role="meter"
                aria-labelledby=label_id
                aria-valuemin="0"
                aria-valuemax=move || usage.get().limit.to_string()
                aria-valuenow=move || usage.get().used.min(usage.get().limit).to_string()
                aria-valuetext=move || format!("{} of {}", metric.format(usage.get().used), metric.format(usage.get().limit))
                class="mt-3 h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
            >
                <div class=bar_class style=width></div>
            </div>
            <p class=state_class data-testid="gauge-state">
                {move || {
                    let label = level().label();
                    if label.is_empty() { String::new() } else { format!("⚠ {label}") }
                }}
            </p>
        </section>
    }
}

#[component]
fn Comparison(current: i64, previous: i64) -> impl IntoView {
    let text = match change_percent(current, previous) {
        Some(change) if change >= 0 => format!(
            "API calls are up {change}% on the same point of the last period ({}).",
            group_thousands(previous.max(0) as u64)
        ),
        Some(change) => format!(
            "API calls are down {}% on the same point of the last period ({}).",
            -change,
            group_thousands(previous.max(0) as u64)
        ),
        None => "No API calls at this point of the last period to compare with.".to_owned(),
    };
    view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-300" data-testid="usage-comparison">{text}</p> }
}

#[component]
fn AlertHistory(alerts: Vec<UsageAlert>) -> impl IntoView {
    if alerts.is_empty() {
        return view! {
            <EmptyState title="No alerts yet">
                "We email the billing contact and the owners when a metric passes 80%, 90% and 100% of its limit, once per period."
            </EmptyState>
        }
        .into_any();
    }
    view! {
        <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-700" data-testid="usage-alerts">
            {alerts
                .into_iter()
                .map(|alert| {
                    view! {
                        <li class="flex justify-between gap-3 py-2">
                            <span>{format!("{} passed {}%", alert.metric.label(), alert.threshold)}</span>
                            <span class="text-slate-600 dark:text-slate-300">
                                {format!("{} · ", alert.metric.format(alert.used))}<When moment=alert.created_at.clone()/>
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
