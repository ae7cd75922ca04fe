//! The signed-out pages of identity: after sign-up ("check your inbox"), the
//! verification link, forgot and reset password, and the second step of
//! signing in. Every link only shows a form: opening it changes nothing
//! (mail scanners open links), the form's post does.

use super::api::{
    check_password_reset, check_verification, get_sign_in_challenge, RequestPasswordReset,
    ResetPassword, VerifyEmail, VerifySignInCode,
};
use super::use_auth;
use crate::two_factor::api::BeginStaffTwoFactor;
use crate::two_factor::EnrollmentView;
use crate::ui::form::{field_error, form_error};
use crate::ui::style::LINK;
use crate::ui::{CardFrame, FormAlert, FormField, Loading, SubmitButton};
use domain::auth::{SignInChallenge, SignInNext};
use domain::{AppError, Password};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn query_param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get(name).unwrap_or_default()
}

/// `/sign-up/check-email`: where every sign-up lands, new address or not.
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let email = query_param("email");
    view! {
        <CardFrame title="Check your inbox">
            <div class="space-y-4 text-sm" role="status">
                <p>"We sent a link to "<strong>{email}</strong>". Open it to verify your address and sign in."</p>
                <p class="text-slate-600 dark:text-slate-300">
                    "The link works for 24 hours. No email after a few minutes? Check your spam folder, or "
                    <a href="/sign-in" class=LINK>"sign in"</a>" to send a new one or correct the address."
                </p>
            </div>
        </CardFrame>
    }
}

/// The message of a link that no longer works, and the way to a new one.
#[component]
fn DeadLink(what: &'static str, again: (&'static str, &'static str)) -> impl IntoView {
    view! {
        <div class="space-y-3 text-sm">
            <p role="alert">{format!("This {what} link has expired, was already used, or was replaced by a newer one.")}</p>
            <a href=again.0 class=LINK>{again.1}</a>
        </div>
    }
}

/// `/verify-email?token=`: confirms the address with a click.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = query_param("token");
    let verify = ServerAction::<VerifyEmail>::new();
    use_auth().refetch_after(verify);
    let error = form_error(verify.value());
    let link = Resource::new(token, |token| async move {
        if token.is_empty() {
            Err(AppError::NotFound)
        } else {
            check_verification(token).await
        }
    });
    view! {
        <CardFrame title="Verify your email">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(()) => view! {
                            <ActionForm action=verify attr:class="space-y-4">
                                <FormAlert error/>
                                <p class="text-sm">"One click and your account is ready."</p>
                                <input type="hidden" name="token" value=token()/>
                                <SubmitButton label="Verify and sign in" pending_label="Verifying…" pending=verify.pending()/>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(_) => view! {
                            <DeadLink what="verification" again=("/sign-in", "Sign in to get a new link")/>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </CardFrame>
    }
}

/// `/forgot-password`: asks for the address; the answer never says whether
/// it has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = move || use_query_map().read().get("sent").is_some();
    let request = ServerAction::<RequestPasswordReset>::new();
    let error = form_error(request.value());
    let done = move || sent() || matches!(request.value().get(), Some(Ok(())));
    view! {
        <CardFrame title="Reset your password">
            <Show when=done fallback=move || view! {
                <ActionForm action=request attr:class="space-y-4" attr:novalidate=true>
                    <p class="text-sm">"Enter the email you sign in with. We will send you a link to choose a new password."</p>
                    <FormAlert error/>
                    <FormField label="Email" name="email" input_type="email" autocomplete="username" required=true
                        error=field_error(error, "email")/>
                    <SubmitButton label="Send the link" pending_label="Sending…" pending=request.pending()/>
                </ActionForm>
            }>
                <p role="status" class="text-sm">
                    "If an account exists for that address, we sent it a link to reset the password. It works for one hour."
                </p>
            </Show>
            <p class="mt-6 text-center text-sm"><a href="/sign-in" class=LINK>"Back to sign in"</a></p>
        </CardFrame>
    }
}

/// `/reset-password?token=`: a new password, with the link from the email.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = query_param("token");
    let reset = ServerAction::<ResetPassword>::new();
    use_auth().refetch_after(reset);
    let error = form_error(reset.value());
    let link = Resource::new(token, |token| async move {
        if token.is_empty() {
            Err(AppError::NotFound)
        } else {
            check_password_reset(token).await
        }
    });
    view! {
        <CardFrame title="Choose a new password">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(()) => view! {
                            <ActionForm action=reset attr:class="space-y-4" attr:novalidate=true>
                                <FormAlert error/>
                                <input type="hidden" name="token" value=token()/>
                                <FormField label="New password" name="new_password" input_type="password"
                                    autocomplete="new-password" required=true minlength=Password::MIN_CHARS
                                    maxlength=Password::MAX_CHARS hint=super::page::const_format_hint()
                                    error=field_error(error, "new_password")/>
                                <p class="text-sm text-slate-600 dark:text-slate-300">
                                    "Every browser signed in to your account is signed out."
                                </p>
                                <SubmitButton label="Set the new password" pending_label="Saving…" pending=reset.pending()/>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(_) => view! {
                            <DeadLink what="reset" again=("/forgot-password", "Ask for a new link")/>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </CardFrame>
    }
}

/// `/sign-in/two-factor` and `/staff/sign-in/two-factor`: the second step.
/// Staff without two-factor set it up here first.
#[component]
pub fn TwoFactorSignInPage() -> impl IntoView {
    let verify = ServerAction::<VerifySignInCode>::new();
    use_auth().refetch_after(verify);
    let begin = ServerAction::<BeginStaffTwoFactor>::new();
    let challenge = Resource::new(move || begin.version().get(), |_| get_sign_in_challenge());
    view! {
        <CardFrame title="Two-factor authentication">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match challenge.await {
                        Ok(Some(challenge)) => view! { <SecondStep challenge verify begin/> }.into_any(),
                        Ok(None) | Err(_) => view! {
                            <DeadLink what="sign-in" again=("/sign-in", "Sign in again")/>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </CardFrame>
    }
}

#[component]
fn SecondStep(
    challenge: SignInChallenge,
    verify: ServerAction<VerifySignInCode>,
    begin: ServerAction<BeginStaffTwoFactor>,
) -> impl IntoView {
    let error = form_error(verify.value());
    match (challenge.next, challenge.enrollment) {
        (SignInNext::EnrollTwoFactor, Some(enrollment)) => view! {
            <p class="mb-4 text-sm">"The support console requires two-factor authentication. Set it up to continue."</p>
            <EnrollmentView enrollment confirm_path="/staff/sign-in/two-factor/confirm"/>
        }
        .into_any(),
        (SignInNext::EnrollTwoFactor, None) => view! {
            <p class="mb-4 text-sm">"The support console requires two-factor authentication. Set it up to continue."</p>
            <ActionForm action=begin>
                <SubmitButton label="Set up two-factor" pending_label="Preparing…" pending=begin.pending()/>
            </ActionForm>
        }
        .into_any(),
        _ => view! {
            <ActionForm action=verify attr:class="space-y-4" attr:novalidate=true>
                <FormAlert error/>
                <FormField label="Authentication code" name="code" inputmode="numeric" autocomplete="one-time-code"
                    required=true hint="The 6-digit code from your authenticator app, or one of your recovery codes."
                    error=field_error(error, "code")/>
                <SubmitButton label="Continue" pending_label="Checking…" pending=verify.pending()/>
            </ActionForm>
        }
        .into_any(),
    }
}
