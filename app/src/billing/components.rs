//! Widgets of the billing page. They hold no business logic: values in, markup out.

use crate::ui::Card;
use domain::billing::{InvoicePage, InvoiceStatus, PlanChangeKind, PlanChangePreview};
use leptos::prelude::*;

/// Paid / Open / Overdue / Void, in colours that keep 4.5:1 contrast in both themes.
#[component]
pub fn StatusBadge(status: InvoiceStatus) -> impl IntoView {
    let class = match status {
        InvoiceStatus::Paid => {
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100"
        }
        InvoiceStatus::Open => "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
        InvoiceStatus::Overdue => "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
        InvoiceStatus::Void => "bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100",
    };
    view! {
        <span class=format!("inline-flex rounded-full px-2 py-0.5 text-xs font-semibold {class}")>{status.label()}</span>
    }
}

/// The invoice history with download links and page links (plain links, so
/// paging works without JavaScript).
#[component]
pub fn InvoiceTable(page: InvoicePage) -> impl IntoView {
    let InvoicePage {
        invoices,
        page,
        pages,
        total,
    } = page;
    let link = |p: u32| format!("/billing?page={p}#invoices");
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-700">
                <caption class="sr-only">"Your invoices, newest first"</caption>
                <thead class="bg-slate-50 text-left dark:bg-slate-800">
                    <tr>
                        {["Invoice", "Issued", "Period", "Due", "Total", "Status", ""]
                            .map(|h| view! { <th scope="col" class="whitespace-nowrap px-3 py-2 font-medium">{h}</th> })}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 bg-white dark:divide-slate-700 dark:bg-slate-900">
                    {invoices.into_iter().map(|invoice| {
                        let href = format!("/billing/invoices/{}/pdf", invoice.id);
                        let label = format!("Download invoice {} (PDF)", invoice.number);
                        view! {
                            <tr>
                                <th scope="row" class="whitespace-nowrap px-3 py-2 text-left font-mono font-medium">{invoice.number.clone()}</th>
                                <td class="whitespace-nowrap px-3 py-2">{invoice.issued_on}</td>
                                <td class="whitespace-nowrap px-3 py-2">{invoice.period}</td>
                                <td class="whitespace-nowrap px-3 py-2">{invoice.due_on}</td>
                                <td class="whitespace-nowrap px-3 py-2 text-right tabular-nums">{invoice.total.display()}</td>
                                <td class="px-3 py-2"><StatusBadge status=invoice.status/></td>
                                <td class="px-3 py-2">
                                    <a href=href download="" rel="external" aria-label=label
                                       class="font-medium text-indigo-700 underline dark:text-indigo-300">"PDF"</a>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav aria-label="Invoice pages" class="mt-3 flex items-center justify-between text-sm">
            <span>{format!("Page {page} of {pages} · {total} invoices")}</span>
            <span class="flex gap-3">
                {(page > 1).then(|| view! { <a rel="external" href=link(page - 1) class="font-medium text-indigo-700 underline dark:text-indigo-300">"Newer"</a> })}
                {(page < pages).then(|| view! { <a rel="external" href=link(page + 1) class="font-medium text-indigo-700 underline dark:text-indigo-300">"Older"</a> })}
            </span>
        </nav>
    }
}

/// What a plan change will do, before the customer confirms it.
#[component]
pub fn PreviewSummary(preview: PlanChangePreview) -> impl IntoView {
    let what = match preview.kind {
        PlanChangeKind::Upgrade => format!(
            "Upgrade from {} to {} now. You pay {} today ({} plus tax) for the {} days left in this period; \
             then {} a month.",
            preview.from.name,
            preview.to.name,
            preview.prorated_with_tax.display(),
            preview.prorated.display(),
            preview.days_remaining,
            preview.to.price.display()
        ),
        PlanChangeKind::Downgrade => format!(
            "Move from {} to {} on {}. You keep {} until then; nothing is charged today, and from then on you pay {} a month.",
            preview.from.name,
            preview.to.name,
            preview.effective,
            preview.from.name,
            preview.to.price.display()
        ),
        PlanChangeKind::KeepCurrent => format!(
            "Stay on {}: the change scheduled for the end of this period is dropped.",
            preview.from.name
        ),
    };
    let blocked = !preview.conflicts.is_empty();
    view! {
        <Card title="Plan change preview">
            <p data-testid="plan-preview">{what}</p>
            {blocked.then(|| view! {
                <div role="alert" class="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
                    <p class="font-semibold">{format!("You can't move to {} yet:", preview.to.name)}</p>
                    <ul class="ml-5 list-disc">
                        {preview.conflicts.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}
                    </ul>
                </div>
            })}
        </Card>
    }
}
