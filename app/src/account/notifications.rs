//! Settings · Notifications: which emails the person gets in this
//! organization, and for owners the defaults members follow until they
//! choose. Forms of checkboxes, so it works without JavaScript.

use super::api::{
    get_notification_preferences, SaveNotificationDefaults, SaveNotificationPreferences,
};
use super::page::{can_view_audit_log, succeeded, Saved, SettingsHeader};
use crate::auth::Permitted;
use crate::ui::form::{form_error, saved_count};
use crate::ui::style::PANEL;
use crate::ui::{ErrorView, FormAlert, Loading, SubmitButton};
use domain::notifications::NotificationPreference;
use domain::Permission;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let save = ServerAction::<SaveNotificationPreferences>::new();
    let save_defaults = ServerAction::<SaveNotificationDefaults>::new();
    let saved = saved_count(save);
    let saved_defaults = saved_count(save_defaults);
    let preferences = Resource::new(
        move || (saved.get(), saved_defaults.get()),
        |_| get_notification_preferences(),
    );
    let show_audit = can_view_audit_log();
    view! {
        <Title text="Notifications · Settings · Portal"/>
        <SettingsHeader current="/settings/notifications" show_audit/>
        <Transition fallback=|| view! { <Loading label="Loading your email preferences…"/> }>
            {move || Suspend::new(async move {
                match preferences.await {
                    Ok(preferences) => view! {
                        <PreferencesForm preferences=preferences.clone() save/>
                        <Permitted permission=Permission::SetNotificationDefaults>
                            <DefaultsForm preferences=preferences.clone() save=save_defaults/>
                        </Permitted>
                    }.into_any(),
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
                    {preferences.into_iter().map(|p| {
                        let hint = follows_default_hint(&p);
                        view! { <CategoryChoice category=p.category checked=p.email hint/> }
                    }).collect_view()}
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

/// Owners only: what members get until they choose themselves.
#[component]
fn DefaultsForm(
    preferences: Vec<NotificationPreference>,
    save: ServerAction<SaveNotificationDefaults>,
) -> impl IntoView {
    let error = form_error(save.value());
    view! {
        <section aria-labelledby="email-defaults" class=format!("{PANEL} max-w-3xl space-y-4")>
            <div class="space-y-1">
                <h2 id="email-defaults" class="font-semibold">"Defaults for members"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "Every member gets these until they choose for themselves. Security emails always go out."
                </p>
            </div>
            <ActionForm action=save attr:class="space-y-4">
                <fieldset class="space-y-3">
                    <legend class="sr-only">"Email members about"</legend>
                    {preferences.into_iter().filter(|p| p.category.can_turn_off()).map(|p| view! {
                        <CategoryChoice category=p.category checked=p.organization_default hint=None id_prefix="default"/>
                    }).collect_view()}
                </fieldset>
                <FormAlert error/>
                <div class="flex items-center gap-3">
                    <div class="w-48"><SubmitButton label="Save defaults" pending_label="Saving…" pending=save.pending()/></div>
                    <Saved done=succeeded(save.value()) message="The organization's defaults are saved."/>
                </div>
            </ActionForm>
        </section>
    }
}

/// Tells a member which categories still follow the owners' choice.
fn follows_default_hint(preference: &NotificationPreference) -> Option<&'static str> {
    (preference.category.can_turn_off() && !preference.own_choice)
        .then_some("Your organization's default.")
}

/// One category's checkbox, its label, what it sends, and an optional hint.
#[component]
fn CategoryChoice(
    category: domain::notifications::NotificationCategory,
    checked: bool,
    hint: Option<&'static str>,
    #[prop(default = "notify")] id_prefix: &'static str,
) -> impl IntoView {
    let id = format!("{id_prefix}-{}", category.as_str());
    let description_id = format!("{id}-description");
    let locked = !category.can_turn_off();
    view! {
        <div class="flex items-start gap-3">
            <input type="checkbox" id=id.clone() name=category.as_str() value="on"
                checked=checked disabled=locked aria-describedby=description_id.clone()
                class="mt-1 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-2 focus:ring-indigo-600/40 dark:border-slate-600"/>
            <div>
                <label for=id class="text-sm font-medium">{category.label()}</label>
                <p id=description_id class="text-sm text-slate-600 dark:text-slate-300">
                    {category.description()}
                    {hint.map(|hint| view! { " " <span class="text-slate-500 dark:text-slate-400">{hint}</span> })}
                </p>
            </div>
        </div>
    }
}
