//! `Badge`: a short status in words and colour (never colour alone), in
//! tones that keep 4.5:1 contrast in both themes. Features map their own
//! statuses onto a tone (`billing::components::invoice_tone`, …).

use leptos::prelude::*;

/// What a badge says about its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Waiting on someone, or informational (open, sky).
    Info,
    /// Needs attention soon (pending, amber).
    Warning,
    /// Done and fine (paid, resolved, emerald).
    Success,
    /// Needs attention now (overdue, red).
    Danger,
    /// Over and done with (closed, void, slate).
    Neutral,
    /// Who someone is (a role, "Staff", indigo).
    Accent,
}

impl Tone {
    fn classes(self) -> &'static str {
        match self {
            Tone::Info => "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
            Tone::Warning => "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
            Tone::Success => {
                "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
            }
            Tone::Danger => "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
            Tone::Neutral => "bg-slate-200 text-slate-800 dark:bg-slate-800 dark:text-slate-200",
            Tone::Accent => "bg-indigo-100 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-200",
        }
    }
}

#[component]
pub fn Badge(
    tone: Tone,
    #[prop(into)] label: String,
    /// For tests that find a status by its role on the page.
    #[prop(optional)]
    testid: Option<&'static str>,
) -> impl IntoView {
    view! {
        <span
            class=format!("inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium {}", tone.classes())
            data-testid=testid
        >
            {label}
        </span>
    }
}
