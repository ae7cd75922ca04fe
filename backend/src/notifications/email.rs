use domain::notifications::NotificationCategory;
use serde::{Deserialize, Serialize};

/// Every email the portal sends, with the data its template needs. Stored as
/// `template` + `data` in the outbox and rendered only when it is sent.
///
/// A field named `token` is a secret (a link that grants something): the
/// outbox row keeps it only until the email is sent or dead-lettered, then
/// `data - 'token'` removes it, so the database holds only its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "template", content = "data", rename_all = "snake_case")]
pub enum Email {
    /// To a new organization's owner right after sign-up.
    Welcome {
        name: String,
        organization_name: String,
    },
    /// To someone invited to join an organization.
    Invitation {
        organization_name: String,
        invited_by: String,
        role: String,
        /// Secret: the only copy of the invitation token outside the recipient's inbox.
        token: String,
        expires_on: String,
    },
    /// To the new address of a login email change: the link that confirms it.
    ConfirmEmailChange {
        name: String,
        new_email: String,
        token: String,
    },
    /// To the old address of a login email change: it was asked for.
    EmailChangeRequested { name: String, new_email: String },
    /// To the billing email and the owners: a usage threshold was crossed.
    UsageAlert {
        organization_name: String,
        /// "API calls", "Storage".
        metric: String,
        threshold: u32,
        /// Formatted amounts: "8,000 calls", "10,000 calls".
        used: String,
        limit: String,
    },
    /// To a new account's address: the link that verifies it (and signs in).
    VerifyEmail {
        name: String,
        /// Secret: the verification token.
        token: String,
    },
    /// To the owner of an address someone tried to sign up with again.
    SignUpAttempt { name: String },
    /// To an account's address: the link that sets a new password.
    PasswordReset {
        name: String,
        /// Secret: the reset token.
        token: String,
    },
    /// To a user: something changed about how they sign in ("Two-factor
    /// authentication was turned off"). Security emails cannot be turned off.
    SecurityNotice {
        name: String,
        /// What happened, as a sentence.
        event: String,
    },
    /// To each owner: the portal turned a webhook endpoint off.
    WebhookEndpointDisabled {
        name: String,
        organization_name: String,
        url: String,
        /// Why, as a sentence.
        reason: String,
        endpoint_id: uuid::Uuid,
    },
    /// To the billing email and the owners: an invoice was issued and waits
    /// to be paid (there was no card on file to charge).
    InvoiceIssued {
        organization_name: String,
        number: String,
        /// Formatted: "$58.80".
        total: String,
        /// "Dec 15, 2026".
        due_on: String,
        /// Secret: opens this invoice's PDF without signing in, for 30 days.
        token: String,
    },
    /// To the billing email and the owners: an invoice was paid.
    PaymentReceipt {
        organization_name: String,
        number: String,
        total: String,
        paid_on: String,
        token: String,
    },
    /// To the billing email and the owners: charging the card on file for an
    /// invoice failed, which stays open.
    PaymentFailed {
        organization_name: String,
        number: String,
        total: String,
        due_on: String,
        /// Why, as the payment provider said it (a sentence).
        reason: String,
        token: String,
    },
    /// To a ticket's requester: support staff replied (never for internal notes).
    TicketReply {
        name: String,
        staff_name: String,
        subject: String,
        ticket_id: String,
        reply: String,
    },
    /// To a ticket's requester: support resolved it; how did we do? Two
    /// links open the rating page with good or bad chosen.
    TicketResolved {
        name: String,
        subject: String,
        ticket_id: String,
        /// Secret: opens the rating of this one ticket for 30 days.
        token: String,
    },
    /// To someone a staff admin invited to join the support team.
    StaffInvitation {
        invited_by: String,
        /// They will administer the team too.
        admin: bool,
        /// Secret: the only copy of the invitation token outside the recipient's inbox.
        token: String,
        expires_on: String,
    },
    /// To the ticket's assignee, or every staff member while it has none: a
    /// customer opened a ticket or wrote in one.
    StaffAlert {
        staff_name: String,
        organization_name: String,
        author_name: String,
        subject: String,
        ticket_id: String,
        /// The ticket is new (else: a customer replied).
        new_ticket: bool,
        message: String,
    },
}

/// A rendered email: subject, plain-text part and HTML part.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Email {
    /// The preference that governs it: `None` for emails that answer
    /// something the person just did (a welcome, an invitation) and for the
    /// support team's own emails; `Security` ones are always sent.
    pub fn category(&self) -> Option<NotificationCategory> {
        use NotificationCategory::*;
        match self {
            Email::UsageAlert { .. } => Some(UsageAlerts),
            Email::InvoiceIssued { .. }
            | Email::PaymentReceipt { .. }
            | Email::PaymentFailed { .. } => Some(Billing),
            Email::TicketReply { .. } | Email::TicketResolved { .. } => Some(Tickets),
            Email::ConfirmEmailChange { .. }
            | Email::EmailChangeRequested { .. }
            | Email::VerifyEmail { .. }
            | Email::SignUpAttempt { .. }
            | Email::PasswordReset { .. }
            | Email::SecurityNotice { .. } => Some(Security),
            Email::Welcome { .. }
            | Email::Invitation { .. }
            | Email::StaffInvitation { .. }
            | Email::StaffAlert { .. }
            | Email::WebhookEndpointDisabled { .. } => None,
        }
    }

    /// Renders the email. `base_url` makes every link absolute
    /// (`https://portal.example.com`), since mail clients have no page to be relative to.
    /// An email someone may turn off says why they got it and where to.
    pub fn render(&self, base_url: &str) -> RenderedEmail {
        self.render_for(base_url, None)
    }

    /// As [`Email::render`], for a member whose signed unsubscribe link
    /// (`unsubscribe::query_for`) the footer offers too.
    pub fn render_for(&self, base_url: &str, unsubscribe: Option<&str>) -> RenderedEmail {
        let base_url = base_url.trim_end_matches('/');
        let rendered = self.render_body(base_url);
        match self.category().filter(|c| c.can_turn_off()) {
            Some(category) => with_preferences_footer(rendered, category, base_url, unsubscribe),
            None => rendered,
        }
    }

    fn render_body(&self, base_url: &str) -> RenderedEmail {
        match self {
            Email::Welcome {
                name,
                organization_name,
            } => {
                let link = format!("{base_url}/");
                let subject = format!("Welcome to Portal, {organization_name}");
                let text = format!(
                    "Hi {name},\n\n{organization_name} now has a Portal account, and you are its owner.\n\n\
                     Open your dashboard: {link}\n\n\
                     From there you can invite your team, follow usage and manage billing.\n\n— The Portal team\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hi {name},</p><p><strong>{org}</strong> now has a Portal account, and you are its owner.</p>\
                         <p><a href=\"{link}\" style=\"{BUTTON}\">Open your dashboard</a></p>\
                         <p>From there you can invite your team, follow usage and manage billing.</p>",
                        name = escape_html(name),
                        org = escape_html(organization_name),
                        link = escape_html(&link),
                    ),
                );
                RenderedEmail {
                    subject,
                    text,
                    html,
                }
            }
            Email::Invitation {
                organization_name,
                invited_by,
                role,
                token,
                expires_on,
            } => invitation_email(
                format!("{invited_by} invited you to {organization_name} on Portal"),
                (
                    &format!("{invited_by} invited you to join {organization_name} on Portal as {role}."),
                    &format!(
                        "{} invited you to join <strong>{}</strong> on Portal as {}.",
                        escape_html(invited_by),
                        escape_html(organization_name),
                        escape_html(role)
                    ),
                ),
                &format!("{base_url}/invitations/accept?token={token}"),
                expires_on,
                "",
            ),
            Email::ConfirmEmailChange {
                name,
                new_email,
                token,
            } => {
                let link = format!("{base_url}/account/confirm-email?token={token}");
                let subject = "Confirm your new Portal login email".to_owned();
                let text = format!(
                    "Hi {name},\n\nYou asked to sign in to Portal with {new_email} from now on.\n\n\
                     Confirm it here (the link works once, for 24 hours): {link}\n\n\
                     If you did not ask for this, ignore this email: nothing changes.\n\n— The Portal team\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hi {name},</p><p>You asked to sign in to Portal with <strong>{email}</strong> from now on.</p>\
                         <p><a href=\"{link}\" style=\"{BUTTON}\">Confirm my new email</a></p>\
                         <p>The link works once, for 24 hours. If you did not ask for this, ignore this email: nothing changes.</p>",
                        name = escape_html(name),
                        email = escape_html(new_email),
                        link = escape_html(&link),
                    ),
                );
                RenderedEmail {
                    subject,
                    text,
                    html,
                }
            }
            Email::EmailChangeRequested { name, new_email } => {
                let link = format!("{base_url}/settings/security");
                let subject = "Your Portal login email is about to change".to_owned();
                let text = format!(
                    "Hi {name},\n\nSomeone signed in as you asked to move your Portal login to {new_email}. \
                     It changes only when the link we sent there is opened.\n\n\
                     If this was not you, change your password and end your other sessions now: {link}\n\n— The Portal team\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hi {name},</p><p>Someone signed in as you asked to move your Portal login to \
                         <strong>{email}</strong>. It changes only when the link we sent there is opened.</p>\
                         <p>If this was not you, change your password and end your other sessions now:</p>\
                         <p><a href=\"{link}\" style=\"{BUTTON}\">Review security</a></p>",
                        name = escape_html(name),
                        email = escape_html(new_email),
                        link = escape_html(&link),
                    ),
                );
                RenderedEmail {
                    subject,
                    text,
                    html,
                }
            }
            Email::UsageAlert {
                organization_name,
                metric,
                threshold,
                used,
                limit,
            } => {
                let link = format!("{base_url}/usage");
                let upgrade = format!("{base_url}/billing");
                let (subject, headline) = if *threshold >= 100 {
                    (
                        format!("{organization_name} reached its {metric} limit"),
                        format!("{organization_name} has used {used} of {limit}: the plan's {metric} limit is reached."),
                    )
                } else {
                    (
                        format!("{organization_name} has used {threshold}% of its {metric}"),
                        format!("{organization_name} has used {used} of {limit} ({threshold}%) this billing period."),
                    )
                };
                let text = format!(
                    "Hi,\n\n{headline}\n\nSee usage and the forecast: {link}\n\
                     Change plan: {upgrade}\n\nYou get one email per threshold (80%, 90%, 100%) per period.\n\n— The Portal team\n"
                );
                let html = layout(
                    &subject,
                    &format!(
                        "<p>Hi,</p><p>{headline}</p>\
                         <p><a href=\"{link}\" style=\"{BUTTON}\">See usage</a></p>\
                         <p>Need more? <a href=\"{upgrade}\">Change plan</a>. You get one email per threshold \
                         (80%, 90%, 100%) per period.</p>",
                        headline = escape_html(&headline),
                        link = escape_html(&link),
                        upgrade = escape_html(&upgrade),
                    ),
                );
                RenderedEmail {
                    subject,
                    text,
                    html,
                }
            }
            Email::VerifyEmail { name, token } => action_email(
                "Verify your email for Portal",
                name,
                "Open this link to verify your email address and sign in to Portal. \
                 It works once, for 24 hours.",
                ("Verify my email", &format!("{base_url}/verify-email?token={token}")),
                "If you did not sign up for Portal, ignore this email: the account is removed after 7 days.",
            ),
            Email::WebhookEndpointDisabled {
                name,
                organization_name,
                url,
                reason,
                endpoint_id,
            } => action_email(
                &format!("A webhook endpoint of {organization_name} was turned off"),
                name,
                &format!(
                    "Portal stopped sending events to {url}. {reason} Events are no longer \
                     delivered there until someone turns the endpoint back on."
                ),
                ("See the endpoint", &format!("{base_url}/webhooks/{endpoint_id}")),
                "Its delivery log shows each attempt and what the endpoint answered.",
            ),
            Email::SignUpAttempt { name } => action_email(
                "Someone tried to sign up with your email",
                name,
                "Someone tried to create a new Portal account with this email address. \
                 You already have one, so nothing was created.",
                ("Sign in", &format!("{base_url}/sign-in")),
                "Forgot your password? Reset it from the sign-in page. If this was not you, no action is needed.",
            ),
            Email::PasswordReset { name, token } => action_email(
                "Reset your Portal password",
                name,
                "Open this link to choose a new password. It works once, for one hour.",
                ("Choose a new password", &format!("{base_url}/reset-password?token={token}")),
                "If you did not ask for this, ignore this email: your password stays as it is.",
            ),
            Email::SecurityNotice { name, event } => action_email(
                &format!("Security notice: {event}"),
                name,
                &format!("{event}."),
                ("Review security", &format!("{base_url}/settings/security")),
                "If this was not you, reset your password and end your other sessions now.",
            ),
            Email::InvoiceIssued {
                organization_name,
                number,
                total,
                due_on,
                token,
            } => action_email(
                &format!("Invoice {number} for {total}, due {due_on}"),
                &format!("{organization_name} team"),
                &format!(
                    "Invoice {number} for {total} is due on {due_on}. Pay it by adding a card on the \
                     billing page: {base_url}/billing"
                ),
                ("Download the invoice (PDF)", &invoice_link(base_url, token)),
                "The download link works for 30 days without signing in; every invoice stays on your billing page.",
            ),
            Email::PaymentReceipt {
                organization_name,
                number,
                total,
                paid_on,
                token,
            } => action_email(
                &format!("Receipt for invoice {number}: {total} paid"),
                &format!("{organization_name} team"),
                &format!("We received {total} for invoice {number} on {paid_on}. Thank you."),
                ("Download the receipt (PDF)", &receipt_link(base_url, token)),
                "The download link works for 30 days without signing in; every invoice and its receipt stay on your billing page.",
            ),
            Email::PaymentFailed {
                organization_name,
                number,
                total,
                due_on,
                reason,
                token,
            } => action_email(
                &format!("Your payment of {total} for invoice {number} failed"),
                &format!("{organization_name} team"),
                &format!(
                    "We could not charge your card on file {total} for invoice {number}: {reason} \
                     The invoice stays open, due on {due_on}. Update your card on the billing page."
                ),
                ("Update your card", &format!("{base_url}/billing")),
                &format!(
                    "The invoice as a PDF, for 30 days without signing in: {}",
                    invoice_link(base_url, token)
                ),
            ),
            Email::TicketReply {
                name,
                staff_name,
                subject: ticket_subject,
                ticket_id,
                reply,
            } => quoted_email(
                &format!("Re: {ticket_subject} [support]"),
                name,
                (
                    &format!("{staff_name} from support replied to your ticket"),
                    ticket_subject,
                ),
                reply,
                ("Reply or follow the ticket here", "Open the ticket"),
                &format!("{base_url}/support/{ticket_id}"),
            ),
            Email::TicketResolved {
                name,
                subject: ticket_subject,
                ticket_id,
                token,
            } => rating_email(base_url, name, ticket_subject, ticket_id, token),
            Email::StaffInvitation {
                invited_by,
                admin,
                token,
                expires_on,
            } => staff_invitation_email(base_url, invited_by, *admin, token, expires_on),
            Email::StaffAlert {
                staff_name,
                organization_name,
                author_name,
                subject: ticket_subject,
                ticket_id,
                new_ticket,
                message,
            } => {
                let (subject, intro) = if *new_ticket {
                    (
                        format!("New ticket from {organization_name}: {ticket_subject}"),
                        format!("{author_name} ({organization_name}) opened a ticket"),
                    )
                } else {
                    (
                        format!("Customer reply: {ticket_subject} [{organization_name}]"),
                        format!("{author_name} ({organization_name}) wrote in"),
                    )
                };
                quoted_email(
                    &subject,
                    staff_name,
                    (&intro, ticket_subject),
                    message,
                    ("Answer it in the console", "Open in the console"),
                    &format!("{base_url}/staff/tickets/{ticket_id}"),
                )
            }
        }
    }
}

/// "Hi {name}, {intro} "{topic}": > {quote}", then one link. The quote is
/// plain text: escaped in the HTML part, its line breaks kept.
fn quoted_email(
    subject: &str,
    name: &str,
    (intro, topic): (&str, &str),
    quote: &str,
    (link_text, button): (&str, &str),
    link: &str,
) -> RenderedEmail {
    let text = format!(
        "Hi {name},\n\n{intro} \"{topic}\":\n\n{quote}\n\n{link_text}: {link}\n\n— The Portal team\n"
    );
    let quote_html = escape_html(quote).replace('\n', "<br>");
    let html = layout(
        subject,
        &format!(
            "<p>Hi {name},</p><p>{intro} <strong>{topic}</strong>:</p>\
             <blockquote style=\"border-left:3px solid #cbd5e1;margin:0;padding:0 12px;color:#334155\">{quote_html}</blockquote>\
             <p><a href=\"{link}\" style=\"{BUTTON}\">{button}</a></p>",
            name = escape_html(name),
            intro = escape_html(intro),
            topic = escape_html(topic),
            link = escape_html(link),
            button = escape_html(button),
        ),
    );
    RenderedEmail {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// "Resolved: how did we do?" with a good and a bad link, and the way back
/// into the ticket when it is not solved after all.
fn rating_email(
    base_url: &str,
    name: &str,
    ticket_subject: &str,
    ticket_id: &str,
    token: &str,
) -> RenderedEmail {
    let subject = format!("Resolved: {ticket_subject} [support]");
    let rate = |rating: &str| format!("{base_url}/rate-ticket?rating={rating}&token={token}");
    let (good, bad) = (rate("good"), rate("bad"));
    let ticket = format!("{base_url}/support/{ticket_id}");
    let text = format!(
        "Hi {name},\n\nSupport resolved your ticket \"{ticket_subject}\".\n\n\
         How did we do? Each link opens a page where one press sends your rating (and a comment, if you like):\n\
         Good: {good}\nBad: {bad}\n\n\
         Not solved after all? Reply in the ticket and it reopens: {ticket}\n\n— The Portal team\n"
    );
    let html = layout(
        &subject,
        &format!(
            "<p>Hi {name},</p><p>Support resolved your ticket <strong>{topic}</strong>.</p>\
             <p>How did we do?</p>\
             <p><a href=\"{good}\" style=\"{BUTTON}\">Good</a> &nbsp; <a href=\"{bad}\" style=\"{BUTTON}\">Bad</a></p>\
             <p>Not solved after all? <a href=\"{ticket}\">Reply in the ticket</a> and it reopens.</p>",
            name = escape_html(name),
            topic = escape_html(ticket_subject),
            good = escape_html(&good),
            bad = escape_html(&bad),
            ticket = escape_html(&ticket),
        ),
    );
    RenderedEmail {
        subject,
        text,
        html,
    }
}

/// "Join the support team": the link to `/staff/join`, where the invitee
/// creates an account (or proves theirs) before signing in to the console.
fn staff_invitation_email(
    base_url: &str,
    invited_by: &str,
    admin: bool,
    token: &str,
    expires_on: &str,
) -> RenderedEmail {
    let role = if admin {
        "a staff admin"
    } else {
        "a support agent"
    };
    invitation_email(
        format!("{invited_by} invited you to the Portal support team"),
        (
            &format!("{invited_by} invited you to join the Portal support team as {role}."),
            &format!(
                "{} invited you to join the Portal support team as {role}.",
                escape_html(invited_by)
            ),
        ),
        &format!("{base_url}/staff/join?token={token}"),
        expires_on,
        " The console asks you to set up two-factor authentication when you first sign in.",
    )
}

/// "Hi, {who} invited you to join {what}", one button to accept, and when the
/// link expires. `joining` is that sentence as text and as escaped HTML;
/// `aside` (plain text) follows the expiry.
fn invitation_email(
    subject: String,
    joining: (&str, &str),
    link: &str,
    expires_on: &str,
    aside: &str,
) -> RenderedEmail {
    let (joining_text, joining_html) = joining;
    let text = format!(
        "Hi,\n\n{joining_text}\n\nAccept the invitation: {link}\n\n\
         The link works once and expires on {expires_on}.{aside} If you did not expect this \
         invitation, you can ignore this email.\n\n— The Portal team\n"
    );
    let html = layout(
        &subject,
        &format!(
            "<p>Hi,</p><p>{joining_html}</p>\
             <p><a href=\"{link}\" style=\"{BUTTON}\">Accept the invitation</a></p>\
             <p>The link works once and expires on {expires}.{aside} If you did not expect this \
             invitation, you can ignore this email.</p>",
            link = escape_html(link),
            expires = escape_html(expires_on),
            aside = escape_html(aside),
        ),
    );
    RenderedEmail {
        subject,
        text,
        html,
    }
}

/// An invoice's PDF through its emailed token (`server::http::invoices`).
fn invoice_link(base_url: &str, token: &str) -> String {
    format!("{base_url}/invoices/pdf?token={token}")
}

/// The same token opens the paid invoice's receipt.
fn receipt_link(base_url: &str, token: &str) -> String {
    format!("{base_url}/invoices/pdf?document=receipt&token={token}")
}

const BUTTON: &str =
    "display:inline-block;background:#4f46e5;color:#ffffff;padding:10px 16px;border-radius:6px;\
                      text-decoration:none;font-weight:600";

/// "Why you got this" and the link to turn it off, in both parts.
fn with_preferences_footer(
    mut email: RenderedEmail,
    category: NotificationCategory,
    base_url: &str,
    unsubscribe: Option<&str>,
) -> RenderedEmail {
    let link = format!("{base_url}/settings/notifications");
    let unsubscribe = unsubscribe.map(|query| format!("{base_url}/unsubscribe?{query}"));
    let why = format!(
        "You get this email because \u{201c}{}\u{201d} is on in your email preferences.",
        category.label()
    );
    email
        .text
        .push_str(&format!("\n{why}\nChoose which emails you get: {link}\n"));
    if let Some(unsubscribe) = &unsubscribe {
        email.text.push_str(&format!(
            "Stop these emails with one click: {unsubscribe}\n"
        ));
    }
    let stop = unsubscribe.map_or_else(String::new, |unsubscribe| {
        format!(
            " Or <a href=\"{}\" style=\"color:#4f46e5\">stop these emails</a> with one click.",
            escape_html(&unsubscribe)
        )
    });
    email.html = email.html.replacen(
        "</body></html>",
        &format!(
            "<p style=\"color:#64748b;font-size:12px\">{why} \
             <a href=\"{link}\" style=\"color:#4f46e5\">Choose which emails you get</a>.{stop}</p></body></html>",
            why = escape_html(&why),
            link = escape_html(&link),
        ),
        1,
    );
    email
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5;max-width:560px;margin:0 auto;padding:24px\">\
         {body}<p style=\"color:#475569;font-size:14px\">— The Portal team</p></body></html>",
        title = escape_html(title),
    )
}

/// An email that says one thing and offers one link, in both parts.
fn action_email(
    subject: &str,
    name: &str,
    message: &str,
    (button, link): (&str, &str),
    footnote: &str,
) -> RenderedEmail {
    let text =
        format!("Hi {name},\n\n{message}\n\n{button}: {link}\n\n{footnote}\n\n— The Portal team\n");
    let html = layout(
        subject,
        &format!(
            "<p>Hi {name},</p><p>{message}</p><p><a href=\"{link}\" style=\"{BUTTON}\">{button}</a></p><p>{footnote}</p>",
            name = escape_html(name),
            message = escape_html(message),
            link = escape_html(link),
            button = escape_html(button),
            footnote = escape_html(footnote),
        ),
    );
    RenderedEmail {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn welcome(org: &str) -> Email {
        Email::Welcome {
            name: "Ada".into(),
            organization_name: org.into(),
        }
    }

    #[test]
    fn links_are_absolute() {
        let email = welcome("Acme").render("https://portal.example.com/");
        assert!(email.text.contains("https://portal.example.com/"));
        assert!(email.html.contains("href=\"https://portal.example.com/\""));
    }

    #[test]
    fn user_text_is_escaped_in_html_but_not_in_text() {
        let email = welcome("<script>alert(1)</script>").render("http://x");
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;"));
        assert!(email.text.contains("<script>"), "plain text is shown as is");
    }

    #[test]
    fn stored_form_round_trips() {
        let json = serde_json::to_value(welcome("Acme")).unwrap();
        assert_eq!(json["template"], "welcome");
        assert_eq!(json["data"]["organization_name"], "Acme");
        assert_eq!(
            serde_json::from_value::<Email>(json).unwrap(),
            welcome("Acme")
        );
    }

    #[test]
    fn an_email_one_may_turn_off_says_why_and_links_to_the_preferences() {
        let alert = Email::UsageAlert {
            organization_name: "Acme".into(),
            metric: "API calls".into(),
            threshold: 80,
            used: "8,000 calls".into(),
            limit: "10,000 calls".into(),
        }
        .render("https://portal.example.com/");
        let link = "https://portal.example.com/settings/notifications";
        assert!(
            alert.text.contains("\u{201c}Usage alerts\u{201d} is on"),
            "{}",
            alert.text
        );
        assert!(alert.text.contains(link));
        assert!(alert.html.contains(link) && alert.html.ends_with("</body></html>"));
        let security = Email::SecurityNotice {
            name: "Ada".into(),
            event: "Two-factor authentication was turned off".into(),
        }
        .render("https://portal.example.com");
        assert!(
            !security.text.contains(link),
            "security emails cannot be turned off"
        );
    }

    #[test]
    fn a_resolved_ticket_asks_for_a_rating_with_two_links() {
        let email = Email::TicketResolved {
            name: "Ada".into(),
            subject: "Export <fails>".into(),
            ticket_id: "abc".into(),
            token: "tok".into(),
        }
        .render("https://p.example");
        assert_eq!(email.subject, "Resolved: Export <fails> [support]");
        for link in [
            "https://p.example/rate-ticket?rating=good&token=tok",
            "https://p.example/rate-ticket?rating=bad&token=tok",
            "https://p.example/support/abc",
        ] {
            assert!(email.text.contains(link), "{link} in the text");
        }
        assert!(email.html.contains("rating=good&amp;token=tok"));
        assert!(email.html.contains("Export &lt;fails&gt;"));
    }

    #[test]
    fn ticket_reply_escapes_the_reply_and_links_to_the_ticket() {
        let email = Email::TicketReply {
            name: "Ada".into(),
            staff_name: "Sam".into(),
            subject: "Invoice <wrong>".into(),
            ticket_id: "abc".into(),
            reply: "line one\n<img src=x onerror=alert(1)>".into(),
        }
        .render("https://portal.example.com");
        assert!(!email.html.contains("<img"), "{}", email.html);
        assert!(email.html.contains("line one<br>&lt;img"));
        assert!(email
            .text
            .contains("https://portal.example.com/support/abc"));
        assert_eq!(email.subject, "Re: Invoice <wrong> [support]");
    }

    #[test]
    fn a_staff_alert_names_the_customer_and_links_to_the_console() {
        let email = Email::StaffAlert {
            staff_name: "Sam".into(),
            organization_name: "Acme".into(),
            author_name: "Ada".into(),
            subject: "Export <fails>".into(),
            ticket_id: "abc".into(),
            new_ticket: true,
            message: "It fails\n<script>x</script>".into(),
        }
        .render("https://portal.example.com");
        assert_eq!(email.subject, "New ticket from Acme: Export <fails>");
        assert!(email
            .text
            .contains("Ada (Acme) opened a ticket \"Export <fails>\""));
        assert!(email
            .text
            .contains("https://portal.example.com/staff/tickets/abc"));
        assert!(
            email.html.contains("It fails<br>&lt;script&gt;"),
            "{}",
            email.html
        );
        assert!(!email.html.contains("<script>"));
    }

    #[test]
    fn invitation_links_to_the_accept_page_with_its_token() {
        let email = Email::Invitation {
            organization_name: "Acme".into(),
            invited_by: "Ada".into(),
            role: "Admin".into(),
            token: "tok_123".into(),
            expires_on: "2026-12-03".into(),
        }
        .render("https://portal.example.com");
        let link = "https://portal.example.com/invitations/accept?token=tok_123";
        assert!(email.text.contains(link));
        assert!(email.html.contains(&format!("href=\"{link}\"")));
        assert_eq!(email.subject, "Ada invited you to Acme on Portal");
    }

    #[test]
    fn a_staff_invitation_links_to_the_join_page_and_names_the_role() {
        let email = Email::StaffInvitation {
            invited_by: "Sam <Support>".into(),
            admin: true,
            token: "tok_456".into(),
            expires_on: "2026-12-06".into(),
        }
        .render("https://portal.example.com");
        let link = "https://portal.example.com/staff/join?token=tok_456";
        assert!(email.text.contains(link));
        assert!(email.text.contains("as a staff admin"));
        assert!(email.html.contains(&format!("href=\"{link}\"")));
        assert!(email.html.contains("Sam &lt;Support&gt;"));
        assert_eq!(
            email.subject,
            "Sam <Support> invited you to the Portal support team"
        );
    }
}
