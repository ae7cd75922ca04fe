//! Webhooks: endpoints an organization registers, events written in the
//! transaction of the change that caused them ([`events::emit`]), and their
//! delivery with Standard Webhooks signatures ([`delivery`]), retries over
//! about three days, and a log the endpoint's page shows ([`service`]).
//!
//! Postgres holds the whole queue: a worker leases due deliveries
//! (`FOR UPDATE SKIP LOCKED`, a lease that a crashed worker's runs out), so
//! losing Redis loses nothing and delays nothing.

pub mod db;
pub mod delivery;
pub mod events;
pub mod outbound;
pub mod service;
pub mod signing;

pub use crate::settings::WebhookSettings;
pub use outbound::AddressPolicy;

/// At most this many endpoints per organization.
pub const MAX_ENDPOINTS: i64 = 20;
