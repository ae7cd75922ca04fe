//! `When`: how every page shows an instant. The words come from the server
//! in the reader's time zone (`domain::dates::Moment`), so the server's HTML
//! and the hydrated page agree; the browser only reports its zone, through
//! [`TIME_ZONE_BOOT_SCRIPT`], for the first sign-in to store.

use domain::dates::Moment;
use leptos::prelude::*;

/// Sets the `portal_tz` cookie (`backend::client::TIME_ZONE_COOKIE`) to the
/// browser's IANA zone, when it differs, before anything else loads.
pub const TIME_ZONE_BOOT_SCRIPT: &str =
    "try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;\
if(z&&document.cookie.split('; ').indexOf('portal_tz='+z)<0)document.cookie='portal_tz='+z+\
';path=/;max-age=31536000;samesite=lax'+(location.protocol=='https:'?';secure':'')}catch(e){}";

/// "3 minutes ago", with the exact time (in the reader's zone) as its title
/// and the instant as `datetime`. `exact` shows the exact time as the text
/// instead (the audit log), with the relative one as the title.
#[component]
pub fn When(moment: Moment, #[prop(optional)] exact: bool) -> impl IntoView {
    let Moment {
        at,
        exact: exact_text,
        relative,
    } = moment;
    let (text, title) = if exact {
        (exact_text, relative)
    } else {
        (relative, exact_text)
    };
    view! { <time datetime=at title=title>{text}</time> }
}

/// [`When`], or `none` ("Never") when there is no instant.
pub fn when_or(moment: Option<Moment>, none: &'static str) -> AnyView {
    match moment {
        Some(moment) => view! { <When moment/> }.into_any(),
        None => none.into_any(),
    }
}
