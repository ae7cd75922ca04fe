//! What a signed-in account sees before any organization data: verify the
//! email, create an organization, or set up two-factor as the organization
//! requires (`/account/setup`); and creating another organization
//! (`/organizations/new`).

use super::api::{get_account, ChangeSignUpEmail, CreateOrganization, ResendVerification, SignOut};
use super::use_auth;
use crate::two_factor::TwoFactorSection;
use crate::ui::form::{field_error, form_error};
use crate::ui::style::{LINK, SECONDARY_BUTTON};
use crate::ui::{CardFrame, ErrorView, FormAlert, FormField, Loading, SubmitButton};
use domain::auth::{AccountOverview, SetupStep};
use domain::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// `/account/setup`: the one thing to do first, whatever it is.
#[component]
pub fn AccountSetupPage() -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    let change = ServerAction::<ChangeSignUpEmail>::new();
    use_auth().refetch_after(change);
    let account = Resource::new(move || change.version().get(), |_| get_account());
    view! {
        <CardFrame title="Finish setting up">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(AccountOverview { setup: None, .. }) => view! { <Redirect path="/"/> }.into_any(),
                        Ok(overview) => view! { <SetupStep overview resend change/> }.into_any(),
                        Err(AppError::Unauthorized) => view! { <Redirect path="/sign-in"/> }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            <SignOutLink/>
        </CardFrame>
    }
}

#[component]
fn SetupStep(
    overview: AccountOverview,
    resend: ServerAction<ResendVerification>,
    change: ServerAction<ChangeSignUpEmail>,
) -> impl IntoView {
    match overview.setup {
        Some(SetupStep::VerifyEmail) => view! { <VerifyFirst email=overview.email resend change/> }.into_any(),
        Some(SetupStep::EnrollTwoFactor) => view! {
            <p class="mb-4 text-sm" role="status">{SetupStep::EnrollTwoFactor.message()}</p>
            <TwoFactorSection/>
        }
        .into_any(),
        _ => view! {
            <p class="mb-4 text-sm" role="status">
                "You are not a member of any organization. Create one, or ask someone on your team to invite you."
            </p>
            <NewOrganizationForm/>
        }
        .into_any(),
    }
}

#[component]
fn VerifyFirst(
    email: String,
    resend: ServerAction<ResendVerification>,
    change: ServerAction<ChangeSignUpEmail>,
) -> impl IntoView {
    let resend_error = form_error(resend.value());
    let change_error = form_error(change.value());
    let sent = move || matches!(resend.value().get(), Some(Ok(())));
    view! {
        <div class="space-y-5 text-sm">
            <p role="status">
                "Check your inbox: we sent a link to "<strong>{email}</strong>
                ". Open it to verify your address; until then your organization stays hidden."
            </p>
            <ActionForm action=resend attr:class="space-y-2">
                <FormAlert error=resend_error/>
                <button type="submit" class=SECONDARY_BUTTON>"Send a new link"</button>
                <Show when=sent><p role="status" class="text-emerald-700 dark:text-emerald-400">"Sent. The earlier link no longer works."</p></Show>
            </ActionForm>
            <details>
                <summary class="cursor-pointer font-medium">"Wrong address?"</summary>
                <ActionForm action=change attr:class="mt-2 space-y-3" attr:novalidate=true>
                    <FormAlert error=change_error/>
                    <FormField label="Correct email" name="email" input_type="email" autocomplete="email" required=true
                        error=field_error(change_error, "email")/>
                    <SubmitButton label="Send the link there" pending_label="Sending…" pending=change.pending()/>
                </ActionForm>
            </details>
        </div>
    }
}

#[component]
fn NewOrganizationForm() -> impl IntoView {
    let create = ServerAction::<CreateOrganization>::new();
    use_auth().refetch_after(create);
    let error = form_error(create.value());
    view! {
        <ActionForm action=create attr:class="space-y-4" attr:novalidate=true>
            <FormAlert error/>
            <FormField label="Organization name" name="organization_name" autocomplete="organization" required=true
                maxlength=100 error=field_error(error, "organization_name")/>
            <SubmitButton label="Create organization" pending_label="Creating…" pending=create.pending()/>
        </ActionForm>
    }
}

#[component]
fn SignOutLink() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    use_auth().refetch_after(sign_out);
    view! {
        <ActionForm action=sign_out attr:class="mt-6 text-center text-sm">
            <button type="submit" class=LINK>"Sign out"</button>
        </ActionForm>
    }
}

/// `/organizations/new`: another organization, owned by the signed-in user.
#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    view! {
        <CardFrame title="Create an organization">
            <p class="mb-4 text-sm">"You will be its owner, on the Free plan, and work in it right away."</p>
            <NewOrganizationForm/>
            <p class="mt-6 text-center text-sm"><a href="/" class=LINK>"Back to the dashboard"</a></p>
        </CardFrame>
    }
}
