//! Development-only tools: an SMTP sink that keeps what the portal sends, and
//! the `/dev/mailbox` page that shows it. Never mounted in production.

pub mod mailbox;
pub mod smtp_sink;
