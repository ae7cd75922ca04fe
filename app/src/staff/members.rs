//! The support team in the console. `/staff/members` lists every staff
//! member with their role, two-factor state and last activity, and the open
//! invitations; staff admins also get the invitation form and the buttons
//! that deactivate (after `?deactivate=<id>` asks), reactivate and grant or
//! remove admin. `/staff/join?token=…` is the emailed invitation's page.
//! Everything works without JavaScript.

use super::api::{
    get_staff_invitation, list_staff_members, AcceptStaffInvitation, ChangeStaffMember,
    InviteStaff, RevokeStaffInvitation, MEMBERS_PAGE,
};
use super::canned::query_id;
use crate::auth::page::const_format_hint;
use crate::ui::form::{action_error, field_error, saved_count};
use crate::ui::style::{LINK, PANEL, SECONDARY_BUTTON};
use crate::ui::table::{CELL, CELL_NOWRAP, ROW_HEADER};
use crate::ui::time::{when_or, When};
use crate::ui::{
    Badge, CardFrame, DataTable, EmptyState, ErrorView, FormAlert, FormField, Loading, PageHeader,
    SubmitButton, Tone,
};
use domain::error::AppError;
use domain::staff::{StaffAccount, StaffDirectory, StaffInvitationPreview, StaffInvite};
use domain::Password;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StaffMembersPage() -> impl IntoView {
    let invite = ServerAction::<InviteStaff>::new();
    let revoke = ServerAction::<RevokeStaffInvitation>::new();
    let change = ServerAction::<ChangeStaffMember>::new();
    let (invited, revoked, changed) = (
        saved_count(invite),
        saved_count(revoke),
        saved_count(change),
    );
    let directory = Resource::new(
        move || (invited.get(), revoked.get(), changed.get()),
        |_| list_staff_members(),
    );
    let deactivating = query_id("deactivate");
    view! {
        <Title text="Staff · Portal Support"/>
        <div class="space-y-6">
            <PageHeader title="Staff">
                "Everyone who can sign in to the support console. Staff admins invite people and deactivate those who leave."
            </PageHeader>
            <Transition fallback=|| view! { <Loading label="Loading the team…"/> }>
                {move || Suspend::new(async move {
                    match directory.await {
                        Ok(directory) => {
                            let confirm = deactivating.get().and_then(|id| {
                                directory.members.iter().find(|m| m.user_id == id && !m.deactivated).cloned()
                            });
                            view! { <Team directory confirm invite revoke change/> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Team(
    directory: StaffDirectory,
    confirm: Option<StaffAccount>,
    invite: ServerAction<InviteStaff>,
    revoke: ServerAction<RevokeStaffInvitation>,
    change: ServerAction<ChangeStaffMember>,
) -> impl IntoView {
    let admin = directory.viewer_is_admin;
    let change_error = action_error(change);
    view! {
        // The confirmation shows the change's error; without one, it goes on top.
        {(admin && confirm.is_none()).then(|| view! { <FormAlert error=change_error/> })}
        {confirm.filter(|_| admin).map(|member| view! { <ConfirmDeactivate member change/> })}
        {admin.then(|| view! { <InviteForm invite/> })}
        {(!admin).then(|| view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">"Only staff admins invite and deactivate staff. Ask one if someone joins or leaves."</p>
        })}
        <MembersTable members=directory.members viewer=directory.viewer_id admin change/>
        <Invitations invitations=directory.invitations admin revoke/>
    }
}

#[component]
fn InviteForm(invite: ServerAction<InviteStaff>) -> impl IntoView {
    let error = action_error(invite);
    view! {
        <section aria-labelledby="invite-staff-heading" class=PANEL>
            <h2 id="invite-staff-heading" class="mb-3 font-semibold">"Invite a staff member"</h2>
            <ActionForm action=invite attr:class="space-y-3" attr:novalidate=true>
                <FormAlert error/>
                <FormField label="Email" name="email" input_type="email" autocomplete="off" required=true
                    hint="They get a link that works for 7 days, and set up two-factor when they first sign in."
                    error=field_error(error, "email")/>
                <div class="flex items-center gap-2">
                    <input id="invite-admin" type="checkbox" name="admin" value="on" class="h-4 w-4 rounded border-slate-300"/>
                    <label for="invite-admin" class="text-sm font-medium">"Staff admin: can invite and deactivate staff"</label>
                </div>
                <div class="sm:w-48">
                    <SubmitButton label="Send invitation" pending_label="Sending…" pending=invite.pending()/>
                </div>
            </ActionForm>
        </section>
    }
}

/// Deactivating asks first, on the page itself (so it works without JavaScript).
#[component]
fn ConfirmDeactivate(
    member: StaffAccount,
    change: ServerAction<ChangeStaffMember>,
) -> impl IntoView {
    let error = action_error(change);
    let tickets = match member.assigned_open {
        0 => "They have no open tickets.".to_owned(),
        1 => "Their 1 open ticket returns to the queue.".to_owned(),
        n => format!("Their {n} open tickets return to the queue."),
    };
    view! {
        <section role="alertdialog" aria-labelledby="confirm-deactivate-heading"
            class="space-y-3 rounded-lg border border-red-300 bg-red-50 p-5 dark:border-red-800 dark:bg-red-950">
            <h2 id="confirm-deactivate-heading" class="font-semibold">{format!("Deactivate {}?", member.name)}</h2>
            <p class="text-sm">
                {format!("{} is signed out of the console at once and can no longer sign in. ", member.email)}
                {tickets}
                " Tickets and ratings they handled keep their name. You can reactivate them later."
            </p>
            <FormAlert error/>
            <div class="flex flex-wrap items-center gap-3">
                <ActionForm action=change>
                    <input type="hidden" name="user_id" value=member.user_id.to_string()/>
                    <input type="hidden" name="change" value="deactivate"/>
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-2 text-sm font-semibold text-white hover:bg-red-800">
                        "Deactivate staff member"
                    </button>
                </ActionForm>
                <A href=MEMBERS_PAGE attr:class=LINK>"Keep them"</A>
            </div>
        </section>
    }
}

#[component]
fn MembersTable(
    members: Vec<StaffAccount>,
    viewer: uuid::Uuid,
    admin: bool,
    change: ServerAction<ChangeStaffMember>,
) -> impl IntoView {
    view! {
        <DataTable caption="Staff members"
            columns=&["Name", "Email", "Role", "Two-factor", "Status", "Last active", "Open tickets", "Actions"]>
            {members.into_iter().map(|m| {
                let actions = (admin && m.user_id != viewer).then(|| view! { <MemberActions member=m.clone() change/> });
                view! {
                    <tr data-testid="staff-row">
                        <th scope="row" class=ROW_HEADER>
                            {m.name.clone()}
                            {(m.user_id == viewer).then(|| view! { <span class="ml-2 text-xs text-slate-500 dark:text-slate-400">"(you)"</span> })}
                        </th>
                        <td class=CELL>{m.email.clone()}</td>
                        <td class=CELL_NOWRAP>{if m.is_admin { "Admin" } else { "Agent" }}</td>
                        <td class=CELL_NOWRAP>
                            {if m.two_factor {
                                view! { <Badge tone=Tone::Success label="On"/> }
                            } else {
                                view! { <Badge tone=Tone::Warning label="Not set up"/> }
                            }}
                        </td>
                        <td class=CELL_NOWRAP>
                            {if m.deactivated {
                                view! { <Badge tone=Tone::Neutral label="Deactivated"/> }
                            } else {
                                view! { <Badge tone=Tone::Info label="Active"/> }
                            }}
                        </td>
                        <td class=CELL_NOWRAP>{when_or(m.last_active.clone(), "Never")}</td>
                        <td class=CELL_NOWRAP>{m.assigned_open}</td>
                        <td class=CELL_NOWRAP>{actions}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// An admin's buttons for another staff member. Only deactivating asks first.
#[component]
fn MemberActions(member: StaffAccount, change: ServerAction<ChangeStaffMember>) -> impl IntoView {
    let id = member.user_id.to_string();
    let button = move |value: &'static str, label: String| {
        let id = id.clone();
        view! {
            <ActionForm action=change>
                <input type="hidden" name="user_id" value=id/>
                <input type="hidden" name="change" value=value/>
                <button type="submit" class=SECONDARY_BUTTON>{label}</button>
            </ActionForm>
        }
    };
    let name = member.name.clone();
    if member.deactivated {
        return view! { <span class="flex gap-2">{button("reactivate", format!("Reactivate {name}"))}</span> }.into_any();
    }
    let admin_button = if member.is_admin {
        button("remove_admin", format!("Remove admin from {name}"))
    } else {
        button("grant_admin", format!("Make {name} admin"))
    };
    view! {
        <span class="flex flex-wrap items-center gap-2">
            {admin_button}
            <a href=format!("{MEMBERS_PAGE}?deactivate={}", member.user_id) class=LINK
                aria-label=format!("Deactivate {name}")>"Deactivate"</a>
        </span>
    }
    .into_any()
}

#[component]
fn Invitations(
    invitations: Vec<StaffInvite>,
    admin: bool,
    revoke: ServerAction<RevokeStaffInvitation>,
) -> impl IntoView {
    let error = action_error(revoke);
    view! {
        <section aria-labelledby="staff-invitations-heading" class="space-y-3">
            <h2 id="staff-invitations-heading" class="font-semibold">"Open invitations"</h2>
            <FormAlert error/>
            {if invitations.is_empty() {
                view! {
                    <EmptyState title="No open invitations">
                        "Invitations appear here until they are accepted or withdrawn."
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <DataTable caption="Open staff invitations" columns=&["Email", "Role", "Invited by", "Expires", "Actions"]>
                        {invitations.into_iter().map(|i| view! {
                            <tr data-testid="staff-invitation-row">
                                <th scope="row" class=ROW_HEADER>{i.email.clone()}</th>
                                <td class=CELL_NOWRAP>{if i.is_admin { "Admin" } else { "Agent" }}</td>
                                <td class=CELL>{i.invited_by.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class=CELL_NOWRAP>
                                    {if i.expired {
                                        view! { <Badge tone=Tone::Danger label="Expired"/> }.into_any()
                                    } else {
                                        view! { <span><When moment=i.expires_at.clone()/></span> }.into_any()
                                    }}
                                </td>
                                <td class=CELL_NOWRAP>
                                    {admin.then(|| view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=i.id.to_string()/>
                                            <button type="submit" class=SECONDARY_BUTTON
                                                aria-label=format!("Withdraw the invitation to {}", i.email)>"Withdraw"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
        </section>
    }
}

// ------------------------------------------------------------ joining

/// `/staff/join?token=…`, the link in a staff invitation. Opening it only
/// reads: the token is used by the explicit "Join" form below.
#[component]
pub fn StaffJoinPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, get_staff_invitation);
    view! {
        <Title text="Join the support team · Portal Support"/>
        <CardFrame title="Join the Portal support team">
            <Suspense fallback=|| view! { <Loading label="Checking your invitation…"/> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(preview) => view! { <JoinDetails preview token=token()/> }.into_any(),
                        Err(AppError::NotFound) => view! { <JoinProblem message="This invitation link is not valid. Check that you opened the whole link from the email, or ask a staff admin for a new invitation."/> }.into_any(),
                        Err(error) => view! { <JoinProblem message=error.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
        </CardFrame>
    }
}

#[component]
fn JoinProblem(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <div role="alert" class="space-y-4">
            <p>{message}</p>
            <p><a href="/staff/sign-in" class=LINK>"Go to the console's sign-in"</a></p>
        </div>
    }
}

#[component]
fn JoinDetails(preview: StaffInvitationPreview, token: String) -> impl IntoView {
    if let Some(problem) = preview.status.problem() {
        return view! { <JoinProblem message=problem/> }.into_any();
    }
    let invited_by = preview
        .invited_by
        .clone()
        .unwrap_or_else(|| "A staff admin".into());
    let role = if preview.is_admin {
        "a staff admin"
    } else {
        "a support agent"
    };
    let action = ServerAction::<AcceptStaffInvitation>::new();
    let error = action_error(action);
    let new_account = !preview.account_exists;
    let (label, password_autocomplete, hint) = if new_account {
        (
            "Create account and join",
            "new-password",
            const_format_hint(),
        )
    } else {
        (
            "Sign in and join",
            "current-password",
            "The password of your Portal account.",
        )
    };
    view! {
        <div class="space-y-4">
            <p data-testid="staff-invitation-summary">
                {format!("{invited_by} invited {} to join the support team as {role}.", preview.email)}
            </p>
            <p class="text-sm text-slate-600 dark:text-slate-300">"The invitation expires " <When moment=preview.expires_at.clone()/> "."</p>
            <ActionForm action attr:class="space-y-4" attr:novalidate=true>
                <input type="hidden" name="token" value=token/>
                <FormAlert error/>
                {new_account.then(|| view! {
                    <FormField label="Your name" name="name" autocomplete="name" required=true maxlength=100
                        error=field_error(error, "name")/>
                })}
                <FormField label="Password" name="password" input_type="password" autocomplete=password_autocomplete
                    required=true minlength=Password::MIN_CHARS maxlength=Password::MAX_CHARS hint=hint
                    error=field_error(error, "password")/>
                <SubmitButton label pending_label="Joining…" pending=action.pending()/>
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "Next, sign in to the console and set up two-factor authentication: every staff account uses it."
                </p>
            </ActionForm>
        </div>
    }
    .into_any()
}
