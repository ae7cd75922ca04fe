use super::api::{
    list_invitations, list_members, InviteMember, LeaveOrganization, RemoveMember,
    ResendInvitation, RevokeInvitation, TransferOwnership, UpdateMemberRole,
};
use crate::auth::{use_auth, use_current_user, Permitted};
use crate::ui::form::{action_error, field_error, url_error_of};
use crate::ui::table::{CELL, ROW_HEADER};
use crate::ui::time::{when_or, When};
use crate::ui::{
    page_links, Badge, DataTable, EmptyState, ErrorView, FormAlert, FormField, Loading, PageHeader,
    Pager, SubmitButton, Tone,
};
use domain::auth::CurrentUser;
use domain::error::AppError;
use domain::team::{Invitation, Member, MemberPage, SeatUsage};
use domain::{Permission, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// The team page: seats, invite form, pending invitations, and the member
/// list with search, pages, inline role editing and removal.
#[component]
pub fn TeamPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let actions = TeamActions::new();
    let members = Resource::new(
        move || (search(), page(), actions.member_versions()),
        |(search, page, _)| list_members(search, page),
    );
    let viewer = use_current_user();

    view! {
        <Title text="Team · Portal"/>
        <div class="space-y-6">
            <PageHeader title="Team">
                "Everyone who can sign in to your organization, and what they may do."
            </PageHeader>
            <Permitted permission=Permission::ManageTeam>
                <InviteForm action=actions.invite/>
                <PendingInvitations actions/>
            </Permitted>
            <section aria-labelledby="members-heading" class="space-y-3">
                <div class="flex flex-wrap items-end justify-between gap-3">
                    <h2 id="members-heading" class="text-lg font-semibold">"Members"</h2>
                    <SearchForm/>
                </div>
                <ActionMessages actions/>
                <Transition fallback=|| view! { <Loading label="Loading members…"/> }>
                    {move || Suspend::new(async move {
                        let viewer = viewer.get();
                        match (members.await, viewer) {
                            (Ok(page), Some(viewer)) => view! { <MemberList page viewer actions/> }.into_any(),
                            (Ok(_), None) => view! { <Loading/> }.into_any(),
                            (Err(error), _) => view! { <ErrorView error/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <LeaveOrganization/>
        </div>
    }
}

/// The page's write actions, shared by its parts so every list refetches
/// after the change that affects it.
#[derive(Clone, Copy)]
struct TeamActions {
    invite: ServerAction<InviteMember>,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    remove: ServerAction<RemoveMember>,
    transfer: ServerAction<TransferOwnership>,
}

impl TeamActions {
    fn new() -> Self {
        Self {
            invite: ServerAction::new(),
            resend: ServerAction::new(),
            revoke: ServerAction::new(),
            remove: ServerAction::new(),
            transfer: ServerAction::new(),
        }
    }

    /// Changes that move the member list or its seat count.
    fn member_versions(self) -> (usize, usize, usize, usize) {
        (
            self.invite.version().get(),
            self.revoke.version().get(),
            self.remove.version().get(),
            self.transfer.version().get(),
        )
    }
}

#[component]
fn SearchForm() -> impl IntoView {
    let query = use_query_map();
    view! {
        <Form method="GET" action="/team" attr:role="search" attr:class="flex items-end gap-2">
            <div>
                <label for="member-search" class="block text-sm font-medium">"Search members"</label>
                <input id="member-search" type="search" name="q" placeholder="Name or email"
                    value=move || query.read().get("q").unwrap_or_default()
                    class="mt-1 block w-64 max-w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm \
                           focus:border-indigo-600 focus:outline-none focus:ring-2 focus:ring-indigo-600/40 \
                           dark:border-slate-600 dark:bg-slate-900"/>
            </div>
            <button type="submit" class="rounded-md border border-slate-300 px-3 py-2 text-sm font-medium \
                                         hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800">
                "Search"
            </button>
        </Form>
    }
}

#[component]
fn InviteForm(action: ServerAction<InviteMember>) -> impl IntoView {
    let error = action_error(action);
    let role_error = field_error(error, "role");
    let sent = move || {
        matches!(action.value().get(), Some(Ok(())))
            .then(|| view! { <p role="status" class="text-sm text-emerald-700 dark:text-emerald-300">"Invitation sent."</p> })
    };
    let viewer = use_current_user();
    let is_owner = move || viewer.get().is_some_and(|u| u.role == Role::Owner);
    view! {
        <section aria-labelledby="invite-heading" class="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-700 dark:bg-slate-900">
            <h2 id="invite-heading" class="mb-3 font-semibold">"Invite a teammate"</h2>
            <ActionForm action attr:class="grid grid-cols-1 gap-4 md:grid-cols-[2fr_1fr_auto] md:items-start">
                <FormField label="Email" name="email" input_type="email" autocomplete="off" required=true
                    hint="They get a link that works once, for 7 days." error=field_error(error, "email")/>
                <div class="space-y-1">
                    <label for="invite-role" class="block text-sm font-medium">"Role"</label>
                    <select id="invite-role" name="role" aria-describedby="invite-role-message"
                        class="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-900">
                        {move || role_choices(is_owner()).into_iter().map(|role| view! {
                            <option value=role.as_str() selected=role == Role::Member>{role.label()}</option>
                        }).collect_view()}
                    </select>
                    <p id="invite-role-message" class="text-sm text-red-700 dark:text-red-400">{move || role_error.get()}</p>
                </div>
                <div class="md:pt-6">
                    <SubmitButton label="Send invitation" pending_label="Sending…" pending=action.pending()/>
                </div>
                <div class="space-y-2 md:col-span-3">
                    <FormAlert error/>
                    {sent}
                    {move || matches!(error.get(), Some(AppError::Conflict(_))).then(|| view! {
                        <p class="text-sm"><A href="/billing" attr:class="font-medium text-indigo-700 underline dark:text-indigo-300">"Upgrade your plan"</A>" for more seats."</p>
                    })}
                </div>
            </ActionForm>
        </section>
    }
}

/// Roles the viewer may hand out: only owners make owners.
fn role_choices(viewer_is_owner: bool) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| viewer_is_owner || *role != Role::Owner)
        .collect()
}

#[component]
fn PendingInvitations(actions: TeamActions) -> impl IntoView {
    let invitations = Resource::new(
        move || {
            (
                actions.invite.version().get(),
                actions.resend.version().get(),
                actions.revoke.version().get(),
            )
        },
        |_| list_invitations(),
    );
    view! {
        <section aria-labelledby="pending-heading" class="space-y-3">
            <h2 id="pending-heading" class="text-lg font-semibold">"Pending invitations"</h2>
            <Transition fallback=|| view! { <Loading label="Loading invitations…"/> }>
                {move || Suspend::new(async move {
                    match invitations.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="text-sm text-slate-600 dark:text-slate-300">"No invitations waiting for an answer."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-700 dark:border-slate-700 dark:bg-slate-900">
                                {list.into_iter().map(|invitation| view! { <InvitationRow invitation actions/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn InvitationRow(invitation: Invitation, actions: TeamActions) -> impl IntoView {
    let id = invitation.id.to_string();
    let expiry = if invitation.expired {
        view! { <span class="rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">"Expired"</span> }.into_any()
    } else {
        view! { <span class="text-slate-600 dark:text-slate-300">"expires " <When moment=invitation.expires_at.clone()/></span> }.into_any()
    };
    let sent = view! {
        "Sent " <When moment=invitation.sent_at.clone()/>
        {invitation.invited_by.clone().map(|by| format!(" by {by}"))}
    };
    let email = invitation.email.clone();
    let resend_id = id.clone();
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm" data-testid="invitation">
            <div>
                <p class="font-medium">{invitation.email.clone()}" · "{invitation.role.label()}</p>
                <p class="text-slate-600 dark:text-slate-300">{sent}" · "{expiry}</p>
            </div>
            <div class="flex items-center gap-3">
                <ActionForm action=actions.resend>
                    <input type="hidden" name="id" value=resend_id/>
                    <button type="submit" class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                        {format!("Resend to {email}")}
                    </button>
                </ActionForm>
                <details>
                    <summary class="cursor-pointer text-red-700 dark:text-red-400">"Revoke…"</summary>
                    <ActionForm action=actions.revoke attr:class="mt-2 space-y-2">
                        <input type="hidden" name="id" value=id/>
                        <p>"The link in their email stops working."</p>
                        <button type="submit" class="rounded-md bg-red-700 px-3 py-1 font-semibold text-white">
                            {format!("Revoke invitation for {}", invitation.email.clone())}
                        </button>
                    </ActionForm>
                </details>
            </div>
        </li>
    }
}

/// Outcome of the row actions that do not live in a form of their own.
#[component]
fn ActionMessages(actions: TeamActions) -> impl IntoView {
    let errors = [
        action_error(actions.remove),
        action_error(actions.transfer),
        action_error(actions.resend),
        action_error(actions.revoke),
        // Each row has its own role form; without JavaScript its error lands here.
        url_error_of::<UpdateMemberRole>(),
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    view! { <FormAlert error/> }
}

#[component]
fn MemberList(page: MemberPage, viewer: CurrentUser, actions: TeamActions) -> impl IntoView {
    let seats = page.seats.clone();
    let page_count = page.page_count();
    let current = page.page;
    let total = page.total;
    if page.members.is_empty() {
        return view! {
            <SeatMeter seats/>
            <EmptyState title="No members match">"Try another name or email, or clear the search."</EmptyState>
        }
        .into_any();
    }
    view! {
        <SeatMeter seats/>
        <DataTable caption="Members of your organization"
            columns=&["Name", "Email", "Role", "Last active", "Joined", ""]>
            {page.members.into_iter().map(|member| {
                view! { <MemberRow member viewer=viewer.clone() actions/> }
            }).collect_view()}
        </DataTable>
        <Pager current page_count total href=page_links("/team", &["q"]) items="members" label="Member pages"/>
    }
    .into_any()
}

#[component]
fn SeatMeter(seats: SeatUsage) -> impl IntoView {
    let full = seats.is_full();
    view! {
        <p class="text-sm" data-testid="seats">
            <span class="font-medium">{format!("{} of {} seats used", seats.used(), seats.limit)}</span>
            {format!(
                " ({} members, {} pending invitations) on the {} plan.",
                seats.members, seats.pending_invitations, seats.plan_name
            )}
            {full.then(|| view! {
                " "<A href="/billing" attr:class="font-medium text-indigo-700 underline dark:text-indigo-300">"Upgrade for more seats"</A>
            })}
        </p>
    }
}

#[component]
fn MemberRow(member: Member, viewer: CurrentUser, actions: TeamActions) -> impl IntoView {
    let viewer_is_owner = viewer.role == Role::Owner;
    // Admins manage the team, but only owners touch owners.
    let editable =
        viewer.role.can(Permission::ManageTeam) && (viewer_is_owner || member.role != Role::Owner);
    let role_cell = if editable {
        view! { <RoleSelect member=member.clone() viewer_is_owner/> }.into_any()
    } else {
        view! { <span>{member.role.label()}</span> }.into_any()
    };
    let row_actions = (editable && !member.is_you)
        .then(|| view! { <RowActions member=member.clone() viewer_is_owner actions/> });
    view! {
        <tr data-testid="member-row">
            <th scope="row" class=ROW_HEADER>
                {member.name.clone()}
                {member.is_you.then(|| view! { <span class="ml-2"><Badge tone=Tone::Neutral label="You"/></span> })}
            </th>
            <td class=CELL>{member.email.clone()}</td>
            <td class=CELL>{role_cell}</td>
            <td class=CELL>{when_or(member.last_active.clone(), "Never")}</td>
            <td class=CELL><time datetime=member.joined_on.clone()>{member.joined_on.clone()}</time></td>
            <td class=CELL>{row_actions}</td>
        </tr>
    }
}

/// Saves on change and shows the new role at once; if the server refuses,
/// the select goes back to the saved role and says why. Without JavaScript it
/// is a small form with a Save button.
#[component]
fn RoleSelect(member: Member, viewer_is_owner: bool) -> impl IntoView {
    let update = ServerAction::<UpdateMemberRole>::new();
    let saved = RwSignal::new(member.role);
    let shown = RwSignal::new(member.role);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    Effect::new(move |_| match update.value().get() {
        Some(Ok(role)) => saved.set(role),
        Some(Err(_)) => shown.set(saved.get_untracked()),
        None => {}
    });
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let user_id = member.user_id;
    let on_change = move |ev: leptos::ev::Event| {
        let Ok(role) = event_target_value(&ev).parse::<Role>() else {
            return;
        };
        shown.set(role);
        update.dispatch(UpdateMemberRole {
            user_id,
            role: role.as_str().to_owned(),
        });
    };
    let select_id = format!("role-{user_id}");
    let message_id = format!("role-{user_id}-message");
    let mut choices = role_choices(viewer_is_owner);
    if !choices.contains(&member.role) {
        choices.insert(0, member.role);
    }
    view! {
        <ActionForm action=update attr:class="flex items-center gap-2">
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <label for=select_id.clone() class="sr-only">{format!("Role of {}", member.name)}</label>
            <select id=select_id name="role" on:change=on_change aria-describedby=message_id.clone()
                prop:value=move || shown.get().as_str()
                disabled=move || update.pending().get()
                class="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900">
                {choices.into_iter().map(|role| view! {
                    <option value=role.as_str() selected=role == member.role>{role.label()}</option>
                }).collect_view()}
            </select>
            <Show when=move || !hydrated.get()>
                <button type="submit" class="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium dark:border-slate-600">"Save"</button>
            </Show>
            <span id=message_id role="status" class="text-xs">
                {move || if update.pending().get() {
                    view! { <span class="text-slate-500 dark:text-slate-400">"Saving…"</span> }.into_any()
                } else if let Some(error) = error.get() {
                    view! { <span class="text-red-700 dark:text-red-400">{error.to_string()}</span> }.into_any()
                } else {
                    ().into_any()
                }}
            </span>
        </ActionForm>
    }
}

/// Remove, and for owners "make owner", each behind a confirmation.
#[component]
fn RowActions(member: Member, viewer_is_owner: bool, actions: TeamActions) -> impl IntoView {
    let id = member.user_id.to_string();
    let transfer = (viewer_is_owner && member.role != Role::Owner).then(|| {
        let id = id.clone();
        let name = member.name.clone();
        view! {
            <details>
                <summary class="cursor-pointer text-indigo-700 dark:text-indigo-300">"Transfer ownership…"</summary>
                <ActionForm action=actions.transfer attr:class="mt-2 space-y-2">
                    <input type="hidden" name="user_id" value=id/>
                    <p>{format!("{name} becomes the owner and you become an admin.")}</p>
                    <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1 font-semibold text-white">
                        {format!("Make {name} the owner")}
                    </button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <div class="flex flex-col gap-2">
            {transfer}
            <details>
                <summary class="cursor-pointer text-red-700 dark:text-red-400">"Remove…"</summary>
                <ActionForm action=actions.remove attr:class="mt-2 space-y-2">
                    <input type="hidden" name="user_id" value=id/>
                    <p>{format!("{} loses access at once and is signed out.", member.name)}</p>
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-1 font-semibold text-white">
                        {format!("Remove {}", member.name)}
                    </button>
                </ActionForm>
            </details>
        </div>
    }
}

#[component]
fn LeaveOrganization() -> impl IntoView {
    let auth = use_auth();
    let leave = ServerAction::<LeaveOrganization>::new();
    auth.refetch_after(leave);
    let error = action_error(leave);
    view! {
        <section aria-labelledby="leave-heading" class="rounded-lg border border-red-200 p-5 dark:border-red-900">
            <h2 id="leave-heading" class="font-semibold">"Leave organization"</h2>
            <details class="mt-2">
                <summary class="cursor-pointer text-sm text-red-700 dark:text-red-400">"Leave this organization…"</summary>
                <ActionForm action=leave attr:class="mt-2 space-y-2 text-sm">
                    <p>"You lose access at once. To come back, someone has to invite you again."</p>
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-1 font-semibold text-white">"Leave organization"</button>
                </ActionForm>
            </details>
            <div class="mt-2"><FormAlert error/></div>
        </section>
    }
}
