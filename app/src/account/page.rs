use super::api::{
    check_email_change, get_account_settings, list_sessions, ChangePassword, ConfirmEmailChange,
    RequestEmailChange, RevokeOtherSessions, RevokeSession, SetRequireTwoFactor,
    UpdateBillingEmail, UpdateOrganizationName, UpdateProfileName, UpdateTimeZone,
};
use crate::two_factor::TwoFactorSection;
use crate::ui::form::{field_error, form_error, saved_count};
use crate::ui::style::{PANEL, SECONDARY_BUTTON};
use crate::ui::time::When;
use crate::ui::{
    CardFrame, ErrorView, FormAlert, FormField, ListField, Loading, PageHeader, SubmitButton,
};
use domain::account::{AccountSettings, ActiveSession, EMAIL_CHANGE_LIFETIME_HOURS};
use domain::error::AppError;
use domain::Password;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The "Settings" heading and its tabs: Account · Security · Audit log.
#[component]
pub fn SettingsHeader(
    current: &'static str,
    #[prop(into)] show_audit: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="mb-4"><PageHeader title="Settings"/></div>
        <SettingsTabs current show_audit/>
    }
}

#[component]
fn SettingsTabs(current: &'static str, #[prop(into)] show_audit: Signal<bool>) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let active = current == href;
        view! {
            <a href=href aria-current=active.then_some("page")
               class="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 \
                      aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-800 dark:text-slate-200 \
                      dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-200">
                {label}
            </a>
        }
    };
    view! {
        <nav aria-label="Settings" class="mb-6 flex flex-wrap gap-2 border-b border-slate-200 pb-3 dark:border-slate-800">
            {tab("/settings", "Account")}
            {tab("/settings/security", "Security")}
            {tab("/settings/notifications", "Notifications")}
            // The permission comes from the user resource: read it inside a
            // Transition, so the server waits for it and hydration agrees.
            <Transition fallback=|| ()>
                {move || show_audit.get().then(|| tab("/audit", "Audit log"))}
            </Transition>
        </nav>
    }
}

/// "Saved." after a successful submit (with JavaScript; without it the page
/// reloads showing the new value).
#[component]
pub(crate) fn Saved(#[prop(into)] done: Signal<bool>, message: &'static str) -> impl IntoView {
    view! {
        <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">
            {move || done.get().then_some(message)}
        </p>
    }
}

/// True once the action's latest run succeeded.
pub(crate) fn succeeded<S>(value: S) -> Signal<bool>
where
    S: Get<Value = Option<Result<(), AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || matches!(value.get(), Some(Ok(()))))
}

/// From the signed-in user, which the layout has already loaded (so server
/// and browser render the same tabs).
pub(crate) fn can_view_audit_log() -> Signal<bool> {
    crate::auth::use_permission(domain::Permission::ViewAuditLog)
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let rename_org = ServerAction::<UpdateOrganizationName>::new();
    let billing = ServerAction::<UpdateBillingEmail>::new();
    let rename_user = ServerAction::<UpdateProfileName>::new();
    let password = ServerAction::<ChangePassword>::new();
    let email = ServerAction::<RequestEmailChange>::new();
    let time_zone = ServerAction::<UpdateTimeZone>::new();
    let saved_rename_org = saved_count(rename_org);
    let saved_billing = saved_count(billing);
    let saved_rename_user = saved_count(rename_user);
    let saved_email = saved_count(email);
    let saved_time_zone = saved_count(time_zone);
    let settings = Resource::new(
        move || {
            (
                saved_rename_org.get(),
                saved_billing.get(),
                saved_rename_user.get(),
                saved_email.get(),
                saved_time_zone.get(),
            )
        },
        |_| get_account_settings(),
    );
    let show_audit = can_view_audit_log();
    view! {
        <Title text="Settings · Portal"/>
        <SettingsHeader current="/settings" show_audit/>
        <Transition fallback=|| view! { <Loading label="Loading your settings…"/> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! {
                        <div class="grid max-w-3xl gap-6">
                            <OrganizationSection settings=s.clone() rename_org billing/>
                            <ProfileSection settings=s.clone() rename_user email/>
                            <TimeZoneSection settings=s time_zone/>
                            <PasswordSection password/>
                        </div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OrganizationSection(
    settings: AccountSettings,
    rename_org: ServerAction<UpdateOrganizationName>,
    billing: ServerAction<UpdateBillingEmail>,
) -> impl IntoView {
    let org_error = form_error(rename_org.value());
    let billing_error = form_error(billing.value());
    let name_form = if settings.can_manage_organization {
        view! {
            <ActionForm action=rename_org attr:class="space-y-3" attr:novalidate=true>
                <FormField label="Organization name" name="organization_name" autocomplete="organization" required=true
                    maxlength=100 value=settings.organization_name.clone() error=field_error(org_error, "organization_name")/>
                <FormAlert error=org_error/>
                <div class="flex items-center gap-3">
                    <div class="w-40"><SubmitButton label="Save name" pending_label="Saving…" pending=rename_org.pending()/></div>
                    <Saved done=succeeded(rename_org.value()) message="Organization name saved."/>
                </div>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <dl class="text-sm"><dt class="font-medium">"Organization name"</dt><dd>{settings.organization_name.clone()}</dd></dl>
            <p class="text-sm text-slate-600 dark:text-slate-300">"Owners and admins can rename the organization."</p>
        }
        .into_any()
    };
    let billing_form = if settings.can_manage_billing {
        view! {
            <ActionForm action=billing attr:class="space-y-3" attr:novalidate=true>
                <FormField label="Billing email" name="billing_email" input_type="email" autocomplete="email"
                    value=settings.billing_email.clone().unwrap_or_default()
                    hint="Invoices and payment notices go here. Leave empty to send them to the owners."
                    error=field_error(billing_error, "billing_email")/>
                <FormAlert error=billing_error/>
                <div class="flex items-center gap-3">
                    <div class="w-40"><SubmitButton label="Save billing email" pending_label="Saving…" pending=billing.pending()/></div>
                    <Saved done=succeeded(billing.value()) message="Billing email saved."/>
                </div>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <dl class="text-sm">
                <dt class="font-medium">"Billing email"</dt>
                <dd>{settings.billing_email.clone().unwrap_or_else(|| "Not set: invoices go to the owners".into())}</dd>
            </dl>
        }
        .into_any()
    };
    let policy = RequireTwoFactorForm(RequireTwoFactorFormProps {
        required: settings.require_two_factor,
        can_change: settings.can_manage_security_policy,
    });
    view! {
        <section aria-labelledby="org-settings" class=format!("{PANEL} space-y-5")>
            <h2 id="org-settings" class="font-semibold">"Organization"</h2>
            {name_form}
            {billing_form}
            {policy}
        </section>
    }
}

/// Owners: require two-factor of every member. Others see the policy.
#[component]
fn RequireTwoFactorForm(required: bool, can_change: bool) -> impl IntoView {
    let policy = ServerAction::<SetRequireTwoFactor>::new();
    let error = form_error(policy.value());
    // The action's input is gone once it finished; its result says what holds.
    let now = Signal::derive(move || match policy.value().get() {
        Some(Ok(in_force)) => in_force,
        _ => required,
    });
    if !can_change {
        return view! {
            <p class="text-sm">
                {move || if now.get() { "Members must use two-factor authentication." } else { "Two-factor authentication is up to each member." }}
            </p>
        }
        .into_any();
    }
    view! {
        <ActionForm action=policy attr:class="space-y-2">
            <FormAlert error/>
            <input type="hidden" name="required" value=move || (!now.get()).to_string()/>
            <p class="text-sm">
                {move || if now.get() {
                    "Every member must use two-factor authentication; members without it set it up at their next visit."
                } else {
                    "Two-factor authentication is up to each member."
                }}
            </p>
            <button type="submit" class=SECONDARY_BUTTON>
                {move || if now.get() { "Stop requiring two-factor" } else { "Require two-factor for everyone" }}
            </button>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn ProfileSection(
    settings: AccountSettings,
    rename_user: ServerAction<UpdateProfileName>,
    email: ServerAction<RequestEmailChange>,
) -> impl IntoView {
    let name_error = form_error(rename_user.value());
    let email_error = form_error(email.value());
    let pending = settings.pending_email.clone().map(|p| {
        view! {
            <p role="status" class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                {format!("We sent a confirmation link to {}. Your login email changes when it is opened (until ", p.new_email)}
                <When moment=p.expires_at exact=true/>
                ")."
            </p>
        }
    });
    view! {
        <section aria-labelledby="profile-settings" class=format!("{PANEL} space-y-5")>
            <h2 id="profile-settings" class="font-semibold">"Your profile"</h2>
            <ActionForm action=rename_user attr:class="space-y-3" attr:novalidate=true>
                <FormField label="Your name" name="name" autocomplete="name" required=true maxlength=100
                    value=settings.name.clone() error=field_error(name_error, "name")/>
                <FormAlert error=name_error/>
                <div class="flex items-center gap-3">
                    <div class="w-40"><SubmitButton label="Save name" pending_label="Saving…" pending=rename_user.pending()/></div>
                    <Saved done=succeeded(rename_user.value()) message="Your name is saved."/>
                </div>
            </ActionForm>
            <div class="space-y-3 border-t border-slate-200 pt-5 dark:border-slate-700">
                <h3 class="text-sm font-semibold">"Login email"</h3>
                <p class="text-sm">"You sign in with "<strong data-testid="login-email">{settings.email.clone()}</strong>"."</p>
                {pending}
                <ActionForm action=email attr:class="grid grid-cols-1 gap-3 md:grid-cols-2" attr:novalidate=true>
                    <FormField label="New login email" name="new_email" input_type="email" autocomplete="email" required=true
                        hint="We email a confirmation link there; nothing changes until it is opened."
                        error=field_error(email_error, "new_email")/>
                    <FormField label="Current password" name="password" input_type="password"
                        autocomplete="current-password" required=true error=field_error(email_error, "password")/>
                    <div class="md:col-span-2"><FormAlert error=email_error/></div>
                    <div class="flex items-center gap-3 md:col-span-2">
                        <div class="w-48"><SubmitButton label="Send confirmation link" pending_label="Sending…" pending=email.pending()/></div>
                        <Saved done=succeeded(email.value()) message="Check the new inbox for the confirmation link."/>
                    </div>
                </ActionForm>
            </div>
        </section>
    }
}

/// Where the person reads times: every page shows instants in this zone.
#[component]
fn TimeZoneSection(
    settings: AccountSettings,
    time_zone: ServerAction<UpdateTimeZone>,
) -> impl IntoView {
    let error = form_error(time_zone.value());
    let hint = if settings.time_zone_detected {
        "Taken from your browser until you save one."
    } else {
        "Every date and time in the portal is shown in this zone."
    };
    let choices = settings
        .time_zones
        .into_iter()
        .map(|zone| (zone.clone(), zone.replace('_', " ")))
        .collect();
    view! {
        <section aria-labelledby="time-zone-settings" class=format!("{PANEL} space-y-3")>
            <h2 id="time-zone-settings" class="font-semibold">"Time zone"</h2>
            <ActionForm action=time_zone attr:class="space-y-3" attr:novalidate=true>
                <ListField label="Your time zone" name="time_zone" id="time-zone" choices
                    selected=settings.time_zone hint error=field_error(error, "time_zone")/>
                <FormAlert error/>
                <div class="flex items-center gap-3">
                    <div class="w-48"><SubmitButton label="Save time zone" pending_label="Saving…" pending=time_zone.pending()/></div>
                    <Saved done=succeeded(time_zone.value()) message="Times now show in your zone."/>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordSection(password: ServerAction<ChangePassword>) -> impl IntoView {
    let error = form_error(password.value());
    view! {
        <section aria-labelledby="password-settings" class=format!("{PANEL} space-y-3")>
            <h2 id="password-settings" class="font-semibold">"Password"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "Changing it signs you out everywhere else; this browser stays signed in."
            </p>
            <ActionForm action=password attr:class="grid grid-cols-1 gap-3 md:grid-cols-2" attr:novalidate=true>
                <FormField label="Current password" name="current_password" input_type="password"
                    autocomplete="current-password" required=true error=field_error(error, "current_password")/>
                <FormField label="New password" name="new_password" input_type="password" autocomplete="new-password"
                    required=true maxlength=Password::MAX_CHARS
                    hint="At least 8 characters. A passphrase of a few words is strong and easy to remember."
                    error=field_error(error, "new_password")/>
                <div class="md:col-span-2"><FormAlert error/></div>
                <div class="flex items-center gap-3 md:col-span-2">
                    <div class="w-48"><SubmitButton label="Change password" pending_label="Changing…" pending=password.pending()/></div>
                    <Saved done=succeeded(password.value()) message="Password changed. Your other sessions have ended."/>
                </div>
            </ActionForm>
        </section>
    }
}

/// The user's signed-in browsers, with revoke one / revoke all others.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), revoke_others.version().get()),
        |_| list_sessions(),
    );
    let show_audit = can_view_audit_log();
    let revoke_error = form_error(revoke.value());
    let others_error = form_error(revoke_others.value());
    let error = Signal::derive(move || revoke_error.get().or_else(|| others_error.get()));
    view! {
        <Title text="Security · Portal"/>
        <SettingsHeader current="/settings/security" show_audit/>
        <div class="max-w-4xl space-y-6">
            <TwoFactorSection/>
            <div>
                <h2 class="text-lg font-semibold">"Where you are signed in"</h2>
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "If you do not recognise a session, end it and change your password."
                </p>
            </div>
            <FormAlert error/>
            <Transition fallback=|| view! { <Loading label="Loading your sessions…"/> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            let others = list.iter().filter(|s| !s.current).count();
                            view! {
                                <SessionList sessions=list revoke/>
                                {(others > 0).then(|| view! { <RevokeOthers count=others action=revoke_others/> })}
                                <SignOutEverywhere/>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn SessionList(sessions: Vec<ActiveSession>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-700 \
                   dark:border-slate-700 dark:bg-slate-900" aria-label="Active sessions">
            {sessions.into_iter().map(|s| view! { <SessionItem session=s revoke/> }).collect_view()}
        </ul>
    }
}

#[component]
fn SessionItem(session: ActiveSession, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let label = format!(
        "{} · {}",
        session.device,
        session.ip.clone().unwrap_or_else(|| "unknown IP".into())
    );
    let id = session.id.to_string();
    let action = (!session.current).then(|| {
        view! {
            <details>
                <summary class="cursor-pointer text-sm font-medium text-red-700 dark:text-red-400">{format!("End session on {}…", session.device)}</summary>
                <ActionForm action=revoke attr:class="mt-2 space-y-2">
                    <input type="hidden" name="id" value=id/>
                    <p class="text-sm">"That browser is signed out at its next click."</p>
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white \
                                                 focus-visible:outline focus-visible:outline-2 focus-visible:outline-red-700">
                        "End session"
                    </button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <li class="flex flex-col gap-2 p-4 md:flex-row md:items-start md:justify-between" data-testid="session">
            <div class="min-w-0 space-y-1 text-sm">
                <p class="font-medium">
                    {label}
                    {session.current.then(|| view! {
                        <span class="ml-2 rounded bg-emerald-100 px-2 py-0.5 text-xs text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100">"This browser"</span>
                    })}
                </p>
                <p class="break-all text-slate-600 dark:text-slate-300">{session.user_agent.clone().unwrap_or_default()}</p>
                <p class="text-slate-600 dark:text-slate-300">
                    {session.organization_name.clone().unwrap_or_else(|| "No organization".into())}
                    " · signed in " <When moment=session.created_at.clone()/>
                    " · last seen " <When moment=session.last_seen_at.clone()/>
                </p>
            </div>
            {action}
        </li>
    }
}

/// Ends every session, this one too (and any support console session).
#[component]
fn SignOutEverywhere() -> impl IntoView {
    let action = ServerAction::<crate::auth::api::SignOutEverywhere>::new();
    crate::auth::use_auth().refetch_after(action);
    view! {
        <details class=PANEL>
            <summary class="cursor-pointer text-sm font-medium text-red-700 dark:text-red-400">"Sign out everywhere…"</summary>
            <ActionForm action attr:class="mt-2 space-y-2">
                <p class="text-sm">"Every browser is signed out, this one too."</p>
                <button type="submit" class="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white">
                    "Sign out everywhere"
                </button>
            </ActionForm>
        </details>
    }
}

#[component]
fn RevokeOthers(count: usize, action: ServerAction<RevokeOtherSessions>) -> impl IntoView {
    view! {
        <details class=PANEL>
            <summary class="cursor-pointer text-sm font-medium text-red-700 dark:text-red-400">
                {format!("Sign out all other sessions ({count})…")}
            </summary>
            <ActionForm action attr:class="mt-2 space-y-2">
                <p class="text-sm">"Every browser except this one is signed out."</p>
                <button type="submit" class="rounded-md bg-red-700 px-3 py-1 text-sm font-semibold text-white">
                    "Sign out other sessions"
                </button>
            </ActionForm>
        </details>
    }
}

/// Where the confirmation link lands. Opening it changes nothing (mail
/// scanners open links too): the button posts the confirmation.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done = move || query.read().get("done").is_some();
    let confirm = ServerAction::<ConfirmEmailChange>::new();
    let error = form_error(confirm.value());
    let change = Resource::new(token, |token| async move {
        if token.is_empty() {
            Err(AppError::NotFound)
        } else {
            check_email_change(token).await
        }
    });
    view! {
        <CardFrame title="Confirm your new login email">
                    <Show when=done fallback=move || view! {
                        <FormAlert error/>
                        <Transition fallback=|| view! { <Loading/> }>
                            {move || Suspend::new(async move {
                                match change.await {
                                    Ok(new_email) => view! {
                                        <p class="mb-4">"Sign in with "<strong>{new_email}</strong>" from now on?"</p>
                                        <ActionForm action=confirm>
                                            <input type="hidden" name="token" value=token()/>
                                            <SubmitButton label="Confirm new email" pending_label="Confirming…" pending=confirm.pending()/>
                                        </ActionForm>
                                    }
                                    .into_any(),
                                    Err(_) => view! {
                                        <p>{format!("This link has expired or was already used. Links work once, for {EMAIL_CHANGE_LIFETIME_HOURS} hours; ask for a new one in your settings.")}</p>
                                        <a href="/settings" class="mt-4 inline-block font-medium text-indigo-700 underline dark:text-indigo-300">"Go to settings"</a>
                                    }
                                    .into_any(),
                                }
                            })}
                        </Transition>
                    }>
                        <p role="status">"Your login email has been changed. Use it the next time you sign in."</p>
                        <a href="/" class="mt-4 inline-block font-medium text-indigo-700 underline dark:text-indigo-300">"Go to your dashboard"</a>
                    </Show>
        </CardFrame>
    }
}
