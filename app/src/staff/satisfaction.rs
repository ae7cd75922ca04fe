//! `/staff/satisfaction`: how customers rated resolved tickets, per week and
//! per agent over the last eight weeks, and the latest comments.

use super::api::get_satisfaction_report;
use crate::ui::style::LINK;
use crate::ui::table::{CELL, ROW_HEADER};
use crate::ui::{Badge, DataTable, EmptyState, ErrorView, Loading, PageHeader, Tone};
use domain::satisfaction::{CsatAgent, CsatComment, CsatWeek, Rating, SatisfactionReport, Tally};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn StaffSatisfactionPage() -> impl IntoView {
    let report = Resource::new(|| (), |_| get_satisfaction_report());
    view! {
        <Title text="Satisfaction · Portal Support"/>
        <div class="space-y-6">
            <PageHeader title="Satisfaction">
                "How customers rated their resolved tickets. CSAT is the share of good ratings."
            </PageHeader>
            <Transition fallback=|| view! { <Loading label="Loading satisfaction…"/> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(report) => view! { <Report report/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Report(report: SatisfactionReport) -> impl IntoView {
    let empty = report.agents.is_empty().then(|| {
        view! {
            <EmptyState title="No ratings in the last eight weeks">
                "Requesters are asked to rate a ticket when it is resolved."
            </EmptyState>
        }
    });
    view! {
        {empty}
        <WeekTable weeks=report.weeks/>
        {(!report.agents.is_empty()).then(|| view! { <AgentTable agents=report.agents/> })}
        {(!report.comments.is_empty()).then(|| view! { <Comments comments=report.comments/> })}
    }
}

/// The four numbers of a tally, as table cells.
#[component]
fn TallyCells(tally: Tally) -> impl IntoView {
    view! {
        <td class=CELL>{tally.rated()}</td>
        <td class=CELL>{tally.good}</td>
        <td class=CELL>{tally.bad}</td>
        <td class=CELL data-testid="csat">{tally.score()}</td>
    }
}

#[component]
fn WeekTable(weeks: Vec<CsatWeek>) -> impl IntoView {
    view! {
        <section aria-labelledby="csat-weeks-heading" class="space-y-2">
            <h2 id="csat-weeks-heading" class="font-semibold">"By week"</h2>
            <DataTable caption="Ratings and CSAT per week" columns=&["Week of", "Rated", "Good", "Bad", "CSAT"]>
                {weeks.into_iter().map(|w| view! {
                    <tr data-testid="csat-week">
                        <th scope="row" class=ROW_HEADER>{w.week_of}</th>
                        <TallyCells tally=w.tally/>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>
    }
}

#[component]
fn AgentTable(agents: Vec<CsatAgent>) -> impl IntoView {
    view! {
        <section aria-labelledby="csat-agents-heading" class="space-y-2">
            <h2 id="csat-agents-heading" class="font-semibold">"By agent (eight weeks)"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "A rating counts for the ticket's assignee, or else for whoever answered last."
            </p>
            <DataTable caption="Ratings and CSAT per agent" columns=&["Agent", "Rated", "Good", "Bad", "CSAT"]>
                {agents.into_iter().map(|a| view! {
                    <tr data-testid="csat-agent">
                        <th scope="row" class=ROW_HEADER>{a.name}</th>
                        <TallyCells tally=a.tally/>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>
    }
}

#[component]
fn Comments(comments: Vec<CsatComment>) -> impl IntoView {
    view! {
        <section aria-labelledby="csat-comments-heading" class="space-y-2">
            <h2 id="csat-comments-heading" class="font-semibold">"Latest comments"</h2>
            <ul class="space-y-3">
                {comments.into_iter().map(|c| {
                    let badge = match c.rating {
                        Rating::Good => view! { <Badge tone=Tone::Success label="Good"/> },
                        Rating::Bad => view! { <Badge tone=Tone::Danger label="Bad"/> },
                    };
                    let by = format!(
                        "{} · {} · {}",
                        c.organization_name,
                        c.agent_name.unwrap_or_else(|| "Unassigned".into()),
                        c.rated_on
                    );
                    view! {
                        <li class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900" data-testid="csat-comment">
                            <div class="mb-1 flex flex-wrap items-center gap-2 text-sm">
                                {badge}
                                <A href=format!("/staff/tickets/{}", c.ticket_id) attr:class=LINK>{c.subject}</A>
                                <span class="text-slate-600 dark:text-slate-300">{by}</span>
                            </div>
                            <p class="whitespace-pre-line break-words">{c.comment}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
