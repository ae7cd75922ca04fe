//! The dashboard: the organization at a glance. Today it shows the account,
//! plan and team size from one SQL statement; the usage, billing, API key and
//! support issues add their summaries here.

pub mod api;
pub mod model;
pub mod page;

#[cfg(feature = "ssr")]
pub mod db;

pub use page::DashboardPage;
