use super::Settings;
use crate::api_keys::verifier::ApiKeyVerifier;
use crate::live::LiveHub;
use crate::usage::meter::UsageMeter;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Everything a request handler needs, cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub redis: fred::clients::Pool,
    pub settings: Arc<Settings>,
    /// Per-instance cache of API key records (see `api_keys::verifier`).
    pub api_keys: ApiKeyVerifier,
    /// This instance's open live streams (see `live`).
    pub live: LiveHub,
    /// Organizations whose usage changed, for the usage worker.
    pub usage: UsageMeter,
}
