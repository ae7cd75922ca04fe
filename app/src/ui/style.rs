//! Class names shared by every page, so a link, a button or a filter looks
//! the same everywhere (Tailwind reads them from here like from any view).

/// An inline text link.
pub const LINK: &str = "font-medium text-indigo-700 underline dark:text-indigo-300";
/// A link that looks like the page's primary button ("New ticket").
pub const PRIMARY_LINK: &str =
    "inline-flex items-center rounded-md bg-indigo-600 px-4 py-2 text-sm \
                                font-semibold text-white shadow-sm hover:bg-indigo-500 \
                                focus-visible:outline focus-visible:outline-2 \
                                focus-visible:outline-offset-2 focus-visible:outline-indigo-600";
/// A secondary action (apply filters, close, cancel).
pub const SECONDARY_BUTTON: &str = "rounded-md border border-slate-300 px-3 py-2 text-sm font-medium \
                                    hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800";
/// A compact input or select of a filter bar (the form fields of `form.rs`
/// carry their own label and message).
pub const FILTER_INPUT: &str =
    "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 \
                                text-sm text-slate-900 focus:border-indigo-600 focus:outline-none \
                                focus:ring-2 focus:ring-indigo-600/40 dark:border-slate-600 \
                                dark:bg-slate-900 dark:text-slate-100";
/// A bordered panel that groups one form or one list.
pub const PANEL: &str =
    "rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900";
