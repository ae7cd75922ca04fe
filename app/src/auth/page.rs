use crate::auth::AuthContext;
use crate::ui::form::{field_error, form_error};
use crate::ui::style::LINK;
use crate::ui::{CardFrame, FormAlert, FormField, SubmitButton};
use domain::Password;
use leptos::prelude::*;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = expect_context::<AuthContext>().sign_in;
    let error = form_error(action.value());
    view! {
        <CardFrame title="Sign in">
            <ActionForm action attr:class="space-y-4" attr:novalidate=true>
                <FormAlert error/>
                <FormField label="Email" name="email" input_type="email" autocomplete="username" required=true
                    error=field_error(error, "email")/>
                <FormField label="Password" name="password" input_type="password" autocomplete="current-password"
                    required=true error=field_error(error, "password")/>
                <SubmitButton label="Sign in" pending_label="Signing in…" pending=action.pending()/>
            </ActionForm>
            <p class="mt-4 text-center text-sm">
                <a href="/forgot-password" class=LINK>"Forgot your password?"</a>
            </p>
            <p class="mt-2 text-center text-sm text-slate-600 dark:text-slate-300">
                "New to Portal? "
                <a href="/sign-up" class=LINK>"Create an account"</a>
            </p>
        </CardFrame>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = expect_context::<AuthContext>().sign_up;
    let error = form_error(action.value());
    let password_hint = const_format_hint();
    view! {
        <CardFrame title="Create your account">
            <ActionForm action attr:class="space-y-4" attr:novalidate=true>
                <FormAlert error/>
                <FormField label="Organization name" name="organization_name" autocomplete="organization" required=true
                    maxlength=100 error=field_error(error, "organization_name")/>
                <FormField label="Your name" name="name" autocomplete="name" required=true maxlength=100
                    error=field_error(error, "name")/>
                <FormField label="Work email" name="email" input_type="email" autocomplete="email" required=true
                    error=field_error(error, "email")/>
                <FormField label="Password" name="password" input_type="password" autocomplete="new-password" required=true
                    minlength=Password::MIN_CHARS maxlength=Password::MAX_CHARS hint=password_hint
                    error=field_error(error, "password")/>
                <SubmitButton label="Create account" pending_label="Creating account…" pending=action.pending()/>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-300">
                "Already have an account? "
                <a href="/sign-in" class=LINK>"Sign in"</a>
            </p>
        </CardFrame>
    }
}

pub(crate) fn const_format_hint() -> &'static str {
    // Kept in step with Password::MIN_CHARS by the test below.
    "At least 8 characters. A passphrase of a few words is strong and easy to remember."
}

#[cfg(test)]
mod tests {
    #[test]
    fn password_hint_states_the_real_minimum() {
        assert!(super::const_format_hint().contains(&domain::Password::MIN_CHARS.to_string()));
    }
}
