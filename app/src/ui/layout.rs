//! The session gate and session-bound parts every signed-in frame (customer
//! and staff) uses.

use domain::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// A frame's session, loaded once per page: `Ok(None)` is a visitor without one.
pub type Session<T> = Resource<Result<Option<T>, AppError>>;

/// Sends a visitor without a session to `sign_in` (a 302 when
/// server-rendered), and says so when the session could not be checked.
#[component]
pub fn SessionGate<T>(session: Session<T>, sign_in: &'static str) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(_)) => ().into_any(),
                    Ok(None) => view! { <Redirect path=sign_in/> }.into_any(),
                    // Signed in, but an email to verify, an organization to
                    // create or two-factor to set up comes first.
                    Err(AppError::SetupRequired(_)) => view! { <Redirect path="/account/setup"/> }.into_any(),
                    Err(error) => view! { <div class="mb-6"><super::ErrorView error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `render` of whoever holds the session once it is known; nothing before.
#[component]
pub fn WithSession<T>(session: Session<T>, render: fn(T) -> AnyView) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                session.await.ok().flatten().map(render)
            })}
        </Transition>
    }
}
