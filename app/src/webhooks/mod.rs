//! Webhooks: the endpoints list with its add form (`/webhooks`) and each
//! endpoint's page with its settings and delivery log (`/webhooks/:id`).
//! Server functions in `api.rs` call `backend::webhooks::service`.

pub mod api;
pub mod page;

pub use page::{EndpointPage, WebhooksPage};
