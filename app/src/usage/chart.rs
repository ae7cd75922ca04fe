//! The usage history as charts a customer can read: a value axis with round
//! ticks and gridlines, the plan's limit as a labelled line, today marked,
//! and each day's value on hover and on keyboard focus. Hand-drawn SVG,
//! rendered on the server like the rest of the page (no chart library in
//! the WebAssembly); the numbers are in a table for screen readers too.
//!
//! The SVG stretches to its box (`preserveAspectRatio="none"`, strokes that
//! do not scale), and every word is HTML laid over it, so text stays crisp
//! and readable from a phone to a wide screen.

use domain::chart::{compact, Axis};
use domain::dates::{format_date, format_day_month};
use domain::usage::{DailyUsage, Metric, RunningTotal};
use leptos::prelude::*;
use time::Date;

/// Width of one day in SVG units (the height is 100).
const SLOT: f64 = 10.0;

/// One day of a chart: its date and value (`None`: nothing to show).
struct Day {
    day: Date,
    value: Option<i64>,
}

/// The plan's limit as drawn: where, and what its label says.
struct LimitLine {
    value: i64,
    label: String,
}

/// Daily bars of one metric, with the limit drawn as a line.
#[component]
pub fn HistoryChart(
    title: &'static str,
    daily: Vec<DailyUsage>,
    value: fn(&DailyUsage) -> Option<i64>,
    metric: Metric,
    /// The line to compare a day against (the daily share of a limit, or a level).
    limit: Option<i64>,
    limit_label: &'static str,
) -> impl IntoView {
    let days: Vec<Day> = daily
        .iter()
        .map(|d| Day {
            day: d.day,
            value: value(d),
        })
        .collect();
    if days.iter().filter_map(|d| d.value).sum::<i64>() == 0 {
        return view! {
            <h3 class="mt-6 text-sm font-medium">{title}</h3>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">"Nothing recorded in this range yet."</p>
        }
        .into_any();
    }
    let limit = limit.map(|value| LimitLine {
        value,
        label: format!("{limit_label} · {}", metric.format(value)),
    });
    let axis = axis_for(&days, limit.as_ref());
    let today = days.len() - 1;
    let bars = days
        .iter()
        .enumerate()
        .filter_map(|(i, day)| {
            let height = axis.share(day.value?) * 100.0;
            let class = if i == today {
                "fill-indigo-800 dark:fill-indigo-200"
            } else {
                "fill-indigo-500 dark:fill-indigo-400"
            };
            Some(view! {
                <rect x=fmt(i as f64 * SLOT + 1.0) y=fmt(100.0 - height) width=fmt(SLOT - 2.0)
                      height=fmt(height) class=class/>
            })
        })
        .collect_view();
    view! {
        <Chart title days axis limit metric today marks=bars.into_any()/>
    }
    .into_any()
}

/// The period's running total of API calls against the period's limit,
/// across the whole period (the days to come left blank).
#[component]
pub fn RunningTotalChart(
    totals: Vec<RunningTotal>,
    period_start: Date,
    period_end: Date,
    limit: i64,
) -> impl IntoView {
    let title = "API calls this period, running total";
    let mut days: Vec<Day> = totals
        .iter()
        .map(|t| Day {
            day: t.day,
            value: Some(t.api_calls),
        })
        .collect();
    // The days still to come, so the line shows how much of the period is left.
    let mut next = match days.last() {
        Some(last) => last.day.next_day(),
        None => Some(period_start),
    };
    while let Some(day) = next.filter(|day| *day < period_end) {
        days.push(Day { day, value: None });
        next = day.next_day();
    }
    if days.is_empty() {
        return ().into_any();
    }
    let limit = Some(LimitLine {
        value: limit,
        label: format!("Plan limit · {}", Metric::ApiCalls.format(limit)),
    });
    let axis = axis_for(&days, limit.as_ref());
    let today = totals.len().saturating_sub(1);
    let points: Vec<String> = days
        .iter()
        .enumerate()
        .filter_map(|(i, day)| {
            let y = 100.0 - axis.share(day.value?) * 100.0;
            Some(format!("{},{}", fmt(i as f64 * SLOT + SLOT / 2.0), fmt(y)))
        })
        .collect();
    let marks = view! {
        <polyline points=points.join(" ") fill="none" vector-effect="non-scaling-stroke" stroke-width="2"
                  stroke-linejoin="round" class="stroke-indigo-600 dark:stroke-indigo-300"/>
    };
    view! {
        <Chart title days axis limit metric=Metric::ApiCalls today marks=marks.into_any()/>
    }
    .into_any()
}

fn axis_for(days: &[Day], limit: Option<&LimitLine>) -> Axis {
    let highest = days.iter().filter_map(|d| d.value).max().unwrap_or(0);
    Axis::fitting(highest.max(limit.map_or(0, |l| l.value)), 4)
}

/// The frame every chart shares: title, axis labels, gridlines, the limit
/// line, the marks, a focusable tip per day, the date range and the table.
#[component]
fn Chart(
    title: &'static str,
    days: Vec<Day>,
    axis: Axis,
    limit: Option<LimitLine>,
    metric: Metric,
    /// Which day is today (marked on the axis and in its tip).
    today: usize,
    marks: AnyView,
) -> impl IntoView {
    let width = days.len() as f64 * SLOT;
    let from_bottom = |value: i64| format!("bottom: {}%", fmt(axis.share(value) * 100.0));
    let gridlines = axis
        .ticks()
        .into_iter()
        .map(|tick| {
            let y = fmt(100.0 - axis.share(tick) * 100.0);
            view! {
                <line x1="0" x2=fmt(width) y1=y.clone() y2=y vector-effect="non-scaling-stroke"
                      class="stroke-slate-200 dark:stroke-slate-700"/>
            }
        })
        .collect_view();
    let tick_labels = axis
        .ticks()
        .into_iter()
        .map(|tick| view! {
            <span class="absolute right-0 translate-y-1/2 leading-none" style=from_bottom(tick)>{compact(tick)}</span>
        })
        .collect_view();
    let limit_line = limit.as_ref().map(|limit| {
        let y = fmt(100.0 - axis.share(limit.value) * 100.0);
        view! {
            <line x1="0" x2=fmt(width) y1=y.clone() y2=y vector-effect="non-scaling-stroke" stroke-width="2"
                  stroke-dasharray="6 4" class="stroke-amber-600 dark:stroke-amber-400"/>
        }
    });
    let limit_label = limit.as_ref().map(|limit| view! {
        <span class="pointer-events-none absolute right-1 mb-0.5 rounded bg-white/80 px-1 text-xs font-medium \
                     text-amber-800 dark:bg-slate-900/80 dark:text-amber-300"
              style=from_bottom(limit.value) data-testid="chart-limit">
            {limit.label.clone()}
        </span>
    });
    let count = days.len();
    let tips = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let Some(value) = day.value else {
                return view! { <li class="flex-1" aria-hidden="true"></li> }.into_any();
            };
            let when = if i == today { format!("Today, {}", format_day_month(day.day)) } else { format_day_month(day.day) };
            let text = format!("{when}: {}", metric.format(value));
            let label = text.clone();
            // Tips near the right edge open leftwards, so none leaves the card.
            let side = if i * 2 < count { "left-0" } else { "right-0" };
            view! {
                <li tabindex="0" aria-label=label
                    class="group relative flex-1 outline-none hover:bg-slate-500/10 focus-visible:bg-indigo-500/15 \
                           focus-visible:ring-2 focus-visible:ring-indigo-600">
                    <span aria-hidden="true"
                          class=format!("pointer-events-none absolute bottom-full z-10 mb-1 hidden whitespace-nowrap rounded \
                                         bg-slate-900 px-2 py-1 text-xs text-white shadow group-hover:block group-focus:block \
                                         dark:bg-slate-100 dark:text-slate-900 {side}")>
                        {text}
                    </span>
                </li>
            }
            .into_any()
        })
        .collect_view();
    let first = days
        .first()
        .map(|d| format_day_month(d.day))
        .unwrap_or_default();
    let last = days
        .last()
        .map(|d| format_day_month(d.day))
        .unwrap_or_default();
    // "Today" under its day; at the right edge it takes the last date's place.
    let today_at = (today + 1 < count).then(|| {
        format!(
            "left: {}%",
            fmt((today as f64 + 0.5) * 100.0 / count as f64)
        )
    });
    let today_marker = today_at.clone().map(|left| {
        view! { <span class="absolute -translate-x-1/2 font-medium" style=left data-testid="chart-today">"Today"</span> }
    });
    let last = if today_at.is_none() {
        "Today".to_owned()
    } else {
        last
    };
    let rows = days
        .iter()
        .filter_map(|day| {
            let value = day.value?;
            Some(view! {
                <tr><th scope="row">{format_date(day.day)}</th><td>{metric.format(value)}</td></tr>
            })
        })
        .collect_view();
    let heading = format!("chart-{}", title.to_lowercase().replace([' ', ','], "-"));
    let labelled_by = heading.clone();
    view! {
        <figure class="mt-6" aria-labelledby=labelled_by data-testid="usage-chart">
            <figcaption id=heading class="text-sm font-medium">{title}</figcaption>
            <div class="mt-3 flex gap-2">
                <div class="relative h-40 w-12 shrink-0 text-right text-xs text-slate-600 dark:text-slate-300" aria-hidden="true">
                    {tick_labels}
                </div>
                <div class="relative h-40 min-w-0 flex-1">
                    <svg viewBox=format!("0 0 {} 100", fmt(width)) preserveAspectRatio="none"
                         class="absolute inset-0 h-full w-full overflow-visible" aria-hidden="true" focusable="false">
                        {gridlines}
                        {marks}
                        {limit_line}
                    </svg>
                    {limit_label}
                    <ol class="absolute inset-0 flex" aria-label=format!("{title}, day by day")>{tips}</ol>
                </div>
            </div>
            <div class="relative ml-14 mt-1 flex justify-between text-xs text-slate-600 dark:text-slate-300" aria-hidden="true">
                <span>{first}</span>
                {today_marker}
                <span>{last}</span>
            </div>
            <table class="sr-only">
                <caption>{title}</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">{metric.label()}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

/// SVG numbers without float noise ("12.5", not "12.500000001").
fn fmt(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}
