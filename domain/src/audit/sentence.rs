//! An entry as a person would say it: "Olivia Owens changed Max Moreau's
//! role from Member to Admin". Built on the server from the stored entry and
//! the names it points at, so the page, its hydration and any export agree.

use serde_json::Value;

/// What a sentence is made of: the stored entry and the current names of
/// the people and things it points at (`None` once they are gone).
#[derive(Debug, Clone, Copy, Default)]
pub struct EntryFacts<'a> {
    pub action: &'a str,
    pub actor_name: Option<&'a str>,
    pub actor_email: Option<&'a str>,
    pub target_name: Option<&'a str>,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

impl EntryFacts<'_> {
    /// Who acted: their name today, else the email recorded, else the portal.
    fn who(&self) -> String {
        self.actor_name
            .or(self.actor_email)
            .unwrap_or("The portal")
            .to_owned()
    }

    fn before(&self, field: &str) -> Option<String> {
        text(self.before?.get(field)?)
    }

    fn after(&self, field: &str) -> Option<String> {
        text(self.after?.get(field)?)
    }

    /// A field's value after the change, else before it.
    fn either(&self, field: &str) -> Option<String> {
        self.after(field).or_else(|| self.before(field))
    }

    /// What the entry is about, by its current name or the one recorded.
    fn target(&self) -> String {
        self.target_name
            .map(str::to_owned)
            .or_else(|| {
                ["name", "subject", "title", "email", "number"]
                    .iter()
                    .find_map(|field| self.either(field))
            })
            .unwrap_or_else(|| "someone".to_owned())
    }

    /// The target in quotes: an API key's or a ticket's own words.
    fn quoted(&self) -> String {
        format!("“{}”", self.target())
    }

    /// " from Member to Admin", " to Admin", or nothing.
    fn change(&self, field: &str, show: fn(&str) -> String) -> String {
        match (self.before(field), self.after(field)) {
            (Some(before), Some(after)) => format!(" from {} to {}", show(&before), show(&after)),
            (None, Some(after)) => format!(" to {}", show(&after)),
            _ => String::new(),
        }
    }
}

/// The entry as one sentence, without a full stop.
pub fn sentence(facts: &EntryFacts) -> String {
    let who = facts.who();
    let target = facts.target();
    let quoted = facts.quoted();
    let plain = |text: &str| text.to_owned();
    let role = |field: &str| facts.either(field).map(|r| title(&r)).unwrap_or_default();
    match facts.action {
        "organization.created" => format!("{who} created the organization {target}"),
        "organization.renamed" => format!(
            "{who} renamed the organization{}",
            facts.change("name", plain)
        ),
        "organization.billing_email_changed" => match facts.after("billing_email") {
            Some(_) => format!(
                "{who} changed the billing email{}",
                facts.change("billing_email", plain)
            ),
            None => format!("{who} removed the billing email"),
        },
        "organization.ownership_transferred" => {
            let owner = facts
                .target_name
                .map(str::to_owned)
                .or_else(|| facts.after("owner"));
            format!("{who} made {} the owner", owner.unwrap_or(target))
        }
        "organization.two_factor_required" => {
            format!("{who} required two-factor authentication for every member")
        }
        "organization.two_factor_optional" => {
            format!("{who} made two-factor authentication optional")
        }
        "user.signed_in" => format!("{who} signed in"),
        "user.sign_in_failed" => format!(
            "A sign-in as {} failed",
            facts.actor_email.unwrap_or("an unknown email")
        ),
        "user.second_factor_requested" => {
            format!("{who} entered their password and was asked for a second factor")
        }
        "user.signed_out" => format!("{who} signed out"),
        "user.email_verified" => format!("{who} verified their email address"),
        "user.verification_resent" => format!("{who} asked for another verification email"),
        "user.password_reset_requested" => format!("{who} asked for a password reset link"),
        "user.password_reset" => format!("{who} reset their password"),
        "user.password_changed" => format!("{who} changed their password"),
        "user.two_factor_setup_started" => {
            format!("{who} started setting up two-factor authentication")
        }
        "user.two_factor_enabled" => format!("{who} turned on two-factor authentication"),
        "user.two_factor_disabled" => format!("{who} turned off two-factor authentication"),
        "user.recovery_codes_regenerated" => format!("{who} generated new recovery codes"),
        "user.recovery_code_used" => format!("{who} signed in with a recovery code"),
        "user.renamed" => format!("{who} changed their name{}", facts.change("name", plain)),
        "user.notifications_changed" => format!("{who} changed which emails they get"),
        "organization.notification_defaults_changed" => {
            format!("{who} changed which emails members get by default")
        }
        "user.unsubscribed" => format!("{who} unsubscribed from an email's link"),
        "user.time_zone_changed" => format!(
            "{who} changed their time zone{}",
            facts.change("time_zone", plain)
        ),
        "user.email_change_requested" => {
            format!(
                "{who} asked to change their email to {}",
                facts.after("email").unwrap_or_default()
            )
        }
        "user.email_changed" => {
            format!("{who} changed their email{}", facts.change("email", plain))
        }
        "session.organization_switched" => format!("{who} switched organizations"),
        "session.revoked" => format!("{who} ended one of their sessions"),
        "session.others_revoked" => format!("{who} signed out of their other sessions"),
        "session.all_revoked" => format!("{who} signed out of every session"),
        "access.denied" => match facts.after("path") {
            Some(path) => format!("{who} was refused access to {path}"),
            None => format!("{who} was refused access"),
        },
        "staff.signed_in" => format!("{who} signed in to the support console"),
        "staff.signed_out" => format!("{who} signed out of the support console"),
        "member.role_changed" => {
            format!(
                "{who} changed {}'s role{}",
                target,
                facts.change("role", title)
            )
        }
        "member.removed" => format!("{who} removed {target} from the organization"),
        "member.left" => format!("{who} left the organization"),
        "invitation.created" => format!("{who} invited {} as {}", email(facts), role("role")),
        "invitation.resent" => format!("{who} sent the invitation to {} again", email(facts)),
        "invitation.revoked" => format!("{who} withdrew the invitation to {}", email(facts)),
        "invitation.accepted" => format!(
            "{who} accepted the invitation and joined as {}",
            role("role")
        ),
        "staff.invited" => format!("{who} invited {} to the support staff", email(facts)),
        "staff.deactivated" => format!("{who} deactivated {target}'s staff account"),
        "staff.reactivated" => format!("{who} reactivated {target}'s staff account"),
        "staff.admin_granted" => format!("{who} made {target} a staff admin"),
        "staff.admin_removed" => format!("{who} removed {target}'s staff admin rights"),
        "staff_invitation.revoked" => {
            format!("{who} withdrew the staff invitation to {}", email(facts))
        }
        "staff_invitation.accepted" => format!("{who} accepted the staff invitation"),
        "api_key.created" => format!("{who} created the API key {quoted}"),
        "api_key.rotated" => format!("{who} rotated the API key {quoted}"),
        "api_key.revoked" => format!("{who} revoked the API key {quoted}"),
        "webhook.endpoint_created" => format!("{who} added the webhook endpoint {}", url(facts)),
        "webhook.endpoint_updated" => format!("{who} changed the webhook endpoint {}", url(facts)),
        "webhook.endpoint_deleted" => format!("{who} removed the webhook endpoint {}", url(facts)),
        "webhook.secret_rotated" => {
            format!("{who} rotated the signing secret of {}", url(facts))
        }
        "webhook.test_sent" => format!("{who} sent a test event to {}", url(facts)),
        "webhook.delivery_resent" => format!("{who} resent a webhook delivery to {}", url(facts)),
        "billing.details_changed" => format!("{who} changed the billing details"),
        "billing.payment_method_changed" => match (facts.after("brand"), facts.after("last4")) {
            (Some(brand), Some(last4)) => format!(
                "{who} changed the payment card to {} ending {last4}",
                title(&brand)
            ),
            _ => format!("{who} changed the payment card"),
        },
        "billing.card_declined" => format!("A card {who} entered was declined"),
        "subscription.upgraded" => {
            format!("{who} upgraded the plan{}", facts.change("plan", title))
        }
        "subscription.downgrade_scheduled" => format!(
            "{who} scheduled a move to the {} plan at the end of the period",
            facts
                .after("scheduled_plan")
                .map(|p| title(&p))
                .unwrap_or_default()
        ),
        "subscription.change_canceled" => format!("{who} canceled the scheduled plan change"),
        "subscription.canceled" => {
            format!("{who} canceled the subscription at the end of the period")
        }
        "subscription.resumed" => format!("{who} kept the subscription going"),
        "subscription.downgraded" => format!(
            "The plan changed{} at the start of the period",
            facts.change("plan", title)
        ),
        "subscription.ended" => "The subscription ended with its period".to_owned(),
        "subscription.status_changed" => {
            format!(
                "The subscription's status changed{}",
                facts.change("status", title)
            )
        }
        "invoice.paid" => format!(
            "Invoice {} was paid",
            facts.either("number").unwrap_or(target)
        ),
        "invoice.payment_failed" => {
            format!(
                "A payment of invoice {} failed",
                facts.either("number").unwrap_or(target)
            )
        }
        "credit_note.issued" => format!(
            "{who} issued credit note {}",
            facts.after("number").unwrap_or_default()
        ),
        "ticket.opened" => format!("{who} opened the ticket {quoted}"),
        "ticket.replied" => format!("{who} replied to {quoted}"),
        "ticket.closed" => format!("{who} closed {quoted}"),
        "ticket.reopened" => format!("{who} reopened {quoted}"),
        "ticket.rated" => match facts.after("rating").as_deref() {
            Some("good") => format!("{who} rated the help on {quoted} good"),
            Some("bad") => format!("{who} rated the help on {quoted} bad"),
            _ => format!("{who} rated the help on {quoted}"),
        },
        "ticket.status_changed" => format!(
            "{who} changed the status of {quoted}{}",
            facts.change("status", title)
        ),
        "ticket.assigned" => format!("{who} assigned {quoted}"),
        "ticket.staff_replied" => format!("{who} (support) replied to {quoted}"),
        "ticket.note_added" => format!("{who} added an internal note to {quoted}"),
        "ticket.viewed_by_staff" => format!("{who} (support) opened {quoted}"),
        "help_article.answered" => match facts.after("helpful").as_deref() {
            Some("true") => format!("{who} found the article {quoted} helpful"),
            _ => format!("{who} found the article {quoted} not helpful"),
        },
        "help_article.created" => format!("{who} wrote the help article {quoted}"),
        "help_article.updated" => format!("{who} edited the help article {quoted}"),
        "canned_reply.created" => format!("{who} added the canned reply {quoted}"),
        "canned_reply.updated" => format!("{who} edited the canned reply {quoted}"),
        "canned_reply.deleted" => format!("{who} deleted the canned reply {quoted}"),
        other => format!("{who}: {other}"),
    }
}

/// A webhook endpoint is named by its URL.
fn url(facts: &EntryFacts) -> String {
    facts
        .either("url")
        .unwrap_or_else(|| "an endpoint".to_owned())
}

fn email(facts: &EntryFacts) -> String {
    facts
        .either("email")
        .unwrap_or_else(|| "someone".to_owned())
}

/// A JSON value as text; objects, arrays and null say nothing.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        _ => None,
    }
}

/// "past_due" → "Past due", "admin" → "Admin": stored words as shown.
pub fn title(word: &str) -> String {
    let spaced = word.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::actions::ACTIONS;
    use super::*;
    use serde_json::json;

    fn facts<'a>(
        action: &'a str,
        before: Option<&'a Value>,
        after: Option<&'a Value>,
    ) -> EntryFacts<'a> {
        EntryFacts {
            action,
            actor_name: Some("Olivia Owens"),
            actor_email: Some("olivia@example.com"),
            target_name: None,
            before,
            after,
        }
    }

    #[test]
    fn a_role_change_reads_as_the_issue_asks() {
        let before = json!({ "email": "max@example.com", "role": "member" });
        let after = json!({ "email": "max@example.com", "role": "admin" });
        let entry = EntryFacts {
            target_name: Some("Max Moreau"),
            ..facts("member.role_changed", Some(&before), Some(&after))
        };
        assert_eq!(
            sentence(&entry),
            "Olivia Owens changed Max Moreau's role from Member to Admin"
        );
        // A member who has since left is named by the email recorded.
        let gone = EntryFacts {
            target_name: None,
            ..entry
        };
        assert_eq!(
            sentence(&gone),
            "Olivia Owens changed max@example.com's role from Member to Admin"
        );
    }

    #[test]
    fn values_and_actors_fall_back_sensibly() {
        let set = json!({ "billing_email": "ap@acme.test" });
        let cleared = json!({ "billing_email": null });
        assert_eq!(
            sentence(&facts(
                "organization.billing_email_changed",
                Some(&cleared),
                Some(&set)
            )),
            "Olivia Owens changed the billing email to ap@acme.test"
        );
        assert_eq!(
            sentence(&facts(
                "organization.billing_email_changed",
                Some(&set),
                Some(&cleared)
            )),
            "Olivia Owens removed the billing email"
        );
        let failed = EntryFacts {
            actor_name: None,
            actor_email: Some("x@y.io"),
            ..facts("user.sign_in_failed", None, None)
        };
        assert_eq!(sentence(&failed), "A sign-in as x@y.io failed");
        let system = EntryFacts {
            actor_name: None,
            actor_email: None,
            ..facts("user.signed_in", None, None)
        };
        assert_eq!(sentence(&system), "The portal signed in");
        let key = json!({ "name": "CI deploys" });
        assert_eq!(
            sentence(&facts("api_key.revoked", Some(&key), None)),
            "Olivia Owens revoked the API key “CI deploys”"
        );
        let status = (
            json!({ "status": "active" }),
            json!({ "status": "past_due" }),
        );
        assert_eq!(
            sentence(&facts(
                "subscription.status_changed",
                Some(&status.0),
                Some(&status.1)
            )),
            "The subscription's status changed from Active to Past due"
        );
        assert_eq!(
            sentence(&facts("widget.made", None, None)),
            "Olivia Owens: widget.made"
        );
    }

    #[test]
    fn every_known_action_has_its_own_sentence() {
        for (action, _) in ACTIONS {
            let said = sentence(&facts(action, None, None));
            assert!(
                !said.contains(action),
                "{action} falls back to its machine name: {said}"
            );
        }
    }
}
