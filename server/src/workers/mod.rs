//! Background workers. They run inside the server process by default
//! (`PORTAL_WORKER=inline`) or alone (`server --worker`), and expose
//! `process_one()` so tests can drain their queues deterministically.

pub mod api_keys;
pub mod billing;
pub mod breakers;
pub mod housekeeping;
pub mod live;
pub mod notifications;
pub mod subscriber;
pub mod usage;
pub mod webhooks;
