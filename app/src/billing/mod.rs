//! The billing page: plan, subscription, card on file, invoices and plan
//! changes. `api.rs` calls `backend::billing::service`; PDFs are an HTTP route
//! of the server (`server/src/http/invoices.rs`). Cards go from the browser to
//! the processor (`card_entry`), never to the portal.

pub mod api;
pub mod card_entry;
pub mod components;
pub mod page;

pub use page::BillingPage;
