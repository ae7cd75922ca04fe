//! Domain rules with no I/O: they parse user input into types that can only hold
//! valid values, and they run unchanged in the browser (instant feedback) and on
//! the server (the check that counts).

/// `ApiKeySecret`: the `sk_live_` key format with its checksum; `ApiKeyScope`.
pub mod api_key;
/// Proration, invoice totals, tax, overage and plan-change limit conflicts.
pub mod billing;
/// `CardNumber` (Luhn), `CardExpiry`, `CardCvc`: card input that never prints.
pub mod card;
/// Dates as the portal writes them ("Dec 12, 2026").
pub mod dates;
/// `EmailAddress`: trimmed, lower-cased, plausibly deliverable.
pub mod email;
/// `Money`: integer minor units and a `Currency`; never floats.
pub mod money;
/// `OrganizationName`, `PersonName`: trimmed, non-empty, bounded.
pub mod names;
/// `Password`: the password policy (length only, as NIST SP 800-63B advises).
pub mod password;
/// `Role`, `Permission` and the matrix of who may do what.
pub mod role;

pub use api_key::{ApiKeyScope, ApiKeySecret};
pub use dates::format_date;
pub use email::EmailAddress;
pub use money::{Currency, Money};
pub use names::{ApiKeyName, OrganizationName, PersonName};
pub use password::Password;
pub use role::{Permission, Role};
