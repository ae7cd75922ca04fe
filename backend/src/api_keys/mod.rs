//! API keys: the lifecycle customers manage (`service`) and the verifier
//! that answers "is this key valid?" from memory on the hot path (`verifier`).

pub mod db;
pub mod service;
pub mod verifier;
