//! `/unsubscribe?user=…&organization=…&category=…&signature=…`, the link at
//! the foot of an email one may turn off. Opening it only reads; the button
//! turns that one category off, without signing in. A mail client's own
//! unsubscribe button posts to `/unsubscribe/one-click` instead.

use super::api::{check_unsubscribe, Unsubscribe};
use crate::ui::form::{action_error, saved_count};
use crate::ui::style::LINK;
use crate::ui::{CardFrame, FormAlert, Loading, SubmitButton};
use domain::error::AppError;
use domain::notifications::UnsubscribeView;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The four parameters of a link, in its order.
const PARAMETERS: [&str; 4] = ["user", "organization", "category", "signature"];

#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let link = move || PARAMETERS.map(|name| query.read().get(name).unwrap_or_default());
    let unsubscribe = ServerAction::<Unsubscribe>::new();
    let done = saved_count(unsubscribe);
    let view = Resource::new(
        move || (link(), done.get()),
        |([user, organization, category, signature], _)| {
            check_unsubscribe(user, organization, category, signature)
        },
    );
    view! {
        <CardFrame title="Email preferences">
            <Suspense fallback=|| view! { <Loading label="Checking your link…"/> }>
                {move || Suspend::new(async move {
                    match view.await {
                        Ok(view) => view! { <Choice view link=link() unsubscribe/> }.into_any(),
                        Err(AppError::NotFound) => view! {
                            <div role="alert" class="space-y-4">
                                <p>"This unsubscribe link is not valid: check that you opened the whole link from the email. You can also sign in and choose your emails in Settings."</p>
                                <p><a href="/settings/notifications" class=LINK>"Choose your emails"</a></p>
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
fn Choice(
    view: UnsubscribeView,
    link: [String; 4],
    unsubscribe: ServerAction<Unsubscribe>,
) -> impl IntoView {
    let label = view.category.label();
    if view.unsubscribed {
        return view! {
            <div role="status" class="space-y-4" data-testid="unsubscribed">
                <p>{format!("Done: you no longer get \u{201c}{label}\u{201d} emails for {}.", view.organization_name)}</p>
                <p><a href="/settings/notifications" class=LINK>"Choose all your emails"</a></p>
            </div>
        }
        .into_any();
    }
    let error = action_error(unsubscribe);
    view! {
        <div class="space-y-4">
            <p>{format!("Stop \u{201c}{label}\u{201d} emails for {}?", view.organization_name)}</p>
            <p class="text-sm text-slate-600 dark:text-slate-300">{view.category.description()}</p>
            <ActionForm action=unsubscribe attr:class="space-y-3">
                {PARAMETERS.into_iter().zip(link).map(|(name, value)| view! {
                    <input type="hidden" name=name value=value/>
                }).collect_view()}
                <FormAlert error/>
                <SubmitButton label="Unsubscribe" pending_label="Unsubscribing…" pending=unsubscribe.pending()/>
            </ActionForm>
        </div>
    }
    .into_any()
}
