use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum Role {
    Owner,
    Admin,
    Billing,
    Member,
}

/// Everything the portal lets someone do. Server functions check one of these
/// (`require_permission`), and the UI asks the same matrix to decide what to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewDashboard,
    ViewUsage,
    ViewBilling,
    ManageBilling,
    ViewTeam,
    ManageTeam,
    ViewApiKeys,
    ManageApiKeys,
    UseSupport,
    ManageOrganization,
    ViewAuditLog,
    DeleteOrganization,
    /// Require two-factor authentication of every member.
    ManageSecurityPolicy,
    /// Choose which emails members get until they choose themselves.
    SetNotificationDefaults,
    /// Add, change and remove webhook endpoints; read their delivery log.
    ManageWebhooks,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Billing, Role::Member];

    /// The permission matrix. Deliberately written as one exhaustive match per
    /// permission, so adding a permission forces a decision for every role.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ViewDashboard | ViewUsage | ViewTeam | UseSupport => true,
            ViewBilling => matches!(self, Owner | Admin | Billing | Member),
            ManageBilling => matches!(self, Owner | Billing),
            ManageTeam => matches!(self, Owner | Admin),
            // Billing staff handle invoices, not engineering credentials.
            ViewApiKeys => matches!(self, Owner | Admin | Member),
            ManageApiKeys => matches!(self, Owner | Admin),
            ManageOrganization | ViewAuditLog | ManageWebhooks => matches!(self, Owner | Admin),
            DeleteOrganization | ManageSecurityPolicy | SetNotificationDefaults => {
                matches!(self, Owner)
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Billing => "billing",
            Role::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Billing => "Billing",
            Role::Member => "Member",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of owner, admin, billing or member.")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "billing" => Ok(Role::Billing),
            "member" => Ok(Role::Member),
            _ => Err(UnknownRole),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::Role::*;
    use super::*;

    /// The matrix as a table a product manager can review: (permission, owner, admin, billing, member).
    const MATRIX: &[(Permission, [bool; 4])] = &[
        (ViewDashboard, [true, true, true, true]),
        (ViewUsage, [true, true, true, true]),
        (ViewBilling, [true, true, true, true]),
        (ManageBilling, [true, false, true, false]),
        (ViewTeam, [true, true, true, true]),
        (ManageTeam, [true, true, false, false]),
        (ViewApiKeys, [true, true, false, true]),
        (ManageApiKeys, [true, true, false, false]),
        (UseSupport, [true, true, true, true]),
        (ManageOrganization, [true, true, false, false]),
        (ViewAuditLog, [true, true, false, false]),
        (DeleteOrganization, [true, false, false, false]),
        (ManageSecurityPolicy, [true, false, false, false]),
        (SetNotificationDefaults, [true, false, false, false]),
        (ManageWebhooks, [true, true, false, false]),
    ];

    #[test]
    fn permission_matrix_matches_the_reviewed_table() {
        for (permission, expected) in MATRIX {
            for (role, allowed) in Role::ALL.iter().zip(expected) {
                assert_eq!(role.can(*permission), *allowed, "{role:?} / {permission:?}");
            }
        }
    }

    #[test]
    fn only_owners_can_delete_the_organization() {
        assert!(Owner.can(DeleteOrganization));
        assert!(!Admin.can(DeleteOrganization));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("superuser".parse::<Role>(), Err(UnknownRole));
    }
}
