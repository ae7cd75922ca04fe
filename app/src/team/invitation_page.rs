use super::api::{get_invitation, AcceptInvitation};
use crate::auth::page::const_format_hint;
use crate::auth::use_auth;
use crate::ui::form::{action_error, field_error};
use crate::ui::time::When;
use crate::ui::CardFrame;
use crate::ui::{FormAlert, FormField, Loading, SubmitButton};
use domain::error::AppError;
use domain::team::InvitationPreview;
use domain::Password;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `/invitations/accept?token=…`, the link in the invitation email. Opening it
/// only reads: the token is consumed by the explicit "Join" form below.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, get_invitation);
    view! {
        <CardFrame title="Join a team on Portal">
            <Suspense fallback=|| view! { <Loading label="Checking your invitation…"/> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(preview) => view! { <InvitationDetails preview token=token()/> }.into_any(),
                        Err(AppError::NotFound) => view! { <Problem message="This invitation link is not valid. Check that you opened the whole link from the email, or ask for a new invitation."/> }.into_any(),
                        Err(error) => view! { <Problem message=error.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
        </CardFrame>
    }
}

#[component]
fn Problem(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <div role="alert" class="space-y-4">
            <p>{message}</p>
            <p><a href="/sign-in" class="font-medium text-indigo-700 underline dark:text-indigo-300">"Go to sign in"</a></p>
        </div>
    }
}

#[component]
fn InvitationDetails(preview: InvitationPreview, token: String) -> impl IntoView {
    if let Some(problem) = preview.status.problem() {
        return view! { <Problem message=problem/> }.into_any();
    }
    let invited_by = preview
        .invited_by
        .clone()
        .unwrap_or_else(|| "A teammate".into());
    let summary = format!(
        "{invited_by} invited {} to join {} as {}.",
        preview.email,
        preview.organization_name,
        preview.role.label()
    );
    let form = match (&preview.signed_in_as, preview.account_exists) {
        (Some(other), _) if !preview.signed_in_as_invitee() => view! {
            <Problem message=format!(
                "This invitation is for {}, but you are signed in as {other}. Sign out, then open the link again.",
                preview.email
            )/>
        }
        .into_any(),
        (Some(_), _) => view! { <AcceptForm token mode=Mode::SignedIn organization=preview.organization_name.clone()/> }.into_any(),
        (None, true) => view! { <AcceptForm token mode=Mode::ExistingAccount organization=preview.organization_name.clone()/> }.into_any(),
        (None, false) => view! { <AcceptForm token mode=Mode::NewAccount organization=preview.organization_name.clone()/> }.into_any(),
    };
    view! {
        <div class="space-y-4">
            <p data-testid="invitation-summary">{summary}</p>
            <p class="text-sm text-slate-600 dark:text-slate-300">"The invitation expires " <When moment=preview.expires_at.clone()/> "."</p>
            {form}
        </div>
    }
    .into_any()
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    SignedIn,
    ExistingAccount,
    NewAccount,
}

#[component]
fn AcceptForm(token: String, mode: Mode, organization: String) -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    use_auth().refetch_after(action);
    let error = action_error(action);
    let (label, pending_label) = match mode {
        Mode::SignedIn => ("Join", "Joining…"),
        Mode::ExistingAccount => ("Sign in and join", "Joining…"),
        Mode::NewAccount => ("Create account and join", "Creating account…"),
    };
    view! {
        <ActionForm action attr:class="space-y-4" attr:novalidate=true>
            <input type="hidden" name="token" value=token/>
            <FormAlert error/>
            {(mode == Mode::NewAccount).then(|| view! {
                <FormField label="Your name" name="name" autocomplete="name" required=true maxlength=100
                    error=field_error(error, "name")/>
            })}
            {(mode != Mode::SignedIn).then(|| {
                let (autocomplete, hint) = if mode == Mode::NewAccount {
                    ("new-password", Some(const_format_hint()))
                } else {
                    ("current-password", None)
                };
                view! {
                    <FormField label="Password" name="password" input_type="password" autocomplete=autocomplete required=true
                        minlength=Password::MIN_CHARS maxlength=Password::MAX_CHARS hint=hint.unwrap_or_default()
                        error=field_error(error, "password")/>
                }
            })}
            <SubmitButton label pending_label pending=action.pending()/>
            <p class="text-sm text-slate-600 dark:text-slate-300">{format!("You will be signed in to {organization}.")}</p>
        </ActionForm>
    }
}
