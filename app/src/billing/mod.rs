//! The billing page: plan, subscription, card on file, invoices and plan
//! changes. `api.rs` calls `backend::billing::service`; PDFs are an HTTP route
//! of the server (`server/src/http/invoices.rs`).

pub mod api;
pub mod components;
pub mod page;

pub use page::BillingPage;
