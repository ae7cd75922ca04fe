//! The tenant × role × endpoint matrix. Every server function, every other
//! route the router mounts and every page is called by each kind of caller:
//! signed out, a member, billing manager, admin and owner of organization A,
//! a support staff member, and a member of organization B. Every id-shaped
//! parameter (and path segment) carries one of organization B's ids.
//!
//! Each answer must have the status the table below expects, and no answer to
//! anyone outside organization B may contain anything of B's (staff excepted
//! on the console, which serves every organization's tickets by design).
//! After the signed-out and everyone in A have called everything, B's rows
//! are byte for byte what they were. The member of B comes last, as the control: the same ids
//! are real and theirs, so B's data does show up for them, which proves the
//! probes above could have found it.
//!
//! A server function, route or page without a row here fails the test.

use crate::helpers::*;
use domain::{Permission, Role};
use reqwest::{Client, Method};
use sqlx::PgPool;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use uuid::Uuid;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    SignedOut,
    Of(Role),
    Staff,
    /// The control: a member of the organization whose ids everyone sends.
    MemberOfB,
}

const CALLERS: [Caller; 7] = [
    Caller::SignedOut,
    Caller::Of(Role::Member),
    Caller::Of(Role::Billing),
    Caller::Of(Role::Admin),
    Caller::Of(Role::Owner),
    Caller::Staff,
    Caller::MemberOfB,
];

impl Caller {
    fn label(self) -> &'static str {
        match self {
            Caller::SignedOut => "signed out",
            Caller::Of(Role::Member) => "A member",
            Caller::Of(Role::Billing) => "A billing",
            Caller::Of(Role::Admin) => "A admin",
            Caller::Of(Role::Owner) => "A owner",
            Caller::Staff => "staff",
            Caller::MemberOfB => "B member",
        }
    }
}

/// Who may call an endpoint, and what they get.
#[derive(Clone, Copy)]
enum Expect {
    /// Members whose role has the permission get `allowed` with B's ids
    /// (the member of B, whose ids they are, gets `own`); other members get
    /// 403; staff and the signed-out get 401.
    Can(Permission, u16, u16),
    /// The support console: staff get `allowed`; customers 403; signed out 401.
    Staff(u16),
    /// Statuses in the order of `CALLERS`, for endpoints whose answer is not
    /// a matter of role: open doors, flows halfway through, and pages.
    Each([u16; 7]),
}

impl Expect {
    fn status(self, caller: Caller) -> u16 {
        let index = CALLERS.iter().position(|c| *c == caller).unwrap();
        match (self, caller) {
            (Expect::Each(statuses), _) => statuses[index],
            (Expect::Can(..), Caller::SignedOut | Caller::Staff) => 401,
            (Expect::Can(permission, allowed, _), Caller::Of(role)) => {
                if role.can(permission) {
                    allowed
                } else {
                    403
                }
            }
            (Expect::Can(permission, _, own), Caller::MemberOfB) => {
                if Role::Member.can(permission) {
                    own
                } else {
                    403
                }
            }
            (Expect::Staff(allowed), Caller::Staff) => allowed,
            (Expect::Staff(_), Caller::SignedOut) => 401,
            (Expect::Staff(_), _) => 403,
        }
    }
}

type Args = Vec<(&'static str, String)>;

/// One endpoint of the matrix: how to call it with organization B's ids.
struct Row {
    method: Method,
    /// As registered: `{id}` in a path is replaced by `id` below.
    path: &'static str,
    args: fn(&OrgB) -> Args,
    /// The id a `{id}` path segment carries.
    id: fn(&OrgB) -> String,
    expect: Expect,
    /// Staff may see any organization's tickets here.
    console: bool,
    /// A stream that never ends: only the status is read.
    stream: bool,
    /// Asked for as a browser asks for a page (`Accept: text/html`).
    page: bool,
    /// The arguments go as a JSON object (the operator API), not a form.
    json: bool,
    /// The arguments go as `multipart/form-data`, with a small text file
    /// in `files` (attachment uploads).
    multipart: bool,
}

fn none(_: &OrgB) -> Args {
    vec![]
}

fn no_id(_: &OrgB) -> String {
    String::new()
}

struct Table(Vec<Row>);

impl Table {
    fn add(
        &mut self,
        method: Method,
        path: &'static str,
        args: fn(&OrgB) -> Args,
        expect: Expect,
    ) -> &mut Row {
        self.0.push(Row {
            method,
            path,
            args,
            id: no_id,
            expect,
            console: false,
            multipart: false,
            stream: false,
            page: false,
            json: false,
        });
        self.0.last_mut().unwrap()
    }

    fn get(&mut self, path: &'static str, args: fn(&OrgB) -> Args, expect: Expect) -> &mut Row {
        self.add(Method::GET, path, args, expect)
    }

    fn post(&mut self, path: &'static str, args: fn(&OrgB) -> Args, expect: Expect) -> &mut Row {
        self.add(Method::POST, path, args, expect)
    }

    fn page(&mut self, path: &'static str, expect: [u16; 7]) -> &mut Row {
        let row = self.add(Method::GET, path, none, Expect::Each(expect));
        row.page = true;
        row
    }
}

fn rows() -> Vec<Row> {
    use Expect::*;
    use Permission::*;
    let mut t = Table(Vec::new());
    // ---------------------------------------------------- reads
    t.get("/api/auth/current_user", none, Each([200; 7]));
    t.get("/api/auth/account", none, Can(ViewDashboard, 200, 200));
    t.get("/api/dashboard/summary", none, Can(ViewDashboard, 200, 200));
    t.get(
        "/api/usage/overview",
        |_| vec![("days", "30".into())],
        Can(ViewUsage, 200, 200),
    );
    t.get("/api/team/members", none, Can(ViewTeam, 200, 200));
    t.get("/api/team/invitations", none, Can(ManageTeam, 200, 200));
    t.get("/api/api_keys/list", none, Can(ViewApiKeys, 200, 200));
    t.get("/api/account/settings", none, Can(ViewDashboard, 200, 200));
    t.get("/api/account/sessions", none, Can(ViewDashboard, 200, 200));
    t.get(
        "/api/account/notifications",
        none,
        Can(ViewDashboard, 200, 200),
    );
    t.get("/api/audit/entries", none, Can(ViewAuditLog, 200, 200));
    t.get("/api/audit/people", none, Can(ViewAuditLog, 200, 200));
    t.get("/api/billing/overview", none, Can(ViewBilling, 200, 200));
    t.get(
        "/api/billing/payment_alert",
        none,
        Can(ViewBilling, 200, 200),
    );
    t.get(
        "/api/billing/credit_notes",
        none,
        Can(ViewBilling, 200, 200),
    );
    t.get(
        "/api/billing/invoices",
        |_| vec![("page", "1".into())],
        Can(ViewBilling, 200, 200),
    );
    t.get(
        "/api/billing/preview_plan_change",
        |_| vec![("plan", "pro".into())],
        Can(ManageBilling, 200, 200),
    );
    t.get("/api/support/tickets", none, Can(UseSupport, 200, 200));
    t.get(
        "/api/support/ticket",
        |b| vec![("id", b.ticket.clone())],
        Can(UseSupport, 404, 200),
    );
    t.get("/api/two_factor/status", none, Can(ViewDashboard, 200, 200));
    // Help articles belong to no organization; B's ids find none.
    t.get("/api/help/articles", none, Can(UseSupport, 200, 200));
    t.get(
        "/api/help/suggest",
        |_| vec![("subject", "invoice".into())],
        Can(UseSupport, 200, 200),
    );
    t.get(
        "/api/help/article",
        |_| vec![("slug", "no-such-article".into())],
        Can(UseSupport, 404, 404),
    );
    t.get("/api/help/console/report", none, Staff(200));
    t.get(
        "/api/help/console/article",
        |b| vec![("id", b.ticket.clone())],
        Staff(404),
    );
    t.get("/api/staff/satisfaction", none, Staff(200)).console = true;
    t.get("/api/staff/canned", none, Staff(200));
    // B's ticket, but no canned reply has B's ticket id.
    t.get(
        "/api/staff/canned/fill",
        |b| {
            vec![
                ("ticket_id", b.ticket.clone()),
                ("canned_id", b.ticket.clone()),
            ]
        },
        Staff(404),
    );
    t.get("/api/staff/me", none, Each([200; 7]));
    t.get("/api/staff/tickets", none, Staff(200)).console = true;
    t.get(
        "/api/staff/ticket",
        |b| vec![("id", b.ticket.clone())],
        Staff(200),
    )
    .console = true;
    // Tokens are secrets, not ids: an unknown one is what anyone can send.
    t.get("/api/invitations/preview", unknown_token, Each([404; 7]));
    t.get(
        "/api/account/email_change/check",
        unknown_token,
        Each([404; 7]),
    );
    t.get(
        "/api/auth/verify_email/check",
        unknown_token,
        Each([404; 7]),
    );
    t.get(
        "/api/auth/password_reset/check",
        unknown_token,
        Each([404; 7]),
    );
    t.get("/api/auth/two_factor/challenge", none, Each([200; 7]));
    t.get("/api/support/rating_link", unknown_token, Each([404; 7]));
    t.get(
        "/api/notifications/unsubscribe/check",
        forged_unsubscribe,
        Each([404; 7]),
    );
    t.post(
        "/api/notifications/unsubscribe",
        forged_unsubscribe,
        Each([404; 7]),
    );
    // A mail client's one-click post: the signed link is in the address;
    // without it there is nothing to do.
    t.post(
        "/unsubscribe/one-click",
        |_| vec![("List-Unsubscribe", "One-Click".into())],
        Each([400; 7]),
    );
    t.get("/api/staff/invitation", unknown_token, Each([404; 7]));
    // Every staff member sees the team; only staff admins change it (the
    // matrix's staff member is not one).
    t.get("/api/staff/members", none, Staff(200));

    // ---------------------------------------------------- writes with B's ids
    t.post(
        "/api/api_keys/revoke",
        |b| vec![("id", b.api_key.clone())],
        Can(ManageApiKeys, 404, 403),
    );
    t.post(
        "/api/api_keys/rotate",
        |b| vec![("id", b.api_key.clone()), ("grace_hours", "24".into())],
        Can(ManageApiKeys, 404, 403),
    );
    t.get("/api/webhooks/list", none, Can(ManageWebhooks, 200, 403));
    t.get(
        "/api/webhooks/endpoint",
        |b| vec![("id", b.webhook_endpoint.clone())],
        Can(ManageWebhooks, 404, 403),
    );
    t.post(
        "/api/webhooks/create",
        |_| {
            vec![
                (
                    "url",
                    format!("https://a-{}.example.com/in", Uuid::new_v4()),
                ),
                ("event_types[]", "ticket.replied".into()),
            ]
        },
        Can(ManageWebhooks, 200, 403),
    );
    t.post(
        "/api/webhooks/update",
        |b| {
            vec![
                ("id", b.webhook_endpoint.clone()),
                ("url", "https://taken-over.example.com/in".into()),
                ("event_types[]", "ticket.replied".into()),
                ("enabled", "on".into()),
            ]
        },
        Can(ManageWebhooks, 404, 403),
    );
    for path in [
        "/api/webhooks/rotate",
        "/api/webhooks/test",
        "/api/webhooks/delete",
    ] {
        t.post(
            path,
            |b| vec![("id", b.webhook_endpoint.clone())],
            Can(ManageWebhooks, 404, 403),
        );
    }
    t.post(
        "/api/webhooks/resend",
        |b| vec![("id", b.webhook_delivery.clone())],
        Can(ManageWebhooks, 404, 403),
    );
    t.post(
        "/api/account/sessions/revoke",
        |b| vec![("id", b.owner_session.clone())],
        Can(ViewDashboard, 404, 404),
    );
    t.post(
        "/api/team/invitations/resend",
        |b| vec![("id", b.invitation.clone())],
        Can(ManageTeam, 404, 403),
    );
    t.post(
        "/api/team/invitations/revoke",
        |b| vec![("id", b.invitation.clone())],
        Can(ManageTeam, 404, 403),
    );
    t.post(
        "/api/team/members/role",
        |b| vec![("user_id", b.member.clone()), ("role", "admin".into())],
        Can(ManageTeam, 404, 403),
    );
    t.post(
        "/api/team/members/remove",
        |b| vec![("user_id", b.member.clone())],
        Can(ManageTeam, 404, 403),
    );
    t.post(
        "/api/team/transfer_ownership",
        |b| vec![("user_id", b.member.clone())],
        Can(DeleteOrganization, 404, 403),
    );
    t.post(
        "/api/support/reply",
        |b| vec![("ticket_id", b.ticket.clone()), ("body", "Probe.".into())],
        Can(UseSupport, 404, 200),
    );
    t.post(
        "/api/support/close",
        |b| vec![("ticket_id", b.ticket.clone())],
        Can(UseSupport, 404, 200),
    );
    t.post(
        "/api/support/reopen",
        |b| vec![("ticket_id", b.ticket.clone())],
        Can(UseSupport, 404, 200),
    );
    // Only the requester rates (B's owner opened the ticket, not B's member).
    t.post(
        "/api/support/rate",
        |b| vec![("ticket_id", b.ticket.clone()), ("rating", "good".into())],
        Can(UseSupport, 404, 403),
    );
    t.post(
        "/api/support/rate_by_link",
        |_| vec![("token", unknown()), ("rating", "good".into())],
        Each([404; 7]),
    );
    t.post(
        "/api/auth/switch_organization",
        |b| vec![("organization_id", b.organization.clone())],
        Can(ViewDashboard, 404, 200),
    );
    // The console serves every organization: these do act on B's ticket.
    t.post(
        "/api/help/answer",
        |b| vec![("article_id", b.ticket.clone()), ("helpful", "yes".into())],
        Can(UseSupport, 404, 404),
    );
    t.post(
        "/api/help/console/save",
        |_| {
            vec![
                ("title", "Matrix article".into()),
                ("category", "team".into()),
                ("body", "Written by the matrix.".into()),
            ]
        },
        Staff(200),
    );
    t.post(
        "/api/help/console/preview",
        |_| vec![("body", "**Probe**".into())],
        Staff(200),
    );
    t.post(
        "/api/staff/reply",
        |b| {
            vec![
                ("ticket_id", b.ticket.clone()),
                ("body", "Staff probe.".into()),
            ]
        },
        Staff(200),
    )
    .console = true;
    t.post(
        "/api/staff/credit_note",
        |b| {
            vec![
                ("ticket_id", b.ticket.clone()),
                ("invoice_id", b.invoice.clone()),
                ("amount", "0.01".into()),
                ("currency", "USD".into()),
                ("reason", "Matrix probe.".into()),
            ]
        },
        Staff(200),
    )
    .console = true;
    t.post(
        "/api/staff/note",
        |b| {
            vec![
                ("ticket_id", b.ticket.clone()),
                ("body", "Staff note.".into()),
            ]
        },
        Staff(200),
    )
    .console = true;
    t.post(
        "/api/staff/status",
        |b| {
            vec![
                ("ticket_id", b.ticket.clone()),
                ("status", "pending".into()),
            ]
        },
        Staff(200),
    )
    .console = true;
    t.post(
        "/api/staff/canned/save",
        |_| {
            vec![
                ("title", "Matrix canned reply".into()),
                ("body", "Hi {{first_name}}".into()),
            ]
        },
        Staff(200),
    );
    t.post(
        "/api/staff/canned/delete",
        |b| vec![("id", b.ticket.clone())],
        Staff(404),
    );
    t.post(
        "/api/staff/members/invite",
        |_| vec![("email", "matrix.invite@portal.example".into())],
        Staff(403),
    );
    t.post(
        "/api/staff/members/revoke_invitation",
        |b| vec![("id", b.ticket.clone())],
        Staff(403),
    );
    t.post(
        "/api/staff/members/change",
        |b| {
            vec![
                ("user_id", b.member.clone()),
                ("change", "deactivate".into()),
            ]
        },
        Staff(403),
    );
    t.post(
        "/api/staff/assign",
        |b| vec![("ticket_id", b.ticket.clone()), ("assignee", "me".into())],
        Staff(200),
    )
    .console = true;

    // ---------------------------------------------------- writes of one's own
    t.post(
        "/api/account/organization_name",
        |_| vec![("organization_name", "Matrix Renamed".into())],
        Can(ManageOrganization, 200, 403),
    );
    t.post(
        "/api/account/billing_email",
        |_| vec![("billing_email", "matrix-billing@example.com".into())],
        Can(ManageBilling, 200, 403),
    );
    t.post(
        "/api/account/name",
        |_| vec![("name", "Matrix Person".into())],
        Can(ViewDashboard, 200, 200),
    );
    t.post(
        "/api/account/notifications/save",
        |_| vec![("billing", "on".into())],
        Can(ViewDashboard, 200, 200),
    );
    t.post(
        "/api/account/notifications/defaults",
        |_| vec![("billing", "on".into())],
        Can(SetNotificationDefaults, 200, 403),
    );
    t.post(
        "/api/account/time_zone",
        |_| vec![("time_zone", "Europe/Berlin".into())],
        Can(ViewDashboard, 200, 200),
    );
    t.post(
        "/api/account/email_change",
        |_| {
            vec![
                ("new_email", format!("moved-{}@example.com", Uuid::new_v4())),
                ("password", "wrong password!".into()),
            ]
        },
        Can(ViewDashboard, 422, 422),
    );
    t.post(
        "/api/account/password",
        |_| {
            vec![
                ("current_password", "wrong password!".into()),
                ("new_password", "another long passphrase".into()),
            ]
        },
        Can(ViewDashboard, 422, 422),
    );
    t.post(
        "/api/account/require_two_factor",
        |_| vec![("required", "false".into())],
        Can(ManageSecurityPolicy, 200, 403),
    );
    t.post(
        "/api/api_keys/create",
        |_| {
            vec![
                ("name", format!("Matrix {}", Uuid::new_v4())),
                ("scope", "full".into()),
                ("expires_in", "never".into()),
            ]
        },
        Can(ManageApiKeys, 200, 403),
    );
    t.post(
        "/api/team/invite",
        |_| {
            vec![
                ("email", format!("matrix-{}@example.com", Uuid::new_v4())),
                ("role", "member".into()),
            ]
        },
        Can(ManageTeam, 200, 403),
    );
    t.post(
        "/api/billing/update_details",
        |_| {
            vec![
                ("company_name", "Matrix GmbH".into()),
                ("address_line1", "Hauptstr. 1".into()),
                ("address_line2", String::new()),
                ("city", "Berlin".into()),
                ("postal_code", "10115".into()),
                ("country", "DE".into()),
                ("tax_id", String::new()),
            ]
        },
        Can(ManageBilling, 200, 403),
    );
    t.post(
        "/api/billing/pay_invoice",
        |b| {
            vec![
                ("id", b.invoice.clone()),
                ("key", "matrix-attempt-key-0001".into()),
            ]
        },
        Can(ManageBilling, 404, 403),
    );
    t.post(
        "/api/billing/update_payment_method",
        |b| vec![("card_token", b.fresh_card_token())],
        Can(ManageBilling, 200, 403),
    );
    // A is on the free plan: nothing to change, cancel or resume.
    t.post(
        "/api/billing/change_plan",
        |_| vec![("plan", "free".into())],
        Can(ManageBilling, 422, 403),
    );
    t.post("/api/billing/cancel", none, Can(ManageBilling, 409, 403));
    t.post("/api/billing/resume", none, Can(ManageBilling, 409, 403));
    t.post(
        "/api/support/open",
        |_| {
            vec![
                ("subject", "Matrix ticket".into()),
                ("category", "billing".into()),
                ("priority", "normal".into()),
                ("body", "Opened by the matrix.".into()),
            ]
        },
        Can(UseSupport, 200, 200),
    );
    t.post("/api/two_factor/begin", none, Can(ViewDashboard, 200, 200));
    t.post(
        "/api/two_factor/confirm",
        wrong_code,
        Can(ViewDashboard, 422, 422),
    );
    t.post(
        "/api/two_factor/recovery_codes",
        wrong_code,
        Can(ViewDashboard, 409, 409),
    );
    t.post(
        "/api/two_factor/disable",
        |_| {
            vec![
                ("password", "wrong password!".into()),
                ("code", "000000".into()),
            ]
        },
        Can(ViewDashboard, 409, 409),
    );
    t.post(
        "/api/auth/create_organization",
        |_| vec![("organization_name", String::new())],
        Can(ViewDashboard, 422, 422),
    );
    t.post(
        "/api/account/sessions/revoke_others",
        none,
        Can(ViewDashboard, 200, 200),
    );

    // ---------------------------------------------------- open doors and flows
    t.post(
        "/api/auth/sign_up",
        |b| {
            vec![
                ("organization_name", "Matrix Sign-up".into()),
                ("name", "Someone".into()),
                ("email", b.owner_email.clone()),
                ("password", "short".into()),
            ]
        },
        Each([422; 7]),
    );
    t.post(
        "/api/auth/sign_in",
        |_| {
            vec![
                ("email", "nobody@matrix.example.com".into()),
                ("password", "wrong password!".into()),
            ]
        },
        Each([401; 7]),
    );
    t.post(
        "/api/auth/password_reset/request",
        |_| vec![("email", "nobody@matrix.example.com".into())],
        Each([200; 7]),
    );
    t.post(
        "/api/auth/password_reset",
        |_| {
            vec![
                ("token", unknown()),
                ("new_password", "a brand new passphrase".into()),
            ]
        },
        Each([404; 7]),
    );
    t.post(
        "/api/auth/verify_email",
        |_| vec![("token", unknown())],
        Each([404; 7]),
    );
    t.post(
        "/api/account/email_change/confirm",
        |_| vec![("token", unknown())],
        Each([404; 7]),
    );
    t.post(
        "/api/invitations/accept",
        |_| {
            vec![
                ("token", unknown()),
                ("name", "Probe".into()),
                ("password", PASSWORD.into()),
            ]
        },
        Each([404; 7]),
    );
    t.post(
        "/api/auth/verify_email/resend",
        none,
        Each([401, 409, 409, 409, 409, 401, 409]),
    );
    t.post(
        "/api/auth/verify_email/change_address",
        |_| vec![("email", format!("typo-{}@example.com", Uuid::new_v4()))],
        Each([401, 409, 409, 409, 409, 401, 409]),
    );
    t.post("/api/auth/two_factor/verify", wrong_code, Each([401; 7]));
    t.post(
        "/api/staff/sign_in",
        |_| {
            vec![
                ("email", "nobody@matrix.example.com".into()),
                ("password", "wrong password!".into()),
            ]
        },
        Each([401; 7]),
    );
    t.post(
        "/api/staff/invitation/accept",
        |_| {
            vec![
                ("token", unknown()),
                ("name", "Probe".into()),
                ("password", PASSWORD.into()),
            ]
        },
        Each([404; 7]),
    );
    t.post("/api/staff/two_factor/begin", none, Each([401; 7]));
    t.post("/api/staff/two_factor/confirm", wrong_code, Each([401; 7]));

    // ---------------------------------------------------- other routes
    t.get("/audit/export.csv", none, Can(ViewAuditLog, 200, 403));
    t.get("/live", none, Can(ViewDashboard, 200, 200)).stream = true;
    // Forms without JavaScript: every answer is a redirect (to the form
    // with its error, or to sign in).
    t.post("/settings/two-factor/confirm", wrong_code, Each([303; 7]));
    t.post(
        "/settings/two-factor/recovery-codes",
        wrong_code,
        Each([303; 7]),
    );
    t.post(
        "/staff/sign-in/two-factor/confirm",
        wrong_code,
        Each([303; 7]),
    );
    // The new secret's page for owners and admins; a refusal goes back to
    // the form (B's key is not found in A), the signed-out and staff to sign in.
    t.post(
        "/api-keys/create",
        |_| {
            vec![
                ("name", format!("Plain {}", Uuid::new_v4())),
                ("scope", "full".into()),
                ("expires_in", "never".into()),
            ]
        },
        Each([303, 303, 303, 200, 200, 303, 303]),
    );
    t.post(
        "/api-keys/rotate",
        |b| vec![("id", b.api_key.clone()), ("grace_hours", "24".into())],
        Each([303; 7]),
    );
    t.post(
        "/webhooks/create",
        |_| {
            vec![
                (
                    "url",
                    format!("https://plain-{}.example.com/in", Uuid::new_v4()),
                ),
                ("event_types[]", "member.added".into()),
            ]
        },
        Each([303, 303, 303, 200, 200, 303, 303]),
    );
    t.post(
        "/webhooks/rotate",
        |b| vec![("id", b.webhook_endpoint.clone())],
        Each([303; 7]),
    );
    let pdf = t.get(
        "/billing/invoices/{id}/pdf",
        none,
        Can(ViewBilling, 404, 200),
    );
    pdf.id = |b| b.invoice.clone();
    let receipt = t.get(
        "/billing/invoices/{id}/receipt",
        none,
        Can(ViewBilling, 404, 200),
    );
    receipt.id = |b| b.invoice.clone();
    let credit_note = t.get(
        "/billing/credit-notes/{id}/pdf",
        none,
        Can(ViewBilling, 404, 200),
    );
    credit_note.id = |b| b.credit_note.clone();
    // Always the caller's own organization's invoices: B's member and others alike get a CSV.
    t.get("/billing/invoices.csv", none, Can(ViewBilling, 200, 200));
    // A new ticket with its files, in the caller's own organization (like support/open).
    t.post(
        "/support/open",
        |_| {
            vec![
                ("subject", "Matrix ticket with a file".into()),
                ("category", "technical".into()),
                ("priority", "low".into()),
                ("body", "Opened by the matrix.".into()),
            ]
        },
        Can(UseSupport, 303, 303),
    )
    .multipart = true;
    // Ticket attachments: B's files, to B and staff only.
    let upload = t.post("/support/{id}/attachments", none, Can(UseSupport, 404, 303));
    upload.id = |b| b.ticket.clone();
    upload.multipart = true;
    t.get("/support/attachments/{id}", none, Can(UseSupport, 404, 200))
        .id = |b| b.attachment.clone();
    t.get(
        "/support/attachments/{id}/preview",
        none,
        Can(UseSupport, 404, 200),
    )
    .id = |b| b.attachment.clone();
    let staff_upload = t.post("/staff/tickets/{id}/attachments", none, Staff(303));
    staff_upload.id = |b| b.ticket.clone();
    staff_upload.multipart = true;
    staff_upload.console = true;
    let staff_file = t.get("/staff/attachments/{id}", none, Staff(200));
    staff_file.id = |b| b.attachment.clone();
    staff_file.console = true;
    let staff_preview = t.get("/staff/attachments/{id}/preview", none, Staff(200));
    staff_preview.id = |b| b.attachment.clone();
    staff_preview.console = true;
    // An emailed link's token, or nothing: no session opens an invoice here.
    t.get("/invoices/pdf", none, Each([404; 7]));
    t.get("/health", none, Each([200; 7]));
    t.get("/ready", none, Each([200; 7]));
    // The public API: an API key or the operator token, never a session.
    t.get("/api/v1/ping", none, Each([401; 7]));
    t.post(
        "/api/v1/keys/verify",
        |_| vec![("key", unknown())],
        Each([401; 7]),
    )
    .json = true;
    t.post(
        "/api/v1/usage/events",
        |b| vec![("organization_id", b.organization.clone())],
        Each([401; 7]),
    )
    .json = true;
    // The sandbox processor's tokenizer: open to all, as a real processor's
    // is; it reads no session and answers only with a token.
    t.post(
        "/sandbox/v1/tokens",
        |_| {
            vec![
                ("card_number", "4242424242424242".into()),
                ("exp_month", "12".into()),
                ("exp_year", "2040".into()),
                ("cvc", "123".into()),
            ]
        },
        Each([200; 7]),
    )
    .json = true;
    // Mounted only beside the development mailbox, which this app has not.
    t.get("/dev/mailbox", none, Each([404; 7]));
    t.get("/dev/mailbox/{id}", none, Each([404; 7])).id = |_| "1".into();

    // ---------------------------------------------------- pages
    // Open pages: anyone may read them.
    for path in [
        "/sign-in",
        "/sign-up",
        "/sign-up/check-email",
        "/verify-email",
        "/forgot-password",
        "/reset-password",
        "/sign-in/two-factor",
        "/invitations/accept",
        "/account/confirm-email",
        "/rate-ticket",
        "/unsubscribe",
        "/staff/sign-in",
        "/staff/sign-in/two-factor",
        "/staff/join",
    ] {
        t.page(path, [200; 7]);
    }
    // Nothing left to set up: everyone is sent on.
    t.page("/account/setup", [302; 7]);
    // A form; creating the organization needs a session (its server function).
    t.page("/organizations/new", [200; 7]);
    // The app: members see their own organization, others go to sign in.
    for path in [
        "/",
        "/usage",
        "/billing",
        "/team",
        "/api-keys",
        "/support",
        "/support/new",
        "/settings",
        "/settings/security",
        "/settings/notifications",
        "/audit",
        "/help",
        "/webhooks",
    ] {
        t.page(path, [302, 200, 200, 200, 200, 302, 200]);
    }
    // The path is called as registered: the slug "{slug}" names no article.
    t.page("/help/{slug}", [302, 404, 404, 404, 404, 302, 404]);
    t.page("/support/{id}", [302, 404, 404, 404, 404, 302, 200])
        .id = |b| b.ticket.clone();
    t.page("/webhooks/{id}", [302, 200, 200, 404, 404, 302, 200])
        .id = |b| b.webhook_endpoint.clone();
    // The console: staff only.
    t.page("/staff", [302; 7]);
    t.page("/staff/tickets", [302, 302, 302, 302, 302, 200, 302])
        .console = true;
    let staff_ticket = t.page("/staff/tickets/{id}", [302, 302, 302, 302, 302, 200, 302]);
    staff_ticket.id = |b| b.ticket.clone();
    staff_ticket.console = true;
    t.page("/staff/help", [302, 302, 302, 302, 302, 200, 302]);
    t.page("/staff/satisfaction", [302, 302, 302, 302, 302, 200, 302]);
    t.page("/staff/canned-replies", [302, 302, 302, 302, 302, 200, 302]);
    t.page("/staff/members", [302, 302, 302, 302, 302, 200, 302]);
    t.page("/staff/help/new", [302, 302, 302, 302, 302, 200, 302]);
    t.page("/staff/help/{id}", [302, 302, 302, 302, 302, 404, 302])
        .id = |b| b.ticket.clone();

    // ---------------------------------------------------- last: sessions end
    t.post(
        "/api/team/leave",
        none,
        Each([401, 200, 200, 200, 409, 401, 200]),
    );
    t.post("/api/staff/sign_out", none, Each([200; 7]));
    // Only A's owner, who could not leave, is still signed in.
    t.post(
        "/api/auth/sign_out_everywhere",
        none,
        Each([401, 401, 401, 401, 200, 401, 401]),
    );
    t.post("/api/auth/sign_out", none, Each([200; 7]));
    t.0
}

fn unknown() -> String {
    Uuid::new_v4().simple().to_string()
}

fn unknown_token(_: &OrgB) -> Args {
    vec![("token", unknown())]
}

/// A well-formed unsubscribe link whose signature is wrong.
fn forged_unsubscribe(b: &OrgB) -> Args {
    vec![
        ("user", Uuid::new_v4().to_string()),
        ("organization", b.organization.clone()),
        ("category", "billing".into()),
        ("signature", "00".repeat(32)),
    ]
}

fn wrong_code(_: &OrgB) -> Args {
    vec![("code", "000000".into())]
}

/// Organization B's ids, and what would betray that B's data leaked.
struct OrgB {
    organization: String,
    owner_email: String,
    owner_session: String,
    member: String,
    ticket: String,
    /// A screenshot on B's ticket.
    attachment: String,
    api_key: String,
    webhook_endpoint: String,
    webhook_delivery: String,
    invitation: String,
    invoice: String,
    credit_note: String,
    /// Single-use card tokens of the sandbox processor, one per call.
    card_tokens: std::sync::Mutex<Vec<String>>,
    /// Strings that appear nowhere but in B's data.
    markers: Vec<String>,
}

impl OrgB {
    fn fresh_card_token(&self) -> String {
        self.card_tokens
            .lock()
            .unwrap()
            .pop()
            .expect("a card token left")
    }
}

async fn org_b(app: &TestApp, owner: &Client, org: &Org) -> OrgB {
    let unique = Uuid::new_v4().simple().to_string();
    let ticket_subject = format!("B ticket {unique}");
    let key_name = format!("B key {}", &unique[..8]);
    let invited = format!("b-invited-{unique}@example.com");
    let member = member_with_role(app, &org.email, "member").await;
    let member = json(app.get(&member, "auth/current_user").await).await;
    let owner_user = json(app.get(owner, "auth/current_user").await).await;

    let ticket = app
        .call(
            owner,
            "support/open",
            &[
                ("subject", &ticket_subject),
                ("category", "billing"),
                ("priority", "high"),
                ("body", "B's secret"),
            ],
        )
        .await;
    let ticket = json(ok(ticket).await).await.as_str().unwrap().to_owned();
    let attachment = attach_screenshot(app, owner, &ticket).await;
    let key = app
        .call(
            owner,
            "api_keys/create",
            &[
                ("name", &key_name),
                ("scope", "full"),
                ("expires_in", "never"),
            ],
        )
        .await;
    let key = json(ok(key).await).await["key"].clone();
    ok(app
        .call(
            owner,
            "team/invite",
            &[("email", &invited), ("role", "member")],
        )
        .await)
    .await;
    let hook_url = format!("https://hooks-{unique}.example.com/in");
    let endpoint = app
        .call(
            owner,
            "webhooks/create",
            &[("url", &hook_url), ("event_types[]", "invoice.paid")],
        )
        .await;
    let endpoint = json(ok(endpoint).await).await["endpoint_id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(app.call(owner, "webhooks/test", &[("id", &endpoint)]).await).await;
    let delivery: Uuid =
        sqlx::query_scalar("select id from webhook_delivery where endpoint_id = $1::uuid")
            .bind(&endpoint)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let invitations = json(app.get(owner, "team/invitations").await).await;
    let invitation = invitations[0]["id"].as_str().unwrap().to_owned();
    let sessions = json(app.get(owner, "account/sessions").await).await;
    let owner_session = sessions[0]["id"].as_str().unwrap().to_owned();
    // A card, then an upgrade: a paid proration invoice of B's.
    ok(app.save_card(owner, "4242424242424242").await).await;
    ok(app
        .call(owner, "billing/change_plan", &[("plan", "pro")])
        .await)
    .await;
    let invoices = json(app.get(owner, "billing/invoices?page=1").await).await;
    let invoice = invoices["invoices"][0]["id"].as_str().unwrap().to_owned();
    // A credit note on it (staff issue them; written directly here).
    let credit_note: Uuid = sqlx::query_scalar(
        "insert into credit_note (number, invoice_id, organization_id, issued_on, currency, subtotal_cents,
                                  tax_rate_bp, tax_cents, total_cents, reason, seller, bill_to)
         select 'CN-B-' || left(md5(random()::text), 10), id, organization_id, issued_on, currency, 100,
                0, 0, 100, 'Matrix credit', seller, bill_to
         from invoice where id = $1::uuid returning id",
    )
    .bind(&invoice)
    .fetch_one(&app.db)
    .await
    .unwrap();

    let mut card_tokens = Vec::new();
    for _ in 0..CALLERS.len() {
        card_tokens.push(app.card_token(owner, "4242424242424242").await);
    }

    OrgB {
        organization: owner_user["organization_id"].as_str().unwrap().to_owned(),
        owner_email: org.email.clone(),
        owner_session,
        member: member["user_id"].as_str().unwrap().to_owned(),
        ticket: ticket.clone(),
        attachment,
        api_key: key["id"].as_str().unwrap().to_owned(),
        webhook_endpoint: endpoint,
        webhook_delivery: delivery.to_string(),
        invitation,
        invoice: invoice.clone(),
        credit_note: credit_note.to_string(),
        card_tokens: std::sync::Mutex::new(card_tokens),
        markers: vec![
            org.name.clone(),
            org.email.clone(),
            member["email"].as_str().unwrap().to_owned(),
            ticket_subject,
            key_name,
            invited,
            hook_url,
        ],
    }
}

/// Attaches a small PNG to `ticket`; its attachment id.
async fn attach_screenshot(app: &TestApp, owner: &Client, ticket: &str) -> String {
    let image = image::RgbImage::from_pixel(40, 20, image::Rgb([1, 2, 3]));
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(png).file_name("b-screenshot.png"),
    );
    let response = owner
        .post(app.url(&format!("/support/{ticket}/attachments")))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
    let thread = json(app.get(owner, &format!("support/ticket?id={ticket}")).await).await;
    thread["messages"][1]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every row of B's: its organization-scoped tables, its people and their
/// sessions, as text.
async fn rows_of(db: &PgPool, organization: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.columns
         where table_schema = 'public' and column_name = 'organization_id' order by 1",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let query = format!(
            "select '{table}: ' || row_to_json(t)::text from {table} t
             where organization_id = $1::uuid order by 1"
        );
        rows.extend(
            sqlx::query_scalar::<_, String>(&query)
                .bind(organization)
                .fetch_all(db)
                .await
                .unwrap(),
        );
    }
    rows.extend(
        sqlx::query_scalar::<_, String>(
            "select row_to_json(u)::text || row_to_json(s)::text from app_user u
             join member m on m.user_id = u.id left join session s on s.user_id = u.id
             where m.organization_id = $1::uuid order by 1",
        )
        .bind(organization)
        .fetch_all(db)
        .await
        .unwrap(),
    );
    rows
}

/// A client signed in as `caller`.
async fn client_for(app: &TestApp, caller: Caller, a: &Org, b: &Org) -> Client {
    match caller {
        Caller::SignedOut => browser(),
        Caller::Of(Role::Owner) => {
            let client = browser();
            ok(app.sign_in(&client, &a.email, PASSWORD).await).await;
            client
        }
        Caller::Of(role) => {
            member_with_role(app, &a.email, &format!("{role:?}").to_lowercase()).await
        }
        Caller::Staff => crate::support::staff_client(app, "Matrix Staff").await.0,
        Caller::MemberOfB => member_with_role(app, &b.email, "member").await,
    }
}

struct Answer {
    status: u16,
    body: String,
}

async fn call(app: &TestApp, client: &Client, row: &Row, b: &OrgB) -> Answer {
    let path = row.path.replace("{id}", &(row.id)(b));
    let args = (row.args)(b);
    let request = client
        .request(row.method.clone(), app.url(&path))
        .header("sec-fetch-site", "same-origin");
    let request = if row.page {
        request.header("accept", "text/html")
    } else if row.json {
        let object: serde_json::Map<_, _> = args
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into()))
            .collect();
        request.json(&object)
    } else if row.multipart {
        let file = reqwest::multipart::Part::bytes(b"probe".to_vec()).file_name("probe.txt");
        let form = args
            .into_iter()
            .fold(reqwest::multipart::Form::new(), |form, (k, v)| {
                form.text(k, v)
            });
        request.multipart(form.part("files", file))
    } else if row.method == Method::GET {
        request.query(&args)
    } else {
        request.form(&args)
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = if row.stream {
        String::new()
    } else {
        response.text().await.unwrap()
    };
    Answer { status, body }
}

/// Every path the app serves: server functions, other routes and pages.
fn served_paths() -> BTreeSet<String> {
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .chain(server::http::paths::ALL.iter().map(|p| (*p).to_owned()))
        .chain(server::startup::page_paths())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_endpoint_answers_each_caller_as_the_matrix_says_and_never_with_b_data(db: PgPool) {
    // Open doors are called seven times from one address here: limits are
    // raised so that access control, not throttling, decides (tests in
    // abuse.rs cover the limits); the operator API is on, to be refused.
    let app = spawn_app_with(db.clone(), |s| {
        let generous = backend::settings::Rule::new(1_000, std::time::Duration::from_secs(3600));
        s.limits.sign_in_backoff = generous;
        s.limits.sign_in_per_ip = generous;
        s.limits.reset_per_address = generous;
        s.limits.reset_per_ip = generous;
        s.operator_token = Some(format!("op-{}", Uuid::new_v4()).into());
    })
    .await;
    let table = rows();

    let listed: BTreeSet<String> = table.iter().map(|r| r.path.to_owned()).collect();
    let served = served_paths();
    let missing: Vec<_> = served.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "served but not in server/tests/matrix.rs: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(stale.is_empty(), "in the matrix but not served: {stale:?}");

    let (a, b) = (Org::new("Alpha"), Org::new("Bravo"));
    app.sign_up(&browser(), &a).await;
    let b_owner = browser();
    app.sign_up(&b_owner, &b).await;
    let ids = org_b(&app, &b_owner, &b).await;
    let before = rows_of(&db, &ids.organization).await;

    let mut report = String::new();
    let mut failures = Vec::new();
    let mut control_saw_b = 0;
    for caller in CALLERS {
        if caller == Caller::Staff {
            // Everyone in A and the signed-out have called everything with
            // B's ids (staff, next, do act on B's ticket on the console).
            let after = rows_of(&db, &ids.organization).await;
            let changed: Vec<_> = after.iter().filter(|r| !before.contains(r)).collect();
            assert!(changed.is_empty(), "B's data changed: {changed:#?}");
            assert_eq!(after.len(), before.len(), "B's rows were added or removed");
        }
        let client = client_for(&app, caller, &a, &b).await;
        for row in &table {
            let expected = row.expect.status(caller);
            let answer = call(&app, &client, row, &ids).await;
            writeln!(
                report,
                "{:<45} {:<10} {} (expected {expected})",
                row.path,
                caller.label(),
                answer.status
            )
            .unwrap();
            if answer.status != expected {
                failures.push(format!(
                    "{} as {}: {} (expected {expected}): {:.300}",
                    row.path,
                    caller.label(),
                    answer.status,
                    answer.body
                ));
            }
            let leaked: Vec<_> = ids
                .markers
                .iter()
                .filter(|m| answer.body.contains(m.as_str()))
                .collect();
            match caller {
                Caller::MemberOfB => control_saw_b += usize::from(!leaked.is_empty()),
                Caller::Staff if row.console => {}
                _ if !leaked.is_empty() => failures.push(format!(
                    "{} as {} shows B's {leaked:?}",
                    row.path,
                    caller.label()
                )),
                _ => {}
            }
        }
    }
    println!(
        "access matrix: {} endpoints × {} callers = {} calls; B's member saw B's data in {control_saw_b} answers",
        table.len(),
        CALLERS.len(),
        table.len() * CALLERS.len()
    );
    assert!(
        failures.is_empty(),
        "{report}\n{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The control: B's own member sees B's data through the same ids.
    assert!(
        control_saw_b >= 5,
        "the member of B saw B's data in only {control_saw_b} answers"
    );
}
