//! The parts of two-factor setup. Confirming a code and making new recovery
//! codes are plain form posts answered with a page that shows the codes once
//! (`server/src/http/two_factor.rs`), so they work without JavaScript and the
//! codes are never stored.

use super::api::{get_two_factor, BeginTwoFactor, DisableTwoFactor};
use crate::ui::form::{action_error, field_error, url_error_for};
use crate::ui::style::{PANEL, SECONDARY_BUTTON};
use crate::ui::{Badge, ErrorView, FormAlert, FormField, Loading, SubmitButton, Tone};
use domain::two_factor::{Enrollment, TwoFactorStatus};
use leptos::prelude::*;

/// Where the confirmation of a customer's setup posts.
pub const CONFIRM_PATH: &str = "/settings/two-factor/confirm";
/// Where a request for new recovery codes posts.
pub const REGENERATE_PATH: &str = "/settings/two-factor/recovery-codes";

/// Two-factor of the signed-in account: off (set it up), in setup (scan and
/// confirm), or on (new recovery codes, turn off).
#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new(
        move || (begin.version().get(), disable.version().get()),
        |_| get_two_factor(),
    );
    view! {
        <section aria-labelledby="two-factor-heading" class=format!("{PANEL} space-y-4")>
            <h2 id="two-factor-heading" class="text-lg font-semibold">"Two-factor authentication"</h2>
            <Transition fallback=|| view! { <Loading label="Loading two-factor…"/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => view! { <TwoFactorState status begin disable/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TwoFactorState(
    status: TwoFactorStatus,
    begin: ServerAction<BeginTwoFactor>,
    disable: ServerAction<DisableTwoFactor>,
) -> impl IntoView {
    if status.enabled {
        return view! {
            <p class="flex items-center gap-2 text-sm">
                <Badge tone=Tone::Success label="On"/>
                {format!("Signing in asks for a code from your app. {} recovery codes left.", status.recovery_codes_left)}
            </p>
            <RegenerateCodes/>
            <TurnOff disable/>
        }
        .into_any();
    }
    let begin_error = action_error(begin);
    let start_label = if status.pending.is_some() {
        "Start over with a new code"
    } else {
        "Set up two-factor authentication"
    };
    let start = view! {
        <ActionForm action=begin>
            <FormAlert error=begin_error/>
            <button type="submit" class=SECONDARY_BUTTON>{start_label}</button>
        </ActionForm>
    };
    view! {
        <p class="flex items-center gap-2 text-sm">
            <Badge tone=Tone::Warning label="Off"/>
            "Add a code from an authenticator app (1Password, Google Authenticator, Authy…) to every sign-in."
        </p>
        {status.pending.map(|enrollment| view! { <EnrollmentView enrollment confirm_path=CONFIRM_PATH/> })}
        {start}
    }
    .into_any()
}

/// What to scan, and the form that confirms it with a first code.
#[component]
pub fn EnrollmentView(enrollment: Enrollment, confirm_path: &'static str) -> impl IntoView {
    let error = url_error_for(confirm_path);
    view! {
        <div class="space-y-3">
            <ol class="list-decimal space-y-1 pl-5 text-sm">
                <li>"Scan this code with your authenticator app."</li>
                <li>"Type the 6-digit code the app shows, to confirm."</li>
            </ol>
            <div class="inline-block rounded bg-white p-2" role="img" aria-label="QR code of your two-factor secret"
                inner_html=enrollment.qr_svg></div>
            <p class="text-sm">
                "Can't scan it? Enter this key by hand: "
                <code class="break-all font-mono" data-testid="totp-secret">{enrollment.secret}</code>
            </p>
            <form method="post" action=confirm_path class="max-w-xs space-y-3" novalidate=true>
                <FormAlert error/>
                <FormField label="Code from the app" name="code" inputmode="numeric" autocomplete="one-time-code"
                    required=true error=field_error(error, "code")/>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-500">
                    "Turn on two-factor"
                </button>
            </form>
        </div>
    }
}

#[component]
fn RegenerateCodes() -> impl IntoView {
    let error = url_error_for(REGENERATE_PATH);
    view! {
        <details>
            <summary class="cursor-pointer text-sm font-medium">"Make new recovery codes…"</summary>
            <form method="post" action=REGENERATE_PATH class="mt-2 max-w-xs space-y-3" novalidate=true>
                <p class="text-sm">"Your current codes stop working. Confirm with a code from your app."</p>
                <FormAlert error/>
                <FormField label="Code" name="code" inputmode="numeric" autocomplete="one-time-code" required=true
                    error=field_error(error, "code")/>
                <button type="submit" class=SECONDARY_BUTTON>"Make new codes"</button>
            </form>
        </details>
    }
}

#[component]
fn TurnOff(disable: ServerAction<DisableTwoFactor>) -> impl IntoView {
    let error = action_error(disable);
    view! {
        <details>
            <summary class="cursor-pointer text-sm font-medium text-red-700 dark:text-red-400">"Turn off two-factor…"</summary>
            <ActionForm action=disable attr:class="mt-2 max-w-xs space-y-3" attr:novalidate=true>
                <p class="text-sm">"Signing in will ask for your password only. We will email you about it."</p>
                <FormAlert error/>
                <FormField label="Password" name="password" input_type="password" autocomplete="current-password"
                    required=true error=field_error(error, "password")/>
                <FormField label="Code" name="code" inputmode="numeric" autocomplete="one-time-code" required=true
                    error=field_error(error, "code")/>
                <SubmitButton label="Turn off two-factor" pending_label="Turning off…" pending=disable.pending()/>
            </ActionForm>
        </details>
    }
}
