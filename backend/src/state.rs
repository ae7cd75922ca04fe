//! `AppState`: the composition of the backend — the plumbing (`Ctx`) and the
//! per-instance parts that belong to features (the API key cache, the usage
//! meter). It sits at the top of the crate: features never import it; they
//! take `&Ctx` and, where they need one, the feature part itself.

use crate::api_keys::verifier::ApiKeyVerifier;
use crate::audit::service::ExportSlots;
use crate::ctx::Ctx;
use crate::help::cache::SearchCache;
use crate::lifecycle::Lifecycle;
use crate::support::attachments::AttachmentStore;
use crate::usage::meter::UsageMeter;
use std::ops::Deref;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    /// Per-instance cache of API key records (see `api_keys::verifier`).
    pub api_keys: ApiKeyVerifier,
    /// Organizations whose usage changed, for the usage worker.
    pub usage: UsageMeter,
    /// Audit exports running on this instance (see `audit::service::ExportSlots`).
    pub exports: ExportSlots,
    /// Serving or draining (see `lifecycle`).
    pub lifecycle: Lifecycle,
    /// Recent help searches and suggestions (see `help::cache`).
    pub help_searches: SearchCache,
    /// Where ticket attachments are stored (see `support::attachments`).
    pub attachments: AttachmentStore,
}

impl AppState {
    /// `api_key_cache_ttl`: how long a cached key record is trusted without
    /// hearing of a change (the safety net for a missed revocation).
    pub fn new(ctx: Ctx, api_key_cache_ttl: Duration, attachments: AttachmentStore) -> Self {
        let api_keys = ApiKeyVerifier::new(
            api_key_cache_ttl,
            ctx.settings.api_key_cache_capacity,
            ctx.clock.clone(),
        );
        let exports = ExportSlots::new(ctx.settings.export_slots, ctx.settings.export_time_limit);
        Self {
            ctx,
            api_keys,
            usage: UsageMeter::default(),
            exports,
            lifecycle: Lifecycle::default(),
            help_searches: SearchCache::default(),
            attachments,
        }
    }
}

/// `state.db`, `state.settings` and `&state` where a `&Ctx` is expected: the
/// state is the plumbing plus a few feature parts.
impl Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}
