//! `AuthContext`: the signed-in user for every page, and the actions that
//! change who that is. `App` provides it; pages read it through the hooks
//! below rather than re-deriving the same signals.

use super::api::{get_current_user, SignIn, SignOut, SignUp};
use domain::auth::CurrentUser;
use domain::{AppError, Permission};
use leptos::prelude::*;
use server_fn::ServerFn;

/// The signed-in user, and the actions that change who that is. The resource
/// refetches whenever one of the actions ran.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    /// Bumped by other features' actions that change the session (joining
    /// or leaving an organization), see `refetch_after`.
    session_changes: RwSignal<u32>,
}

impl AuthContext {
    /// Creates the actions and the user resource, and provides them.
    pub fn provide() -> Self {
        let sign_in = ServerAction::<SignIn>::new();
        let sign_up = ServerAction::<SignUp>::new();
        let sign_out = ServerAction::<SignOut>::new();
        let session_changes = RwSignal::new(0);
        let user = Resource::new(
            move || {
                (
                    sign_in.version().get(),
                    sign_up.version().get(),
                    sign_out.version().get(),
                    session_changes.get(),
                )
            },
            // Boxed: the resource moves its future several times while spawning it.
            |_| Box::pin(get_current_user()),
        );
        let context = Self {
            user,
            sign_in,
            sign_up,
            sign_out,
            session_changes,
        };
        provide_context(context);
        context
    }

    /// Re-reads the signed-in user each time `action` has run: it changed
    /// whose session this is (a joined or a left organization).
    pub fn refetch_after<S>(&self, action: ServerAction<S>)
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        let changes = self.session_changes;
        Effect::new(move |_| {
            if action.version().get() > 0 {
                changes.update(|n| *n += 1);
            }
        });
    }
}

/// The `AuthContext` that `App` provides.
pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

/// The signed-in user once known (`None` while loading or signed out).
pub fn use_current_user() -> Signal<Option<CurrentUser>> {
    let user = use_auth().user;
    Signal::derive(move || user.get().and_then(Result::ok).flatten())
}

/// Whether the signed-in user's role grants `permission`: what the UI shows
/// or hides. The server checks the same matrix on every call.
pub fn use_permission(permission: Permission) -> Signal<bool> {
    let user = use_current_user();
    Signal::derive(move || user.get().is_some_and(|u| u.role.can(permission)))
}

/// `children` for roles granted `permission` only. The permission comes from
/// the user resource, so it is read inside a `Transition`: the server waits
/// for the user before rendering, and the hydrated page shows the same.
#[component]
pub fn Permitted(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let allowed = use_permission(permission);
    view! {
        <Transition fallback=|| ()>
            {move || allowed.get().then(|| children())}
        </Transition>
    }
}
