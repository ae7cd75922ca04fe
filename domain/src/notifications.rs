//! Which emails a person wants: categories they turn on or off per
//! organization. Security emails cannot be turned off.

use serde::{Deserialize, Serialize};

/// What an email is about, as the preferences page groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationCategory {
    /// A usage threshold was crossed.
    UsageAlerts,
    /// Invoices issued, payments received or failed.
    Billing,
    /// Support replied to, or resolved, one of their tickets.
    Tickets,
    /// How they sign in changed; always sent.
    Security,
}

impl NotificationCategory {
    /// In the order the preferences page lists them.
    pub const ALL: [Self; 4] = [
        Self::UsageAlerts,
        Self::Billing,
        Self::Tickets,
        Self::Security,
    ];

    /// As stored (`notification_preference.category`) and posted.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsageAlerts => "usage_alerts",
            Self::Billing => "billing",
            Self::Tickets => "tickets",
            Self::Security => "security",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::UsageAlerts => "Usage alerts",
            Self::Billing => "Invoices and payments",
            Self::Tickets => "Ticket updates",
            Self::Security => "Security",
        }
    }

    /// What it sends, for the preferences page and an email's footer.
    pub fn description(self) -> &'static str {
        match self {
            Self::UsageAlerts => "When your organization passes 80% or 100% of a plan limit.",
            Self::Billing => "When an invoice is issued, paid, or its payment fails.",
            Self::Tickets => "When support replies to one of your tickets or resolves it.",
            Self::Security => {
                "Sign-in changes, password resets and email changes. These are always sent."
            }
        }
    }

    /// Security emails protect the account: nobody may turn them off.
    pub fn can_turn_off(self) -> bool {
        self != Self::Security
    }
}

/// One line of the preferences page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPreference {
    pub category: NotificationCategory,
    /// Emails of this category are sent to them.
    pub email: bool,
    /// What the organization's owners chose for members who have not chosen.
    pub organization_default: bool,
    /// They chose `email` themselves; otherwise it follows the default.
    pub own_choice: bool,
}

/// What an email's unsubscribe link turns off, for its confirmation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsubscribeView {
    pub category: NotificationCategory,
    pub organization_name: String,
    /// Already off (the link was used, or the page changed it).
    pub unsubscribed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip_and_only_security_is_locked() {
        for category in NotificationCategory::ALL {
            assert_eq!(
                NotificationCategory::parse(category.as_str()),
                Some(category)
            );
            assert_eq!(
                category.can_turn_off(),
                category != NotificationCategory::Security
            );
        }
        assert_eq!(NotificationCategory::parse("marketing"), None);
    }
}
