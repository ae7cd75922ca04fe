//! Server-only plumbing shared by every feature: application state, the
//! session and its extractor helpers, the audit log, rate limiting, password
//! hashing, and the conversions that turn backend errors into `AppError`.

pub mod audit;
pub mod clock;
pub mod context;
pub mod error;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod settings;
pub mod state;

pub use context::{client_meta, require_member, require_permission, state, ClientMeta};
pub use session::AuthSession;
pub use settings::Settings;
pub use state::AppState;
