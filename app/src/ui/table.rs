//! `DataTable`: a captioned, horizontally scrollable table with column
//! headers; the caller renders the rows (`<tr>`, with `<th scope="row">` for
//! the cell that names the row).

use leptos::prelude::*;

/// Cell classes the rows of a `DataTable` use, so every table lines up.
pub const CELL: &str = "px-4 py-2";
pub const CELL_NOWRAP: &str = "whitespace-nowrap px-4 py-2";
/// The first cell of a row, which names it (`<th scope="row">`).
pub const ROW_HEADER: &str = "px-4 py-2 text-left font-medium";

#[component]
pub fn DataTable(
    /// Read by screen readers only: what the table lists.
    caption: &'static str,
    /// Column headers; an empty one for a column of actions.
    columns: &'static [&'static str],
    /// The `<tr>` rows.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-700">
                <caption class="sr-only">{caption}</caption>
                <thead class="bg-slate-50 text-left dark:bg-slate-800">
                    <tr>
                        {columns
                            .iter()
                            .map(|h| view! { <th scope="col" class="whitespace-nowrap px-4 py-2 font-medium">{*h}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 bg-white dark:divide-slate-700 dark:bg-slate-900">
                    {children()}
                </tbody>
            </table>
        </div>
    }
}
