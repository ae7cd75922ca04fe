//! Settings · Notifications: which emails the person gets in this
//! organization. One form of checkboxes, so it works without JavaScript.

use super::api::{get_notification_preferences, SaveNotificationPreferences};
use super::page::{can_view_audit_log, succeeded, Saved, SettingsHeader};
use crate::ui::form::{form_error, saved_count};
use crate::ui::style::PANEL;
use crate::ui::{ErrorView, FormAlert, Loading, SubmitButton};
use domain::notifications::NotificationPreference;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let save = ServerAction::<SaveNotificationPreferences>::new();
    let saved = saved_count(save);
    let preferences = Resource::new(move || saved.get(), |_| get_notification_preferences());
    let show_audit = can_view_audit_log();
    view! {
        <Title text="Notifications · Settings · Portal"/>
        <SettingsHeader current="/settings/notifications" show_audit/>
        <Transition fallback=|| view! { <Loading label="Loading your email preferences…"/> }>
            {move || Suspend::new(async move {
                match preferences.await {
                    Ok(preferences) => view! { <PreferencesForm preferences save/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PreferencesForm(
    preferences: Vec<NotificationPreference>,
    save: ServerAction<SaveNotificationPreferences>,
) -> impl IntoView {
    let error = form_error(save.value());
    view! {
        <section aria-labelledby="email-preferences" class=format!("{PANEL} max-w-3xl space-y-4")>
            <div class="space-y-1">
                <h2 id="email-preferences" class="font-semibold">"Email notifications"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "For this organization. A change applies to emails not sent yet too."
                </p>
            </div>
            <ActionForm action=save attr:class="space-y-4">
                <fieldset class="space-y-3">
                    <legend class="sr-only">"Email me about"</legend>
                    {preferences.into_iter().map(|p| view! { <CategoryChoice preference=p/> }).collect_view()}
                </fieldset>
                <FormAlert error/>
                <div class="flex items-center gap-3">
                    <div class="w-48"><SubmitButton label="Save preferences" pending_label="Saving…" pending=save.pending()/></div>
                    <Saved done=succeeded(save.value()) message="Your email preferences are saved."/>
                </div>
            </ActionForm>
        </section>
    }
}

/// One category's checkbox, its label and what it sends.
#[component]
fn CategoryChoice(preference: NotificationPreference) -> impl IntoView {
    let category = preference.category;
    let id = format!("notify-{}", category.as_str());
    let description_id = format!("{id}-description");
    let locked = !category.can_turn_off();
    view! {
        <div class="flex items-start gap-3">
            <input type="checkbox" id=id.clone() name=category.as_str() value="on"
                checked=preference.email disabled=locked aria-describedby=description_id.clone()
                class="mt-1 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-2 focus:ring-indigo-600/40 dark:border-slate-600"/>
            <div>
                <label for=id class="text-sm font-medium">{category.label()}</label>
                <p id=description_id class="text-sm text-slate-600 dark:text-slate-300">{category.description()}</p>
            </div>
        </div>
    }
}
