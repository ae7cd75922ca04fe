//! Widgets of the billing page. They hold no business logic: values in, markup out.

use super::api::PayInvoice;
use crate::ui::table::{CELL, CELL_NOWRAP, ROW_HEADER};
use crate::ui::{page_links, Badge, Card, DataTable, Pager, Tone};
use domain::billing::{
    CreditNoteSummary, InvoicePage, InvoiceStatus, PlanChangeKind, PlanChangePreview,
};
use leptos::prelude::*;

/// Paid / Open / Overdue / Void as a badge.
#[component]
pub fn InvoiceStatusBadge(status: InvoiceStatus) -> impl IntoView {
    let tone = match status {
        InvoiceStatus::Paid => Tone::Success,
        InvoiceStatus::Open => Tone::Info,
        InvoiceStatus::Overdue => Tone::Danger,
        InvoiceStatus::Void => Tone::Neutral,
    };
    view! { <Badge tone label=status.label()/> }
}

/// The invoice history with download links and page links. With `pay`
/// (owners and billing), an open or overdue invoice has "Pay now".
#[component]
pub fn InvoiceTable(page: InvoicePage, pay: Option<ServerAction<PayInvoice>>) -> impl IntoView {
    let InvoicePage {
        invoices,
        page,
        pages,
        total,
        ..
    } = page;
    // Page links keep the filters.
    let links = page_links("/billing", &["number", "status", "year"]);
    let href = Callback::new(move |p: u32| format!("{}#invoices", links.run(p)));
    view! {
        <DataTable caption="Your invoices, newest first"
            columns=&["Invoice", "Issued", "Period", "Due", "Total", "Status", ""]>
            {invoices.into_iter().map(|invoice| {
                let href = format!("/billing/invoices/{}/pdf", invoice.id);
                // The visible word starts the accessible name (WCAG 2.5.3,
                // label-content-name-mismatch); the rest is for screen readers.
                let of_invoice = format!(" of invoice {}", invoice.number);
                view! {
                    <tr>
                        <th scope="row" class=format!("{ROW_HEADER} whitespace-nowrap font-mono")>{invoice.number.clone()}</th>
                        <td class=CELL_NOWRAP>{invoice.issued_on}</td>
                        <td class=CELL_NOWRAP>{invoice.period}</td>
                        <td class=CELL_NOWRAP>{invoice.due_on}</td>
                        <td class=format!("{CELL_NOWRAP} text-right tabular-nums")>{invoice.total.display()}</td>
                        <td class=CELL><InvoiceStatusBadge status=invoice.status/></td>
                        <td class=format!("{CELL} flex flex-wrap items-center gap-3")>
                            <a href=href download="" rel="external"
                               class="font-medium text-indigo-700 underline dark:text-indigo-300">
                                "PDF"<span class="sr-only">{of_invoice.clone()}</span>
                            </a>
                            {(invoice.status == InvoiceStatus::Paid).then(|| view! {
                                <a href=format!("/billing/invoices/{}/receipt", invoice.id) download="" rel="external"
                                   class="font-medium text-indigo-700 underline dark:text-indigo-300">
                                    "Receipt"<span class="sr-only">{of_invoice.clone()}</span>
                                </a>
                            })}
                            {pay.zip(invoice.pay_key.clone()).map(|(pay, key)| view! {
                                <PayNowButton action=pay id=invoice.id.to_string() key number=invoice.number.clone()/>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        <div class="mt-3">
            <Pager current=page page_count=pages total href items="invoices" label="Invoice pages"
                previous="Newer" next="Older"/>
        </div>
    }
}

/// The corrections of issued invoices, each with its own PDF.
#[component]
pub fn CreditNoteTable(notes: Vec<CreditNoteSummary>) -> impl IntoView {
    view! {
        <section id="credit-notes" aria-labelledby="credit-notes-heading" class="space-y-3">
            <h2 id="credit-notes-heading" class="text-lg font-semibold">"Credit notes"</h2>
            <DataTable caption="Credits on your invoices, newest first"
                columns=&["Credit note", "Issued", "Invoice", "Reason", "Amount", ""]>
                {notes.into_iter().map(|note| {
                    let href = format!("/billing/credit-notes/{}/pdf", note.id);
                    let label = format!("Download credit note {} (PDF)", note.number);
                    view! {
                        <tr>
                            <th scope="row" class=format!("{ROW_HEADER} whitespace-nowrap font-mono")>{note.number}</th>
                            <td class=CELL_NOWRAP>{note.issued_on}</td>
                            <td class=format!("{CELL_NOWRAP} font-mono")>{note.invoice_number}</td>
                            <td class=CELL>{note.reason}</td>
                            <td class=format!("{CELL_NOWRAP} text-right tabular-nums")>{format!("\u{2212}{}", note.total.display())}</td>
                            <td class=CELL>
                                <a href=href download="" rel="external" aria-label=label
                                   class="font-medium text-indigo-700 underline dark:text-indigo-300">"PDF"</a>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </section>
    }
}

/// One invoice's "Pay now": a form, so it works without JavaScript.
#[component]
fn PayNowButton(
    action: ServerAction<PayInvoice>,
    id: String,
    key: String,
    number: String,
) -> impl IntoView {
    let pending = action.pending();
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="key" value=key/>
            <button type="submit" disabled=move || pending.get()
                aria-label=format!("Pay now: invoice {number} with the card on file")
                class="rounded-md bg-indigo-600 px-3 py-1 text-sm font-semibold text-white hover:bg-indigo-500 \
                       focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 \
                       focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70">
                "Pay now"
            </button>
        </ActionForm>
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
            {preview.overage_note().map(|note| view! {
                <p data-testid="plan-preview-overage" class="mt-2 text-sm text-slate-600 dark:text-slate-300">{note}</p>
            })}
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
