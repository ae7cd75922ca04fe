use super::api::list_members;
use super::model::Member;
use crate::ui::{EmptyState, ErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TeamPage() -> impl IntoView {
    let members = Resource::new(|| (), |_| list_members());
    view! {
        <Title text="Team · Portal"/>
        <h1 class="mb-4 text-2xl font-semibold">"Team"</h1>
        <Transition fallback=|| view! { <Loading label="Loading members…"/> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(members) if members.is_empty() => {
                        view! { <EmptyState title="No members yet">"Invite your colleagues to get started."</EmptyState> }
                            .into_any()
                    }
                    Ok(members) => view! { <MemberTable members/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MemberTable(members: Vec<Member>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-700">
                <caption class="sr-only">"Members of your organization"</caption>
                <thead class="bg-slate-50 text-left dark:bg-slate-800">
                    <tr>
                        <th scope="col" class="px-4 py-2 font-medium">"Name"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Email"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Role"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Joined"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-200 bg-white dark:divide-slate-700 dark:bg-slate-900">
                    {members
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr>
                                    <td class="px-4 py-2">{m.name}</td>
                                    <td class="px-4 py-2">{m.email}</td>
                                    <td class="px-4 py-2">{m.role.label()}</td>
                                    <td class="px-4 py-2"><time datetime=m.joined_on.clone()>{m.joined_on.clone()}</time></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
