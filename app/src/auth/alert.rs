//! The banner every page shows owners and the billing role while a payment
//! has failed ("Your payment failed on Nov 3 …"), with the way to fix it.

use domain::billing::PaymentAlert;
use domain::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[cfg(feature = "ssr")]
use {
    crate::request::{ctx, require_permission},
    domain::Permission,
};

/// Every member; answered for owners and the billing role only, `None` for
/// the others: the failed payment they must act on, for the banner on every
/// page. Errors: `Unauthorized`.
#[server(endpoint = "billing/payment_alert", input = server_fn::codec::GetUrl)]
pub async fn get_payment_alert() -> Result<Option<PaymentAlert>, AppError> {
    let session = require_permission(Permission::ViewBilling)?;
    Ok(backend::billing::service::payment_alert(&ctx()?, &session).await?)
}

/// Lets billing actions that can settle a failed payment (Pay now, a new
/// card) tell the banner to read again. `AppLayout` provides it.
#[derive(Clone, Copy)]
pub struct PaymentAlertRefresh(RwSignal<u32>);

impl PaymentAlertRefresh {
    pub fn provide() -> Self {
        let refresh = Self(RwSignal::new(0));
        provide_context(refresh);
        refresh
    }

    /// Re-reads the alert each time `action` has run.
    pub fn after<S>(action: ServerAction<S>)
    where
        S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        let Some(Self(refresh)) = use_context::<Self>() else {
            return;
        };
        Effect::new(move |_| {
            if action.version().get() > 0 {
                refresh.update(|n| *n += 1);
            }
        });
    }
}

/// Nothing unless the signed-in user must act on a failed payment. Read on
/// every navigation, so it goes as soon as the payment went through.
#[component]
pub fn PaymentAlertBanner(refresh: PaymentAlertRefresh) -> impl IntoView {
    let path = use_location().pathname;
    let alert = Resource::new(
        move || (path.get(), refresh.0.get()),
        |_| get_payment_alert(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                alert.await.ok().flatten().map(|alert| view! {
                    <div role="alert" data-testid="payment-alert"
                         class="mb-4 flex flex-wrap items-center justify-between gap-2 rounded-md border border-amber-300 \
                                bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 \
                                dark:text-amber-100">
                        <p>{alert.message()}</p>
                        <a href="/billing#card-form" class="font-medium underline underline-offset-2">
                            "Update your card"
                        </a>
                    </div>
                })
            })}
        </Transition>
    }
}
