use crate::account::{
    ConfirmEmailPage, NotificationsPage, SecurityPage, SettingsPage, UnsubscribePage,
};
use crate::api_keys::ApiKeysPage;
use crate::audit::AuditPage;
use crate::auth::{
    AccountSetupPage, AppLayout, AuthContext, CheckEmailPage, ForgotPasswordPage,
    NewOrganizationPage, ResetPasswordPage, SignInPage, SignUpPage, TwoFactorSignInPage,
    VerifyEmailPage,
};
use crate::billing::BillingPage;
use crate::dashboard::DashboardPage;
use crate::help::{ArticlePage, EditArticlePage, HelpPage, NewArticlePage, StaffHelpPage};
use crate::staff::{
    CannedRepliesPage, StaffHome, StaffJoinPage, StaffLayout, StaffMembersPage,
    StaffSatisfactionPage, StaffSignInPage, StaffTicketPage, StaffTicketsPage,
};
use crate::support::{NewTicketPage, RateTicketPage, SupportPage, TicketPage};
use crate::team::{AcceptInvitationPage, TeamPage};
use crate::ui::theme::THEME_BOOT_SCRIPT;
use crate::ui::time::TIME_ZONE_BOOT_SCRIPT;
use crate::usage::UsagePage;
use crate::webhooks::{EndpointPage, WebhooksPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document the server renders around `App`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/png" href="/favicon.png"/>
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_BOOT_SCRIPT></script>
                <script nonce=leptos::nonce::use_nonce() inner_html=TIME_ZONE_BOOT_SCRIPT></script>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    AuthContext::provide();

    // Lets end-to-end tests (and curious developers) see that hydration finished.
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=|title: String| if title.is_empty() { "Portal".to_owned() } else { title }/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/sign-in") view=SignInPage/>
                <Route path=path!("/sign-up") view=SignUpPage/>
                <Route path=path!("/sign-up/check-email") view=CheckEmailPage/>
                <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/sign-in/two-factor") view=TwoFactorSignInPage ssr=SsrMode::Async/>
                <Route path=path!("/account/setup") view=AccountSetupPage ssr=SsrMode::Async/>
                <Route path=path!("/organizations/new") view=NewOrganizationPage/>
                // Outside the signed-in frame: these links may open in any browser.
                <Route path=path!("/invitations/accept") view=AcceptInvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/account/confirm-email") view=ConfirmEmailPage/>
                <Route path=path!("/rate-ticket") view=RateTicketPage ssr=SsrMode::Async/>
                <Route path=path!("/unsubscribe") view=UnsubscribePage ssr=SsrMode::Async/>
                // Async: the session check finishes before the first byte, so a
                // signed-out visitor gets a real 302 even without JavaScript.
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/usage") view=UsagePage ssr=SsrMode::Async/>
                    <Route path=path!("/billing") view=BillingPage ssr=SsrMode::Async/>
                    <Route path=path!("/team") view=TeamPage ssr=SsrMode::Async/>
                    <Route path=path!("/api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/webhooks") view=WebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("/webhooks/:id") view=EndpointPage ssr=SsrMode::Async/>
                    <Route path=path!("/support") view=SupportPage ssr=SsrMode::Async/>
                    <Route path=path!("/support/new") view=NewTicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/support/:id") view=TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/help") view=HelpPage ssr=SsrMode::Async/>
                    <Route path=path!("/help/:slug") view=ArticlePage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view=SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async/>
                </ParentRoute>
                // The support console: staff only, its own sign-in and frame.
                <Route path=path!("/staff/sign-in") view=StaffSignInPage/>
                <Route path=path!("/staff/sign-in/two-factor") view=TwoFactorSignInPage ssr=SsrMode::Async/>
                <Route path=path!("/staff/join") view=StaffJoinPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/staff") view=StaffLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=StaffHome/>
                    <Route path=path!("/tickets") view=StaffTicketsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/:id") view=StaffTicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/satisfaction") view=StaffSatisfactionPage ssr=SsrMode::Async/>
                    <Route path=path!("/canned-replies") view=CannedRepliesPage ssr=SsrMode::Async/>
                    <Route path=path!("/members") view=StaffMembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/help") view=StaffHelpPage ssr=SsrMode::Async/>
                    <Route path=path!("/help/new") view=NewArticlePage ssr=SsrMode::Async/>
                    <Route path=path!("/help/:id") view=EditArticlePage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Portal"/>
        <main class="flex min-h-screen flex-col items-center justify-center gap-3 px-4 text-center">
            <p class="text-sm font-semibold text-indigo-700 dark:text-indigo-300">"404"</p>
            <h1 class="text-2xl font-semibold">"Page not found"</h1>
            <p class="text-slate-600 dark:text-slate-300">"The page you asked for does not exist or has moved."</p>
            <a href="/" class="font-medium text-indigo-700 underline dark:text-indigo-300">"Go to your dashboard"</a>
        </main>
    }
}
