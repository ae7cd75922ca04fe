//! The API keys page: create, rotate, revoke. Server functions in `api.rs`
//! call `backend::api_keys::service`.

pub mod api;
pub mod page;

pub use page::ApiKeysPage;
