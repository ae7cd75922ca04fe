//! Every action the portal records, each in the category the audit page
//! filters by. A test reads the sources and fails when an action is recorded
//! that this list (and so the page's sentences and filters) does not know.

use serde::{Deserialize, Serialize};

/// What an entry is about, as the audit page's filter offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditCategory {
    Security,
    Organization,
    Team,
    ApiKeys,
    Billing,
    Support,
}

impl AuditCategory {
    pub const ALL: [Self; 6] = [
        Self::Security,
        Self::Organization,
        Self::Team,
        Self::ApiKeys,
        Self::Billing,
        Self::Support,
    ];

    /// The value in the URL (`?category=api_keys`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Security => "security",
            Self::Organization => "organization",
            Self::Team => "team",
            Self::ApiKeys => "api_keys",
            Self::Billing => "billing",
            Self::Support => "support",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Security => "Sign-in and security",
            Self::Organization => "Organization settings",
            Self::Team => "Team and invitations",
            Self::ApiKeys => "API keys and webhooks",
            Self::Billing => "Billing and plan",
            Self::Support => "Support and help",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }

    /// The actions of this category, for the SQL filter.
    pub fn actions(self) -> Vec<&'static str> {
        ACTIONS
            .iter()
            .filter(|(_, category)| *category == self)
            .map(|(action, _)| *action)
            .collect()
    }

    pub fn of(action: &str) -> Option<Self> {
        ACTIONS
            .iter()
            .find(|(known, _)| *known == action)
            .map(|(_, category)| *category)
    }
}

use AuditCategory::*;

/// Every recorded action (`noun.verb`, past tense) and its category.
pub const ACTIONS: &[(&str, AuditCategory)] = &[
    ("user.signed_in", Security),
    ("user.sign_in_failed", Security),
    ("user.second_factor_requested", Security),
    ("user.signed_out", Security),
    ("user.email_verified", Security),
    ("user.verification_resent", Security),
    ("user.password_reset_requested", Security),
    ("user.password_reset", Security),
    ("user.password_changed", Security),
    ("user.two_factor_setup_started", Security),
    ("user.two_factor_enabled", Security),
    ("user.two_factor_disabled", Security),
    ("user.recovery_codes_regenerated", Security),
    ("user.recovery_code_used", Security),
    ("user.renamed", Security),
    ("user.time_zone_changed", Security),
    ("user.notifications_changed", Security),
    ("user.unsubscribed", Security),
    ("user.email_change_requested", Security),
    ("user.email_changed", Security),
    ("session.organization_switched", Security),
    ("session.revoked", Security),
    ("session.others_revoked", Security),
    ("session.all_revoked", Security),
    ("organization.two_factor_required", Security),
    ("organization.two_factor_optional", Security),
    ("access.denied", Security),
    ("staff.signed_in", Security),
    ("staff.signed_out", Security),
    ("organization.created", Organization),
    ("organization.renamed", Organization),
    ("organization.billing_email_changed", Organization),
    ("organization.notification_defaults_changed", Organization),
    ("organization.ownership_transferred", Organization),
    ("member.role_changed", Team),
    ("member.removed", Team),
    ("member.left", Team),
    ("invitation.created", Team),
    ("invitation.resent", Team),
    ("invitation.revoked", Team),
    ("invitation.accepted", Team),
    ("staff.invited", Team),
    ("staff.deactivated", Team),
    ("staff.reactivated", Team),
    ("staff.admin_granted", Team),
    ("staff.admin_removed", Team),
    ("staff_invitation.revoked", Team),
    ("staff_invitation.accepted", Team),
    ("api_key.created", ApiKeys),
    ("api_key.rotated", ApiKeys),
    ("api_key.revoked", ApiKeys),
    ("webhook.endpoint_created", ApiKeys),
    ("webhook.endpoint_updated", ApiKeys),
    ("webhook.endpoint_deleted", ApiKeys),
    ("webhook.secret_rotated", ApiKeys),
    ("webhook.test_sent", ApiKeys),
    ("webhook.delivery_resent", ApiKeys),
    ("billing.details_changed", Billing),
    ("billing.payment_method_changed", Billing),
    ("billing.card_declined", Billing),
    ("subscription.upgraded", Billing),
    ("subscription.downgrade_scheduled", Billing),
    ("subscription.change_canceled", Billing),
    ("subscription.downgraded", Billing),
    ("subscription.canceled", Billing),
    ("subscription.resumed", Billing),
    ("subscription.ended", Billing),
    ("subscription.status_changed", Billing),
    ("invoice.paid", Billing),
    ("invoice.payment_failed", Billing),
    ("credit_note.issued", Billing),
    ("ticket.opened", Support),
    ("ticket.replied", Support),
    ("ticket.closed", Support),
    ("ticket.reopened", Support),
    ("ticket.rated", Support),
    ("ticket.status_changed", Support),
    ("ticket.assigned", Support),
    ("ticket.staff_replied", Support),
    ("ticket.note_added", Support),
    ("ticket.viewed_by_staff", Support),
    ("help_article.created", Support),
    ("help_article.updated", Support),
    ("help_article.answered", Support),
    ("canned_reply.created", Support),
    ("canned_reply.updated", Support),
    ("canned_reply.deleted", Support),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_is_listed_once_and_each_category_has_actions() {
        let mut names: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "an action is listed twice");
        for category in AuditCategory::ALL {
            assert!(!category.actions().is_empty(), "{category:?}");
            assert_eq!(AuditCategory::parse(category.as_str()), Some(category));
        }
        assert_eq!(AuditCategory::of("member.role_changed"), Some(Team));
        assert_eq!(AuditCategory::of("widget.made"), None);
        assert_eq!(
            AuditCategory::parse("Security"),
            None,
            "URL values are exact"
        );
    }
}
