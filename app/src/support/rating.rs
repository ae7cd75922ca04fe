//! Satisfaction as customers give it: the "How did we do?" section under a
//! resolved ticket's thread, and `/rate-ticket`, the page the "resolved"
//! email's Good and Bad links open without signing in. Both work without
//! JavaScript. The link opens the page with the answer chosen; the press
//! that sends it is deliberate (see `backend::support::satisfaction`).

use super::api::{get_rating_link, RateByLink, RateTicket};
use crate::ui::form::{action_error, field_error, saved_count};
use crate::ui::style::{LINK, PANEL};
use crate::ui::{CardFrame, FormAlert, Loading, SubmitButton, TextAreaField};
use domain::error::AppError;
use domain::satisfaction::{GivenRating, Rating, RatingLinkView, Satisfaction, COMMENT_MAX_CHARS};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The rating choice and the optional comment, for both forms.
#[component]
fn RatingFields(
    chosen: Option<Rating>,
    comment: String,
    /// Unique on the page.
    comment_id: &'static str,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let rating_error = field_error(error, "rating");
    let comment_error = field_error(error, "comment");
    view! {
        <fieldset class="space-y-2" aria-describedby="rating-message">
            <legend class="text-sm font-medium text-slate-800 dark:text-slate-200">"How did we do?"</legend>
            <div class="flex flex-wrap gap-3">
                {Rating::ALL.iter().map(|&rating| {
                    let text = match rating {
                        Rating::Good => "Good, I'm satisfied",
                        Rating::Bad => "Bad, I'm not satisfied",
                    };
                    view! {
                        <label class="flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 px-3 py-2 text-sm \
                                      has-[:checked]:border-indigo-600 has-[:checked]:bg-indigo-50 \
                                      dark:border-slate-600 dark:has-[:checked]:bg-indigo-950">
                            <input type="radio" name="rating" value=rating.as_str()
                                checked=chosen == Some(rating) required=true class="accent-indigo-600"/>
                            {text}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p id="rating-message" class="text-sm text-red-700 dark:text-red-400">{move || rating_error.get()}</p>
        </fieldset>
        <TextAreaField label="Comment (optional)" name="comment" id=comment_id rows=3
            maxlength=COMMENT_MAX_CHARS optional=true draft=RwSignal::new(comment)
            hint="What went well, or what should we do better?" error=comment_error/>
    }
}

/// "You rated this ticket good on 29 Nov 2026."
fn given_sentence(given: &GivenRating, who: &str) -> String {
    format!(
        "{who} rated this ticket {} on {}.",
        given.rating.label().to_lowercase(),
        given.rated_on
    )
}

/// Under a resolved or closed thread: the requester's rating form (with
/// their rating, if given); other members only see the rating.
#[component]
pub fn RatingSection(
    ticket_id: String,
    satisfaction: Satisfaction,
    rate: ServerAction<RateTicket>,
) -> impl IntoView {
    let given = satisfaction.given;
    if !satisfaction.can_rate {
        return given
            .map(|given| {
                view! {
                    <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="rating-summary">
                        {given_sentence(&given, "The requester")}
                    </p>
                }
            })
            .into_any();
    }
    let error = action_error(rate);
    let (summary, button) = match &given {
        Some(given) => (
            format!(
                "Thank you. {} You can change it.",
                given_sentence(given, "You")
            ),
            "Update rating",
        ),
        None => (
            "Support resolved this ticket. How did it go?".to_owned(),
            "Send rating",
        ),
    };
    let (chosen, comment) = given
        .map(|g| (Some(g.rating), g.comment))
        .unwrap_or_default();
    view! {
        <section aria-labelledby="rating-heading" class=PANEL>
            <h2 id="rating-heading" class="mb-1 font-semibold">"Rate this ticket"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-300" data-testid="rating-summary">{summary}</p>
            <ActionForm action=rate attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="ticket_id" value=ticket_id/>
                <FormAlert error/>
                <RatingFields chosen comment comment_id="rating-comment" error/>
                <div class="sm:w-48">
                    <SubmitButton label=button pending_label="Sending…" pending=rate.pending()/>
                </div>
            </ActionForm>
        </section>
    }
    .into_any()
}

/// `/rate-ticket?token=…&rating=good|bad`: the "resolved" email's link. No
/// sign-in; the token rates that one ticket as its requester.
#[component]
pub fn RateTicketPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let chosen = move || query.read().get("rating").and_then(|r| Rating::parse(&r));
    let rate = ServerAction::<RateByLink>::new();
    let sent = saved_count(rate);
    let link = Resource::new(
        move || (token(), sent.get()),
        |(token, _)| get_rating_link(token),
    );
    view! {
        <CardFrame title="How did we do?">
            <Suspense fallback=|| view! { <Loading label="Opening your rating…"/> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(view) => view! { <LinkRatingForm view token=token() chosen=chosen() rate/> }.into_any(),
                        Err(AppError::NotFound) => view! {
                            <div role="alert" class="space-y-4">
                                <p>"This rating link is not valid any more: it expired, or the ticket changed hands. You can still rate the ticket from its page once signed in."</p>
                                <p><a href="/support" class=LINK>"Go to your tickets"</a></p>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </CardFrame>
    }
}

#[component]
fn LinkRatingForm(
    view: RatingLinkView,
    token: String,
    chosen: Option<Rating>,
    rate: ServerAction<RateByLink>,
) -> impl IntoView {
    let error = action_error(rate);
    let given = view.given;
    let status = match &given {
        Some(given) => format!(
            "Thank you. {} You can change it.",
            given_sentence(given, "You")
        ),
        None => "Choose an answer and send it; a comment is welcome.".to_owned(),
    };
    let comment = given
        .as_ref()
        .map(|g| g.comment.clone())
        .unwrap_or_default();
    let chosen = chosen.or(given.map(|g| g.rating));
    view! {
        <div class="space-y-4">
            <p>"Your ticket "<strong class="break-words">{format!("“{}”", view.subject)}</strong>" was resolved."</p>
            <p role="status" class="text-sm text-slate-600 dark:text-slate-300" data-testid="rating-summary">{status}</p>
            <ActionForm action=rate attr:class="space-y-3" attr:novalidate=true>
                <input type="hidden" name="token" value=token/>
                <FormAlert error/>
                <RatingFields chosen comment comment_id="link-rating-comment" error/>
                <SubmitButton label="Send rating" pending_label="Sending…" pending=rate.pending()/>
            </ActionForm>
        </div>
    }
}
