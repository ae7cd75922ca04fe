//! Domain rules with no I/O: they parse user input into types that can only hold
//! valid values, and they run unchanged in the browser (instant feedback) and on
//! the server (the check that counts).

/// `ApiKeySecret`: the `sk_live_` key format with its checksum; `ApiKeyScope`.
pub mod api_key;
/// `EmailAddress`: trimmed, lower-cased, plausibly deliverable.
pub mod email;
/// `OrganizationName`, `PersonName`: trimmed, non-empty, bounded.
pub mod names;
/// `Password`: the password policy (length only, as NIST SP 800-63B advises).
pub mod password;
/// `Role`, `Permission` and the matrix of who may do what.
pub mod role;

pub use api_key::{ApiKeyScope, ApiKeySecret};
pub use email::EmailAddress;
pub use names::{ApiKeyName, OrganizationName, PersonName};
pub use password::Password;
pub use role::{Permission, Role};
