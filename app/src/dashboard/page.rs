use super::api::get_dashboard;
use super::model::{format_money, group_thousands, DashboardSummary};
use crate::ui::{Card, ErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let summary = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Dashboard · Portal"/>
        <Transition fallback=|| view! { <Loading label="Loading your dashboard…"/> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => view! { <Summary summary/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Summary(summary: DashboardSummary) -> impl IntoView {
    let price = if summary.plan_price_cents == 0 {
        "Free of charge".to_owned()
    } else {
        format!(
            "{} / month",
            format_money(summary.plan_price_cents, &summary.currency)
        )
    };
    let seats = format!("of {} seats on your plan", summary.seats_limit);
    view! {
        <div class="space-y-6">
            <div>
                <p class="text-sm text-slate-600 dark:text-slate-300">"Organization"</p>
                <h1 class="text-2xl font-semibold">{summary.organization_name.clone()}</h1>
            </div>
            <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                <Card title="Plan">
                    <p class="text-2xl font-semibold" data-testid="plan-name">{summary.plan_name.clone()}</p>
                    <p class="text-sm text-slate-600 dark:text-slate-300">{price}</p>
                    <ul class="mt-3 space-y-1 text-sm text-slate-700 dark:text-slate-200">
                        <li>{group_thousands(summary.api_calls_limit as u64)}" API calls / month"</li>
                        <li>{group_thousands(summary.storage_mb_limit as u64)}" MB storage"</li>
                    </ul>
                </Card>
                <Card title="Members">
                    <p class="text-2xl font-semibold" data-testid="member-count">{summary.member_count}</p>
                    <p class="text-sm text-slate-600 dark:text-slate-300">{seats}</p>
                    <a href="/team" class="mt-3 inline-block text-sm font-medium text-indigo-700 underline dark:text-indigo-300">
                        "Manage team"
                    </a>
                </Card>
                <Card title="Your role">
                    <p class="text-2xl font-semibold">{summary.your_role.label()}</p>
                    <a href="/settings" class="mt-3 inline-block text-sm font-medium text-indigo-700 underline dark:text-indigo-300">
                        "Account settings"
                    </a>
                </Card>
            </div>
        </div>
    }
}
